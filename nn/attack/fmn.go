package attack

import (
	"context"
	"fmt"
	"math"
)

// FMNConfig sets up the Fast Minimum-Norm attack (Pintor, Roli, Brendel and
// Biggio 2021, "Fast Minimum-norm Adversarial Attacks through Adaptive Norm
// Constraints"): gradient ascent on the negative margin inside an ε-ball
// whose radius shrinks while the iterate is adversarial and grows while it
// is not. Zero fields take the defaults.
type FMNConfig struct {
	Norm  Norm `json:"norm"`
	Steps int  `json:"steps"` // default 100 (the paper's evaluations use 100–1000)
	// AlphaInit is the step size of the first step, for a gradient
	// normalised to unit L2 norm in both norms; default 1 (the reference's
	// default for every norm).
	AlphaInit  float64 `json:"alpha_init"`
	AlphaFinal float64 `json:"alpha_final"` // step size the cosine annealing ends at; default AlphaInit/100
	GammaInit  float64 `json:"gamma_init"`  // first relative change of ε; default 0.05
	GammaFinal float64 `json:"gamma_final"` // last one; default 0.001
	Batch      int     `json:"batch"`       // images per forward and backward pass; default 32
}

func (c FMNConfig) withDefaults() FMNConfig {
	if c.Steps == 0 {
		c.Steps = 100
	}
	if c.AlphaInit == 0 {
		c.AlphaInit = 1
	}
	if c.AlphaFinal == 0 {
		c.AlphaFinal = c.AlphaInit / 100
	}
	if c.GammaInit == 0 {
		c.GammaInit = 0.05
	}
	if c.GammaFinal == 0 {
		c.GammaFinal = 0.001
	}
	if c.Batch == 0 {
		c.Batch = 32
	}
	return c
}

func (c FMNConfig) validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Norm != Linf && c.Norm != L2:
		return fmt.Errorf("attack: FMN norm %d: want Linf or L2", int(c.Norm))
	case c.Steps < 1 || c.Batch < 1:
		return fmt.Errorf("attack: FMN steps %d, batch %d: want ≥ 1", c.Steps, c.Batch)
	case !(c.AlphaInit > 0) || !finite(c.AlphaInit) || !(c.AlphaFinal > 0) || !finite(c.AlphaFinal):
		return fmt.Errorf("attack: FMN step sizes %v → %v: want finite sizes > 0", c.AlphaInit, c.AlphaFinal)
	case !(c.GammaInit > 0 && c.GammaInit < 1) || !(c.GammaFinal > 0 && c.GammaFinal < 1):
		return fmt.Errorf("attack: FMN ε factors %v → %v: want fractions in (0, 1)", c.GammaInit, c.GammaFinal)
	}
	return nil
}

// FMNResult is the outcome of FMN on N images.
type FMNResult struct {
	Norm  Norm
	Dist  []float64 // [N]: ‖Adv − x‖ of the best adversarial found; 0 for misclassified clean images, +Inf when none found
	Adv   []float32 // [N][C][H][W]: that adversarial (the clean image when none was found)
	Steps []int     // [N]: the step (0-based) whose iterate is Adv; 0 for misclassified clean images, −1 when none found
}

