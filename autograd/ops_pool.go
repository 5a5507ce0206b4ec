package autograd

import (
	"fmt"
	"math"

	"github.com/brainreg/brainreg/simd"
)

var (
	opMaxPool2d       = registerOp("max_pool2d")
	opAvgPool2d       = registerOp("avg_pool2d")
	opGlobalAvgPool2d = registerOp("global_avg_pool2d")
)

// poolGeom is the geometry of a k×k pooling window moved by stride over an
// input padded by pad on every side; the output size rounds down, as in
// PyTorch.
type poolGeom struct {
	n, c, h, w, k, stride, pad, ho, wo int
}

func newPoolGeom(op string, x *Tensor, k, stride, pad int) poolGeom {
	mustRank(op, "input", x, 4)
	if k < 1 || stride < 1 || pad < 0 || 2*pad > k || x.Shape[2]+2*pad < k || x.Shape[3]+2*pad < k {
		panic(fmt.Sprintf("autograd.%s: input %v with window %d, stride %d, padding %d", op, x.Shape, k, stride, pad))
	}
	g := poolGeom{n: x.Shape[0], c: x.Shape[1], h: x.Shape[2], w: x.Shape[3], k: k, stride: stride, pad: pad}
	g.ho = (g.h+2*pad-k)/stride + 1
	g.wo = (g.w+2*pad-k)/stride + 1
	return g
}

// window returns the rows [y0, y1) and columns [x0, x1) of the input that
// output (oy, ox)'s window covers, clipped to the input.
func (g poolGeom) window(oy, ox int) (y0, y1, x0, x1 int) {
	y0, x0 = oy*g.stride-g.pad, ox*g.stride-g.pad
	return max(y0, 0), min(y0+g.k, g.h), max(x0, 0), min(x0+g.k, g.w)
}

// MaxPool2d returns the maximum over each k×k window; padding counts as
// −Inf. x: [N, C, H, W] → [N, C, Ho, Wo]. The gradient goes to the first
// maximum of each window in row-major order.
func MaxPool2d(x *Tensor, k, stride, pad int) *Tensor {
	g := newPoolGeom("MaxPool2d", x, k, stride, pad)
	out := newResult(opMaxPool2d, []int{g.n, g.c, g.ho, g.wo}, x)
	planes, hw, hwo := g.n*g.c, g.h*g.w, g.ho*g.wo
	// argmax[p·hwo + o] is the input index within the plane of output o's
	// maximum; it is kept for the backward rule only.
	var argmax []int32
	if out.node != nil {
		argmax = make([]int32, planes*hwo)
	}
	parallelFor(planes, grainFor(hw*k), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src, dst := x.Data[p*hw:][:hw], out.Data[p*hwo:][:hwo]
			for oy := range g.ho {
				for ox := range g.wo {
					y0, y1, x0, x1 := g.window(oy, ox)
					best, at := float32(math.Inf(-1)), y0*g.w+x0
					for iy := y0; iy < y1; iy++ {
						for ix := x0; ix < x1; ix++ {
							if v := src[iy*g.w+ix]; v > best {
								best, at = v, iy*g.w+ix
							}
						}
					}
					dst[oy*g.wo+ox] = best
					if argmax != nil {
						argmax[p*hwo+oy*g.wo+ox] = int32(at)
					}
				}
			}
		}
	})
	if out.node != nil {
		out.node.backward = func(gy []float32, gin [][]float32) {
			gx := gin[0]
			parallelFor(planes, grainFor(hwo), func(lo, hi int) {
				for p := lo; p < hi; p++ {
					for o, at := range argmax[p*hwo : (p+1)*hwo] {
						gx[p*hw+int(at)] += gy[p*hwo+o]
					}
				}
			})
		}
	}
	return out
}

// AvgPool2d returns the mean over each k×k window, counting padding as
// zeros in the divisor k² (PyTorch's count_include_pad=True).
// x: [N, C, H, W] → [N, C, Ho, Wo].
func AvgPool2d(x *Tensor, k, stride, pad int) *Tensor {
	g := newPoolGeom("AvgPool2d", x, k, stride, pad)
	out := newResult(opAvgPool2d, []int{g.n, g.c, g.ho, g.wo}, x)
	planes, hw, hwo := g.n*g.c, g.h*g.w, g.ho*g.wo
	inv := 1 / float32(k*k)
	parallelFor(planes, grainFor(hw*k), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src, dst := x.Data[p*hw:][:hw], out.Data[p*hwo:][:hwo]
			for oy := range g.ho {
				for ox := range g.wo {
					y0, y1, x0, x1 := g.window(oy, ox)
					var s float32
					for iy := y0; iy < y1; iy++ {
						for ix := x0; ix < x1; ix++ {
							s += src[iy*g.w+ix]
						}
					}
					dst[oy*g.wo+ox] = s * inv
				}
			}
		}
	})
	if out.node != nil {
		out.node.backward = func(gy []float32, gin [][]float32) {
			gx := gin[0]
			parallelFor(planes, grainFor(hw*k), func(lo, hi int) {
				for p := lo; p < hi; p++ {
					dst, src := gx[p*hw:][:hw], gy[p*hwo:][:hwo]
					for oy := range g.ho {
						for ox := range g.wo {
							y0, y1, x0, x1 := g.window(oy, ox)
							v := src[oy*g.wo+ox] * inv
							for iy := y0; iy < y1; iy++ {
								for ix := x0; ix < x1; ix++ {
									dst[iy*g.w+ix] += v
								}
							}
						}
					}
				}
			})
		}
	}
	return out
}

// GlobalAvgPool2d returns the mean of each channel plane.
// x: [N, C, H, W] → [N, C].
func GlobalAvgPool2d(x *Tensor) *Tensor {
	mustRank("GlobalAvgPool2d", "input", x, 4)
	n, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	out := newResult(opGlobalAvgPool2d, []int{n, c}, x)
	inv := 1 / float32(hw)
	parallelFor(n*c, grainFor(hw), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			out.Data[p] = simd.Sum(x.Data[p*hw:(p+1)*hw]) * inv
		}
	})
	if out.node != nil {
		out.node.backward = func(gy []float32, gin [][]float32) {
			gx := gin[0]
			parallelFor(n*c, grainFor(hw), func(lo, hi int) {
				for p := lo; p < hi; p++ {
					addConst(gx[p*hw:(p+1)*hw], gy[p]*inv)
				}
			})
		}
	}
	return out
}
