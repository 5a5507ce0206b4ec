package attack

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/autograd"
)

// Known-answer cases for minimal-norm attacks: classifiers on [1, 8, 8]
// images whose minimal adversarial perturbation of every image is known
// exactly, in L∞ and in L2, because the box [0, 1] does not bind (checked
// by TestKnownCasesBoxFree).
//
// Exactness against float32. The minimal sizes are those of the exact
// (real-valued) classifier, computed in float64 from the float32 weights
// and pixels. The model itself computes its logits in float32, so a point
// it misclassifies may lie a hair inside the exact boundary: a dot product
// of D terms summed in float32, in any order and with or without fused
// multiply-adds, is off by at most γ_{D+1}·Σ|wⱼxⱼ| plus the bias, with
// γₙ = nu/(1 − nu) and u = 2⁻²⁴ (Higham, "Accuracy and Stability of
// Numerical Algorithms", §3.1). knownCase.slack turns that bound on the
// logits at the adversarial point into a bound on how far below the exact
// minimal size the model can be fooled. It is a worst case, 4·10⁻⁵ to
// 4·10⁻⁴ of the sizes here; actual float32 errors are far smaller (FMN
// gets as far as 5·10⁻⁷ below). A fixed relative allowance such as 10⁻⁶
// would not be a bound: the rounding error of the logits is relative to
// Σ|wⱼxⱼ|, not to the margin, which is some 100 times smaller.

// knownCase is a classifier with known minimal perturbations.
type knownCase struct {
	name   string
	model  Model
	images Images // correctly classified
	// minimal is the exact minimal perturbation of the clean image x in
	// the norm.
	minimal func(n Norm, x []float32) float64
	// slack bounds how far (in the norm) below the exact minimal size the
	// float32 model can misclassify the point adv.
	slack func(n Norm, adv []float32) float64
	// optimal is the exact minimal perturbation of x itself (float64), to
	// check that the box does not bind.
	optimal func(n Norm, x []float32) []float64
}

// knownCases returns the linear and the piecewise-linear case with n
// images each.
func knownCases(n int, seed uint64) []knownCase {
	return []knownCase{knownLinear(n, seed), knownPiecewise(n, seed)}
}

// knownGamma is Higham's γₙ = nu/(1 − nu) for float32.
func knownGamma(n int) float64 {
	u := math.Ldexp(1, -24)
	return float64(n) * u / (1 - float64(n)*u)
}

// knownDual is the norm dual to n of w in float64, computed here rather
// than shared with the attacks it checks: ‖w‖₁ for L∞, ‖w‖₂ for L2.
func knownDual(n Norm, w []float32) float64 {
	s := 0.0
	for _, v := range w {
		if n == Linf {
			s += math.Abs(float64(v))
		} else {
			s += float64(v) * float64(v)
		}
	}
	if n == L2 {
		s = math.Sqrt(s)
	}
	return s
}

// knownDotError bounds the float32 error of w·x + c.
func knownDotError(w []float32, c float32, x []float32) float64 {
	s := math.Abs(float64(c))
	for j, v := range w {
		s += math.Abs(float64(v) * float64(x[j]))
	}
	return knownGamma(len(w)+1) * s
}

// knownHalfspaceStep is the smallest perturbation that brings the affine value
// v = w·x + c to 0: −v/‖w‖₁·sign(w) for L∞, −v·w/‖w‖₂² for L2.
func knownHalfspaceStep(n Norm, w []float32, v float64) []float64 {
	d := make([]float64, len(w))
	s := knownDual(n, w)
	for j, wj := range w {
		if n == Linf {
			d[j] = -v / s * math.Copysign(1, float64(wj))
		} else {
			d[j] = -v * float64(wj) / (s * s)
		}
	}
	return d
}

