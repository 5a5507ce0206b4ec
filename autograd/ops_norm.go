package autograd

import (
	"fmt"
	"math"

	"github.com/brainreg/brainreg/simd"
)

var (
	opBatchNorm2d     = registerOp("batch_norm2d")
	opBatchNorm2dReLU = registerOp("batch_norm2d_relu")
)

// BatchNormStats are the running statistics of a batch-norm layer, which
// training updates and evaluation uses.
type BatchNormStats struct {
	Mean, Var []float32 // [C]; start at 0 and 1
	Momentum  float32   // weight of the new batch in the running averages (PyTorch's default 0.1)
	Eps       float32   // added to the variance (PyTorch's default 1e-5)
}

// NewBatchNormStats returns statistics for c channels with PyTorch's
// defaults.
func NewBatchNormStats(c int) *BatchNormStats {
	s := &BatchNormStats{Mean: make([]float32, c), Var: make([]float32, c), Momentum: 0.1, Eps: 1e-5}
	for i := range s.Var {
		s.Var[i] = 1
	}
	return s
}

// BatchNorm2d normalises each channel of x: [N, C, H, W] and applies the
// affine map gamma, beta: [C] (either may be nil: 1 and 0), as
// torch.nn.functional.batch_norm. In training it uses the batch's mean and
// biased variance over N, H, W and updates st's running averages (the
// variance there unbiased), unless st.Momentum is 0; in evaluation it uses
// st's averages. Training on the same st must not run concurrently.
//
// Channels are independent and run in parallel; within a channel, each
// (image, channel) plane is reduced with the vector kernels in float32 and
// the planes' partial sums are added in float64, in image order.
func BatchNorm2d(x, gamma, beta *Tensor, st *BatchNormStats, training bool) *Tensor {
	return batchNorm2d(opBatchNorm2d, x, gamma, beta, st, training, nil, false)
}

// BatchNormReLU returns relu(BatchNorm2d(x, gamma, beta, st, training) +
// residual) in one pass, residual: [N, C, H, W] or nil (for none): the end
// of a residual block, or batch norm followed by ReLU. It gives the numbers
// of that composition, without keeping the normalised and summed tensors in
// between (a ResNet step keeps about 40% fewer activations). The backward
// rule masks the output gradient where the result is 0 and then runs batch
// norm's rule; the residual gets the masked gradient.
func BatchNormReLU(x, gamma, beta *Tensor, st *BatchNormStats, training bool, residual *Tensor) *Tensor {
	if residual != nil && !sameShape(residual.Shape, x.Shape) {
		panic(fmt.Sprintf("autograd.BatchNormReLU: input %v and residual %v differ in shape", x.Shape, residual.Shape))
	}
	return batchNorm2d(opBatchNorm2dReLU, x, gamma, beta, st, training, residual, true)
}

