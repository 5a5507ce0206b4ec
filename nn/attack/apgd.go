package attack

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// APGDConfig sets up Auto-PGD (Croce and Hein 2020, "Reliable evaluation of
// adversarial robustness with an ensemble of diverse parameter-free
// attacks"): PGD with momentum whose step size starts at 2ε and is halved
// at checkpoints where the loss stopped rising, each time restarting from
// the best point so far. Zero fields take AutoAttack's defaults.
type APGDConfig struct {
	Norm     Norm    `json:"norm"`
	Eps      float64 `json:"eps"`      // radius of the ball, pixel units
	Steps    int     `json:"steps"`    // iterations per run; default 100
	Restarts int     `json:"restarts"` // runs from random starts (per target class for APGD-T); default 1
	// Targets 0 is APGD-CE (or APGD-DLR with DLR set): untargeted. Targets
	// k > 0 is APGD-T: the targeted DLR loss towards each of the k most
	// likely other classes of the clean image in turn (AutoAttack's
	// standard version uses 9).
	Targets int     `json:"targets"`
	DLR     bool    `json:"dlr"`   // untargeted DLR loss instead of cross-entropy (ignored with Targets)
	Rho     float64 `json:"rho"`   // checkpoint threshold on the fraction of rising steps; default 0.75
	Seed    uint64  `json:"seed"`  // random starts of image i come from (Seed, i)
	Batch   int     `json:"batch"` // images per forward and backward pass; default 32
}

func (c APGDConfig) withDefaults() APGDConfig {
	if c.Steps == 0 {
		c.Steps = 100
	}
	if c.Restarts == 0 {
		c.Restarts = 1
	}
	if c.Rho == 0 {
		c.Rho = 0.75
	}
	if c.Batch == 0 {
		c.Batch = 32
	}
	return c
}

func (c APGDConfig) validate() error {
	switch {
	case c.Norm != Linf && c.Norm != L2:
		return fmt.Errorf("attack: APGD norm %d: want Linf or L2", int(c.Norm))
	case !(c.Eps >= 0) || math.IsInf(c.Eps, 0):
		return fmt.Errorf("attack: APGD eps %v: want a finite size ≥ 0", c.Eps)
	case c.Steps < 1 || c.Restarts < 1 || c.Batch < 1:
		return fmt.Errorf("attack: APGD steps %d, restarts %d, batch %d: want ≥ 1", c.Steps, c.Restarts, c.Batch)
	case c.Targets < 0:
		return fmt.Errorf("attack: APGD targets %d: want ≥ 0", c.Targets)
	case !(c.Rho > 0 && c.Rho <= 1):
		return fmt.Errorf("attack: APGD rho %v: want a fraction in (0, 1]", c.Rho)
	}
	return nil
}

// Name is the attack's name in results: "apgd-ce", "apgd-dlr" or "apgd-t".
func (c APGDConfig) Name() string {
	switch {
	case c.Targets > 0:
		return "apgd-t"
	case c.DLR:
		return "apgd-dlr"
	}
	return "apgd-ce"
}

// APGDResult is the outcome of APGD on N images.
type APGDResult struct {
	Adv    []float32 // [N][C][H][W]: the first misclassified iterate found, or the clean image
	Fooled []bool    // [N]: Adv is misclassified (the clean image itself when that is)
	Loss   []float64 // [N]: the highest loss reached over all runs (−Inf for misclassified clean images)
}

// Accuracy is the fraction of images not fooled: the robust accuracy.
func (r *APGDResult) Accuracy() float64 { return notFooled(r.Fooled) }

