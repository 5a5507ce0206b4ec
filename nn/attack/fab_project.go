package attack

import (
	"cmp"
	"math"
	"slices"
)

// The projections of FAB onto the intersection of a hyperplane and the box:
// ports of projection_linf and projection_l2 in AutoAttack's
// autoattack/fab_projections.py (github.com/fra31/auto-attack), one point
// at a time, in float64. Each returns the step d of least norm with
// w·(t + d) = b and t + d ∈ [0, 1]ᴰ when the hyperplane meets the box, and
// otherwise the step to the corner of the box that goes farthest towards
// it (the point of the box that minimises |w·x − b|, reached along the
// direction of steepest descent). Coordinates with w_i = 0 (L∞) or
// |w_i| ≤ 10⁻⁸ (L2) never move. The order of operations, the case
// analysis, the bisection (with its fixed ⌈log₂ D⌉ rounds) and the
// reference's clamps are kept as they are, so that the two agree to
// rounding; ties of the sorts are broken by index (PyTorch's argsort is
// unstable there), which changes nothing but rounding: tied breakpoints
// give the same piecewise-linear function.

// fabScratch holds the work arrays of the projections, reused from call to
// call by one goroutine.
type fabScratch struct {
	w, a, p, s, sb, r, rs, rs2, ws []float64
	idx                            []int
}

func (sc *fabScratch) grow(n int) {
	if cap(sc.w) >= n+1 {
		return
	}
	f := func() []float64 { return make([]float64, n+1) }
	sc.w, sc.a, sc.p, sc.s, sc.sb, sc.r, sc.rs, sc.rs2, sc.ws = f(), f(), f(), f(), f(), f(), f(), f(), f()
	sc.idx = make([]int, n)
}

// argsortInto writes into idx the indices of v in increasing order of
// value, ties by index.
func argsortInto(idx []int, v []float64) {
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return cmp.Compare(v[i], v[j]) })
}

// fabProjection writes into d ([D]) the step of projection_linf (Linf) or
// projection_l2 (L2) from the point t ([D]) onto {x : w·x = b} ∩ [0, 1]ᴰ.
func fabProjection(n Norm, t, w []float64, b float64, d []float64, sc *fabScratch) {
	if n == Linf {
		projectionLinf(t, w, b, d, sc)
	} else {
		projectionL2(t, w, b, d, sc)
	}
}

