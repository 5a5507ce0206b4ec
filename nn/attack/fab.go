package attack

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// FABConfig sets up the Fast Adaptive Boundary attack (Croce and Hein 2020,
// "Minimally distorted adversarial examples with a fast adaptive boundary
// attack"), untargeted (FAB) or targeted (FAB-T). Zero fields take
// AutoAttack's defaults.
type FABConfig struct {
	Norm Norm `json:"norm"`
	// Targets 0 is untargeted FAB: every step linearises the difference of
	// every other class's logit from the true one. Targets k ≥ 1 is FAB-T:
	// one run towards each of the k most likely other classes of the clean
	// image in turn (AutoAttack's standard version uses 9), each step
	// linearising that class's difference only.
	Targets int `json:"targets"`
	Steps   int `json:"steps"` // iterations per run; default 100
	// Restarts is the number of runs per target class: the first from the
	// clean image, the others from random points; default 1.
	Restarts int `json:"restarts"`
	// Eps caps the radius of the random starts (the reference's eps): a
	// random start lies at min(best, Eps)/2 from the image, best the
	// smallest adversarial perturbation found so far. Default (0): +Inf,
	// the best found so far only.
	Eps      float64 `json:"eps"`
	AlphaMax float64 `json:"alpha_max"` // largest weight of the step from the clean image; default 0.1
	Eta      float64 `json:"eta"`       // overshoot of the boundary, ≥ 1; default 1.05
	Beta     float64 `json:"beta"`      // pull-back towards the image after an adversarial iterate; default 0.9
	Seed     uint64  `json:"seed"`      // random starts of image i come from (Seed, i)
	// Batch is the number of images per forward and backward pass; default
	// 32. Untargeted FAB puts every image in the pass once per other class
	// (Batch·(classes − 1) rows).
	Batch int `json:"batch"`
}

func (c FABConfig) withDefaults() FABConfig {
	if c.Steps == 0 {
		c.Steps = 100
	}
	if c.Restarts == 0 {
		c.Restarts = 1
	}
	if c.Eps == 0 {
		c.Eps = math.Inf(1)
	}
	if c.AlphaMax == 0 {
		c.AlphaMax = 0.1
	}
	if c.Eta == 0 {
		c.Eta = 1.05
	}
	if c.Beta == 0 {
		c.Beta = 0.9
	}
	if c.Batch == 0 {
		c.Batch = 32
	}
	return c
}

// validate checks a configuration after withDefaults, naming the bad field.
func (c FABConfig) validate() error {
	switch {
	case c.Norm != Linf && c.Norm != L2:
		return fmt.Errorf("attack: FAB norm %d: want Linf or L2", int(c.Norm))
	case c.Targets < 0:
		return fmt.Errorf("attack: FAB targets %d: want ≥ 0 (0 for untargeted FAB)", c.Targets)
	case c.Steps < 1 || c.Restarts < 1 || c.Batch < 1:
		return fmt.Errorf("attack: FAB steps %d, restarts %d, batch %d: want ≥ 1 (0 for the defaults 100, 1, 32)",
			c.Steps, c.Restarts, c.Batch)
	case !(c.Eps > 0):
		return fmt.Errorf("attack: FAB eps %v: want a size > 0, or +Inf (0 for the default +Inf)", c.Eps)
	case !(c.AlphaMax > 0 && c.AlphaMax <= 1):
		return fmt.Errorf("attack: FAB alpha_max %v: want a fraction in (0, 1] (0 for the default 0.1)", c.AlphaMax)
	case !(c.Eta >= 1) || math.IsInf(c.Eta, 1):
		return fmt.Errorf("attack: FAB eta %v: want a finite overshoot ≥ 1 (0 for the default 1.05)", c.Eta)
	case !(c.Beta > 0 && c.Beta <= 1):
		return fmt.Errorf("attack: FAB beta %v: want a fraction in (0, 1] (0 for the default 0.9)", c.Beta)
	}
	return nil
}

// Name is the attack's name in results: "fab" or "fab-t".
func (c FABConfig) Name() string {
	if c.Targets > 0 {
		return "fab-t"
	}
	return "fab"
}

// FABResult is the outcome of FAB on N images.
type FABResult struct {
	Norm Norm
	Dist []float64 // [N]: ‖Adv − x‖ of the smallest adversarial found; 0 for misclassified clean images, +Inf when none
	Adv  []float32 // [N][C][H][W]: that adversarial (the clean image when none was found)
}

