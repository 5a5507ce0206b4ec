package attack

import (
	"context"
	"fmt"
	"math"
	"time"
)

// EnsembleConfig is AutoAttack's protocol (Croce and Hein 2020) in one norm:
// robust accuracy at Eps is the fraction of images that every attack fails
// on, and each image's minimal perturbation is the smallest over every
// attack that found one. The attacks run in AutoAttack's order, each on the
// images that the ones before left robust (the minimal-norm attacks on every
// correctly classified image, since they measure all of them): APGD-CE,
// APGD-T, FMN, FAB, Square, and the Boundary attack (L2 only) started from
// the best adversarial point found so far. A nil attack is not run.
type EnsembleConfig struct {
	Norm     Norm            `json:"norm"`
	Eps      float64         `json:"eps"`
	APGDCE   *APGDConfig     `json:"apgd_ce,omitempty"`
	APGDT    *APGDConfig     `json:"apgd_t,omitempty"`
	FMN      *FMNConfig      `json:"fmn,omitempty"`
	FAB      *FABConfig      `json:"fab,omitempty"`
	Square   *SquareConfig   `json:"square,omitempty"`
	Boundary *BoundaryConfig `json:"boundary,omitempty"` // L2 only
}

// Validate reports the first setting that cannot work.
func (c EnsembleConfig) Validate() error {
	if c.Norm != Linf && c.Norm != L2 {
		return fmt.Errorf("attack: ensemble norm %d: want Linf or L2", int(c.Norm))
	}
	if !(c.Eps > 0) || math.IsInf(c.Eps, 0) {
		return fmt.Errorf("attack: ensemble eps %v: want a finite size > 0", c.Eps)
	}
	if c.Boundary != nil && c.Norm != L2 {
		return fmt.Errorf("attack: the Boundary attack measures L2 distances; the ensemble is in %v", c.Norm)
	}
	if c.APGDT != nil && c.APGDT.Targets < 1 {
		return fmt.Errorf("attack: ensemble apgd_t with %d targets: want ≥ 1", c.APGDT.Targets)
	}
	if c.APGDCE != nil && c.APGDCE.Targets != 0 {
		return fmt.Errorf("attack: ensemble apgd_ce with %d targets: want 0 (targets belong to apgd_t)", c.APGDCE.Targets)
	}
	return nil
}

// AttackOutcome is what one attack of the ensemble found.
type AttackOutcome struct {
	Name     string    `json:"name"`
	Attacked int       `json:"attacked"` // images it was run on
	Fooled   []bool    `json:"fooled"`   // [N]: it found an adversarial within Eps (misclassified clean images count)
	Dist     []float64 `json:"-"`        // [N]: size of its adversarial in the norm, +Inf where none (JSON: see DistJSON)
	// Accuracy is the robust accuracy after this attack and the ones
	// before it (AutoAttack's running figure, so the last one is the
	// ensemble's); Alone, for the attacks that run on every correctly
	// classified image (FMN, FAB, Boundary), its robust accuracy by itself.
	Accuracy float64  `json:"accuracy"`
	Alone    *float64 `json:"alone,omitempty"`
	Seconds  float64  `json:"seconds"`
	// Boundary only: distances at the start and the end, and steps taken.
	StartDist []float64 `json:"-"`
	Steps     []int     `json:"steps,omitempty"`
}

// EnsembleResult is the ensemble's outcome on N images.
type EnsembleResult struct {
	Norm     Norm            `json:"norm"`
	Eps      float64         `json:"eps"`
	Correct  []bool          `json:"correct"` // [N]: clean image classified correctly
	Attacks  []AttackOutcome `json:"attacks"`
	Robust   []bool          `json:"robust"`   // [N]: correct and no attack fooled it within Eps
	Accuracy float64         `json:"accuracy"` // fraction robust
	// Minimal[i] is the smallest perturbation any attack found for image i
	// (0 for misclassified clean images, +Inf where none found one), and
	// MinimalBy[i] the attack that found it.
	Minimal   []float64 `json:"-"`
	MinimalBy []string  `json:"minimal_by"`
	Adv       []float32 `json:"-"` // [N][C][H][W]: the adversarial of Minimal (the clean image where none)
}