// knownLinear is helpers_test.go's linearProblem: logits (w·x + c,
// −(w·x + c)), minimal perturbation |w·x + c|/‖w‖_* (‖·‖_* the dual norm).
// The two logits are computed separately; the model misclassifies only
// where one of them is off by half the true margin, so the slack is
// knownDotError/‖w‖_*.
func knownLinear(n int, seed uint64) knownCase {
	l, im := linearProblem(n, seed)
	return knownCase{
		name:    "linear",
		model:   l.model(),
		images:  im,
		minimal: l.minimal,
		slack: func(nm Norm, adv []float32) float64 {
			return knownDotError(l.w, l.c, adv) / knownDual(nm, l.w)
		},
		optimal: func(nm Norm, x []float32) []float64 { return knownHalfspaceStep(nm, l.w, l.margin(x)) },
	}
}

// piecewiseTwoClass has the logit difference f(x) = min(a(x), b(x)) of two
// affine functions a = w₁·x + c₁, b = w₂·x + c₂, and logits (f, −f): class
// 0 where f > 0. A point is misclassified exactly when a < 0 or b < 0, so
// the minimal perturbation of an image of class 0 is
// min(a/‖w₁‖_*, b/‖w₂‖_*) while the box does not bind.
type piecewiseTwoClass struct {
	w      [2][]float32
	c      [2]float32
	weight *autograd.Tensor // [2, D]
	bias   *autograd.Tensor // [2]
}

func newPiecewise(w1, w2 []float32, c1, c2 float32) *piecewiseTwoClass {
	p := &piecewiseTwoClass{w: [2][]float32{w1, w2}, c: [2]float32{c1, c2}}
	p.weight = autograd.Param(append(append([]float32(nil), w1...), w2...), 2, len(w1))
	p.bias = autograd.Param([]float32{c1, c2}, 2)
	return p
}

// model computes (a, b) with one Linear layer, then f = a − ReLU(a − b) =
// min(a, b) and the logits (f, −f).
func (p *piecewiseTwoClass) model() Model {
	return func(x *autograd.Tensor) *autograd.Tensor {
		ab := autograd.Linear(autograd.Reshape(x, x.Shape[0], -1), p.weight, p.bias)
		a, b := autograd.Slice(ab, 1, 0, 1), autograd.Slice(ab, 1, 1, 2)
		f := autograd.Sub(a, autograd.ReLU(autograd.Sub(a, b)))
		return autograd.Concat(1, f, autograd.Neg(f))
	}
}

// value is piece k at x in float64.
func (p *piecewiseTwoClass) value(k int, x []float32) float64 {
	s := float64(p.c[k])
	for j, v := range x {
		s += float64(p.w[k][j]) * float64(v)
	}
	return s
}

// nearest is the piece whose boundary is nearest to x in the norm, and its
// distance.
func (p *piecewiseTwoClass) nearest(n Norm, x []float32) (int, float64) {
	d0, d1 := p.value(0, x)/knownDual(n, p.w[0]), p.value(1, x)/knownDual(n, p.w[1])
	if d1 < d0 {
		return 1, d1
	}
	return 0, d0
}

func (p *piecewiseTwoClass) minimal(n Norm, x []float32) float64 {
	_, d := p.nearest(n, x)
	return d
}

// slack: let â, b̂ be the float32 pieces, off by at most eₐ and e_b. The
// model's f̂ is â when â − b̂ rounds to ≤ 0, and otherwise
// fl(â − fl(â − b̂)) = (b̂ − θ(â − b̂))(1 + θ′) with |θ|, |θ′| ≤ u. So f̂ < 0
// (misclassified) implies a < eₐ or b < e_b + u(|â| + |b̂|): the point is
// at least minimal − max_k e′_k/‖w_k‖_* from the clean image, with
// e′_k = e_k + u(|a| + |b| + eₐ + e_b).
func (p *piecewiseTwoClass) slack(n Norm, adv []float32) float64 {
	u := math.Ldexp(1, -24)
	e := [2]float64{knownDotError(p.w[0], p.c[0], adv), knownDotError(p.w[1], p.c[1], adv)}
	extra := u * (math.Abs(p.value(0, adv)) + math.Abs(p.value(1, adv)) + e[0] + e[1])
	return math.Max((e[0]+extra)/knownDual(n, p.w[0]), (e[1]+extra)/knownDual(n, p.w[1]))
}

