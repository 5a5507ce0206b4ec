package attack

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
)

// squareMasked is the linear classifier l with its input gradient masked:
// the logits come from a copy of x that is not on the tape, and the graph
// reaches x only through 0·Σx, so ∂logits/∂x = 0 while the logits are l's.
func squareMasked(l linearTwoClass) Model {
	lin := l.model()
	return func(x *autograd.Tensor) *autograd.Tensor {
		detached := autograd.New(append([]float32(nil), x.Data...), x.Shape...)
		return autograd.Add(lin(detached), autograd.MulScalar(autograd.Sum(x), 0))
	}
}

// squareCheck fails t unless every Adv lies in the eps-ball of its image
// (exactly for L∞, up to 10⁻⁶ relative for L2) and in [0, 1], Fooled agrees
// with Predict at Adv, and the query counts are within the budget (0 for
// images misclassified clean).
func squareCheck(t *testing.T, m Model, im Images, cfg SquareConfig, r *SquareResult) {
	t.Helper()
	adv := Images{X: r.Adv, Shape: im.Shape, Labels: im.Labels}
	pred, err := Predict(context.Background(), m, adv, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	clean, err := Predict(context.Background(), m, im, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	limit := cfg.Eps
	if cfg.Norm == L2 {
		limit *= 1 + 1e-6
	}
	for i := range im.Len() {
		a := adv.At(i)
		if dist := Distance(cfg.Norm, a, im.At(i)); dist > limit {
			t.Errorf("%v image %d: distance %v > eps %v", cfg.Norm, i, dist, cfg.Eps)
		}
		for j, v := range a {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("%v image %d pixel %d: %v outside [0, 1]", cfg.Norm, i, j, v)
			}
		}
		if r.Fooled[i] != (pred[i] != im.Labels[i]) {
			t.Errorf("%v image %d: fooled %v but predicted %d, label %d", cfg.Norm, i, r.Fooled[i], pred[i], im.Labels[i])
		}
		if r.Fooled[i] != (r.Margin[i] < 0) && r.Margin[i] != 0 {
			t.Errorf("%v image %d: fooled %v with margin %v", cfg.Norm, i, r.Fooled[i], r.Margin[i])
		}
		q := r.Queries[i]
		switch {
		case clean[i] != im.Labels[i] && (q != 0 || !r.Fooled[i]):
			t.Errorf("%v image %d misclassified clean: %d queries, fooled %v", cfg.Norm, i, q, r.Fooled[i])
		case clean[i] == im.Labels[i] && (q < 1 || q > cfg.Queries+1 || !r.Fooled[i] && q != cfg.Queries+1):
			t.Errorf("%v image %d: %d queries (fooled %v) for a budget of %d", cfg.Norm, i, q, r.Fooled[i], cfg.Queries)
		}
	}
}

func squareCount(f []bool) int {
	n := 0
	for _, v := range f {
		if v {
			n++
		}
	}
	return n
}

// A model whose input gradient is zero defeats PGD, not Square, which only
// reads logits.
func TestSquareMaskedGradient(t *testing.T) {
	l, im := linearProblem(20, 1)
	m := squareMasked(l)
	ctx := context.Background()
	// The mask works: the logits are l's, and the input gradient is zero.
	w := &worker{grad: autograd.NewTape(autograd.Record), eval: autograd.NewTape(autograd.NoGrad)}
	_, pred, g := lossGrad(m, w.grad, im.At(0), im.Shape, im.Labels[0])
	if pred != im.Labels[0] || slices.ContainsFunc(g, func(v float32) bool { return v != 0 }) {
		t.Fatalf("masked model: prediction %d (label %d), gradient not zero", pred, im.Labels[0])
	}
	const eps = 0.08 // above every minimal L∞ perturbation (≤ 0.05)
	pgd, err := PGD(ctx, m, im, PGDConfig{Norm: Linf, Eps: eps, Steps: 20}, 2)
	if err != nil {
		t.Fatal(err)
	}
	cfg := SquareConfig{Norm: Linf, Eps: eps, Queries: 300, Seed: 1, Batch: 8}
	sq, err := Square(ctx, m, im, cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	squareCheck(t, m, im, cfg, sq)
	pf, sf := squareCount(pgd.Fooled), squareCount(sq.Fooled)
	t.Logf("eps %v: PGD-20 fools %d/%d, Square fools %d/%d", eps, pf, im.Len(), sf, im.Len())
	if pf > im.Len()/10 {
		t.Errorf("PGD fools %d of %d images of a gradient-masked model", pf, im.Len())
	}
	if sf < im.Len()-1 {
		t.Errorf("Square fools only %d of %d images at eps %v", sf, im.Len(), eps)
	}
}

// On the linear problem, whose minimal perturbations are known, Square
// stays in the ball and the box, fools nothing below the minimal size and
// everything at twice the largest.
func TestSquareLinear(t *testing.T) {
	l, im := linearProblem(16, 2)
	m := l.model()
	ctx := context.Background()
	for _, norm := range []Norm{Linf, L2} {
		lo, hi := math.Inf(1), 0.0
		for i := range im.Len() {
			e := l.minimal(norm, im.At(i))
			lo, hi = min(lo, e), max(hi, e)
		}
		for _, c := range []struct {
			eps  float64
			want int
		}{{0.9 * lo, 0}, {2 * hi, im.Len()}} {
			cfg := SquareConfig{Norm: norm, Eps: c.eps, Queries: 400, Seed: 3, Batch: 5}
			r, err := Square(ctx, m, im, cfg, 2)
			if err != nil {
				t.Fatal(err)
			}
			squareCheck(t, m, im, cfg, r)
			if got := squareCount(r.Fooled); got != c.want {
				t.Errorf("%v eps %.4g (minimal sizes in [%.4g, %.4g]): fooled %d, want %d", norm, c.eps, lo, hi, got, c.want)
			}
			if c.want > 0 {
				q := 0
				for _, v := range r.Queries {
					q += v
				}
				t.Logf("%v eps %.4g: mean %.1f queries", norm, c.eps, float64(q)/float64(im.Len()))
			}
		}
		// In between, the search finds the images of minimal size well
		// below eps, and of course none above. Random search aligns an L2
		// perturbation with a white-noise w slowly: 400 queries remove
		// about 60–75% of what the optimal perturbation would, on 8×8.
		eps, found := (lo+hi)/2, 0.8
		if norm == L2 {
			found = 0.5
		}
		cfg := SquareConfig{Norm: norm, Eps: eps, Queries: 400, Seed: 4, Batch: 5}
		r, err := Square(ctx, m, im, cfg, 2)
		if err != nil {
			t.Fatal(err)
		}
		squareCheck(t, m, im, cfg, r)
		for i, f := range r.Fooled {
			if e := l.minimal(norm, im.At(i)); f && e > eps || !f && e < found*eps {
				t.Errorf("%v eps %.4g: image %d of minimal size %.4g: fooled %v", norm, eps, i, e, f)
			}
		}
	}
}

// An image's result depends on the image and the seed alone: not on its
// batch, the batch size or the number of goroutines.
func TestSquareBatchInvariant(t *testing.T) {
	m := tinyResNet(1)
	im := randomImages(t, m, 7, 8, 5)
	im.Labels[2] = (im.Labels[2] + 1) % 10 // misclassified clean
	ctx := context.Background()
	for _, c := range []struct {
		norm Norm
		eps  float64
	}{{Linf, 0.03}, {L2, 0.3}} {
		run := func(batch, threads int, seed uint64) *SquareResult {
			t.Helper()
			cfg := SquareConfig{Norm: c.norm, Eps: c.eps, Queries: 40, Seed: seed, Batch: batch}
			r, err := Square(ctx, m, im, cfg, threads)
			if err != nil {
				t.Fatal(err)
			}
			squareCheck(t, m, im, cfg, r)
			return r
		}
		ref := run(1, 1, 7)
		t.Logf("%v eps %v: fooled %d/%d, queries %v", c.norm, c.eps, squareCount(ref.Fooled), im.Len(), ref.Queries)
		if f := squareCount(ref.Fooled); f < 2 || f == im.Len() {
			t.Errorf("%v: fooled %d of %d: the test wants both outcomes", c.norm, f, im.Len())
		}
		if !slices.Equal(ref.Adv[2*im.Size():3*im.Size()], im.At(2)) {
			t.Errorf("%v: the misclassified clean image was changed", c.norm)
		}
		for _, o := range []struct{ batch, threads int }{{3, 1}, {3, 3}, {32, 2}, {1, 3}, {3, 1}} {
			r := run(o.batch, o.threads, 7)
			if !sameBits32(r.Adv, ref.Adv) || !slices.Equal(r.Fooled, ref.Fooled) || !slices.Equal(r.Queries, ref.Queries) || !slices.Equal(r.Margin, ref.Margin) {
				t.Errorf("%v batch %d, %d threads: result differs from batch 1, 1 thread", c.norm, o.batch, o.threads)
			}
		}
		if r := run(3, 2, 8); sameBits32(r.Adv, ref.Adv) {
			t.Errorf("%v: seeds 7 and 8 give the same Adv", c.norm)
		}
	}
}

func TestSquareConfigErrors(t *testing.T) {
	l, im := linearProblem(2, 1)
	m := l.model()
	ctx := context.Background()
	good := SquareConfig{Norm: Linf, Eps: 0.1, Queries: 2}
	for _, c := range []struct {
		field string
		cfg   func(c *SquareConfig)
	}{
		{"norm", func(c *SquareConfig) { c.Norm = 7 }},
		{"eps", func(c *SquareConfig) { c.Eps = -0.1 }},
		{"eps", func(c *SquareConfig) { c.Eps = math.NaN() }},
		{"eps", func(c *SquareConfig) { c.Eps = math.Inf(1) }},
		{"queries", func(c *SquareConfig) { c.Queries = -1 }},
		{"p_init", func(c *SquareConfig) { c.PInit = 1.5 }},
		{"p_init", func(c *SquareConfig) { c.PInit = -0.2 }},
		{"p_init", func(c *SquareConfig) { c.PInit = math.NaN() }},
		{"batch", func(c *SquareConfig) { c.Batch = -3 }},
	} {
		cfg := good
		c.cfg(&cfg)
		_, err := Square(ctx, m, im, cfg, 1)
		if err == nil || !strings.Contains(err.Error(), "Square "+c.field) {
			t.Errorf("%+v: error %v, want one naming %s", cfg, err, c.field)
		}
	}
	if _, err := Square(ctx, m, im, good, 1); err != nil {
		t.Errorf("good config: %v", err)
	}
	bad := Images{X: append([]float32(nil), im.X...), Shape: im.Shape, Labels: im.Labels}
	bad.X[5] = 1.5
	if _, err := Square(ctx, m, bad, good, 1); err == nil {
		t.Error("a pixel of 1.5 passed")
	}
	bad = Images{X: im.X, Shape: im.Shape, Labels: []int{0, 2}}
	if _, err := Square(ctx, m, bad, good, 1); err == nil || !strings.Contains(err.Error(), "label 2") {
		t.Errorf("label 2 of a two-class model: error %v", err)
	}
}

// With ε = 0 nothing moves and no query is spent.
func TestSquareZeroEps(t *testing.T) {
	m := tinyResNet(2)
	im := randomImages(t, m, 3, 8, 1)
	r, err := Square(context.Background(), m, im, SquareConfig{Norm: L2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits32(r.Adv, im.X) || squareCount(r.Fooled) != 0 || slices.Max(r.Queries) != 0 || r.Accuracy() != 1 {
		t.Errorf("eps 0: adv changed, fooled %v, queries %v", r.Fooled, r.Queries)
	}
}

// The schedule, sides and patterns of the reference.
func TestSquareSchedule(t *testing.T) {
	for _, c := range []struct {
		it, queries int
		want        float64
	}{
		{0, 10000, 0.8}, {10, 10000, 0.8}, {11, 10000, 0.4}, {50, 10000, 0.4}, {51, 10000, 0.2},
		{200, 10000, 0.2}, {201, 10000, 0.1}, {1001, 10000, 0.8 / 32}, {4001, 10000, 0.8 / 128},
		{8000, 10000, 0.8 / 256}, {8001, 10000, 0.8 / 512}, {9999, 10000, 0.8 / 512},
		// Rescaled: iteration 1 of 1000 is 10 of 10000, 2 is 20.
		{1, 1000, 0.8}, {2, 1000, 0.4}, {5, 1000, 0.4}, {6, 1000, 0.2}, {999, 1000, 0.8 / 512},
		{500, 5000, 0.8 / 16}, {501, 5000, 0.8 / 32},
	} {
		if got := squareP(0.8, c.it, c.queries); got != c.want {
			t.Errorf("p(%d of %d) = %v, want %v", c.it, c.queries, got, c.want)
		}
	}
	for _, c := range []struct {
		norm       Norm
		p          float64
		h, w, want int
	}{
		{Linf, 0.8, 32, 32, 29}, {Linf, 0.8 / 512, 32, 32, 1}, {Linf, 0.05, 32, 32, 7}, {Linf, 1, 8, 8, 8},
		{L2, 0.8, 32, 32, 29}, {L2, 0.1, 32, 32, 11}, {L2, 0.8 / 512, 32, 32, 3}, {L2, 0.05, 32, 32, 7},
		{L2, 1, 8, 8, 8}, {L2, 0.8, 2, 2, 2}, {Linf, 0.8, 2, 40, 2},
	} {
		if got := squareSide(c.norm, c.p, c.h, c.w); got != c.want {
			t.Errorf("%v side for p %v on %d×%d = %d, want %d", c.norm, c.p, c.h, c.w, got, c.want)
		}
	}
	if e := squareEtaRect(1, 1); len(e) != 1 || e[0] != 1 {
		t.Errorf("eta_rectangles(1, 1) = %v", e)
	}
	// eta_rectangles(3, 3): 1 + 1/4 in the centre, 1/4 around it.
	e := squareEtaRect(3, 3)
	if r := e[4] / e[0]; math.Abs(r-5) > 1e-12 || e[0] != e[8] || e[1] != e[0] {
		t.Errorf("eta_rectangles(3, 3) = %v", e)
	}
	s := newSquareState(SquareConfig{}, [3]int{1, 8, 8})
	for side := 1; side <= 8; side++ {
		e := s.etaOf(side)
		if math.Abs(squareSumSq(e)-1) > 1e-12 {
			t.Errorf("eta(%d) has squared norm %v", side, squareSumSq(e))
		}
		for q := range side { // positive top half, negative bottom half
			if side > 1 && e[q] <= 0 || e[(side-1)*side+q] >= 0 {
				t.Errorf("eta(%d) = %v: want positive top, negative bottom", side, e)
				break
			}
		}
	}
}

// BenchmarkSquareSmallResNet: Square L∞ on 32 random 32×32 images with the
// randomly initialised small ResNet, one batch on one goroutine, at an ε
// too small to fool any image, so that every image takes every query.
func BenchmarkSquareSmallResNet(b *testing.B) {
	m := EvalModel(nn.NewResNet(rand.New(rand.NewPCG(1, 1)), nn.SmallConfig), 5, 0.5)
	im := randomImages(b, m, 32, 32, 3)
	cfg := SquareConfig{Norm: Linf, Eps: 1e-6, Queries: 20, Seed: 1, Batch: 32}
	ctx := context.Background()
	b.ResetTimer()
	queries := 0
	for b.Loop() {
		r, err := Square(ctx, m, im, cfg, 1)
		if err != nil {
			b.Fatal(err)
		}
		queries = 0
		for _, q := range r.Queries {
			queries += q
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/float64(max(queries, 1))*1e3, "ms/query/image")
}

// Colour images (three channels, 6×10, some pixels at the box's bounds) on
// a linear model: the ball and the box hold, large sizes fool every image,
// and batches do not change results.
func TestSquareChannels(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 1))
	shape := [3]int{3, 6, 10}
	d := shape[0] * shape[1] * shape[2]
	l := linearTwoClass{w: make([]float32, d), c: 0.1}
	for j := range l.w {
		l.w[j] = float32(r.NormFloat64())
	}
	m := l.model()
	im := Images{X: make([]float32, 5*d), Shape: shape, Labels: make([]int, 5)}
	for i := range im.X {
		im.X[i] = float32(min(max(1.2*r.Float64()-0.1, 0), 1))
	}
	pred, err := Predict(context.Background(), m, im, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	copy(im.Labels, pred)
	for _, norm := range []Norm{Linf, L2} {
		hi := 0.0
		for i := range im.Len() {
			hi = max(hi, l.minimal(norm, im.At(i)))
		}
		cfg := SquareConfig{Norm: norm, Eps: 3 * hi, Queries: 300, Seed: 5, Batch: 1}
		one, err := Square(context.Background(), m, im, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		squareCheck(t, m, im, cfg, one)
		if f := squareCount(one.Fooled); f != im.Len() {
			t.Errorf("%v eps %.4g: fooled %d of %d", norm, cfg.Eps, f, im.Len())
		}
		cfg.Batch, cfg.Eps = 2, hi/2
		lowB, err := Square(context.Background(), m, im, cfg, 2)
		if err != nil {
			t.Fatal(err)
		}
		squareCheck(t, m, im, cfg, lowB)
		cfg.Batch = 1
		low1, err := Square(context.Background(), m, im, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits32(lowB.Adv, low1.Adv) || !slices.Equal(lowB.Queries, low1.Queries) || !slices.Equal(lowB.Fooled, low1.Fooled) {
			t.Errorf("%v: batch 2 and batch 1 differ", norm)
		}
	}
}
