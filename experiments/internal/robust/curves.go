package robust

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/brainreg/brainreg/nn/attack"
)

// NoiseConfig sets up the noise curves.
type NoiseConfig struct {
	Kinds  []NoiseKind             `json:"kinds"`
	Levels map[NoiseKind][]float64 `json:"levels"` // per kind, in [0, 1]; 0 is the clean image
	Seed   uint64                  `json:"seed"`   // noise of image i at (kind, level) comes from (Seed, kind, level, i)
	Batch  int                     `json:"batch"`  // images per forward pass
}

// DefaultNoise is 11 levels 0, 0.01, …, 0.1 of every kind: standard
// deviations up to 0.1 on [0, 1] pixels for Gaussian and uniform noise (as
// the authors' later code), and the same numbers as the fraction of pixels
// for salt-and-pepper noise.
func DefaultNoise() NoiseConfig {
	l := Linspace(0, 0.1, 11)
	return NoiseConfig{Kinds: Kinds, Seed: 2019, Batch: 16,
		Levels: map[NoiseKind][]float64{Gaussian: l, Uniform: l, SaltPepper: l}}
}

// WideNoise reaches where every model fails: standard deviations up to 0.4
// and up to half of the pixels replaced, 11 levels each.
func WideNoise() NoiseConfig {
	c := DefaultNoise()
	c.Levels = map[NoiseKind][]float64{Gaussian: Linspace(0, 0.4, 11), Uniform: Linspace(0, 0.4, 11),
		SaltPepper: Linspace(0, 0.5, 11)}
	return c
}

func (c NoiseConfig) validate() error {
	if c.Batch < 1 {
		return fmt.Errorf("robust: noise batch %d: want ≥ 1", c.Batch)
	}
	for _, k := range c.Kinds {
		if !k.valid() {
			return fmt.Errorf("robust: noise kind %q: want one of %v", string(k), Kinds)
		}
		if len(c.Levels[k]) == 0 {
			return fmt.Errorf("robust: no levels for %s noise", k)
		}
		for _, l := range c.Levels[k] {
			if !(l >= 0 && l <= 1) {
				return fmt.Errorf("robust: %s noise level %v: want a level in [0, 1]", k, l)
			}
		}
	}
	return nil
}

// NoiseCurve is a model's accuracy at every level of one kind of noise.
type NoiseCurve struct {
	Kind     NoiseKind `json:"kind"`
	Levels   []float64 `json:"levels"`
	Accuracy []float64 `json:"accuracy"`
	Images   int       `json:"images"`
}

// NoiseCurves measures m's accuracy on the images with every kind and level
// of noise of cfg, in fixed batches of cfg.Batch images on threads
// goroutines (GOMAXPROCS when threads < 1); each goroutine reuses one batch
// buffer. Level 0 is the clean accuracy, computed once for all kinds.
func NoiseCurves(ctx context.Context, m attack.Model, im attack.Images, cfg NoiseConfig, threads int) ([]NoiseCurve, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	clean := -1.0
	var out []NoiseCurve
	for _, k := range cfg.Kinds {
		c := NoiseCurve{Kind: k, Levels: append([]float64(nil), cfg.Levels[k]...), Images: im.Len()}
		for _, level := range c.Levels {
			if level == 0 && clean >= 0 {
				c.Accuracy = append(c.Accuracy, clean)
				continue
			}
			acc, err := noisyAccuracy(ctx, m, im, k, level, cfg, threads)
			if err != nil {
				return nil, err
			}
			if level == 0 {
				clean = acc
			}
			c.Accuracy = append(c.Accuracy, acc)
		}
		out = append(out, c)
	}
	return out, nil
}

// noisyAccuracy is the accuracy on the images with one kind and level of
// noise. Batches are fixed by index, so the result depends on neither the
// thread count nor the order in which goroutines take batches.
func noisyAccuracy(ctx context.Context, m attack.Model, im attack.Images, kind NoiseKind, level float64,
	cfg NoiseConfig, threads int) (float64, error) {
	n, d := im.Len(), im.Size()
	batches := (n + cfg.Batch - 1) / cfg.Batch
	var correct atomic.Int64
	var next atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	for range min(threads, batches) {
		g.Go(func() error {
			buf := make([]float32, cfg.Batch*d)
			for {
				b := int(next.Add(1)) - 1
				if b >= batches {
					return nil
				}
				lo, hi := b*cfg.Batch, min((b+1)*cfg.Batch, n)
				for i := lo; i < hi; i++ {
					AddNoise(buf[(i-lo)*d:(i-lo+1)*d], im.At(i), kind, level, noiseRand(cfg.Seed, kind, level, i))
				}
				batch := attack.Images{X: buf[:(hi-lo)*d], Shape: im.Shape, Labels: im.Labels[lo:hi]}
				pred, err := attack.Predict(ctx, m, batch, hi-lo, 1)
				if err != nil {
					return err
				}
				for j, p := range pred {
					if p == batch.Labels[j] {
						correct.Add(1)
					}
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return float64(correct.Load()) / float64(max(n, 1)), nil
}
