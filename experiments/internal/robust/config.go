package robust

import (
	"fmt"
	"math"

	"github.com/brainreg/brainreg/data/corrupt"
	"github.com/brainreg/brainreg/nn/attack"
)

// Config is the whole robustness evaluation of one model. Threads is not
// part of it: results do not depend on it.
type Config struct {
	Noise       NoiseConfig `json:"noise"`
	NoiseImages int         `json:"noise_images"` // first test images for the noise curves; 0: all

	// The common corruptions of CIFAR-10-C (Hendrycks & Dietterich 2019,
	// data/corrupt): accuracy at severities 1–5 of each of Corruptions
	// (names; empty: all 15) on the first CorruptImages test images (0:
	// none), image i corrupted with corrupt.ImageSeed(CorruptSeed, i). All
	// three are left out of the JSON when zero, so that configurations
	// without corruptions keep their hash.
	CorruptImages int      `json:"corrupt_images,omitempty"`
	Corruptions   []string `json:"corruptions,omitempty"`
	CorruptSeed   uint64   `json:"corrupt_seed,omitempty"`

	// The adversarial evaluation: AutoAttack's protocol (attack.Ensemble)
	// in L∞ and in L2 on the first AttackImages test images, robust
	// accuracy at each ensemble's Eps, and every image's minimal
	// perturbation over all its attacks; the robust-accuracy curves at
	// LinfCurve and L2Curve follow from those minimal perturbations.
	AttackImages int                   `json:"attack_images"`
	Linf         attack.EnsembleConfig `json:"linf"`
	L2           attack.EnsembleConfig `json:"l2"`
	LinfCurve    []float64             `json:"linf_curve"`
	L2Curve      []float64             `json:"l2_curve"`

	// Checks that the evaluation is sound (Carlini et al. 2019): at
	// LargeLinf and LargeL2 accuracy must reach 0 (APGD-CE runs there on
	// every image no attack fooled); APGD with twice the steps and restarts
	// (DoubledImages first attacked images; 0 skips it) must lower the
	// robust accuracy by at most 1 point.
	LargeLinf     float64 `json:"large_linf"`
	LargeL2       float64 `json:"large_l2"`
	DoubledImages int     `json:"doubled_images"`

	// Transfer: examples made by APGD-CE on the source model (the baseline)
	// at each ensemble's Eps, on the first TransferImages attacked images,
	// so that they compare with the white-box robust accuracy there.
	TransferImages int               `json:"transfer_images"`
	TransferAPGD   attack.APGDConfig `json:"transfer_apgd"`

	Batch int `json:"batch"` // images per forward pass when only decisions are needed
}

// Budgets of the attacks, after AutoAttack's standard version: APGD-CE
// with 100 steps and one run; APGD-T with 100 steps towards each of the 9
// most likely other classes (3 in the quick preset); FMN with 1,000 steps
// (500 in the quick preset; with 100, checked against AutoAttack's FAB on
// the quick run's models, its minimal L2 perturbations were 16–26 % larger
// in the median, by different amounts for different models, against 1 %
// with 1,000 and 9 % with 300: docs/robustness.md);
// FAB-T (AutoAttack's targeted FAB) with 100 steps towards each of the
// same most likely other classes as APGD-T, on every correctly classified
// image: the cross-check against AutoAttack found FAB's minimal
// perturbations smaller than FMN-500's on a quarter of the images, and by
// different amounts for different models (docs/robustness.md);
// Square with 5,000 queries; the Boundary attack from the best point found,
// until 500 steps shrink the distance by less than 0.1 % (at most 5,000).
func ensembles(targets, fmnSteps, squareQueries, boundarySteps int) (linf, l2 attack.EnsembleConfig) {
	for _, e := range []*attack.EnsembleConfig{&linf, &l2} {
		e.APGDCE = &attack.APGDConfig{Steps: 100, Seed: 1}
		e.APGDT = &attack.APGDConfig{Steps: 100, Targets: targets, Seed: 2}
		e.FMN = &attack.FMNConfig{Steps: fmnSteps}
		e.FAB = &attack.FABConfig{Steps: 100, Targets: targets}
		if squareQueries > 0 {
			e.Square = &attack.SquareConfig{Queries: squareQueries, Seed: 3}
		}
	}
	linf.Norm, linf.Eps = attack.Linf, 0.002
	l2.Norm, l2.Eps = attack.L2, 0.1
	if boundarySteps > 0 {
		l2.Boundary = &attack.BoundaryConfig{Steps: boundarySteps, ConvergeWindow: 500, Seed: 11}
	}
	// The attacks run in the ensemble's norm at its size (Ensemble sets
	// them); set here too so that the recorded configuration says so.
	for _, e := range []*attack.EnsembleConfig{&linf, &l2} {
		e.APGDCE.Norm, e.APGDCE.Eps, e.APGDT.Norm, e.APGDT.Eps, e.FMN.Norm = e.Norm, e.Eps, e.Norm, e.Eps, e.Norm
		e.FAB.Norm = e.Norm
		if e.Square != nil {
			e.Square.Norm, e.Square.Eps = e.Norm, e.Eps
		}
	}
	return linf, l2
}