func (p *piecewiseTwoClass) optimal(n Norm, x []float32) []float64 {
	k, _ := p.nearest(n, x)
	return knownHalfspaceStep(n, p.w[k], p.value(k, x))
}

// knownPiecewise returns the piecewise-linear case with n images of class
// 0 on [1, 8, 8]. The weights are Gaussian, w₂ correlated with w₁ (ρ = 0.5)
// and 1.3 times larger, so that the pieces' boundaries meet at an angle.
// Every image has its pixels in [0.3, 0.7], both pieces at L∞ distances in
// [0.005, 0.04] and L2 distances at most 0.3: the minimal perturbation
// moves no pixel by more than 0.3, so the box cannot bind. The piece that
// is active at the image (the smaller of a and b, whose gradient the
// margin's is) is also the one whose boundary is nearer, in both norms:
// otherwise the boundary of the active piece is a local minimum of the
// perturbation size over the misclassified set (a union of two
// half-spaces), where a local attack may stop at up to the ratio of the
// two distances above the minimal one (FMN does).
func knownPiecewise(n int, seed uint64) knownCase {
	r := rand.New(rand.NewPCG(seed, 17))
	const d = 64
	w1, w2 := make([]float32, d), make([]float32, d)
	for j := range d {
		z1, z2 := r.NormFloat64(), r.NormFloat64()
		w1[j] = float32(z1)
		w2[j] = float32(1.3 * (0.5*z1 + math.Sqrt(0.75)*z2))
	}
	// Both pieces vanish at the grey image 0.5.
	var s1, s2 float64
	for j := range d {
		s1 += float64(w1[j])
		s2 += float64(w2[j])
	}
	p := newPiecewise(w1, w2, float32(-0.5*s1), float32(-0.5*s2))
	// Gram matrix of the two weight vectors, to move an image along them.
	var g11, g12, g22 float64
	for j := range d {
		a, b := float64(w1[j]), float64(w2[j])
		g11, g12, g22 = g11+a*a, g12+a*b, g22+b*b
	}
	det := g11*g22 - g12*g12
	im := Images{X: make([]float32, n*d), Shape: [3]int{1, 8, 8}, Labels: make([]int, n)}
	for i := 0; i < n; {
		x := im.X[i*d : (i+1)*d]
		for j := range x {
			x[j] = 0.35 + 0.3*r.Float32()
		}
		// Move x by λ₁w₁ + λ₂w₂ so that piece k takes the value
		// t_k·‖w_k‖₁, t_k its L∞ distance.
		t1, t2 := 0.005+0.035*r.Float64(), 0.005+0.035*r.Float64()
		r1 := t1*knownDual(Linf, w1) - p.value(0, x)
		r2 := t2*knownDual(Linf, w2) - p.value(1, x)
		l1, l2 := (g22*r1-g12*r2)/det, (g11*r2-g12*r1)/det
		ok := true
		for j := range x {
			v := float64(x[j]) + l1*float64(w1[j]) + l2*float64(w2[j])
			x[j] = float32(v)
			ok = ok && v >= 0.3 && v <= 0.7
		}
		for k := range 2 {
			v := p.value(k, x)
			ok = ok && v > 0 && v/knownDual(Linf, p.w[k]) <= 0.04 && v/knownDual(L2, p.w[k]) <= 0.3
		}
		// The active piece (the smaller) is the nearer in both norms.
		active := 0
		if p.value(1, x) < p.value(0, x) {
			active = 1
		}
		kInf, _ := p.nearest(Linf, x)
		k2, _ := p.nearest(L2, x)
		ok = ok && kInf == active && k2 == active
		if ok {
			i++
		}
	}
	return knownCase{name: "piecewise", model: p.model(), images: im, minimal: p.minimal, slack: p.slack, optimal: p.optimal}
}

