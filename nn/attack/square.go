package attack

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// SquareConfig sets up the Square attack (Andriushchenko, Croce, Flammarion
// and Hein 2020, "Square Attack: a query-efficient black-box adversarial
// attack via random search"): a score-based black-box attack that needs
// the logits only, never a gradient. Zero fields other than Norm, Eps and
// Seed take the defaults of AutoAttack's standard version.
type SquareConfig struct {
	Norm Norm    `json:"norm"`
	Eps  float64 `json:"eps"` // radius of the ball, pixel units
	// Queries is the number of iterations, one model query each, after the
	// query of the initial point (the reference's n_queries); default 5000.
	// An image uses at most Queries+1 queries, counted as the reference does.
	Queries int     `json:"queries"`
	PInit   float64 `json:"p_init"` // initial fraction of pixels in a square, in (0, 1]; default 0.8
	Seed    uint64  `json:"seed"`   // every random draw of image i comes from (Seed, i)
	Batch   int     `json:"batch"`  // images per forward pass; default 32
}

func (c SquareConfig) withDefaults() SquareConfig {
	if c.Queries == 0 {
		c.Queries = 5000
	}
	if c.PInit == 0 {
		c.PInit = 0.8
	}
	if c.Batch == 0 {
		c.Batch = 32
	}
	return c
}

// validate checks a configuration after withDefaults, naming the bad field.
func (c SquareConfig) validate() error {
	switch {
	case c.Norm != Linf && c.Norm != L2:
		return fmt.Errorf("attack: Square norm %d: want Linf or L2", int(c.Norm))
	case !(c.Eps >= 0) || math.IsInf(c.Eps, 0):
		return fmt.Errorf("attack: Square eps %v: want a finite size ≥ 0", c.Eps)
	case c.Queries < 1:
		return fmt.Errorf("attack: Square queries %d: want ≥ 1 (0 for the default 5000)", c.Queries)
	case !(c.PInit > 0 && c.PInit <= 1):
		return fmt.Errorf("attack: Square p_init %v: want a fraction in (0, 1] (0 for the default 0.8)", c.PInit)
	case c.Batch < 1:
		return fmt.Errorf("attack: Square batch %d: want ≥ 1 (0 for the default 32)", c.Batch)
	}
	return nil
}

// SquareResult is the outcome of the Square attack on N images.
type SquareResult struct {
	Adv     []float32 // [N][C][H][W]: a misclassified point within the ball, or the point of lowest margin
	Fooled  []bool    // [N]: Adv is misclassified (the clean image itself when that is)
	Queries []int     // [N]: queries used by each image (0 for misclassified clean images)
	Margin  []float64 // [N]: the margin z_y − max_{j≠y} z_j at Adv
}

// Accuracy is the fraction of images not fooled: the robust accuracy.
func (r *SquareResult) Accuracy() float64 { return notFooled(r.Fooled) }

