package robust

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/brainreg/brainreg/nn/attack"
)

// TransferSet is adversarial examples made on a source model, to be
// evaluated on other models. Make them once per source (MakeTransferSets)
// and pass them to Evaluate for every model.
type TransferSet struct {
	Source         string
	Norm           attack.Norm
	Eps            float64
	SourceAccuracy float64       // the source's accuracy on Adv
	Clean          attack.Images // the original images
	Adv            attack.Images // their adversarial versions, same labels
}

// MakeTransferSets runs APGD-CE (cfg.TransferAPGD) on the source model at
// each ensemble's size, on the first cfg.TransferImages test images.
func MakeTransferSets(ctx context.Context, source attack.Model, name string, test attack.Images, cfg Config, threads int) ([]TransferSet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.TransferImages == 0 {
		return nil, nil
	}
	im := test.Subset(cfg.TransferImages)
	var out []TransferSet
	for _, e := range []attack.EnsembleConfig{cfg.Linf, cfg.L2} {
		p := cfg.TransferAPGD
		p.Norm, p.Eps = e.Norm, e.Eps
		r, err := attack.APGD(ctx, source, im, p, threads)
		if err != nil {
			return nil, fmt.Errorf("transfer examples on %s (%v, ε=%g): %w", name, e.Norm, e.Eps, err)
		}
		out = append(out, TransferSet{Source: name, Norm: e.Norm, Eps: e.Eps, SourceAccuracy: r.Accuracy(), Clean: im,
			Adv: attack.Images{X: r.Adv, Shape: im.Shape, Labels: im.Labels}})
	}
	return out, nil
}