// Paper is the paper's scale: the whole test set under noise and under the
// 15 corruptions, the whole ensemble on 1,000 images (the median over
// 1,000 test images of Li et al.'s table). The ensembles' sizes, L∞ 0.002
// and L2 0.1, lie near the paper's median minimal perturbations (L∞
// 0.0025–0.0034, L2 0.09–0.13).
func Paper() Config {
	linf, l2 := ensembles(9, 1000, 5000, 5000)
	return Config{
		Noise: DefaultNoise(), AttackImages: 1000, Linf: linf, L2: l2,
		CorruptImages: 10000, Corruptions: corrupt.Names(), CorruptSeed: DefaultCorruptSeed,
		LinfCurve: []float64{0.0005, 0.001, 0.002, 0.004, 0.008}, L2Curve: []float64{0.025, 0.05, 0.1, 0.2, 0.4},
		LargeLinf: 0.1, LargeL2: 5, DoubledImages: 1000,
		TransferImages: 1000, TransferAPGD: attack.APGDConfig{Steps: 100, Seed: 5},
		Batch: 32,
	}
}

// Converged is Paper on 500 images with noise and corruptions on 2,000:
// the evaluation of the converged preset.
func Converged() Config {
	c := Paper()
	c.NoiseImages, c.CorruptImages = 2000, 2000
	c.AttackImages, c.DoubledImages, c.TransferImages = 500, 500, 500
	return c
}

// Quick is the default end-to-end run's evaluation: noise and the 15
// corruptions on 1,000 test images (the corruptions are 75 passes over
// them: 91 s for the quick run's small ResNet on one core of the 2-core
// EPYC, the other busy; the corrupting itself is 5 s of it); APGD-CE,
// APGD-T and FAB-T towards the 3 most likely other classes and FMN (500
// steps) on 200 (no Square, no Boundary attack); the doubled-budget check
// on the first 20 (there one more fooled image is 5 points, so the check asks
// that twice the budget fools none of the robust ones; on 50 it cost more
// than the ensemble itself, 331 s against 438 s, on a loaded 2-core Xeon).
func Quick() Config {
	c := Paper()
	c.Linf, c.L2 = ensembles(3, 500, 0, 0)
	c.NoiseImages, c.CorruptImages = 1000, 1000
	c.AttackImages, c.TransferImages, c.DoubledImages = 200, 200, 20
	return c
}

// Smoke runs every attack briefly, on a few images and levels, and one
// corruption of each family on 20 images, so that CI exercises them all.
func Smoke() Config {
	c := Paper()
	c.Noise.Levels = map[NoiseKind][]float64{Gaussian: Linspace(0, 0.1, 11), Uniform: Linspace(0, 0.1, 11),
		SaltPepper: Linspace(0, 0.1, 11)}
	c.NoiseImages = 20
	c.CorruptImages, c.Corruptions = 20, []string{"gaussian_noise", "glass_blur", "fog", "jpeg_compression"}
	c.Linf, c.L2 = ensembles(2, 10, 50, 100)
	for _, e := range []*attack.EnsembleConfig{&c.Linf, &c.L2} {
		e.APGDCE.Steps, e.APGDT.Steps, e.FAB.Steps = 5, 5, 5
		e.Boundary = nil
	}
	c.L2.Boundary = &attack.BoundaryConfig{Steps: 100, ConvergeWindow: 50, Seed: 11}
	c.AttackImages, c.DoubledImages, c.TransferImages = 6, 6, 6
	c.TransferAPGD.Steps = 5
	return c
}

// Preset returns the named preset: paper, converged, quick or smoke.
func Preset(name string) (Config, error) {
	switch name {
	case "paper":
		return Paper(), nil
	case "converged":
		return Converged(), nil
	case "quick":
		return Quick(), nil
	case "smoke":
		return Smoke(), nil
	}
	return Config{}, fmt.Errorf("robust: unknown preset %q (known: paper, converged, quick, smoke)", name)
}

// Validate reports the first setting that cannot work, naming it.
func (c Config) Validate() error {
	if err := c.Noise.validate(); err != nil {
		return err
	}
	switch {
	case c.NoiseImages < 0 || c.AttackImages < 0 || c.DoubledImages < 0 || c.TransferImages < 0 || c.CorruptImages < 0:
		return fmt.Errorf("robust: image counts noise %d, attack %d, doubled %d, transfer %d, corrupt %d: want ≥ 0",
			c.NoiseImages, c.AttackImages, c.DoubledImages, c.TransferImages, c.CorruptImages)
	case c.DoubledImages > c.AttackImages || c.TransferImages > c.AttackImages:
		return fmt.Errorf("robust: doubled_images %d and transfer_images %d must not exceed attack_images %d",
			c.DoubledImages, c.TransferImages, c.AttackImages)
	case c.Linf.Norm != attack.Linf || c.L2.Norm != attack.L2:
		return fmt.Errorf("robust: the linf ensemble uses %v and the l2 one %v", c.Linf.Norm, c.L2.Norm)
	case c.Batch < 1:
		return fmt.Errorf("robust: batch %d: want ≥ 1", c.Batch)
	case !(c.LargeLinf > 0) || !(c.LargeL2 > 0) || math.IsInf(c.LargeLinf+c.LargeL2, 0):
		return fmt.Errorf("robust: large_linf %v and large_l2 %v: want finite sizes > 0", c.LargeLinf, c.LargeL2)
	}
	if _, err := corruptionList(c.Corruptions); err != nil {
		return err
	}
	if c.AttackImages > 0 {
		for _, e := range []attack.EnsembleConfig{c.Linf, c.L2} {
			if err := e.Validate(); err != nil {
				return fmt.Errorf("robust: %w", err)
			}
		}
	}
	for _, e := range [][]float64{c.LinfCurve, c.L2Curve} {
		for _, v := range e {
			if !(v > 0 && v <= 1e3) {
				return fmt.Errorf("robust: curve size %v: want a size > 0", v)
			}
		}
	}
	return nil
}