// checkKnown checks the result of a minimal-norm attack on a known case:
// every Adv image whose Dist is finite is misclassified by the model (as
// Predict decides), Dist is Distance(Adv, x) exactly, and Dist lies in
// [minimal − slack, minimal·(1 + tol)]; an image not fooled is an error.
// It returns the largest and the smallest Dist/minimal − 1.
func checkKnown(t *testing.T, kc knownCase, n Norm, dist []float64, adv []float32, tol float64) (worst, least float64) {
	t.Helper()
	im := kc.images
	pred, err := Predict(context.Background(), kc.model, Images{X: adv, Shape: im.Shape, Labels: im.Labels}, 16, 1)
	if err != nil {
		t.Fatal(err)
	}
	worst, least = math.Inf(-1), math.Inf(1)
	for i := range im.Len() {
		a, x := adv[i*im.Size():(i+1)*im.Size()], im.At(i)
		want := kc.minimal(n, x)
		where := fmt.Sprintf("%s %v image %d", kc.name, n, i)
		if math.IsInf(dist[i], 1) {
			t.Errorf("%s: no adversarial found (minimal %.6g)", where, want)
			continue
		}
		if pred[i] == im.Labels[i] {
			t.Errorf("%s: the adversarial is classified correctly", where)
		}
		if got := Distance(n, a, x); got != dist[i] {
			t.Errorf("%s: Dist %v, Distance(Adv, x) %v", where, dist[i], got)
		}
		if low := want - kc.slack(n, a); dist[i] < low {
			t.Errorf("%s: Dist %.9g below the exact minimal %.9g by more than float32 allows (%.3g)", where, dist[i], want, want-low)
		}
		if dist[i] > want*(1+tol) {
			t.Errorf("%s: Dist %.6g is %.3g%% above the minimal %.6g", where, dist[i], 100*(dist[i]/want-1), want)
		}
		worst, least = max(worst, dist[i]/want-1), min(least, dist[i]/want-1)
	}
	return worst, least
}

// The known cases are what they claim: every image is classified correctly,
// its exact optimal perturbation has the minimal size, keeps every pixel in
// the box, and fools the model once lengthened by 10⁻³ (and not when
// shortened by 10⁻³), so the box does not bind and the formula is the
// answer.
func TestKnownCasesBoxFree(t *testing.T) {
	ctx := context.Background()
	for _, kc := range knownCases(24, 1) {
		im := kc.images
		acc, err := Accuracy(ctx, kc.model, im, 8, 1)
		if err != nil {
			t.Fatal(err)
		}
		if acc != 1 {
			t.Errorf("%s: clean accuracy %v, want 1", kc.name, acc)
		}
		for _, n := range []Norm{Linf, L2} {
			for _, scale := range []float64{1 + 1e-3, 1 - 1e-3} {
				moved := Images{X: make([]float32, len(im.X)), Shape: im.Shape, Labels: im.Labels}
				for i := range im.Len() {
					x := im.At(i)
					delta := kc.optimal(n, x)
					if got, want := math.Sqrt(knownSumSquares(delta)), kc.minimal(n, x); n == L2 && math.Abs(got-want) > 1e-9*want {
						t.Errorf("%s %v image %d: optimal perturbation of size %v, minimal %v", kc.name, n, i, got, want)
					}
					for j, dj := range delta {
						v := float64(x[j]) + scale*dj
						if v < 0 || v > 1 {
							t.Errorf("%s %v image %d: the minimal perturbation leaves the box at pixel %d (%v)", kc.name, n, i, j, v)
						}
						moved.X[i*im.Size()+j] = float32(v)
					}
				}
				pred, err := Predict(ctx, kc.model, moved, 8, 1)
				if err != nil {
					t.Fatal(err)
				}
				for i, p := range pred {
					if fooled := p != im.Labels[i]; fooled != (scale > 1) {
						t.Errorf("%s %v image %d: scaled by %v the optimal perturbation fools %v", kc.name, n, i, scale, fooled)
					}
				}
			}
		}
	}
}

func knownSumSquares(d []float64) float64 {
	s := 0.0
	for _, v := range d {
		s += v * v
	}
	return s
}
