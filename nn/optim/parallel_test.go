package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/simd"
)

// SGD on a parameter large enough to be split over threads gives the same
// bits for 1, 2 and 3 threads, in every configuration, and ZeroGrad clears
// all of it.
func TestSGDLargeParameterAcrossThreads(t *testing.T) {
	const n = 3*optimChunk + 123
	r := rand.New(rand.NewPCG(5, 6))
	p0, grads := make([]float32, n), make([][]float32, 3)
	for i := range p0 {
		p0[i] = float32(r.NormFloat64())
	}
	for s := range grads {
		grads[s] = make([]float32, n)
		for i := range grads[s] {
			grads[s][i] = float32(r.NormFloat64())
		}
	}
	for _, cfg := range []struct {
		momentum, wd float64
		nesterov     bool
	}{{0, 0, false}, {0.9, 0, false}, {0.9, 5e-4, true}} {
		run := func(threads int) []float32 {
			defer simd.SetThreads(simd.SetThreads(threads))
			p := autograd.Param(append([]float32(nil), p0...), n)
			opt := NewSGD([]*autograd.Tensor{p}, cfg.momentum, cfg.wd, cfg.nesterov)
			for _, g := range grads {
				p.Grad = append(p.Grad[:0], g...)
				opt.Step(0.1)
				opt.ZeroGrad()
				for i, v := range p.Grad {
					if v != 0 {
						t.Fatalf("%+v: Grad[%d] = %v after ZeroGrad", cfg, i, v)
					}
				}
			}
			return p.Data
		}
		ref := run(1)
		for _, threads := range []int{2, 3} {
			got := run(threads)
			for i := range ref {
				if math.Float32bits(got[i]) != math.Float32bits(ref[i]) {
					t.Fatalf("%+v threads=%d: p[%d] = %v, one thread gives %v", cfg, threads, i, got[i], ref[i])
				}
			}
		}
	}
}