// batchNorm2d is BatchNorm2d followed by + res (unless nil) and ReLU (if
// relu), per plane while the plane is in cache.
func batchNorm2d(op string, x, gamma, beta *Tensor, st *BatchNormStats, training bool, res *Tensor, relu bool) *Tensor {
	mustRank("BatchNorm2d", "input", x, 4)
	n, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	for _, p := range []*Tensor{gamma, beta} {
		if p != nil && (len(p.Shape) != 1 || p.Shape[0] != c) {
			panic(fmt.Sprintf("autograd.BatchNorm2d: input %v and parameter %v do not fit", x.Shape, p.Shape))
		}
	}
	if len(st.Mean) != c || len(st.Var) != c {
		panic(fmt.Sprintf("autograd.BatchNorm2d: input %v and running statistics of %d, %d channels", x.Shape, len(st.Mean), len(st.Var)))
	}
	m := n * hw // elements per channel
	if training && m < 2 {
		panic(fmt.Sprintf("autograd.BatchNorm2d: input %v has one value per channel; training needs more", x.Shape))
	}
	out := newResult(op, x.Shape, x, gamma, beta, res)
	// The statistics used, per channel, kept for the backward rule.
	mean := make([]float32, c)
	invStd := make([]float32, c)
	plane := func(t []float32, i, ch int) []float32 { return t[(i*c+ch)*hw:][:hw] }
	parallelFor(c, grainFor(m), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var mu, v float64
			if training {
				// Two passes: the mean, then the squared deviations from it.
				for i := range n {
					mu += float64(simd.Sum(plane(x.Data, i, ch)))
				}
				mu /= float64(m)
				for i := range n {
					v += float64(simd.SumSqDev(plane(x.Data, i, ch), float32(mu)))
				}
				v /= float64(m)
				if st.Momentum != 0 {
					mom := float64(st.Momentum)
					st.Mean[ch] = float32((1-mom)*float64(st.Mean[ch]) + mom*mu)
					st.Var[ch] = float32((1-mom)*float64(st.Var[ch]) + mom*v*float64(m)/float64(m-1))
				}
			} else {
				mu, v = float64(st.Mean[ch]), float64(st.Var[ch])
			}
			is := 1 / math.Sqrt(v+float64(st.Eps))
			mean[ch], invStd[ch] = float32(mu), float32(is)
			// y = (x − mean)·invStd·gamma + beta = x·scale + shift
			scale, shift := is, -mu*is
			if gamma != nil {
				scale *= float64(gamma.Data[ch])
				shift *= float64(gamma.Data[ch])
			}
			if beta != nil {
				shift += float64(beta.Data[ch])
			}
			for i := range n {
				var r []float32
				if res != nil {
					r = plane(res.Data, i, ch)
				}
				simd.ScaleShift(plane(out.Data, i, ch), plane(x.Data, i, ch), r, float32(scale), float32(shift), relu)
			}
		}
	})
	if out.node != nil {
		// A fresh gradient buffer is overwritten: each plane of gx is
		// cleared just before the rule adds to it, while it is in cache, and
		// the residual's gets a copy.
		out.node.backwardFresh = func(gy []float32, gin [][]float32, fresh []bool) {
			gx, k := gin[0], 1
			var gg, gb, gres []float32
			var ggFresh, gbFresh, gresFresh bool
			if gamma != nil {
				gg, ggFresh, k = gin[k], fresh[k], k+1
			}
			if beta != nil {
				gb, gbFresh, k = gin[k], fresh[k], k+1
			}
			if res != nil {
				gres, gresFresh = gin[k], fresh[k]
			}
			gxPlane := func(i, ch int) []float32 {
				p := plane(gx, i, ch)
				if fresh[0] {
					clear(p)
				}
				return p
			}
			parallelFor(c, grainFor(2*m), func(lo, hi int) {
				// The gradient reaching batch norm's output in the channel's
				// planes: gy, masked where the ReLU's output is 0, kept for
				// both passes.
				var masked []float32
				if relu {
					masked = getBuf(n * hw)
					defer putBuf(masked)
				}
				for ch := lo; ch < hi; ch++ {
					dyOf := func(i int) []float32 { return plane(gy, i, ch) }
					if relu {
						for i := range n {
							d := masked[i*hw:][:hw]
							clear(d)
							simd.ReluBackward(d, plane(gy, i, ch), plane(out.Data, i, ch))
						}
						dyOf = func(i int) []float32 { return masked[i*hw:][:hw] }
					}
					mu, is := mean[ch], invStd[ch]
					// Σ dy and Σ dy·(x − mean) over the channel; Σ dy·x̂ is
					// the latter times invStd.
					var sdy, sdyd float64
					for i := range n {
						dy := dyOf(i)
						if gres != nil {
							gr := plane(gres, i, ch)
							if gresFresh {
								copy(gr, dy)
							} else {
								simd.Add(gr, gr, dy)
							}
						}
						s, d := simd.SumDotDev(dy, plane(x.Data, i, ch), mu)
						sdy += float64(s)
						sdyd += float64(d)
					}
					sdyx := sdyd * float64(is)
					if gg != nil {
						gg[ch] = float32(sdyx) + keep(gg[ch], ggFresh)
					}
					if gb != nil {
						gb[ch] = float32(sdy) + keep(gb[ch], gbFresh)
					}
					if gx == nil {
						continue
					}
					g := float64(1)
					if gamma != nil {
						g = float64(gamma.Data[ch])
					}
					a := g * float64(is)
					if !training {
						// Constant statistics: dx = dy·gamma·invStd.
						for i := range n {
							simd.Axpy(float32(a), dyOf(i), gxPlane(i, ch))
						}
						continue
					}
					// dx = gamma·invStd · (dy − mean(dy) − x̂·mean(dy·x̂)), the
					// batch statistics' own dependence on x included. With
					// x̂ = (x − mean)·invStd: dx = a·dy + c1·x + c0.
					meanDy, meanDyx := sdy/float64(m), sdyx/float64(m)
					c1 := -a * float64(is) * meanDyx
					c0 := -a*meanDy - c1*float64(mu)
					for i := range n {
						simd.AddAffine2(gxPlane(i, ch), dyOf(i), plane(x.Data, i, ch), float32(a), float32(c1), float32(c0))
					}
				}
			})
		}
	}
	return out
}

// keep returns what a rule adds its contribution to: the buffer's value, or 0
// for a fresh buffer, whose contents are undefined.
func keep(v float32, fresh bool) float32 {
	if fresh {
		return 0
	}
	return v
}
