package autograd

import (
	"fmt"
	"math"

	"github.com/brainreg/brainreg/simd"
)

var (
	opPoissonNLL       = registerOp("poisson_nll")
	opCosineSimilarity = registerOp("cosine_similarity")
	opPairCosine       = registerOp("pair_cosine")
)

// PoissonNLL returns the mean over all elements of pred − target·log(pred +
// eps): the Poisson negative log-likelihood of observed counts target under
// predicted rates pred, up to a term in target alone, as PyTorch's
// PoissonNLLLoss(log_input=False, full=False) with reduction "mean". Both
// arguments get gradients (the target's is −log(pred+eps)/M).
func PoissonNLL(pred, target *Tensor, eps float32) *Tensor {
	if !sameShape(pred.Shape, target.Shape) {
		panic(fmt.Sprintf("autograd.PoissonNLL: prediction %v and target %v differ", pred.Shape, target.Shape))
	}
	out := newResult(opPoissonNLL, []int{}, pred, target)
	m := len(pred.Data)
	s := parallelSum(m, elemGrain, func(lo, hi int) float64 {
		s := 0.0
		for i := lo; i < hi; i++ {
			p := float64(pred.Data[i])
			s += p - float64(target.Data[i])*math.Log(p+float64(eps))
		}
		return s
	})
	out.Data[0] = float32(s / float64(m))
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			gp, gt := gin[0], gin[1]
			scale := float64(g[0]) / float64(m)
			parallelFor(m, elemGrain, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					pe := float64(pred.Data[i]) + float64(eps)
					if gp != nil {
						gp[i] += float32(scale * (1 - float64(target.Data[i])/pe))
					}
					if gt != nil {
						gt[i] += float32(-scale * math.Log(pe))
					}
				}
			})
		}
	}
	return out
}

// CosineSimilarity returns, for each row i, a[i]·b[i] / max(‖a[i]‖·‖b[i]‖,
// eps): a, b: [N, D] → [N], as torch.nn.functional.cosine_similarity along
// dim 1 (up to how eps enters). For all pairs of rows, normalise the rows and
// use MatMul instead.
func CosineSimilarity(a, b *Tensor, eps float32) *Tensor {
	if len(a.Shape) != 2 || !sameShape(a.Shape, b.Shape) {
		panic(fmt.Sprintf("autograd.CosineSimilarity: shapes %v and %v, want two equal [N, D]", a.Shape, b.Shape))
	}
	n, d := a.Shape[0], a.Shape[1]
	out := newResult(opCosineSimilarity, []int{n}, a, b)
	// Per row: a·b, ‖a‖, ‖b‖, in float64.
	dot, na, nb := make([]float64, n), make([]float64, n), make([]float64, n)
	parallelFor(n, grainFor(2*d), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ar, br := a.Data[r*d:][:d], b.Data[r*d:][:d]
			var s, sa, sb float64
			for i := range ar {
				x, y := float64(ar[i]), float64(br[i])
				s, sa, sb = s+x*y, sa+x*x, sb+y*y
			}
			dot[r], na[r], nb[r] = s, math.Sqrt(sa), math.Sqrt(sb)
			out.Data[r] = float32(s / max(na[r]*nb[r], float64(eps)))
		}
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			ga, gb := gin[0], gin[1]
			parallelFor(n, grainFor(2*d), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					ar, br := a.Data[r*d:][:d], b.Data[r*d:][:d]
					den, ca, cb := cosineGradCoeffs(dot[r], na[r], nb[r], eps)
					gr := float64(g[r])
					for i := range ar {
						x, y := float64(ar[i]), float64(br[i])
						if ga != nil {
							ga[r*d+i] += float32(gr * (y/den - ca*x))
						}
						if gb != nil {
							gb[r*d+i] += float32(gr * (x/den - cb*y))
						}
					}
				}
			})
		}
	}
	return out
}

// cosineGradCoeffs returns the coefficients of the gradient of
// cos = a·b / max(‖a‖‖b‖, eps) given a·b, ‖a‖ and ‖b‖:
// ∂cos/∂a = b/den − ca·a and ∂cos/∂b = a/den − cb·b. Above eps, den =
// ‖a‖‖b‖, ca = cos/‖a‖² and cb = cos/‖b‖²; clamped at eps the denominator
// is a constant, den = eps and ca = cb = 0.
func cosineGradCoeffs(dot, na, nb float64, eps float32) (den, ca, cb float64) {
	den = na * nb
	if den <= float64(eps) {
		return float64(eps), 0, 0
	}
	c := dot / den
	return den, c / (na * na), c / (nb * nb)
}

