package autograd

import (
	"fmt"

	"github.com/brainreg/brainreg/simd"
)

var (
	opReshape = registerOp("reshape")
	opPermute = registerOp("permute")
	opConcat  = registerOp("concat")
	opSlice   = registerOp("slice")
	opPad2d   = registerOp("pad2d")
)

// Reshape returns x with a new shape of the same size, sharing x's data
// (a view; nothing is copied). One dimension may be −1, inferred.
func Reshape(x *Tensor, shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("autograd.Reshape: shape %v for input %v", shape, x.Shape))
		default:
			known *= d
		}
	}
	if infer >= 0 && known > 0 {
		shape[infer] = len(x.Data) / known
	}
	if numel(shape) != len(x.Data) {
		panic(fmt.Sprintf("autograd.Reshape: input %v cannot take shape %v", x.Shape, shape))
	}
	out := viewResult(opReshape, shape, x)
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			parallelFor(len(g), elemGrain, func(lo, hi int) { addTo(gin[0], g, lo, hi) })
		}
	}
	return out
}

// Flatten reshapes x: [N, …] to [N, rest].
func Flatten(x *Tensor) *Tensor { return Reshape(x, x.Shape[0], -1) }

// Permute returns x with its axes reordered: axis i of the result is axis
// perm[i] of x. The data is copied into the new order.
func Permute(x *Tensor, perm ...int) *Tensor {
	rank := len(x.Shape)
	if len(perm) != rank {
		panic(fmt.Sprintf("autograd.Permute: permutation %v for input %v", perm, x.Shape))
	}
	seen := make([]bool, rank)
	shape := make([]int, rank)
	xs := stridesOf(x.Shape)
	src := make([]int, rank) // x's strides in the result's axis order
	for i, p := range perm {
		if p < 0 || p >= rank || seen[p] {
			panic(fmt.Sprintf("autograd.Permute: permutation %v for input %v", perm, x.Shape))
		}
		seen[p] = true
		shape[i], src[i] = x.Shape[p], xs[p]
	}
	out := newResult(opPermute, shape, x)
	strides := [][]int{stridesOf(shape), src}
	step := 0
	if rank > 0 {
		step = src[rank-1]
	}
	eachRow(shape, strides, func(offs []int, n int) {
		o, ix := offs[0], offs[1]
		for i := range n {
			out.Data[o+i] = x.Data[ix+i*step]
		}
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			gx := gin[0]
			eachRow(shape, strides, func(offs []int, n int) {
				o, ix := offs[0], offs[1]
				for i := range n {
					gx[ix+i*step] += g[o+i]
				}
			})
		}
	}
	return out
}

// Transpose swaps axes a and b (negative counts from the end).
func Transpose(x *Tensor, a, b int) *Tensor {
	rank := len(x.Shape)
	a, b = normAxis("Transpose", a, rank), normAxis("Transpose", b, rank)
	perm := make([]int, rank)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = b, a
	return Permute(x, perm...)
}

// blocks describes a tensor as outer blocks along an axis: outer = product
// of the axes before it, inner = product of the axes after it.
func blocks(shape []int, axis int) (outer, inner int) {
	return numel(shape[:axis]), numel(shape[axis+1:])
}

// Concat joins tensors along axis; all other axes must agree.
func Concat(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("autograd.Concat: no inputs")
	}
	rank := len(xs[0].Shape)
	axis = normAxis("Concat", axis, rank)
	shape := append([]int(nil), xs[0].Shape...)
	shape[axis] = 0
	for _, x := range xs {
		ok := len(x.Shape) == rank
		for d := 0; ok && d < rank; d++ {
			ok = d == axis || x.Shape[d] == xs[0].Shape[d]
		}
		if !ok {
			panic(fmt.Sprintf("autograd.Concat: shapes %v and %v do not join along axis %d", xs[0].Shape, x.Shape, axis))
		}
		shape[axis] += x.Shape[axis]
	}
	out := newResult(opConcat, shape, xs...)
	outer, inner := blocks(shape, axis)
	row := shape[axis] * inner // elements of one outer block of the result
	// Each input's block is a contiguous run at offset off within the row.
	offs := make([]int, len(xs))
	off := 0
	for k, x := range xs {
		offs[k] = off
		off += x.Shape[axis] * inner
	}
	for k, x := range xs {
		n := x.Shape[axis] * inner
		for o := range outer {
			copy(out.Data[o*row+offs[k]:][:n], x.Data[o*n:][:n])
		}
	}
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			for k, x := range xs {
				if gin[k] == nil {
					continue
				}
				n := x.Shape[axis] * inner
				for o := range outer {
					simd.Axpy(1, g[o*row+offs[k]:][:n], gin[k][o*n:][:n])
				}
			}
		}
	}
	return out
}