func dot64(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// bisectionRounds is the reference's nitermax, ⌈log₂ D⌉.
func bisectionRounds(n int) int { return int(math.Ceil(math.Log2(float64(n)))) }

// projectionLinf is projection_linf. With t on the side w·t ≥ b (the
// hyperplane's sign flipped if need be), moving by λ in L∞ towards the
// lower side changes w·x by −Σ|w_i|·min(λ, p_i), p_i the distance of t_i to
// the bound it moves towards; that function of λ is piecewise linear with
// breakpoints p_i, and the bisection finds the piece on which it reaches
// b − w·t.
func projectionLinf(t, w0 []float64, b float64, d []float64, sc *fabScratch) {
	nd := len(t)
	sc.grow(nd)
	w, a, p, s, sb, idx := sc.w[:nd], sc.a[:nd], sc.p[:nd], sc.s[:nd], sc.sb[:nd], sc.idx[:nd]
	copy(w, w0)
	// sign = 2·((w·t − b) ≥ 0) − 1; w, b ← sign·w, sign·b.
	if !(dot64(w, t)-b >= 0) {
		for i := range w {
			w[i] = -w[i]
		}
		b = -b
	}
	for i, wi := range w {
		a[i] = 0
		if wi < 0 {
			a[i] = 1
		}
		d[i] = 0
		if wi != 0 {
			d[i] = a[i] - t[i]
		}
		p[i] = a[i] - t[i]*(2*a[i]-1)
	}
	argsortInto(idx, p) // indp
	b -= dot64(w, t)
	b0 := dot64(w, d)
	// In decreasing order of p (indp2 = indp flipped): s = cumsum |w|,
	// sb = cumsum(−w·d) + b0.
	cs, csb := 0.0, 0.0
	for k := range nd {
		i := idx[nd-1-k]
		cs += math.Abs(w[i])
		csb += -w[i] * d[i]
		s[k], sb[k] = cs, csb+b0
	}
	b2 := sb[nd-1] - s[nd-1]*p[idx[0]]
	cl := b-b2 > 0
	c2 := b-b0 > 0 && b-b2 <= 0
	switch {
	case cl:
		lmbd := clampMin((b-sb[nd-1])/(-s[nd-1]), 0)
		for i := range d {
			d[i] = (2*a[i] - 1) * lmbd
		}
	case c2:
		lb, ub := 0.0, float64(nd-1)
		for range bisectionRounds(nd) {
			c4 := math.Floor((lb + ub) / 2)
			k := int(c4)
			cur := idx[nd-1-k]
			if b-(sb[k]-s[k]*p[cur]) > 0 {
				lb = c4
			} else {
				ub = c4
			}
		}
		k := int(lb)
		lmbd := clampMin((b-sb[k])/(-s[k]), 0)
		for i := range d {
			d[i] = torchMin(lmbd, d[i])*a[i] + torchMax(-lmbd, d[i])*(1-a[i])
		}
	}
	for i, wi := range w {
		if wi == 0 {
			d[i] *= 0
		}
	}
}

// projectionL2 is projection_l2. With t on the side w·t − b = c ≥ 0,
// moving along −w by λ (each coordinate stopping at its bound, which it
// reaches at λ = r_i) changes w·x by −Σ w_i²·min(λ, r_i); s holds that
// change at the sorted breakpoints, and the bisection finds the piece on
// which it reaches −c.
func projectionL2(t, w0 []float64, b float64, d []float64, sc *fabScratch) {
	const big = 1e12
	nd := len(t)
	sc.grow(nd)
	w, r, rs, rs2, ws, s, idx := sc.w[:nd], sc.r[:nd], sc.rs[:nd], sc.rs2[:nd], sc.ws[:nd], sc.s[:nd+1], sc.idx[:nd]
	copy(w, w0)
	c := dot64(w, t) - b
	if c < 0 {
		for i := range w {
			w[i] = -w[i]
		}
		c = -c
	}
	for i, wi := range w {
		ri := min(max(torchMax(t[i]/wi, (t[i]-1)/wi), -big), big) // NaN stays NaN, as clamp
		if math.Abs(wi) < 1e-8 {
			ri = big
		}
		if ri == -big {
			ri = -ri
		}
		r[i] = ri
	}
	argsortInto(idx, r) // indr
	for k, i := range idx {
		rs[k] = r[i]
	}
	for k := range nd - 1 {
		rs2[k] = rs[k+1]
	}
	rs2[nd-1] = 0
	for k := range nd {
		if rs[k] == big {
			rs[k] = 0
		}
		if rs2[k] == big {
			rs2[k] = 0
		}
	}
	// w3s = w² in the order of r; w5 = Σ w3s; ws = w5 − cumsum(w3s).
	w5 := 0.0
	for _, i := range idx {
		w5 += w[i] * w[i]
	}
	cum := 0.0
	for k, i := range idx {
		cum += w[i] * w[i]
		ws[k] = w5 - cum
	}
	for i, wi := range w {
		d[i] = -(r[i] * wi)
		if !(math.Abs(wi) > 1e-8) {
			d[i] *= 0
		}
	}
	// s = [−w5·rs₀, cumsum((rs − rs2)·ws) − w5·rs₀].
	s[0] = -w5 * rs[0]
	cum = 0
	for k := range nd {
		cum += (-rs2[k] + rs[k]) * ws[k]
		s[k+1] = cum - w5*rs[0]
	}
	c4 := s[0]+c < 0
	c3 := dot64(d, w)+c > 0
	switch {
	case c4:
		alpha := c / w5
		for i, wi := range w {
			d[i] = -alpha * wi
		}
	case !c3:
		lb, ub := 0.0, float64(nd-1)
		for range bisectionRounds(nd) {
			c4 := math.Floor((lb + ub) / 2)
			if s[int(c4)]+c > 0 {
				lb = c4
			} else {
				ub = c4
			}
		}
		k := int(lb)
		alpha := (s[k]+c)/ws[k] + rs[k]
		if ws[k] == 0 {
			alpha = 0
		}
		for i, wi := range w {
			c5 := 0.0
			if alpha > r[i] {
				c5 = 1
			}
			d[i] = d[i]*c5 - alpha*wi*(1-c5)
		}
	}
	for i, wi := range w {
		if !(math.Abs(wi) > 1e-8) {
			d[i] *= 0
		}
	}
}

// torchMin and torchMax are torch.min and torch.max of two values: NaN if
// either is NaN (math.Min and math.Max also order −0 below +0, which
// PyTorch does not; the results here are multiplied by 0 or 1 and the sign
// of a zero step changes no pixel).
func torchMin(x, y float64) float64 {
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.NaN()
	}
	if y < x {
		return y
	}
	return x
}

func torchMax(x, y float64) float64 {
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.NaN()
	}
	if y > x {
		return y
	}
	return x
}

// clampMin is torch.clamp_min(x, lo): NaN stays NaN.
func clampMin(x, lo float64) float64 {
	if x < lo {
		return lo
	}
	return x
}
