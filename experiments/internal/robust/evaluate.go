package robust

import (
	"context"
	"fmt"
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

// MakeTransferSets runs PGD (cfg.PGD) on the source model at every transfer
// size, on the first cfg.TransferImages test images.
func MakeTransferSets(ctx context.Context, source attack.Model, name string, test attack.Images, cfg Config, threads int) ([]TransferSet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	im := test.Subset(cfg.TransferImages)
	var out []TransferSet
	for _, norm := range []attack.Norm{attack.Linf, attack.L2} {
		eps := cfg.TransferLinfEps
		if norm == attack.L2 {
			eps = cfg.TransferL2Eps
		}
		for _, e := range eps {
			p := cfg.PGD
			p.Norm, p.Eps = norm, e
			r, err := attack.PGD(ctx, source, im, p, threads)
			if err != nil {
				return nil, fmt.Errorf("transfer examples on %s (%v, ε=%g): %w", name, norm, e, err)
			}
			out = append(out, TransferSet{Source: name, Norm: norm, Eps: e, SourceAccuracy: r.Accuracy(), Clean: im,
				Adv: attack.Images{X: r.Adv, Shape: im.Shape, Labels: im.Labels}})
		}
	}
	return out, nil
}

// Evaluate measures the robustness of m on the test images (pixels in
// [0, 1]; the attacks use the first images of the set, the noise curves
// NoiseImages of them) with cfg, on threads goroutines: noise curves, PGD
// robust accuracy, minimal perturbations and the accuracy on every transfer
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

	err = timed("pgd", func() error {
		if cfg.PGDImages == 0 {
			return nil
		}
		im := test.Subset(cfg.PGDImages)
		for _, norm := range []attack.Norm{attack.Linf, attack.L2} {
			eps := cfg.LinfEps
			if norm == attack.L2 {
				eps = cfg.L2Eps
			}
			if len(eps) == 0 {
				continue
			}
			p := cfg.PGD
			p.Norm = norm
			acc, err := attack.RobustAccuracy(ctx, m, im, p, eps, threads)
			if err != nil {
				return err
			}
			res.PGD = append(res.PGD, RobustCurve{Norm: norm, Eps: append([]float64(nil), eps...), Accuracy: acc, Images: im.Len()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	for _, s := range []attack.SearchConfig{cfg.SearchLinf, cfg.SearchL2} {
		if cfg.MinimalImages == 0 {
			break
		}
		err = timed("search_"+s.PGD.Norm.String(), func() error {
			r, err := attack.MinimalPGD(ctx, m, test.Subset(cfg.MinimalImages), s, threads)
			if err != nil {
				return err
			}
			res.Minimal = append(res.Minimal, minimalResult("pgd_search", s.PGD.Norm, r.Dist))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	err = timed("boundary", func() error {
		if cfg.BoundaryImages == 0 {
			return nil
		}
		im := test.Subset(cfg.BoundaryImages)
		starts := attack.Images{Shape: test.Shape}
		if lo := cfg.MinimalImages; lo < test.Len() {
			hi := min(lo+cfg.BoundaryStarts, test.Len())
			starts = attack.Images{X: test.X[lo*test.Size() : hi*test.Size()], Shape: test.Shape, Labels: test.Labels[lo:hi]}
		}
		r, err := attack.Boundary(ctx, m, im, starts, cfg.Boundary, threads)
		if err != nil {
			return err
		}
		res.Minimal = append(res.Minimal, minimalResult("boundary", attack.L2, r.L2), minimalResult("boundary", attack.Linf, r.Linf))
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
			res.Transfer = append(res.Transfer, TransferPoint{Source: t.Source, Norm: t.Norm, Eps: t.Eps,
				SourceAccuracy: t.SourceAccuracy, Accuracy: acc, CleanAccuracy: clean, Images: t.Adv.Len()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