// FMN runs the Fast Minimum-Norm attack on every image, cfg.Batch images to
// a forward and backward pass, on threads goroutines (GOMAXPROCS when
// threads < 1), and returns per image the smallest adversarial perturbation
// it met. Images are split into fixed chunks by index; every image runs all
// the steps (an image whose clean version is misclassified stops at once:
// its ε is 0 for good), so its result does not depend on the other images of
// its chunk, on the batch size or on the number of goroutines.
//
// Step k of K (k = 0 … K−1) at δ (δ₀ = 0, ε₀ = +∞), with c = (1 + cos πk/K)/2,
// α = α_final + (α_init − α_final)·c and γ = γ_final + (γ_init − γ_final)·c:
//
//   - evaluate the negative margin L = max_{j≠y} z_j − z_y and its gradient
//     g at x + δ; the iterate is adversarial when the predicted class is
//     not y (as Predict decides);
//   - if it is adversarial and ‖δ‖ is below the best so far, it becomes the
//     best;
//   - ε ← min(ε(1 − γ), best) if adversarial; else ε(1 + γ) if an
//     adversarial was found at an earlier step; else (‖δ‖ + |L|/‖g‖_*)(1 + γ),
//     the distance to the boundary of the linearised model (‖·‖_* the dual
//     norm: L1 for L∞, L2 for L2) enlarged by γ; then ε ← min(ε, the
//     largest ‖δ‖ the box allows);
//   - δ ← δ + α·g/‖g‖₂, projected onto the ε-ball and then onto the box.
//
// That is the order of operations of the reference followed here,
// adversarial-library's fmn (Rony's adaptation of the authors' code, with
// the rules of foolbox's FMNAttackLp and of the authors' repository), which
// normalises the gradient step to unit L2 norm in every norm and starts
// α at 1 in every norm. Where this differs from it:
//
//   - The boundary estimate, used until the first adversarial is found, is
//     enlarged by the factor 1 + γ. The reference's estimate is exact for a
//     linear model, so its iterate lands on the boundary itself, on the
//     adversarial side or not as rounding has it; here iterates are rounded
//     towards the clean image (see the package comment), which would keep
//     it on the clean side for good.
//   - The best norm starts at +∞ instead of the largest norm the box
//     allows, so an adversarial found only at that size is reported.
//   - Gradient norms are computed in float64, and an iterate is computed in
//     float64, projected and rounded to float32 towards the clean image, so
//     that ‖δ‖ is measured on the very float32 image that Adv holds and
//     Dist = Distance(Norm, Adv, x) exactly.
//   - There are no initial adversarial points (the reference's binary
//     search towards them) and no targeted runs.
func FMN(ctx context.Context, m Model, im Images, cfg FMNConfig, threads int) (*FMNResult, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	n, d := im.Len(), im.Size()
	res := &FMNResult{Norm: cfg.Norm, Dist: make([]float64, n), Adv: make([]float32, len(im.X)), Steps: make([]int, n)}
	copy(res.Adv, im.X)
	for i := range n {
		res.Dist[i], res.Steps[i] = math.Inf(1), -1
	}
	parts := chunks(n, cfg.Batch)
	err := forEach(ctx, len(parts), threads, func(w *worker, c int) error {
		lo, hi := parts[c][0], parts[c][1]
		return fmnChunk(ctx, &batcher{m: m, w: w, shape: im.Shape}, im.X[lo*d:hi*d], im.Labels[lo:hi], cfg,
			res.Dist[lo:hi], res.Adv[lo*d:hi*d], res.Steps[lo:hi])
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// fmnChunk attacks the K images x0 ([K][D]) with labels, writing the best
// adversarial of each to dist, adv ([K][D]) and steps.
func fmnChunk(ctx context.Context, b *batcher, x0 []float32, labels []int, cfg FMNConfig, dist []float64, adv []float32, steps []int) error {
	d, k := b.size(), len(labels)
	x := append([]float32(nil), x0...) // the iterates x0 + δ
	eps := make([]float64, k)
	worst := make([]float64, k) // the largest ‖δ‖ the box allows
	for i := range k {
		eps[i] = math.Inf(1)
		far := make([]float32, d)
		for j, v := range x0[i*d : (i+1)*d] {
			far[j] = float32(math.Max(float64(v), 1-float64(v)))
		}
		worst[i] = Distance(cfg.Norm, far, make([]float32, d))
	}
	found := make([]bool, k)
	active := make([]int, k) // images whose iterate still moves
	for i := range active {
		active[i] = i
	}
	var xb []float32
	delta := make([]float64, d)
	for step := range cfg.Steps {
		if len(active) == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		cos := (1 + math.Cos(math.Pi*float64(step)/float64(cfg.Steps))) / 2
		alpha := cfg.AlphaFinal + (cfg.AlphaInit-cfg.AlphaFinal)*cos
		gamma := cfg.GammaFinal + (cfg.GammaInit-cfg.GammaFinal)*cos
		xb = gather(xb, x, d, active)
		labs := make([]int, len(active))
		for q, i := range active {
			labs[q] = labels[i]
		}
		loss, logits, grad := b.gradient(xb, len(active), NegMargin, labs, nil)
		classes := len(logits) / len(active)
		still := active[:0]
		for q, i := range active {
			xi, x0i := x[i*d:(i+1)*d], x0[i*d:(i+1)*d]
			g := grad[q*d : (q+1)*d]
			norm := Distance(cfg.Norm, xi, x0i)
			isAdv := argmax(logits[q*classes:(q+1)*classes]) != labels[i]
			if isAdv && norm < dist[i] {
				dist[i], steps[i] = norm, step
				copy(adv[i*d:(i+1)*d], xi)
			}
			switch {
			case isAdv:
				eps[i] = math.Min(eps[i]*(1-gamma), dist[i])
			case found[i]:
				eps[i] *= 1 + gamma
			default:
				eps[i] = (norm + math.Abs(loss[q])/math.Max(dualNorm(cfg.Norm, g), 1e-12)) * (1 + gamma)
			}
			found[i] = found[i] || isAdv
			eps[i] = math.Min(eps[i], worst[i])
			if dist[i] == 0 {
				// The clean image is misclassified: ε is 0 from now on
				// and the iterate stays at the clean image.
				continue
			}
			gn := 0.0
			for _, v := range g {
				gn += float64(v) * float64(v)
			}
			f := alpha / math.Max(math.Sqrt(gn), 1e-12)
			for j, v := range g {
				delta[j] = float64(xi[j]) - float64(x0i[j]) + f*float64(v)
			}
			project(cfg.Norm, eps[i], x0i, delta, xi)
			still = append(still, i)
		}
		active = still
	}
	return ctx.Err()
}

// dualNorm is the norm dual to n of g, in float64: ‖g‖₁ for L∞, ‖g‖₂ for L2.
func dualNorm(n Norm, g []float32) float64 {
	s := 0.0
	for _, v := range g {
		if n == Linf {
			s += math.Abs(float64(v))
		} else {
			s += float64(v) * float64(v)
		}
	}
	if n == L2 {
		return math.Sqrt(s)
	}
	return s
}
