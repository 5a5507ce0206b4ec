package attack

import (
	"context"
	"fmt"
	"math"
)

// SearchConfig sets up the minimal-perturbation search: a bisection over the
// PGD size ε per image. PGD's Eps is ignored; its step size scales with ε
// (RelStep).
type SearchConfig struct {
	PGD        PGDConfig `json:"pgd"`
	Hi         float64   `json:"hi"`         // first size tried; default 0.03 (L∞) or 1 (L2)
	MaxHi      float64   `json:"max_hi"`     // Hi doubles up to this while PGD fails; default 1 (L∞) or 32 (L2): the whole box
	Iterations int       `json:"iterations"` // bisection steps after the bracket is found; default 10
}

func (c SearchConfig) withDefaults() SearchConfig {
	if c.Hi == 0 {
		c.Hi = map[Norm]float64{Linf: 0.03, L2: 1}[c.PGD.Norm]
	}
	if c.MaxHi == 0 {
		c.MaxHi = map[Norm]float64{Linf: 1, L2: 32}[c.PGD.Norm]
	}
	if c.Iterations == 0 {
		c.Iterations = 10
	}
	return c
}

// MinimalResult is the outcome of the search on N images. For image i, PGD
// found a misclassified Adv within Hi[i] and failed at Lo[i] (a failure of
// PGD, not a proof that no adversarial image is that close), so the
// minimal perturbation is at most Dist[i] ≤ Hi[i]; Dist is +Inf (Adv the
// clean image) when PGD failed even at MaxHi, and 0 when the clean image is
// misclassified.
type MinimalResult struct {
	Norm   Norm
	Dist   []float64 // [N]: ‖Adv − x‖ in Norm: an upper bound on the minimal perturbation
	Lo, Hi []float64 // [N]: the final bracket
	Adv    []float32 // [N][C][H][W]
}

// MinimalPGD bounds the minimal perturbation of every image from above by a
// binary search over ε with PGD: Hi doubles until PGD succeeds, then
// Iterations bisections halve the bracket [Lo, Hi]. Each image's random
// starts come from (cfg.PGD.Seed, i).
func MinimalPGD(ctx context.Context, m Model, im Images, cfg SearchConfig, threads int) (*MinimalResult, error) {
	cfg = cfg.withDefaults()
	p := cfg.PGD
	p.Eps = cfg.Hi
	if err := p.validate(); err != nil {
		return nil, err
	}
	if !(cfg.Hi > 0) || !(cfg.MaxHi >= cfg.Hi) || cfg.Iterations < 0 {
		return nil, fmt.Errorf("attack: search hi %v, max_hi %v, iterations %d: want 0 < hi ≤ max_hi and iterations ≥ 0",
			cfg.Hi, cfg.MaxHi, cfg.Iterations)
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	n, d := im.Len(), im.Size()
	res := &MinimalResult{Norm: p.Norm, Dist: make([]float64, n), Lo: make([]float64, n), Hi: make([]float64, n),
		Adv: make([]float32, len(im.X))}
	err := forEach(ctx, n, threads, func(w *worker, i int) error {
		rng := imageRand(p.Seed, streamSearch, i)
		x0, adv := im.At(i), res.Adv[i*d:(i+1)*d]
		buf := make([]float32, d)
		attempt := func(eps float64) bool {
			c := p
			c.Eps = eps
			fooled, _ := pgdImage(m, w, x0, im.Shape, im.Labels[i], c, rng, buf)
			if fooled {
				copy(adv, buf)
			}
			return fooled
		}
		pred := []int{0}
		if classify(m, w.eval, x0, im.Shape, pred); pred[0] != im.Labels[i] { // misclassified as it is
			copy(adv, x0)
			return nil // Dist, Lo and Hi stay 0
		}
		lo, hi := 0.0, cfg.Hi
		for !attempt(hi) {
			if hi >= cfg.MaxHi {
				copy(adv, x0)
				res.Dist[i], res.Lo[i], res.Hi[i] = math.Inf(1), hi, math.Inf(1)
				return nil
			}
			lo, hi = hi, min(2*hi, cfg.MaxHi)
		}
		for range cfg.Iterations {
			mid := (lo + hi) / 2
			if attempt(mid) {
				hi = mid
			} else {
				lo = mid
			}
		}
		res.Dist[i], res.Lo[i], res.Hi[i] = Distance(p.Norm, adv, x0), lo, hi
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