// FAB runs the Fast Adaptive Boundary attack on every image, cfg.Batch
// images to a pass, on threads goroutines (GOMAXPROCS when threads < 1),
// and returns per image the smallest adversarial perturbation it met over
// all runs. Images are split into fixed chunks by index; an image whose
// clean version is misclassified gets Dist 0 and is not attacked, and every
// other image runs every step of every run, so its result depends on
// neither the other images of its chunk, nor the batch size, nor the number
// of goroutines.
//
// A run (the reference's attack_single_run) starts at x₁ (the clean image
// x₀ for the first run of each target, a random point for the others) with
// true class y, and repeats Steps times:
//
//  1. Evaluate, at x₁, the differences of logits f_j − f_y and their input
//     gradients ∇(f_j − f_y): for every class j ≠ y (untargeted; each image
//     is replicated once per class j in the batch, with the objective
//     NegMargin towards j), or for the target class only (FAB-T).
//  2. Choose the class j minimising |f_j − f_y| / ‖∇(f_j − f_y)‖_* (‖·‖_*
//     the dual norm: L1 for L∞, L2 for L2), the nearest boundary of the
//     linearised model, and its hyperplane {x : w·x = b} with
//     w = ∇(f_j − f_y), b = w·x₁ − (f_j − f_y).
//  3. Project x₁ and x₀ onto that hyperplane intersected with the box
//     [0, 1]ᴰ (fab_project.go: the smallest step d₁, d₂ in the norm; when
//     the hyperplane misses the box, the step to the corner of the box that
//     goes farthest towards it).
//  4. With a₁ = max(‖d₁‖, 10⁻⁸), a₂ = max(‖d₂‖, 10⁻⁸) and
//     α = min(max(a₁/(a₁ + a₂), 0), AlphaMax), step to
//     x₁ ← clip_[0,1]((x₁ + η·d₁)(1 − α) + (x₀ + η·d₂)·α): towards the
//     boundary from the iterate, biased towards the image's own projection,
//     overshooting by η.
//  5. Classify x₁. If it is misclassified (any class but y, for FAB-T
//     too), record it when ‖x₁ − x₀‖ is below the smallest so far, and pull
//     it back: x₁ ← x₀ + β·(x₁ − x₀).
//
// Untargeted FAB makes Restarts runs; FAB-T makes Restarts runs towards each
// of the min(Targets, classes − 1) most likely other classes of the clean
// image (the 2nd, 3rd, … largest clean logit), one after the other. Run r ≥
// 2 starts at x₀ + (ρ/2)·t/‖t‖ clipped to the box, with t uniform in
// [−1, 1]ᴰ for L∞ and Gaussian for L2, and ρ = min(best, Eps).
//
// The reference is AutoAttack's FABAttack.attack_single_run and perturb
// (autoattack/fab_base.py, with FABAttack_PT's get_diff_logits_grads_batch
// and get_diff_logits_grads_batch_targeted in autoattack/fab_pt.py, and the
// projections of autoattack/fab_projections.py, github.com/fra31/auto-attack).
// Where this departs from it:
//
//   - Every image runs every target and restart, and Dist is the smallest
//     over all runs. The reference's perturb runs later restarts and
//     targets only on the images not yet fooled within its eps, and keeps
//     the last run that fooled them; this is a minimal-norm attack.
//   - The radius of a random start is min(best, Eps)/2 with best the
//     smallest perturbation found so far for the image over all runs (the
//     original FAB code's rule). The reference resets its best at each call
//     of attack_single_run, so its restarts always use eps/2. When neither
//     best nor Eps is finite, the radius is half the largest distance the
//     box allows from the image.
//   - Logit differences, dual norms, the hyperplane, the projections and
//     the step are computed in float64 (the reference: float32) from the
//     network's float32 logits and gradients; each iterate is rounded to
//     float32 towards the clean image, and ‖x₁ − x₀‖ is measured on that
//     float32 image, so Dist = Distance(Norm, Adv, x) exactly. A projection
//     step that is not finite (the reference would produce NaN) counts as 0.
//   - The untargeted gradient of f_j − f_y comes from one backward pass
//     seeded with −1 at y and +1 at j, instead of the difference of two
//     backward passes, one per logit.
//   - Ties in choosing the class go to the lowest index, ties of the
//     projections' sorts to the lowest coordinate (PyTorch leaves both
//     unspecified).
func FAB(ctx context.Context, m Model, im Images, cfg FABConfig, threads int) (*FABResult, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	n, d := im.Len(), im.Size()
	res := &FABResult{Norm: cfg.Norm, Dist: make([]float64, n), Adv: make([]float32, len(im.X))}
	copy(res.Adv, im.X)
	parts := chunks(n, cfg.Batch)
	err := forEach(ctx, len(parts), threads, func(w *worker, c int) error {
		lo, hi := parts[c][0], parts[c][1]
		b := &batcher{m: m, w: w, shape: im.Shape}
		clean, classes := b.logits(im.X[lo*d:hi*d], hi-lo)
		if classes < 2 {
			return fmt.Errorf("attack: FAB needs at least 2 classes, the model has %d", classes)
		}
		var active []int // correctly classified images of the chunk (absolute indices)
		for i := lo; i < hi; i++ {
			if im.Labels[i] >= classes {
				return fmt.Errorf("attack: label %d of image %d for %d classes", im.Labels[i], i, classes)
			}
			if argmax(clean[(i-lo)*classes:(i-lo+1)*classes]) != im.Labels[i] {
				continue // Dist 0, Adv the clean image
			}
			res.Dist[i] = math.Inf(1)
			active = append(active, i)
		}
		if len(active) == 0 {
			return nil
		}
		k := len(active)
		x0 := gather(nil, im.X, d, active)
		labels := make([]int, k)
		rngs := make([]*rand.Rand, k)
		for q, i := range active {
			labels[q] = im.Labels[i]
			rngs[q] = imageRand(cfg.Seed, streamFAB, i)
		}
		dist := make([]float64, k)
		adv := append([]float32(nil), x0...)
		for q := range dist {
			dist[q] = math.Inf(1)
		}
		runs := 1
		if cfg.Targets > 0 {
			runs = min(cfg.Targets, classes-1)
		}
		start := make([]float32, len(x0))
		for t := range runs {
			var targets []int
			if cfg.Targets > 0 {
				targets = make([]int, k)
				for q, i := range active {
					targets[q] = rankedClass(clean[(i-lo)*classes:(i-lo+1)*classes], t+1)
				}
			}
			for r := range cfg.Restarts {
				copy(start, x0)
				if r > 0 {
					for q := range k {
						xq := x0[q*d : (q+1)*d]
						rho := math.Min(dist[q], cfg.Eps)
						if math.IsInf(rho, 1) {
							rho = boxRadius(cfg.Norm, xq)
						}
						randomSurface(cfg.Norm, rho/2, rngs[q], xq, start[q*d:(q+1)*d])
					}
				}
				if err := fabRun(ctx, b, classes, x0, start, labels, targets, cfg, dist, adv, nil); err != nil {
					return err
				}
			}
		}
		for q, i := range active {
			res.Dist[i] = dist[q]
			copy(res.Adv[i*d:(i+1)*d], adv[q*d:(q+1)*d])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// boxRadius is the largest distance in the norm from x to a point of the
// box: the norm of max(x_i, 1 − x_i).
func boxRadius(n Norm, x []float32) float64 {
	far := make([]float32, len(x))
	for j, v := range x {
		far[j] = float32(math.Max(float64(v), 1-float64(v)))
	}
	return Distance(n, far, make([]float32, len(x)))
}

// fabRun is one run of FAB (the reference's attack_single_run), for a
// model with the given number of classes, on the K correctly classified
// images x0 ([K][D]) with labels, from start ([K][D]),
// untargeted (targets nil) or towards targets ([K]). Where an iterate is
// misclassified at a distance below dist[k], it becomes image k's best:
// dist[k] and adv ([K][D]) are updated. With trace ([Steps][K], may be
// nil), trace[s][k] is the smallest distance of a misclassified iterate of
// this run after step s (+Inf before the first).
func fabRun(ctx context.Context, b *batcher, classes int, x0, start []float32, labels, targets []int, cfg FABConfig,
	dist []float64, adv []float32, trace [][]float64) error {
	d, k := b.size(), len(labels)
	x1 := append([]float32(nil), start...)
	runBest := make([]float64, k)
	for q := range runBest {
		runBest[q] = math.Inf(1)
	}
	var sc fabScratch
	t64, w64 := make([]float64, d), make([]float64, d)
	d1, d2 := make([]float64, d), make([]float64, d)
	// Untargeted: image q is replicated per = classes − 1 times, row
	// q·per + j with the objective f_c − f_y for the j-th class c ≠ y.
	per := 1
	var xrep []float32
	var rowLabels, rowTargets []int
	if targets == nil {
		per = classes - 1
		xrep = make([]float32, k*per*d)
		rowLabels, rowTargets = make([]int, k*per), make([]int, k*per)
		for q := range k {
			j := 0
			for c := range classes {
				if c != labels[q] {
					rowLabels[q*per+j], rowTargets[q*per+j] = labels[q], c
					j++
				}
			}
		}
	}
	for step := range cfg.Steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		// 1. Logit differences and their gradients at x1: rows of image q
		// are q·per … q·per + per − 1.
		var df []float64
		var dg []float32
		if targets != nil {
			df, _, dg = b.gradient(x1, k, NegMargin, labels, targets)
		} else {
			for q := range k {
				for j := range per {
					copy(xrep[(q*per+j)*d:(q*per+j+1)*d], x1[q*d:(q+1)*d])
				}
			}
			df, _, dg = b.gradient(xrep, k*per, NegMargin, rowLabels, rowTargets)
		}
		for q := range k {
			// 2. The nearest linearised boundary.
			best, bestDist := 0, math.Inf(1)
			for j := range per {
				g := dg[(q*per+j)*d : (q*per+j+1)*d]
				dj := math.Abs(df[q*per+j]) / (1e-12 + dualNorm(cfg.Norm, g))
				if dj < bestDist || j == 0 {
					best, bestDist = j, dj
				}
			}
			g := dg[(q*per+best)*d : (q*per+best+1)*d]
			xq, x0q := x1[q*d:(q+1)*d], x0[q*d:(q+1)*d]
			hb := -df[q*per+best]
			for i, v := range g {
				w64[i] = float64(v)
				hb += w64[i] * float64(xq[i])
			}
			// 3. Both projections.
			for i, v := range xq {
				t64[i] = float64(v)
			}
			fabProjection(cfg.Norm, t64, w64, hb, d1, &sc)
			for i, v := range x0q {
				t64[i] = float64(v)
			}
			fabProjection(cfg.Norm, t64, w64, hb, d2, &sc)
			finite(d1)
			finite(d2)
			// 4. The step.
			a1, a2 := math.Max(norm64(cfg.Norm, d1), 1e-8), math.Max(norm64(cfg.Norm, d2), 1e-8)
			alpha := math.Min(math.Max(a1/(a1+a2), 0), cfg.AlphaMax)
			for i := range xq {
				v := (float64(xq[i])+cfg.Eta*d1[i])*(1-alpha) + (float64(x0q[i])+d2[i]*cfg.Eta)*alpha
				xq[i] = towards(x0q[i], min(max(v, 0), 1))
			}
		}
		// 5. Adversarial iterates: record, then pull back.
		z, _ := b.logits(x1, k)
		for q := range k {
			if argmax(z[q*classes:(q+1)*classes]) != labels[q] {
				xq, x0q := x1[q*d:(q+1)*d], x0[q*d:(q+1)*d]
				t := Distance(cfg.Norm, xq, x0q)
				runBest[q] = math.Min(runBest[q], t)
				if t < dist[q] {
					dist[q] = t
					copy(adv[q*d:(q+1)*d], xq)
				}
				for i := range xq {
					xq[i] = towards(x0q[i], float64(x0q[i])+(float64(xq[i])-float64(x0q[i]))*cfg.Beta)
				}
			}
			if trace != nil {
				trace[step][q] = runBest[q]
			}
		}
	}
	return ctx.Err()
}

// finite replaces the entries of d that are not finite by 0.
func finite(d []float64) {
	for i, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			d[i] = 0
		}
	}
}

// norm64 is the norm of d.
func norm64(n Norm, d []float64) float64 {
	s := 0.0
	for _, v := range d {
		if n == Linf {
			s = math.Max(s, math.Abs(v))
		} else {
			s += v * v
		}
	}
	if n == L2 {
		return math.Sqrt(s)
	}
	return s
}