// Ensemble runs the ensemble of cfg on the images on threads goroutines.
// Each attack keeps its own seed and batch size; an image's result depends
// on that image alone.
func Ensemble(ctx context.Context, m Model, im Images, cfg EnsembleConfig, threads int) (*EnsembleResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	n, d := im.Len(), im.Size()
	res := &EnsembleResult{Norm: cfg.Norm, Eps: cfg.Eps, Correct: make([]bool, n), Robust: make([]bool, n),
		Minimal: make([]float64, n), MinimalBy: make([]string, n), Adv: append([]float32(nil), im.X...)}
	pred, err := Predict(ctx, m, im, 32, threads)
	if err != nil {
		return nil, err
	}
	for i, p := range pred {
		res.Correct[i] = p == im.Labels[i]
		res.Robust[i] = res.Correct[i]
		if res.Correct[i] {
			res.Minimal[i] = math.Inf(1)
		} else {
			res.MinimalBy[i] = "clean"
		}
	}
	// record takes an attack's adversarial points for the images it ran on
	// (idx into the full set) and updates robustness and minimal sizes.
	record := func(o *AttackOutcome, idx []int, fooled []bool, adv []float32, all bool) {
		for i := range n {
			o.Fooled = append(o.Fooled, !res.Correct[i])
			o.Dist = append(o.Dist, map[bool]float64{true: math.Inf(1), false: 0}[res.Correct[i]])
		}
		for k, i := range idx {
			if !fooled[k] {
				continue
			}
			a := adv[k*d : (k+1)*d]
			dist := Distance(cfg.Norm, a, im.At(i))
			o.Dist[i] = dist
			o.Fooled[i] = dist <= cfg.Eps
			if o.Fooled[i] {
				res.Robust[i] = false
			}
			if dist < res.Minimal[i] {
				res.Minimal[i], res.MinimalBy[i] = dist, o.Name
				copy(res.Adv[i*d:(i+1)*d], a)
			}
		}
		o.Attacked = len(idx)
		o.Accuracy = float64(countTrue(res.Robust)) / float64(max(n, 1))
		if all {
			alone := notFooled(o.Fooled)
			o.Alone = &alone
		}
	}
	// which lists the images to attack: the robust ones, or every
	// correctly classified one.
	which := func(all bool) []int {
		var idx []int
		for i := range n {
			if all && res.Correct[i] || !all && res.Robust[i] {
				idx = append(idx, i)
			}
		}
		return idx
	}
	subset := func(idx []int) Images {
		sub := Images{X: gather(nil, im.X, d, idx), Shape: im.Shape, Labels: make([]int, len(idx))}
		for k, i := range idx {
			sub.Labels[k] = im.Labels[i]
		}
		return sub
	}
	run := func(name string, all bool, attack func(sub Images) (fooled []bool, adv []float32, err error)) (*AttackOutcome, error) {
		start := time.Now()
		idx := which(all)
		o := AttackOutcome{Name: name}
		fooled, adv := []bool(nil), []float32(nil)
		if len(idx) > 0 {
			var err error
			if fooled, adv, err = attack(subset(idx)); err != nil {
				return nil, fmt.Errorf("%s (%v, ε=%g): %w", name, cfg.Norm, cfg.Eps, err)
			}
		}
		record(&o, idx, fooled, adv, all)
		o.Seconds = time.Since(start).Seconds()
		res.Attacks = append(res.Attacks, o)
		return &res.Attacks[len(res.Attacks)-1], nil
	}
	apgd := func(c *APGDConfig) func(sub Images) ([]bool, []float32, error) {
		return func(sub Images) ([]bool, []float32, error) {
			cc := *c
			cc.Norm, cc.Eps = cfg.Norm, cfg.Eps
			r, err := APGD(ctx, m, sub, cc, threads)
			if err != nil {
				return nil, nil, err
			}
			return r.Fooled, r.Adv, nil
		}
	}
	if cfg.APGDCE != nil {
		if _, err := run(cfg.APGDCE.Name(), false, apgd(cfg.APGDCE)); err != nil {
			return nil, err
		}
	}
	if cfg.APGDT != nil {
		if _, err := run("apgd-t", false, apgd(cfg.APGDT)); err != nil {
			return nil, err
		}
	}
	// minimalNorm adapts a minimal-norm attack (per image the distance of
	// its adversarial, +Inf where it found none, and the adversarials) to
	// run: an image counts as found wherever the distance is finite.
	minimalNorm := func(attack func(sub Images) ([]float64, []float32, error)) func(sub Images) ([]bool, []float32, error) {
		return func(sub Images) ([]bool, []float32, error) {
			dist, adv, err := attack(sub)
			if err != nil {
				return nil, nil, err
			}
			found := make([]bool, len(dist))
			for k, v := range dist {
				found[k] = !math.IsInf(v, 1)
			}
			return found, adv, nil
		}
	}
	if cfg.FMN != nil {
		_, err := run("fmn", true, minimalNorm(func(sub Images) ([]float64, []float32, error) {
			c := *cfg.FMN
			c.Norm = cfg.Norm
			r, err := FMN(ctx, m, sub, c, threads)
			if err != nil {
				return nil, nil, err
			}
			return r.Dist, r.Adv, nil
		}))
		if err != nil {
			return nil, err
		}
	}
	if cfg.FAB != nil {
		_, err := run(cfg.FAB.Name(), true, minimalNorm(func(sub Images) ([]float64, []float32, error) {
			c := *cfg.FAB
			c.Norm = cfg.Norm
			r, err := FAB(ctx, m, sub, c, threads)
			if err != nil {
				return nil, nil, err
			}
			return r.Dist, r.Adv, nil
		}))
		if err != nil {
			return nil, err
		}
	}
	if cfg.Square != nil {
		_, err := run("square", false, func(sub Images) ([]bool, []float32, error) {
			c := *cfg.Square
			c.Norm, c.Eps = cfg.Norm, cfg.Eps
			r, err := Square(ctx, m, sub, c, threads)
			if err != nil {
				return nil, nil, err
			}
			return r.Fooled, r.Adv, nil
		})
		if err != nil {
			return nil, err
		}
	}
	if cfg.Boundary != nil {
		var start []float64
		var steps []int
		o, err := run("boundary", true, func(sub Images) ([]bool, []float32, error) {
			// Start from the best adversarial point found so far.
			idx := which(true)
			from := gather(nil, res.Adv, d, idx)
			r, err := BoundaryFrom(ctx, m, sub, from, *cfg.Boundary, threads)
			if err != nil {
				return nil, nil, err
			}
			start, steps = r.InitL2, r.Steps
			return r.Found, r.Adv, nil
		})
		if err != nil {
			return nil, err
		}
		o.StartDist = make([]float64, n)
		o.Steps = make([]int, n)
		for k, i := range which(true) {
			if k < len(start) {
				o.StartDist[i], o.Steps[i] = start[k], steps[k]
			}
		}
	}
	res.Accuracy = float64(countTrue(res.Robust)) / float64(max(n, 1))
	return res, nil
}