// PairCosine returns, for each pair p < pairs, the cosine similarity of two
// centred images of x: [N, C, H, W] → [pairs],
//
//	a·b / max(‖a‖·‖b‖, eps),  a = x[first+p] − centre,  b = x[first+pairs+p] − centre,
//
// where centre: [C] is a constant (no gradient) subtracted from every pixel
// of its channel. It equals Sub, Slice, Reshape and CosineSimilarity in
// turn, in one pass: no copy of the feature maps is made, and the gradient
// is added only to the 2·pairs images read. Channel by channel, the two
// images' centred planes go to a small scratch buffer (float32, as Sub
// would make them) and the vector kernels of simd take their dot products
// and add the gradient; the channels' sums are added in float64 in channel
// order. Pairs run in parallel, each alone in its sums, so results do not
// depend on the thread count.
func PairCosine(x *Tensor, centre []float32, first, pairs int, eps float32) *Tensor {
	if len(x.Shape) != 4 || len(centre) != x.Shape[1] || pairs < 1 || first < 0 || first+2*pairs > x.Shape[0] {
		panic(fmt.Sprintf("autograd.PairCosine: input %v with %d centres, pairs %d from image %d; want [N, C, H, W] with C centres and first+2·pairs ≤ N",
			x.Shape, len(centre), pairs, first))
	}
	c, hw := x.Shape[1], x.Shape[2]*x.Shape[3]
	d := c * hw
	out := newResult(opPairCosine, []int{pairs}, x)
	dot, na, nb := make([]float64, pairs), make([]float64, pairs), make([]float64, pairs)
	rows := func(p int) (a, b []float32) {
		return x.Data[(first+p)*d:][:d], x.Data[(first+pairs+p)*d:][:d]
	}
	// centred writes channel ch of a and b, less its centre, to u and v.
	centred := func(a, b, u, v []float32, ch int) {
		simd.ScaleShift(u, a[ch*hw:][:hw], nil, 1, -centre[ch], false)
		simd.ScaleShift(v, b[ch*hw:][:hw], nil, 1, -centre[ch], false)
	}
	parallelFor(pairs, grainFor(2*d), func(lo, hi int) {
		buf := getBuf(2 * hw)
		defer putBuf(buf)
		u, v := buf[:hw], buf[hw:]
		for p := lo; p < hi; p++ {
			a, b := rows(p)
			var s, sa, sb float64
			for ch := range c {
				centred(a, b, u, v, ch)
				s += float64(simd.Dot(u, v))
				sa += float64(simd.Dot(u, u))
				sb += float64(simd.Dot(v, v))
			}
			dot[p], na[p], nb[p] = s, math.Sqrt(sa), math.Sqrt(sb)
			out.Data[p] = float32(s / max(na[p]*nb[p], float64(eps)))
		}
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			gx := gin[0]
			parallelFor(pairs, grainFor(2*d), func(lo, hi int) {
				buf := getBuf(2 * hw)
				defer putBuf(buf)
				u, v := buf[:hw], buf[hw:]
				for p := lo; p < hi; p++ {
					a, b := rows(p)
					ga, gb := gx[(first+p)*d:][:d], gx[(first+pairs+p)*d:][:d]
					den, ca, cb := cosineGradCoeffs(dot[p], na[p], nb[p], eps)
					gp := float64(g[p])
					// ∂/∂a = g·(v/den − ca·u), ∂/∂b = g·(u/den − cb·v)
					// other: the coefficient of the other image's plane (the same
					// for both); selfA, selfB: of the image's own plane.
					other, selfA, selfB := float32(gp/den), float32(-gp*ca), float32(-gp*cb)
					for ch := range c {
						centred(a, b, u, v, ch)
						simd.AddAffine2(ga[ch*hw:][:hw], v, u, other, selfA, 0)
						simd.AddAffine2(gb[ch*hw:][:hw], u, v, other, selfB, 0)
					}
				}
			})
		}
	}
	return out
}
