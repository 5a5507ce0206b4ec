package attack

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// PGDConfig sets up projected gradient ascent on the cross-entropy (Madry et
// al. 2018). Zero fields other than Eps and Steps take the defaults.
type PGDConfig struct {
	Norm        Norm    `json:"norm"`
	Eps         float64 `json:"eps"`          // radius of the ball, pixel units
	Steps       int     `json:"steps"`        // gradient steps per run
	RelStep     float64 `json:"rel_step"`     // step size as a fraction of Eps; default 2.5/Steps (Madry et al.)
	RandomStart bool    `json:"random_start"` // start the first run at a uniform random point of the ball
	Restarts    int     `json:"restarts"`     // further runs, each from a random start, while the image is not fooled
	Seed        uint64  `json:"seed"`         // random starts of image i come from (Seed, i)
}

// validate checks the configuration, naming the bad field.
func (c PGDConfig) validate() error {
	switch {
	case c.Norm != Linf && c.Norm != L2:
		return fmt.Errorf("attack: PGD norm %d: want Linf or L2", int(c.Norm))
	case !(c.Eps >= 0) || math.IsInf(c.Eps, 0):
		return fmt.Errorf("attack: PGD eps %v: want a finite size ≥ 0", c.Eps)
	case c.Steps < 0:
		return fmt.Errorf("attack: PGD steps %d: want ≥ 0", c.Steps)
	case c.RelStep < 0:
		return fmt.Errorf("attack: PGD rel_step %v: want ≥ 0", c.RelStep)
	case c.Restarts < 0:
		return fmt.Errorf("attack: PGD restarts %d: want ≥ 0", c.Restarts)
	}
	return nil
}

// stepSize is the absolute step size.
func (c PGDConfig) stepSize() float64 {
	if c.RelStep > 0 {
		return c.RelStep * c.Eps
	}
	return 2.5 * c.Eps / float64(max(c.Steps, 1))
}

// PGDResult is the outcome of PGD on N images.
type PGDResult struct {
	Adv    []float32 // [N][C][H][W]: the adversarial image, or the best (highest loss) iterate when not fooled
	Fooled []bool    // [N]: Adv is misclassified (the clean image itself when that is)
	Loss   []float64 // [N]: cross-entropy at Adv
}

// Accuracy is the fraction of images not fooled: the robust accuracy.
func (r *PGDResult) Accuracy() float64 { return notFooled(r.Fooled) }

// PGD attacks every image with cfg on threads goroutines (GOMAXPROCS when
// threads < 1). A run starts at the image (or a random point of the ball),
// takes Steps steps of size RelStep·Eps along the sign of the input gradient
// (L∞) or the normalised gradient (L2), projecting every iterate onto the
// ball and the [0, 1] box, and stops at the first misclassified iterate.
// Restarts repeat from random starts while the image is not fooled.
func PGD(ctx context.Context, m Model, im Images, cfg PGDConfig, threads int) (*PGDResult, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	res := &PGDResult{Adv: make([]float32, len(im.X)), Fooled: make([]bool, im.Len()), Loss: make([]float64, im.Len())}
	err := forEach(ctx, im.Len(), threads, func(w *worker, i int) error {
		rng := imageRand(cfg.Seed, streamPGD, i)
		res.Fooled[i], res.Loss[i] = pgdImage(m, w, im.At(i), im.Shape, im.Labels[i], cfg, rng, res.Adv[i*im.Size():(i+1)*im.Size()])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// pgdImage attacks one image x0 and writes the result into adv: the first
// misclassified iterate, or else the iterate of highest loss over all runs.
// It returns whether adv is misclassified and the loss there.
func pgdImage(m Model, w *worker, x0 []float32, shape [3]int, label int, cfg PGDConfig, rng *rand.Rand, adv []float32) (fooled bool, loss float64) {
	d := make([]float64, len(x0))
	x := make([]float32, len(x0))
	alpha := cfg.stepSize()
	bestLoss := math.Inf(-1)
	// The clean image first: it is the whole ball when ε = 0, and not an
	// iterate when the runs start at random points.
	if cfg.Eps == 0 || cfg.RandomStart {
		l, pred := lossPred(m, w.eval, x0, shape, label)
		if cfg.Eps == 0 || pred != label {
			copy(adv, x0)
			return pred != label, l
		}
	}
	for run := range 1 + cfg.Restarts {
		if run > 0 || cfg.RandomStart {
			randomStart(cfg.Norm, cfg.Eps, rng, d)
			project(cfg.Norm, cfg.Eps, x0, d, x)
		} else {
			copy(x, x0)
		}
		for step := 0; ; step++ {
			var l float64
			var pred int
			var g []float32
			if step < cfg.Steps {
				l, pred, g = lossGrad(m, w.grad, x, shape, label)
			} else { // the last iterate needs no gradient
				l, pred = lossPred(m, w.eval, x, shape, label)
			}
			if pred != label {
				copy(adv, x)
				return true, l
			}
			if l > bestLoss {
				bestLoss = l
				copy(adv, x)
			}
			if step == cfg.Steps {
				break
			}
			ascend(cfg.Norm, alpha, x0, x, g, d)
			project(cfg.Norm, cfg.Eps, x0, d, x)
		}
	}
	return false, bestLoss
}

// ascend writes into d the perturbation x − x0 after one step of size alpha
// up the gradient g: along sign(g) for L∞, along g/‖g‖ for L2. A zero
// gradient leaves the perturbation unchanged.
func ascend(n Norm, alpha float64, x0, x, g []float32, d []float64) {
	scale := alpha
	if n == L2 {
		s := 0.0
		for _, v := range g {
			s += float64(v) * float64(v)
		}
		if s > 0 {
			scale = alpha / math.Sqrt(s)
		} else {
			scale = 0
		}
	}
	for i, v := range g {
		step := float64(v)
		if n == Linf {
			step = sign(step)
		}
		d[i] = float64(x[i]) - float64(x0[i]) + scale*step
	}
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// RobustAccuracy returns, for each size in eps, the fraction of images that
// PGD with cfg (its Eps replaced) does not fool. Sizes are attacked in
// increasing order per image, and an image fooled at one size counts as
// fooled at every larger one (the larger ball holds the same adversarial
// image), which saves the attacks that would only confirm it.
func RobustAccuracy(ctx context.Context, m Model, im Images, cfg PGDConfig, eps []float64, threads int) ([]float64, error) {
	for _, e := range eps {
		c := cfg
		c.Eps = e
		if err := c.validate(); err != nil {
			return nil, err
		}
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	order := make([]int, len(eps))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(eps[a], eps[b]) })
	// firstFooled[i] is the position in order of the first size that fooled
	// image i, or len(eps).
	firstFooled := make([]int, im.Len())
	err := forEach(ctx, im.Len(), threads, func(w *worker, i int) error {
		rng := imageRand(cfg.Seed, streamPGD, i)
		buf := make([]float32, im.Size())
		firstFooled[i] = len(order)
		for pos, k := range order {
			c := cfg
			c.Eps = eps[k]
			if fooled, _ := pgdImage(m, w, im.At(i), im.Shape, im.Labels[i], c, rng, buf); fooled {
				firstFooled[i] = pos
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	acc := make([]float64, len(eps))
	for pos, k := range order {
		n := 0
		for _, f := range firstFooled {
			if f > pos {
				n++
			}
		}
		acc[k] = float64(n) / float64(max(im.Len(), 1))
	}
	return acc, nil
}