// Square attacks every image with cfg on threads goroutines (GOMAXPROCS
// when threads < 1), cfg.Batch images to a forward pass, following
// AutoAttack's SquareAttack (autoattack/square.py) with the margin loss,
// untargeted, one run. Images already misclassified count as fooled and
// cost no query. The others start at a random point on the ball's surface:
// vertical stripes of ±ε per channel and column for L∞; for L2, a grid of
// the reference's meta-pseudo-Gaussian blocks η (the difference of two
// nested-rectangle patterns, randomly transposed) with random signs per
// channel, scaled to ‖δ‖₂ = ε. Each iteration then proposes, for every
// image still correctly classified, a change of a random square whose side
// follows the reference's schedule (p_init halved after iterations 10, 50,
// 200, 500, 1000, 2000, 4000, 6000 and 8000 of 10000, rescaled to Queries):
// for L∞ the square is set to ±ε per channel; for L2 the mass of the
// perturbation in the square and in a second random square is moved into
// the first, as a fresh η with random sign per channel plus the old content
// normalised, and the whole perturbation is scaled back to ‖δ‖₂ = ε. The
// candidate replaces the current point when its margin is lower or it is
// misclassified, and an image stops at its first misclassified point.
//
// Where this differs from the reference:
//   - every random draw (square positions, signs, the transposition of η) is
//     made per image from the image's own stream, where the reference draws
//     positions, η and (for L∞) the square's signs once for the whole batch;
//     so an image's result does not depend on its batch;
//   - a square's corner is uniform over all H−s+1 (W−s+1) positions; the
//     reference's random_int excludes the last, so that its squares never
//     touch the bottom row or right column unless s = H;
//   - sides are capped at min(H, W) (the reference assumes square images
//     with side ≥ 5); the L2 initial grid uses blocks of side
//     max(min(H, W)/5, 1) and places only blocks that fit entirely, which
//     is the reference's grid wherever the reference runs;
//   - "misclassified" is argmax z ≠ y with ties to the lower class, as
//     Predict (the reference: margin ≤ 0);
//   - the L∞ square is written directly as clip(x₀ ± ε) (the reference's
//     clip(x_best ± 2ε) to the ball, the same point), all arithmetic is in
//     float64 and every pixel is rounded towards the image (see the package
//     comment), so every point lies in the ball and the box exactly;
//   - with ε = 0 the ball is the image: no query is made;
//   - only the margin loss, untargeted, and one restart.
func Square(ctx context.Context, m Model, im Images, cfg SquareConfig, threads int) (*SquareResult, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	n, d := im.Len(), im.Size()
	res := &SquareResult{Adv: make([]float32, len(im.X)), Fooled: make([]bool, n), Queries: make([]int, n), Margin: make([]float64, n)}
	copy(res.Adv, im.X)
	parts := chunks(n, cfg.Batch)
	err := forEach(ctx, len(parts), threads, func(w *worker, c int) error {
		lo, hi := parts[c][0], parts[c][1]
		b := &batcher{m: m, w: w, shape: im.Shape}
		s := newSquareState(cfg, im.Shape)
		clean, classes := b.logits(im.X[lo*d:hi*d], hi-lo)
		if classes < 2 {
			return fmt.Errorf("attack: Square needs at least 2 classes, the model has %d", classes)
		}
		rngs := make([]*rand.Rand, hi-lo)
		var active []int // images of the chunk (absolute indices) not yet fooled
		for i := lo; i < hi; i++ {
			if im.Labels[i] >= classes {
				return fmt.Errorf("attack: Square: label %d of image %d for a model of %d classes", im.Labels[i], i, classes)
			}
			rngs[i-lo] = imageRand(cfg.Seed, streamSquare, i)
			z := clean[(i-lo)*classes : (i-lo+1)*classes]
			res.Margin[i] = s.margin(z, im.Labels[i])
			if argmax(z) != im.Labels[i] {
				res.Fooled[i] = true
				continue
			}
			active = append(active, i)
		}
		if cfg.Eps == 0 {
			return nil
		}
		cand := make([]float32, len(active)*d)
		// evaluate queries the model at the candidates of the active images
		// and keeps each one that lowers the margin or is misclassified.
		evaluate := func(first bool) {
			z, _ := b.logits(cand, len(active))
			still := active[:0]
			for k, i := range active {
				zk := z[k*classes : (k+1)*classes]
				mk := s.margin(zk, im.Labels[i])
				fooled := argmax(zk) != im.Labels[i]
				res.Queries[i]++
				if first || fooled || mk < res.Margin[i] {
					copy(res.Adv[i*d:(i+1)*d], cand[k*d:(k+1)*d])
					res.Margin[i], res.Fooled[i] = mk, fooled
				}
				if !res.Fooled[i] {
					still = append(still, i)
				}
			}
			active = still
			cand = cand[:len(active)*d]
		}
		for k, i := range active {
			s.init(rngs[i-lo], im.At(i), cand[k*d:(k+1)*d])
		}
		if len(active) > 0 {
			evaluate(true)
		}
		for it := 0; it < cfg.Queries && len(active) > 0; it++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := squareP(cfg.PInit, it, cfg.Queries)
			for k, i := range active {
				s.candidate(rngs[i-lo], p, im.At(i), res.Adv[i*d:(i+1)*d], cand[k*d:(k+1)*d])
			}
			evaluate(false)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// squareP is the reference's p_selection: the fraction of pixels in the
// square at iteration it (from 0) of queries, with the schedule of 10000
// iterations rescaled to queries.
func squareP(pInit float64, it, queries int) float64 {
	t := int(float64(it) / float64(queries) * 10000)
	for k, bound := range [...]int{10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000} {
		if t <= bound {
			return pInit / float64(int(1)<<k)
		}
	}
	return pInit / 512
}

// squareSide is the side of the square for the fraction p of the H·W
// pixels: round(√(p·H·W)) (half to even, as Python), at least 1 for L∞ and
// at least 3 and odd for L2 as the reference, at most min(H, W).
func squareSide(n Norm, p float64, h, w int) int {
	s := int(math.RoundToEven(math.Sqrt(p * float64(h*w))))
	if n == Linf {
		s = max(s, 1)
	} else {
		s = max(s, 3)
		if s%2 == 0 {
			s++
		}
	}
	return min(s, h, w)
}

// squareState is one chunk's scratch space: the perturbation δ in float64
// and the η patterns by side.
type squareState struct {
	cfg     SquareConfig
	c, h, w int
	delta   []float64 // [C][H][W]
	block   []float64 // [C][s][s]: the new content of the L2 square
	dz      []float64
	eta     map[int][]float64
}

func newSquareState(cfg SquareConfig, shape [3]int) *squareState {
	return &squareState{cfg: cfg, c: shape[0], h: shape[1], w: shape[2],
		delta: make([]float64, shape[0]*shape[1]*shape[2]), eta: map[int][]float64{}}
}

// margin is z_y − max_{j≠y} z_j.
func (s *squareState) margin(z []float32, label int) float64 {
	if len(s.dz) != len(z) {
		s.dz = make([]float64, len(z))
	}
	return -NegMargin(z, label, -1, s.dz)
}

// squareSign is −1 or +1 with equal probability.
func squareSign(rng *rand.Rand) float64 {
	if rng.Uint64()>>63 == 1 {
		return 1
	}
	return -1
}

// squarePixel is x0 + v, clipped to the box and rounded towards x0.
func squarePixel(x0 float32, v float64) float32 {
	return towards(x0, min(max(float64(x0)+v, 0), 1))
}

// init writes the starting point of the image x0 into x.
func (s *squareState) init(rng *rand.Rand, x0, x []float32) {
	eps, c, h, w := s.cfg.Eps, s.c, s.h, s.w
	if s.cfg.Norm == Linf {
		// Vertical stripes: ±ε per channel and column.
		for ch := range c {
			for col := range w {
				v := eps * squareSign(rng)
				for row := range h {
					j := (ch*h+row)*w + col
					x[j] = squarePixel(x0[j], v)
				}
			}
		}
		return
	}
	// A grid of η blocks with a random sign per channel, from an offset that
	// centres five blocks.
	clear(s.delta)
	side := max(min(h, w)/5, 1)
	sp0, sp1 := max((h-5*side)/2, 0), max((w-5*side)/2, 0)
	for vh := sp0; vh+side <= h; vh += side {
		for vw := sp1; vw+side <= w; vw += side {
			eta, tr := s.etaOf(side), rng.Float64() > 0.5
			for ch := range c {
				sg := squareSign(rng)
				for r := range side {
					for q := range side {
						s.delta[(ch*h+vh+r)*w+vw+q] += sg * squareEtaAt(eta, side, r, q, tr)
					}
				}
			}
		}
	}
	s.scaleTo(x0, x)
}

// scaleTo writes x0 + ε·δ/(‖δ‖₂ + 10⁻¹²), projected onto the ball and the
// box, into x.
func (s *squareState) scaleTo(x0, x []float32) {
	f := s.cfg.Eps / (math.Sqrt(squareSumSq(s.delta)) + 1e-12)
	for j := range s.delta {
		s.delta[j] *= f
	}
	project(L2, s.cfg.Eps, x0, s.delta, x)
}

// squareSumSq is Σ v².
func squareSumSq(v []float64) float64 {
	t := 0.0
	for _, e := range v {
		t += e * e
	}
	return t
}

// squareEtaAt is η[r][q] of the side×side pattern, or η[q][r] when transposed.
func squareEtaAt(eta []float64, side, r, q int, transposed bool) float64 {
	if transposed {
		r, q = q, r
	}
	return eta[r*side+q]
}

// etaOf is the reference's η(s): the nested-rectangle pattern of s/2 rows
// over the negated one of s − s/2 rows, of unit L2 norm (not transposed).
func (s *squareState) etaOf(side int) []float64 {
	if e, ok := s.eta[side]; ok {
		return e
	}
	top := squareEtaRect(side/2, side)
	bottom := squareEtaRect(side-side/2, side)
	e := append(top, bottom...)
	for j := len(top); j < len(e); j++ {
		e[j] = -e[j]
	}
	f := 1 / math.Sqrt(squareSumSq(e))
	for j := range e {
		e[j] *= f
	}
	s.eta[side] = e
	return e
}

// squareEtaRect is the reference's eta_rectangles(x, y): an x×y pattern,
// the sum over k ≥ 0 of 1/(k+1)² on the centred rectangle of side 2k+1
// (cut by the edges), of unit L2 norm.
func squareEtaRect(x, y int) []float64 {
	e := make([]float64, x*y)
	if x == 0 || y == 0 {
		return e
	}
	xc, yc := x/2+1, y/2+1
	c0, c1 := xc-1, yc-1
	for k := range max(xc, yc) {
		v := 1 / float64((k+1)*(k+1))
		for r := max(c0, 0); r < min(c0+2*k+1, x); r++ {
			for q := max(c1, 0); q < min(c1+2*k+1, y); q++ {
				e[r*y+q] += v
			}
		}
		c0--
		c1--
	}
	f := 1 / math.Sqrt(squareSumSq(e))
	for j := range e {
		e[j] *= f
	}
	return e
}

// candidate writes into x the point proposed at the fraction p from the
// current point xb of the image x0.
func (s *squareState) candidate(rng *rand.Rand, p float64, x0, xb, x []float32) {
	eps, c, h, w := s.cfg.Eps, s.c, s.h, s.w
	side := squareSide(s.cfg.Norm, p, h, w)
	vh, vw := rng.IntN(h-side+1), rng.IntN(w-side+1)
	if s.cfg.Norm == Linf {
		copy(x, xb)
		for ch := range c {
			v := eps * squareSign(rng)
			for r := vh; r < vh+side; r++ {
				for q := vw; q < vw+side; q++ {
					j := (ch*h+r)*w + q
					x[j] = squarePixel(x0[j], v)
				}
			}
		}
		return
	}
	vh2, vw2 := rng.IntN(h-side+1), rng.IntN(w-side+1)
	delta := s.delta
	for j := range delta {
		delta[j] = float64(xb[j]) - float64(x0[j])
	}
	in1 := func(r, q int) bool { return r >= vh && r < vh+side && q >= vw && q < vw+side }
	in2 := func(r, q int) bool { return r >= vh2 && r < vh2+side && q >= vw2 && q < vw2+side }
	normImage := math.Sqrt(squareSumSq(delta))
	windows := 0.0 // Σ δ² over both squares, all channels
	for ch := range c {
		for r := range h {
			for q := range w {
				if in1(r, q) || in2(r, q) {
					v := delta[(ch*h+r)*w+q]
					windows += v * v
				}
			}
		}
	}
	// Per channel, the new content of square 1 has norm
	// √(max(ε² − ‖δ‖², 0)/C + Σ δ² over both squares), as the reference.
	target := math.Sqrt(max(eps*eps-normImage*normImage, 0)/float64(c) + windows)
	eta, tr := s.etaOf(side), rng.Float64() > 0.5
	if cap(s.block) < c*side*side {
		s.block = make([]float64, c*side*side)
	}
	block := s.block[:c*side*side]
	for ch := range c {
		sg := squareSign(rng)
		old := 0.0
		for r := range side {
			for q := range side {
				v := delta[(ch*h+vh+r)*w+vw+q]
				old += v * v
			}
		}
		old = math.Sqrt(old) + 1e-12
		bl := block[ch*side*side : (ch+1)*side*side]
		for r := range side {
			for q := range side {
				bl[r*side+q] = sg*squareEtaAt(eta, side, r, q, tr) + delta[(ch*h+vh+r)*w+vw+q]/old
			}
		}
		f := target / (math.Sqrt(squareSumSq(bl)) + 1e-12)
		for j := range bl {
			bl[j] *= f
		}
	}
	for ch := range c {
		for r := range side {
			for q := range side {
				delta[(ch*h+vh2+r)*w+vw2+q] = 0
			}
		}
		for r := range side {
			for q := range side {
				delta[(ch*h+vh+r)*w+vw+q] = block[(ch*side+r)*side+q]
			}
		}
	}
	s.scaleTo(x0, x)
}