// Slice returns the elements start … end−1 of x along axis (a copy).
func Slice(x *Tensor, axis, start, end int) *Tensor {
	axis = normAxis("Slice", axis, len(x.Shape))
	if start < 0 || end > x.Shape[axis] || start > end {
		panic(fmt.Sprintf("autograd.Slice: [%d:%d] along axis %d of input %v", start, end, axis, x.Shape))
	}
	shape := append([]int(nil), x.Shape...)
	shape[axis] = end - start
	out := newResult(opSlice, shape, x)
	outer, inner := blocks(x.Shape, axis)
	in, n, off := x.Shape[axis]*inner, (end-start)*inner, start*inner
	for o := range outer {
		copy(out.Data[o*n:][:n], x.Data[o*in+off:][:n])
	}
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			for o := range outer {
				simd.Axpy(1, g[o*n:][:n], gin[0][o*in+off:][:n])
			}
		}
	}
	return out
}

// PadMode says what Pad2d fills the border with.
type PadMode int

const (
	PadZero    PadMode = iota // zeros
	PadReflect                // the input mirrored about its edge row/column, edge not repeated (PyTorch's "reflect")
)

// Pad2d pads the last two axes of x: left and right columns, top and bottom
// rows. x: [..., H, W] → [..., H+top+bottom, W+left+right]. Reflect padding
// must be smaller than the axis it reflects.
func Pad2d(x *Tensor, left, right, top, bottom int, mode PadMode) *Tensor {
	rank := len(x.Shape)
	if rank < 2 || left < 0 || right < 0 || top < 0 || bottom < 0 {
		panic(fmt.Sprintf("autograd.Pad2d: input %v with padding %d %d %d %d", x.Shape, left, right, top, bottom))
	}
	h, w := x.Shape[rank-2], x.Shape[rank-1]
	if mode == PadReflect && (max(top, bottom) >= h || max(left, right) >= w) {
		panic(fmt.Sprintf("autograd.Pad2d: reflect padding %d %d %d %d too large for input %v", left, right, top, bottom, x.Shape))
	}
	ho, wo := h+top+bottom, w+left+right
	shape := append([]int(nil), x.Shape...)
	shape[rank-2], shape[rank-1] = ho, wo
	out := newResult(opPad2d, shape, x)
	planes := numel(x.Shape[:rank-2])
	// src maps an output row or column to the input one, or −1 for zeros.
	src := func(i, pad, n int) int {
		j := i - pad
		if j >= 0 && j < n {
			return j
		}
		if mode == PadZero {
			return -1
		}
		if j < 0 {
			return -j
		}
		return 2*(n-1) - j
	}
	parallelFor(planes, grainFor(ho*wo), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			in, o := x.Data[p*h*w:][:h*w], out.Data[p*ho*wo:][:ho*wo]
			for oy := range ho {
				iy := src(oy, top, h)
				for ox := range wo {
					ix := src(ox, left, w)
					if iy < 0 || ix < 0 {
						o[oy*wo+ox] = 0
					} else {
						o[oy*wo+ox] = in[iy*w+ix]
					}
				}
			}
		}
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			gx := gin[0]
			parallelFor(planes, grainFor(ho*wo), func(lo, hi int) {
				for p := lo; p < hi; p++ {
					d, s := gx[p*h*w:][:h*w], g[p*ho*wo:][:ho*wo]
					for oy := range ho {
						iy := src(oy, top, h)
						for ox := range wo {
							if ix := src(ox, left, w); iy >= 0 && ix >= 0 {
								d[iy*w+ix] += s[oy*wo+ox]
							}
						}
					}
				}
			})
		}
	}
	return out
}
