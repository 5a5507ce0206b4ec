package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// CheckOptions tunes CheckGrad. Zero fields take the defaults.
type CheckOptions struct {
	Step   float64 // finite-difference step; default 1e-2
	AbsTol float64 // allowed absolute error; default 2e-3
	RelTol float64 // allowed error relative to the larger magnitude; default 1e-2
	Seed   uint64  // seeds the random projection of the output; default 1
}

// CheckGrad compares the gradients that the backward rules give for f with
// central finite differences. f maps the inputs xs to one tensor y; the
// check reduces y to the scalar L = Σᵢ rᵢ·yᵢ with fixed random weights r in
// [−1, 1] (so every output element and every rule's use of the incoming
// gradient is exercised), computes ∂L/∂x for every element of every input
// through Grad, and compares with (L(x+h) − L(x−h)) / 2h, where L is summed
// in float64 and h is the step actually taken after rounding x±h to
// float32. f must be deterministic and may be called many times; keep inputs
// small. Inputs are marked as requiring gradients. It returns an error
// listing the first disagreements, or nil.
func CheckGrad(f func(xs ...*Tensor) *Tensor, xs []*Tensor, opt CheckOptions) error {
	if opt.Step == 0 {
		opt.Step = 1e-2
	}
	if opt.AbsTol == 0 {
		opt.AbsTol = 2e-3
	}
	if opt.RelTol == 0 {
		opt.RelTol = 1e-2
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	for _, x := range xs {
		if x.node == nil {
			x.SetRequiresGrad(true)
		}
	}
	y := f(xs...)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
	r := make([]float32, len(y.Data))
	for i := range r {
		r[i] = float32(2*rng.Float64() - 1)
	}
	if !y.requiresGrad {
		return fmt.Errorf("CheckGrad: the output was not recorded")
	}
	analytic := gradFrom(y, r, xs)

	loss := func() float64 {
		y := f(xs...)
		s := 0.0
		for i, v := range y.Data {
			s += float64(r[i]) * float64(v)
		}
		return s
	}
	var errs []string
	bad := 0
	for k, x := range xs {
		for i, v := range x.Data {
			plus, minus := float32(float64(v)+opt.Step), float32(float64(v)-opt.Step)
			x.Data[i] = plus
			lp := loss()
			x.Data[i] = minus
			lm := loss()
			x.Data[i] = v
			numeric := (lp - lm) / (float64(plus) - float64(minus))
			a := float64(analytic[k][i])
			scale := max(math.Abs(a), math.Abs(numeric))
			if math.IsNaN(a) || math.Abs(a-numeric) > opt.AbsTol+opt.RelTol*scale {
				bad++
				if len(errs) < 5 {
					errs = append(errs, fmt.Sprintf("input %d %v element %d: backward %.6g, finite difference %.6g",
						k, x.Shape, i, a, numeric))
				}
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("CheckGrad: %d gradient elements disagree:\n  %s", bad, strings.Join(errs, "\n  "))
	}
	return nil
}
