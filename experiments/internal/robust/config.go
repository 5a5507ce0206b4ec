package robust

import (
	"fmt"

	"github.com/brainreg/brainreg/nn/attack"
)

// Config is the whole robustness evaluation of one model. Threads is not
// part of it: results do not depend on it.
type Config struct {
	Noise       NoiseConfig `json:"noise"`
	NoiseImages int         `json:"noise_images"` // first test images for the noise curves; 0: all

	// PGD robust accuracy: PGD's Eps and Norm are set from the lists.
	PGD       attack.PGDConfig `json:"pgd"`
	LinfEps   []float64        `json:"linf_eps"`
	L2Eps     []float64        `json:"l2_eps"`
	PGDImages int              `json:"pgd_images"` // first test images attacked

	// Minimal perturbations, on the first MinimalImages test images: a PGD
	// binary search in L∞ and in L2, and the Boundary attack, which starts
	// from noise or from one of the BoundaryStarts test images that follow
	// them.
	MinimalImages  int                   `json:"minimal_images"`
	SearchLinf     attack.SearchConfig   `json:"search_linf"`
	SearchL2       attack.SearchConfig   `json:"search_l2"`
	Boundary       attack.BoundaryConfig `json:"boundary"`
	BoundaryImages int                   `json:"boundary_images"` // at most MinimalImages; 0: none
	BoundaryStarts int                   `json:"boundary_starts"`

	// Transfer: examples made by PGD (this PGD config) on the source model.
	TransferLinfEps []float64 `json:"transfer_linf_eps"`
	TransferL2Eps   []float64 `json:"transfer_l2_eps"`
	TransferImages  int       `json:"transfer_images"`

	Batch int `json:"batch"` // images per forward pass when only decisions are needed
}

// Paper is the paper's scale: the whole test set under noise, 1,000 images
// for the minimal perturbations (the median over 1,000 images of Li et al.'s
// table). PGD: 20 steps of 2.5·ε/20 with a random start (Madry et al.).
// Sizes bracket the paper's median minimal perturbations (L∞ 0.0025–0.0034,
// L2 0.09–0.13).
func Paper() Config {
	pgd := attack.PGDConfig{Steps: 20, RandomStart: true, Seed: 7}
	return Config{
		Noise: DefaultNoise(),
		PGD:   pgd, LinfEps: []float64{0.001, 0.002, 0.004, 0.008}, L2Eps: []float64{0.05, 0.1, 0.2, 0.4},
		PGDImages:     1000,
		MinimalImages: 1000,
		SearchLinf:    attack.SearchConfig{PGD: withNorm(pgd, attack.Linf), Hi: 0.004, Iterations: 8},
		SearchL2:      attack.SearchConfig{PGD: withNorm(pgd, attack.L2), Hi: 0.15, Iterations: 8},
		Boundary:      attack.BoundaryConfig{Steps: 1000, Seed: 11}, BoundaryImages: 1000, BoundaryStarts: 100,
		TransferLinfEps: []float64{0.002, 0.004, 0.008}, TransferL2Eps: []float64{0.1, 0.2, 0.4}, TransferImages: 1000,
		Batch: 16,
	}
}

// Quick is Paper on fewer images with shorter searches, for the default
// end-to-end run: noise on 1,000 test images, PGD and minimal perturbations
// on 100 (searches of 6 bisections of PGD-10), the Boundary attack on 50
// with 500 steps.
func Quick() Config {
	c := Paper()
	c.NoiseImages = 1000
	c.PGDImages, c.MinimalImages, c.BoundaryImages, c.TransferImages = 100, 100, 50, 100
	c.SearchLinf.PGD.Steps, c.SearchL2.PGD.Steps = 10, 10
	c.SearchLinf.Iterations, c.SearchL2.Iterations = 6, 6
	c.Boundary.Steps = 500
	return c
}

// Smoke runs in seconds: few images, levels and steps.
func Smoke() Config {
	c := Paper()
	c.Noise.Levels = map[NoiseKind][]float64{Gaussian: Linspace(0, 0.1, 11), Uniform: Linspace(0, 0.1, 11),
		SaltPepper: Linspace(0, 0.1, 11)}
	c.NoiseImages = 20
	c.PGD.Steps = 5
	c.LinfEps, c.L2Eps = []float64{0.002, 0.008}, []float64{0.1, 0.4}
	c.PGDImages = 4
	c.MinimalImages, c.BoundaryImages, c.BoundaryStarts = 4, 4, 10
	c.SearchLinf.PGD.Steps, c.SearchL2.PGD.Steps = 5, 5
	c.SearchLinf.Iterations, c.SearchL2.Iterations = 4, 4
	c.Boundary.Steps = 50
	c.TransferLinfEps, c.TransferL2Eps, c.TransferImages = []float64{0.008}, []float64{0.4}, 4
	return c
}

// Preset returns the named preset: paper, quick or smoke.
func Preset(name string) (Config, error) {
	switch name {
	case "paper":
		return Paper(), nil
	case "quick":
		return Quick(), nil
	case "smoke":
		return Smoke(), nil
	}
	return Config{}, fmt.Errorf("robust: unknown preset %q (known: paper, quick, smoke)", name)
}

func withNorm(c attack.PGDConfig, n attack.Norm) attack.PGDConfig {
	c.Norm = n
	return c
}

// Validate reports the first setting that cannot work, naming it.
func (c Config) Validate() error {
	if err := c.Noise.validate(); err != nil {
		return err
	}
	switch {
	case c.NoiseImages < 0 || c.PGDImages < 0 || c.MinimalImages < 0 || c.BoundaryImages < 0 || c.BoundaryStarts < 0 || c.TransferImages < 0:
		return fmt.Errorf("robust: image counts noise %d, pgd %d, minimal %d, boundary %d, boundary starts %d, transfer %d: want ≥ 0",
			c.NoiseImages, c.PGDImages, c.MinimalImages, c.BoundaryImages, c.BoundaryStarts, c.TransferImages)
	case c.BoundaryImages > c.MinimalImages:
		return fmt.Errorf("robust: boundary_images %d exceeds minimal_images %d", c.BoundaryImages, c.MinimalImages)
	case c.SearchLinf.PGD.Norm != attack.Linf || c.SearchL2.PGD.Norm != attack.L2:
		return fmt.Errorf("robust: search_linf uses %v and search_l2 %v", c.SearchLinf.PGD.Norm, c.SearchL2.PGD.Norm)
	case c.Batch < 1:
		return fmt.Errorf("robust: batch %d: want ≥ 1", c.Batch)
	}
	for _, e := range [][]float64{c.LinfEps, c.L2Eps, c.TransferLinfEps, c.TransferL2Eps} {
		for _, v := range e {
			if !(v >= 0 && v <= 1e3) {
				return fmt.Errorf("robust: attack size %v: want a size ≥ 0", v)
			}
		}
	}
	return nil
}