// Evaluate measures the robustness of m on the test images (pixels in
// [0, 1]; the attacks use the first AttackImages of the set, the noise
// curves NoiseImages of them, the corruptions CorruptImages) with cfg, on
// threads goroutines: noise curves, accuracy under the common corruptions,
// the attack ensemble in L∞ and L2 with every image's minimal
// perturbation, the soundness checks, and the accuracy on every transfer
// set (which may be nil). Log, if not nil, receives one line per part.
func Evaluate(ctx context.Context, m attack.Model, test attack.Images, transfer []TransferSet, cfg Config,
	threads int, log func(format string, args ...any)) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := test.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = func(string, ...any) {}
	}
	res := &Result{Config: cfg, Seconds: map[string]float64{}}
	timed := func(part string, f func() error) error {
		start := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("robustness %s: %w", part, err)
		}
		res.Seconds[part] = time.Since(start).Seconds()
		log("robust: %s done in %.1fs", part, res.Seconds[part])
		return nil
	}

	err := timed("noise", func() error {
		im := test.Subset(cfg.NoiseImages)
		clean, err := attack.Accuracy(ctx, m, im, cfg.Noise.Batch, threads)
		if err != nil {
			return err
		}
		res.CleanAccuracy = clean
		res.Noise, err = NoiseCurves(ctx, m, im, cfg.Noise, threads)
		return err
	})
	if err != nil {
		return nil, err
	}
	if cfg.CorruptImages > 0 {
		err := timed("corruption", func() error {
			var err error
			res.Corruption, err = CorruptionAccuracy(ctx, m, test.Subset(cfg.CorruptImages), cfg.Corruptions, cfg.CorruptSeed, cfg.Batch, threads)
			return err
		})
		if err != nil {
			return nil, err
		}
	}

	im := test.Subset(cfg.AttackImages)
	ensembles := map[attack.Norm]*attack.EnsembleResult{}
	for _, e := range []attack.EnsembleConfig{cfg.Linf, cfg.L2} {
		if cfg.AttackImages == 0 {
			break
		}
		curve := cfg.LinfCurve
		if e.Norm == attack.L2 {
			curve = cfg.L2Curve
		}
		err := timed("ensemble_"+e.Norm.String(), func() error {
			r, err := attack.Ensemble(ctx, m, im, e, threads)
			if err != nil {
				return err
			}
			ensembles[e.Norm] = r
			nr := normResult(r, curve)
			for _, a := range nr.Attacks {
				res.Seconds[a.Name+"_"+e.Norm.String()] = a.Seconds
			}
			res.Adversarial = append(res.Adversarial, nr)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	err = timed("checks", func() error {
		for _, e := range []attack.EnsembleConfig{cfg.Linf, cfg.L2} {
			r := ensembles[e.Norm]
			if r == nil {
				continue
			}
			large := cfg.LargeLinf
			if e.Norm == attack.L2 {
				large = cfg.LargeL2
			}
			c, err := checkLarge(ctx, m, im, r, large, threads)
			if err != nil {
				return err
			}
			res.Checks = append(res.Checks, c)
			if cfg.DoubledImages > 0 {
				c, err := checkDoubled(ctx, m, im, r, e, cfg.DoubledImages, threads)
				if err != nil {
					return err
				}
				res.Checks = append(res.Checks, c)
			}
			if c, ok := checkSquare(r); ok {
				res.Checks = append(res.Checks, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = timed("transfer", func() error {
		for _, t := range transfer {
			acc, err := attack.Accuracy(ctx, m, t.Adv, cfg.Batch, threads)
			if err != nil {
				return err
			}
			clean, err := attack.Accuracy(ctx, m, t.Clean, cfg.Batch, threads)
			if err != nil {
				return err
			}
			tp := TransferPoint{Source: t.Source, Norm: t.Norm, Eps: t.Eps, SourceAccuracy: t.SourceAccuracy,
				Accuracy: acc, CleanAccuracy: clean, Images: t.Adv.Len()}
			if r := ensembles[t.Norm]; r != nil && r.Eps == t.Eps && t.Adv.Len() <= len(r.Robust) {
				wb := fraction(r.Robust[:t.Adv.Len()])
				tp.WhiteBox = &wb
				res.Checks = append(res.Checks, Check{Name: "transfer_weaker", Norm: t.Norm.String(), Passed: acc >= wb,
					Value: acc, Limit: wb, Detail: fmt.Sprintf(
						"accuracy %.1f%% on APGD-CE examples from %s at ε = %g, against %.1f%% under this model's own white-box attacks on the same %d images",
						100*acc, t.Source, t.Eps, 100*wb, t.Adv.Len())})
			}
			res.Transfer = append(res.Transfer, tp)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range res.Checks {
		if !c.Passed {
			log("robust: WARNING: check %s (%s) failed: %s", c.Name, c.Norm, c.Detail)
		}
	}
	return res, nil
}

func fraction(bs []bool) float64 {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return float64(n) / float64(max(len(bs), 1))
}

// normResult summarises an ensemble's outcome, with the robust-accuracy
// curve at the sizes of curve.
func normResult(r *attack.EnsembleResult, curve []float64) NormResult {
	n := len(r.Correct)
	nr := NormResult{Norm: r.Norm, Eps: r.Eps, Images: n, CleanAccuracy: fraction(r.Correct), RobustAccuracy: r.Accuracy,
		Correct: r.Correct, Robust: r.Robust, MinimalBy: r.MinimalBy, Minimal: make([]Dist, n)}
	var correct []float64
	for i, d := range r.Minimal {
		nr.Minimal[i] = Dist(d)
		if r.Correct[i] {
			correct = append(correct, d)
		}
	}
	nr.MedianCorrect = Dist(attack.Median(correct))
	for _, e := range curve {
		above := 0
		for _, d := range r.Minimal {
			if d > e {
				above++
			}
		}
		nr.CurveEps = append(nr.CurveEps, e)
		nr.CurveAccuracy = append(nr.CurveAccuracy, float64(above)/float64(max(n, 1)))
	}
	for _, a := range r.Attacks {
		s := AttackSummary{Name: a.Name, Attacked: a.Attacked, Accuracy: a.Accuracy, Alone: a.Alone, Seconds: a.Seconds}
		for i, f := range a.Fooled {
			if r.Correct[i] {
				if f {
					s.Fooled++
				}
				if !math.IsInf(a.Dist[i], 1) {
					s.Found++
				}
			}
		}
		nr.Attacks = append(nr.Attacks, s)
		if a.Name == "boundary" && a.StartDist != nil {
			var start, end, steps []float64
			b := &BoundarySummary{}
			for i := range n {
				if !r.Correct[i] || !(a.StartDist[i] > 0) || math.IsInf(a.StartDist[i], 1) {
					continue
				}
				start, end, steps = append(start, a.StartDist[i]), append(end, a.Dist[i]), append(steps, float64(a.Steps[i]))
				if a.Dist[i] < a.StartDist[i] {
					b.Improved++
				}
			}
			b.Images = len(start)
			if b.Images > 0 {
				b.MedianStart, b.MedianEnd, b.MedianSteps = attack.Median(start), attack.Median(end), attack.Median(steps)
			}
			nr.Boundary = b
		}
	}
	return nr
}

// checkLarge runs APGD-CE at a large size on every image that no attack
// fooled within it: accuracy there must be 0, or the attacks (or the
// model's gradients) are broken.
func checkLarge(ctx context.Context, m attack.Model, im attack.Images, r *attack.EnsembleResult, eps float64, threads int) (Check, error) {
	var idx []int
	for i, d := range r.Minimal {
		if d > eps {
			idx = append(idx, i)
		}
	}
	still := 0
	if len(idx) > 0 {
		sub := subsetOf(im, idx)
		a, err := attack.APGD(ctx, m, sub, attack.APGDConfig{Norm: r.Norm, Eps: eps, Seed: 21}, threads)
		if err != nil {
			return Check{}, fmt.Errorf("check at ε = %g: %w", eps, err)
		}
		for _, f := range a.Fooled {
			if !f {
				still++
			}
		}
	}
	acc := float64(still) / float64(max(im.Len(), 1))
	return Check{Name: "zero_at_large_eps", Norm: r.Norm.String(), Passed: still == 0, Value: acc, Limit: 0,
		Detail: fmt.Sprintf("accuracy %.1f%% at ε = %g (%d images left for APGD-CE there, %d not fooled)", 100*acc, eps, len(idx), still)}, nil
}

// checkDoubled reruns the gradient attacks with twice the steps and twice
// the restarts on the first n images that the ensemble left robust: the
// robust accuracy must not fall by more than 1 point, or the budget was
// too small.
func checkDoubled(ctx context.Context, m attack.Model, im attack.Images, r *attack.EnsembleResult, e attack.EnsembleConfig, n, threads int) (Check, error) {
	var idx []int
	for i := range min(n, len(r.Robust)) {
		if r.Robust[i] {
			idx = append(idx, i)
		}
	}
	fooled := 0
	if len(idx) > 0 {
		remaining := subsetOf(im, idx)
		for _, c := range []*attack.APGDConfig{e.APGDCE, e.APGDT} {
			if c == nil || remaining.Len() == 0 {
				continue
			}
			cc := *c
			cc.Norm, cc.Eps = e.Norm, e.Eps
			cc.Steps, cc.Restarts = 2*max(cc.Steps, 1), 2*max(cc.Restarts, 1)
			cc.Seed += 1000 // other random starts than the ensemble's
			a, err := attack.APGD(ctx, m, remaining, cc, threads)
			if err != nil {
				return Check{}, fmt.Errorf("doubled-budget check: %w", err)
			}
			var keep []int
			for k, f := range a.Fooled {
				if f {
					fooled++
				} else {
					keep = append(keep, k)
				}
			}
			remaining = subsetOf(remaining, keep)
		}
	}
	drop := float64(fooled) / float64(max(min(n, len(r.Robust)), 1))
	return Check{Name: "doubled_budget", Norm: e.Norm.String(), Passed: drop <= 0.01, Value: drop, Limit: 0.01,
		Detail: fmt.Sprintf("twice the APGD steps and restarts lower the robust accuracy on the first %d images by %.1f points (%d of %d robust images fooled)",
			min(n, len(r.Robust)), 100*drop, fooled, len(idx))}, nil
}

// checkSquare reports whether the black-box Square attack fooled images
// that every white-box attack before it had left robust: more than 1 % of
// the images points at masked gradients.
func checkSquare(r *attack.EnsembleResult) (Check, bool) {
	for _, a := range r.Attacks {
		if a.Name != "square" {
			continue
		}
		n := 0
		for i, f := range a.Fooled {
			if f && r.Correct[i] {
				n++
			}
		}
		share := float64(n) / float64(max(len(r.Correct), 1))
		return Check{Name: "black_box_no_better", Norm: r.Norm.String(), Passed: share <= 0.01, Value: share, Limit: 0.01,
			Detail: fmt.Sprintf("Square fooled %d of the %d images the white-box attacks left robust (%.1f%% of all)", n, a.Attacked, 100*share)}, true
	}
	return Check{}, false
}

// subsetOf returns images idx of im (copied).
func subsetOf(im attack.Images, idx []int) attack.Images {
	d := im.Size()
	out := attack.Images{X: make([]float32, len(idx)*d), Shape: im.Shape, Labels: make([]int, len(idx))}
	for k, i := range idx {
		copy(out.X[k*d:(k+1)*d], im.At(i))
		out.Labels[k] = im.Labels[i]
	}
	return out
}
