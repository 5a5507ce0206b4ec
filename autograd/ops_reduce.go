package autograd

import (
	"fmt"

	"github.com/brainreg/brainreg/simd"
)

var (
	opSum  = registerOp("sum")
	opMean = registerOp("mean")
	opVar  = registerOp("var")
)

// reduction describes summing x over some axes: the result's shape (the
// reduced axes removed), the strides with which x's index space maps onto the
// result (0 along reduced axes), and how many elements fold into each result.
type reduction struct {
	outShape []int
	strides  [][]int // {x's strides, the result's strides spread over x's axes}
	count    int
	all      bool // every axis is reduced
}

// newReduction resolves axes (none means all; negative counts from the end;
// repeats panic).
func newReduction(op string, x *Tensor, axes []int) reduction {
	rank := len(x.Shape)
	reduced := make([]bool, rank)
	if len(axes) == 0 {
		for i := range reduced {
			reduced[i] = true
		}
	}
	for _, a := range axes {
		a = normAxis(op, a, rank)
		if reduced[a] {
			panic(fmt.Sprintf("autograd.%s: axis %d repeated in %v", op, a, axes))
		}
		reduced[a] = true
	}
	r := reduction{count: 1, all: true}
	for i, d := range x.Shape {
		if reduced[i] {
			r.count *= d
		} else {
			r.outShape = append(r.outShape, d)
			r.all = false
		}
	}
	if r.outShape == nil {
		r.outShape = []int{}
	}
	outStrides := stridesOf(r.outShape)
	spread := make([]int, rank)
	j := 0
	for i := range rank {
		if !reduced[i] {
			spread[i] = outStrides[j]
			j++
		}
	}
	r.strides = [][]int{stridesOf(x.Shape), spread}
	return r
}

// sumInto writes into out (len = result size) the sums of x over the
// reduction, accumulating in float64. A full reduction runs in fixed blocks
// in parallel; otherwise results are independent sums walked in one fixed
// order.
func (r reduction) sumInto(out []float32, x []float32, shape []int) {
	if r.all {
		out[0] = float32(parallelSum(len(x), elemGrain/8, func(lo, hi int) float64 {
			return float64(simd.Sum(x[lo:hi]))
		}))
		return
	}
	acc := make([]float64, len(out))
	last := len(shape) - 1
	eachRow(shape, r.strides, func(offs []int, n int) {
		ix, o := offs[0], offs[1]
		if r.strides[1][last] == 0 { // the row folds into one result
			s := 0.0
			for i := range n {
				s += float64(x[ix+i])
			}
			acc[o] += s
			return
		}
		for i := range n {
			acc[o+i] += float64(x[ix+i])
		}
	})
	for i, v := range acc {
		out[i] = float32(v)
	}
}

// spreadAdd adds scale·g[result index of i] to gx[i] for every element i of
// x: the gradient of a sum.
func (r reduction) spreadAdd(gx, g []float32, scale float32, shape []int) {
	if r.all {
		v := g[0] * scale
		parallelFor(len(gx), elemGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				gx[i] += v
			}
		})
		return
	}
	last := len(shape) - 1
	step := r.strides[1][last]
	eachRow(shape, r.strides, func(offs []int, n int) {
		ix, o := offs[0], offs[1]
		for i := range n {
			gx[ix+i] += g[o+i*step] * scale
		}
	})
}

// Sum returns the sum of x over the given axes (all axes if none), which are
// removed from the shape.
func Sum(x *Tensor, axes ...int) *Tensor {
	r := newReduction(opSum, x, axes)
	out := newResult(opSum, r.outShape, x)
	r.sumInto(out.Data, x.Data, x.Shape)
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) { r.spreadAdd(gin[0], g, 1, x.Shape) }
	}
	return out
}

// Mean returns the mean of x over the given axes (all axes if none), which
// are removed from the shape.
func Mean(x *Tensor, axes ...int) *Tensor {
	r := newReduction(opMean, x, axes)
	out := newResult(opMean, r.outShape, x)
	r.sumInto(out.Data, x.Data, x.Shape)
	inv := 1 / float32(r.count)
	for i := range out.Data {
		out.Data[i] *= inv
	}
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) { r.spreadAdd(gin[0], g, inv, x.Shape) }
	}
	return out
}

// Var returns the variance of x over the given axes (all if none), dividing
// the sum of squared deviations by count − correction (correction 1 gives
// the unbiased estimate, PyTorch's default; 0 the population variance).
func Var(x *Tensor, correction int, axes ...int) *Tensor {
	r := newReduction(opVar, x, axes)
	if r.count-correction <= 0 {
		panic(fmt.Sprintf("autograd.Var: %d elements per result with correction %d (shape %v, axes %v)",
			r.count, correction, x.Shape, axes))
	}
	out := newResult(opVar, r.outShape, x)
	mean := make([]float32, len(out.Data))
	r.sumInto(mean, x.Data, x.Shape)
	for i := range mean {
		mean[i] /= float32(r.count)
	}
	// Squared deviations from the mean, folded by the same walk.
	dev := make([]float32, len(x.Data))
	r.spreadAdd(dev, mean, -1, x.Shape)
	for i, v := range x.Data {
		d := v + dev[i]
		dev[i] = d
	}
	sq := make([]float32, len(dev))
	for i, d := range dev {
		sq[i] = d * d
	}
	r.sumInto(out.Data, sq, x.Shape)
	div := float32(r.count - correction)
	for i := range out.Data {
		out.Data[i] /= div
	}
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			// d var / d xᵢ = 2(xᵢ − mean)/(count − correction); the mean's own
			// dependence on xᵢ cancels because deviations sum to zero.
			gx := gin[0]
			tmp := make([]float32, len(dev))
			r.spreadAdd(tmp, g, 2/div, x.Shape)
			for i := range gx {
				gx[i] += tmp[i] * dev[i]
			}
		}
	}
	return out
}
