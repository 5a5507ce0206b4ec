package autograd

import (
	"fmt"
	"math"
)

var opBatchNorm2d = registerOp("batch_norm2d")

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
func BatchNorm2d(x, gamma, beta *Tensor, st *BatchNormStats, training bool) *Tensor {
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
	out := newResult(opBatchNorm2d, x.Shape, x, gamma, beta)
	mean := make([]float32, c)
	invStd := make([]float32, c)
	plane := func(i, ch int) int { return (i*c + ch) * hw }
	parallelFor(c, grainFor(m), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var mu, v float64
			if training {
				// Two passes in float64: mean, then squared deviations.
				for i := range n {
					for _, xv := range x.Data[plane(i, ch):][:hw] {
						mu += float64(xv)
					}
				}
				mu /= float64(m)
				for i := range n {
					for _, xv := range x.Data[plane(i, ch):][:hw] {
						d := float64(xv) - mu
						v += d * d
					}
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
			scale, shift := float32(is), float32(-mu*is)
			if gamma != nil {
				scale *= gamma.Data[ch]
				shift *= gamma.Data[ch]
			}
			if beta != nil {
				shift += beta.Data[ch]
			}
			for i := range n {
				src := x.Data[plane(i, ch):][:hw]
				dst := out.Data[plane(i, ch):][:hw]
				for j, xv := range src {
					dst[j] = xv*scale + shift
				}
			}
		}
	})
	if out.node != nil {
		out.node.backward = func(gy []float32, gin [][]float32) {
			gx, k := gin[0], 1
			var gg, gb []float32
			if gamma != nil {
				gg, k = gin[k], k+1
			}
			if beta != nil {
				gb = gin[k]
			}
			parallelFor(c, grainFor(2*m), func(lo, hi int) {
				for ch := lo; ch < hi; ch++ {
					mu, is := mean[ch], invStd[ch]
					// Σ dy and Σ dy·x̂ over the channel, x̂ = (x − mean)·invStd.
					var sdy, sdyx float64
					for i := range n {
						dy := gy[plane(i, ch):][:hw]
						for j, xv := range x.Data[plane(i, ch):][:hw] {
							sdy += float64(dy[j])
							sdyx += float64(dy[j]) * float64((xv-mu)*is)
						}
					}
					if gg != nil {
						gg[ch] += float32(sdyx)
					}
					if gb != nil {
						gb[ch] += float32(sdy)
					}
					if gx == nil {
						continue
					}
					g := float32(1)
					if gamma != nil {
						g = gamma.Data[ch]
					}
					if !training {
						// Constant statistics: dx = dy·gamma·invStd.
						for i := range n {
							dx, dy := gx[plane(i, ch):][:hw], gy[plane(i, ch):][:hw]
							for j := range dx {
								dx[j] += dy[j] * g * is
							}
						}
						continue
					}
					// dx = gamma·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂)), the batch
					// statistics' own dependence on x included.
					a := g * is
					meanDy, meanDyx := float32(sdy/float64(m)), float32(sdyx/float64(m))
					for i := range n {
						dx, dy := gx[plane(i, ch):][:hw], gy[plane(i, ch):][:hw]
						for j, xv := range x.Data[plane(i, ch):][:hw] {
							xh := (xv - mu) * is
							dx[j] += a * (dy[j] - meanDy - xh*meanDyx)
						}
					}
				}
			})
		}
	}
	return out
}