// APGD attacks every image with cfg on threads goroutines (GOMAXPROCS when
// threads < 1), cfg.Batch images to a pass. Images already misclassified
// count as fooled. Each run starts at a random point of the ball (on its
// surface, as AutoAttack's: uniform directions scaled to ‖δ‖∞ = ε, or a
// Gaussian direction scaled to ‖δ‖₂ = ε), and runs and target classes
// follow one another while the image is not fooled.
//
// Where this differs from AutoAttack's APGDAttack: an image leaves its batch
// at its first misclassified iterate (AutoAttack keeps iterating and returns
// the last one; robust accuracy is the same), and the update is computed in
// float64 and rounded towards the image, so that every iterate lies in the
// ball exactly (see the package comment). The checkpoint rule follows the
// reference to the index, including its first check reading the still-zero
// last entry of the loss history (Python's index −1) as the loss before the
// first step.
func APGD(ctx context.Context, m Model, im Images, cfg APGDConfig, threads int) (*APGDResult, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	n, d := im.Len(), im.Size()
	res := &APGDResult{Adv: make([]float32, len(im.X)), Fooled: make([]bool, n), Loss: make([]float64, n)}
	copy(res.Adv, im.X)
	parts := chunks(n, cfg.Batch)
	err := forEach(ctx, len(parts), threads, func(w *worker, c int) error {
		lo, hi := parts[c][0], parts[c][1]
		b := &batcher{m: m, w: w, shape: im.Shape}
		clean, classes := b.logits(im.X[lo*d:hi*d], hi-lo)
		if cfg.Targets > 0 && classes < 4 {
			return fmt.Errorf("attack: APGD-T needs at least 4 classes, the model has %d", classes)
		}
		if cfg.DLR && classes < 3 {
			return fmt.Errorf("attack: APGD-DLR needs at least 3 classes, the model has %d", classes)
		}
		var active []int // images of the chunk (absolute indices) not yet fooled
		rngs := make([]*rand.Rand, hi-lo)
		for i := lo; i < hi; i++ {
			rngs[i-lo] = imageRand(cfg.Seed, streamAPGD, i)
			res.Loss[i] = math.Inf(-1)
			if argmax(clean[(i-lo)*classes:(i-lo+1)*classes]) != im.Labels[i] {
				res.Fooled[i] = true
				continue
			}
			active = append(active, i)
		}
		obj, runs := Objective(CrossEntropy), 1
		if cfg.DLR {
			obj = DLR
		}
		if cfg.Targets > 0 {
			obj, runs = TargetedDLR, min(cfg.Targets, classes-1)
		}
		for t := range runs {
			for range cfg.Restarts {
				if len(active) == 0 {
					return ctx.Err()
				}
				var targets []int
				if cfg.Targets > 0 {
					// The (t+2)-th most likely class of the clean image.
					targets = make([]int, len(active))
					for k, i := range active {
						targets[k] = rankedClass(clean[(i-lo)*classes:(i-lo+1)*classes], t+1)
					}
				}
				x0 := gather(nil, im.X, d, active)
				labels := make([]int, len(active))
				xInit := make([]float32, len(x0))
				for k, i := range active {
					labels[k] = im.Labels[i]
					randomSurface(cfg.Norm, cfg.Eps, rngs[i-lo], x0[k*d:(k+1)*d], xInit[k*d:(k+1)*d])
				}
				run := apgdRun(b, x0, xInit, labels, targets, obj, cfg, true)
				var still []int
				for k, i := range active {
					res.Loss[i] = max(res.Loss[i], run.lossBest[k])
					if run.fooled[k] {
						res.Fooled[i] = true
						copy(res.Adv[i*d:(i+1)*d], run.xAdv[k*d:(k+1)*d])
					} else {
						still = append(still, i)
					}
				}
				active = still
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// rankedClass is the class of the r-th largest logit (r = 0 the largest;
// ties to the lower index).
func rankedClass(z []float32, r int) int {
	used := make([]bool, len(z))
	best := -1
	for range r + 1 {
		best = -1
		for j, v := range z {
			if !used[j] && (best < 0 || v > z[best]) {
				best = j
			}
		}
		used[best] = true
	}
	return best
}

// randomSurface writes into x a random point x0 + δ with ‖δ‖ = ε (before
// the box clips it), as AutoAttack's random start: δ = ε·t/max|t| with t
// uniform in [−1, 1]ᴰ for L∞, δ = ε·t/‖t‖₂ with t Gaussian for L2.
func randomSurface(n Norm, eps float64, rng *rand.Rand, x0, x []float32) {
	t := make([]float64, len(x0))
	s := 0.0
	for j := range t {
		if n == Linf {
			t[j] = 2*rng.Float64() - 1
			s = max(s, math.Abs(t[j]))
		} else {
			t[j] = rng.NormFloat64()
			s += t[j] * t[j]
		}
	}
	if n == L2 {
		s = math.Sqrt(s)
	}
	for j := range t {
		t[j] *= eps / (s + 1e-12)
	}
	project(n, eps, x0, t, x)
}

// apgdOutcome is one APGD run over a batch of K images.
type apgdOutcome struct {
	fooled    []bool      // [K]
	xAdv      []float32   // [K][D]: the first misclassified iterate (where fooled)
	lossBest  []float64   // [K]
	xBest     []float32   // [K][D]: the iterate of highest loss
	lossInit  []float64   // [K]: the loss at the start
	lossSteps [][]float64 // [Steps][K]: the loss after each step (with trace)
	stepSize  []float64   // [K]: the step size at the end
}

// apgdRun is one run of APGD (AutoAttack's attack_single_run) on the K
// images x0 ([K][D]) from xInit, with labels and (for a targeted objective)
// targets. With stopWhenFooled an image leaves the batch at its first
// misclassified iterate; without it every image runs every step and the
// loss history is kept (the reference's test compares it).
func apgdRun(b *batcher, x0, xInit []float32, labels, targets []int, obj Objective, cfg APGDConfig, stopWhenFooled bool) *apgdOutcome {
	d := b.size()
	kImg := len(labels)
	nIter := cfg.Steps
	n2 := max(int(0.22*float64(nIter)), 1)
	nMin := max(int(0.06*float64(nIter)), 1)
	sizeDecr := max(int(0.03*float64(nIter)), 1)
	out := &apgdOutcome{fooled: make([]bool, kImg), xAdv: make([]float32, kImg*d), lossBest: make([]float64, kImg),
		xBest: make([]float32, kImg*d), lossInit: make([]float64, kImg), stepSize: make([]float64, kImg)}
	x := append([]float32(nil), xInit...)
	xOld := append([]float32(nil), x...)
	gradBest := make([]float32, kImg*d)
	lossSteps := make([][]float64, nIter) // [step][image]
	for i := range lossSteps {
		lossSteps[i] = make([]float64, kImg)
	}
	lossBestLastCheck := make([]float64, kImg)
	reducedLastCheck := make([]bool, kImg)
	classes := 0

	// evaluate computes loss, prediction and gradient of the images in idx
	// at their current x, writing the gradients into grad.
	grad := make([]float32, kImg*d)
	evaluate := func(idx []int) (loss []float64, fooled []bool) {
		xs := gather(nil, x, d, idx)
		lb, tg := make([]int, len(idx)), []int(nil)
		if targets != nil {
			tg = make([]int, len(idx))
		}
		for k, i := range idx {
			lb[k] = labels[i]
			if targets != nil {
				tg[k] = targets[i]
			}
		}
		l, z, g := b.gradient(xs, len(idx), obj, lb, tg)
		classes = len(z) / len(idx)
		fooled = make([]bool, len(idx))
		for k, i := range idx {
			copy(grad[i*d:(i+1)*d], g[k*d:(k+1)*d])
			fooled[k] = argmax(z[k*classes:(k+1)*classes]) != labels[i]
		}
		return l, fooled
	}

	active := make([]int, kImg)
	for i := range active {
		active[i] = i
	}
	loss, fooled := evaluate(active)
	step := make([]float64, kImg)
	for i := range kImg {
		out.lossInit[i], out.lossBest[i], lossBestLastCheck[i] = loss[i], loss[i], loss[i]
		reducedLastCheck[i] = true
		step[i] = 2 * cfg.Eps
		if fooled[i] {
			out.fooled[i] = true
			copy(out.xAdv[i*d:(i+1)*d], x[i*d:(i+1)*d])
		}
	}
	copy(out.xBest, x)
	copy(gradBest, grad)
	if stopWhenFooled {
		active = unfooled(active, out.fooled)
	}

	dz := make([]float64, d)
	grad2 := make([]float64, d)
	counter3, k := 0, n2
	for it := range nIter {
		if len(active) == 0 {
			break
		}
		a := 0.75
		if it == 0 {
			a = 1
		}
		for _, i := range active {
			xi, x0i, xo, g := x[i*d:(i+1)*d], x0[i*d:(i+1)*d], xOld[i*d:(i+1)*d], grad[i*d:(i+1)*d]
			for j := range xi {
				grad2[j] = float64(xi[j]) - float64(xo[j])
			}
			copy(xo, xi)
			// z = P(x + η·direction(∇)).
			scale := step[i]
			if cfg.Norm == L2 {
				s := 0.0
				for _, v := range g {
					s += float64(v) * float64(v)
				}
				scale /= math.Sqrt(s) + 1e-12
			}
			for j, v := range g {
				dir := float64(v)
				if cfg.Norm == Linf {
					dir = sign(dir)
				}
				dz[j] = float64(xi[j]) - float64(x0i[j]) + scale*dir
			}
			project(cfg.Norm, cfg.Eps, x0i, dz, xi) // xi = z for now
			// x ← P(x + a·(z − x) + (1 − a)·(x − x_old)).
			for j := range xi {
				xj := float64(xo[j])
				dz[j] = xj + a*(float64(xi[j])-xj) + (1-a)*grad2[j] - float64(x0i[j])
			}
			project(cfg.Norm, cfg.Eps, x0i, dz, xi)
		}
		loss, fooled := evaluate(active)
		for kk, i := range active {
			if fooled[kk] && !out.fooled[i] || fooled[kk] && !stopWhenFooled {
				out.fooled[i] = true
				copy(out.xAdv[i*d:(i+1)*d], x[i*d:(i+1)*d])
			}
			lossSteps[it][i] = loss[kk]
			if loss[kk] > out.lossBest[i] {
				out.lossBest[i] = loss[kk]
				copy(out.xBest[i*d:(i+1)*d], x[i*d:(i+1)*d])
				copy(gradBest[i*d:(i+1)*d], grad[i*d:(i+1)*d])
			}
		}
		counter3++
		if counter3 == k {
			for _, i := range active {
				rising := 0
				for c := range k {
					prev := it - c - 1
					if prev < 0 {
						prev += nIter // the reference's index −1
					}
					if lossSteps[it-c][i] > lossSteps[prev][i] {
						rising++
					}
				}
				oscillating := float64(rising) <= float64(k)*cfg.Rho
				noProgress := !reducedLastCheck[i] && lossBestLastCheck[i] >= out.lossBest[i]
				reduce := oscillating || noProgress
				reducedLastCheck[i] = reduce
				lossBestLastCheck[i] = out.lossBest[i]
				if reduce {
					step[i] /= 2
					copy(x[i*d:(i+1)*d], out.xBest[i*d:(i+1)*d])
					copy(grad[i*d:(i+1)*d], gradBest[i*d:(i+1)*d])
				}
			}
			k = max(k-sizeDecr, nMin)
			counter3 = 0
		}
		if stopWhenFooled {
			active = unfooled(active, out.fooled)
		}
	}
	out.lossSteps = lossSteps
	copy(out.stepSize, step)
	return out
}

// unfooled keeps the indices i of idx with !fooled[i].
func unfooled(idx []int, fooled []bool) []int {
	out := idx[:0]
	for _, i := range idx {
		if !fooled[i] {
			out = append(out, i)
		}
	}
	return out
}
