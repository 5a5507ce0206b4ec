package autograd

import (
	"math"
	"testing"
)

// BatchNormReLU gives the numbers of ReLU(Add(BatchNorm2d(…), residual)),
// forward and backward, to within rounding, in both modes.
func TestBatchNormReLUMatchesComposition(t *testing.T) {
	r := newRand(23)
	for _, training := range []bool{true, false} {
		for _, withRes := range []bool{true, false} {
			x := uniform(r, -1, 2, 4, 3, 5, 6).SetRequiresGrad(true)
			gamma := uniform(r, 0.5, 1.5, 3).SetRequiresGrad(true)
			beta := uniform(r, -1, 1, 3).SetRequiresGrad(true)
			res := uniform(r, -1, 1, 4, 3, 5, 6).SetRequiresGrad(true)
			gy := uniform(r, -1, 1, 4, 3, 5, 6).Data
			wrt := []*Tensor{x, gamma, beta, res}
			st1, st2 := NewBatchNormStats(3), NewBatchNormStats(3)
			for _, st := range []*BatchNormStats{st1, st2} {
				st.Mean[1], st.Var[2] = 0.3, 2
			}
			var resArg *Tensor
			if withRes {
				resArg = res
			}
			fused := BatchNormReLU(x, gamma, beta, st1, training, resArg)
			comp := BatchNorm2d(x, gamma, beta, st2, training)
			if withRes {
				comp = Add(comp, res)
			}
			comp = ReLU(comp)
			if !withRes {
				wrt = wrt[:3]
			}
			gf := gradFrom(fused, gy, wrt)
			gc := gradFrom(comp, gy, wrt)
			near := func(what string, got, want []float32) {
				t.Helper()
				for i := range want {
					if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("training=%v residual=%v %s[%d] = %v, composition gives %v", training, withRes, what, i, got[i], want[i])
					}
				}
			}
			near("y", fused.Data, comp.Data)
			near("running mean", st1.Mean, st2.Mean)
			near("running var", st1.Var, st2.Var)
			for k, name := range []string{"gx", "ggamma", "gbeta", "gres"}[:len(wrt)] {
				near(name, gf[k], gc[k])
			}
		}
	}
}
