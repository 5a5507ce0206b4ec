package autograd

import (
	"math"
	"testing"
)

// Rules with backwardFresh write a gradient buffer that no contribution has
// reached outright, without the walk clearing it. These graphs reach every
// way they do so: batch norm's input (training and evaluation), its
// residual and a computed gamma and beta; a convolution's input on each of
// its paths (grid rows written directly at 32×32, the grid at 8×8, the
// phase planes at stride 2, the column matrix at 4×4) and a computed
// weight; a tensor consumed twice (the first rule to reach it overwrites,
// the second adds) and a tensor given twice to one rule (cleared, both
// added). With every buffer from the free list filled with NaN, the
// gradients must be those of clearing every buffer and adding, to the bit.
func TestFreshGradientsMatchClearedOnes(t *testing.T) {
	graphs := map[string]struct {
		inputs func() []*Tensor
		f      func(x ...*Tensor) *Tensor
	}{
		"grid, phases, columns, repeated parent": {
			inputs: func() []*Tensor {
				r := newRand(7)
				w := func(cin int) *Tensor { return uniform(r, -0.5, 0.5, 4, cin, 3, 3) }
				return ins(uniform(r, -1, 1, 2, 3, 16, 16), w(3), w(4), w(4), w(4), w(4), uniform(r, 0.5, 1.5, 4), uniform(r, -0.5, 0.5, 4))
			},
			f: func(x ...*Tensor) *Tensor {
				gamma, beta := x[6], x[7]
				a := Conv2d(x[0], x[1], nil, 1, 1)                                  // [2, 4, 16, 16]
				h := BatchNormReLU(a, gamma, beta, NewBatchNormStats(4), true, nil) // consumed twice
				c := Conv2d(h, x[2], nil, 1, 1)                                     // adds to h's gradient
				// Residual h (fresh: this rule reaches h first); computed gamma and beta.
				rr := BatchNormReLU(c, MulScalar(gamma, 2), AddScalar(beta, 1), NewBatchNormStats(4), true, h)
				d := Conv2d(rr, x[3], nil, 2, 1)                                   // phase planes: [2, 4, 8, 8]
				e := Conv2d(d, Reshape(MulScalar(x[4], 1), 4, 4, 3, 3), nil, 1, 1) // 8×8 grid; computed weight
				f := Conv2d(e, x[5], nil, 2, 1)                                    // column matrix: [2, 4, 4, 4]
				g := BatchNormReLU(f, nil, nil, NewBatchNormStats(4), true, f)     // f given twice
				return BatchNorm2d(g, nil, nil, NewBatchNormStats(4), false)       // evaluation mode
			},
		},
		"32x32 grid rows": {
			inputs: func() []*Tensor {
				r := newRand(8)
				return ins(uniform(r, -1, 1, 2, 2, 32, 32), uniform(r, -0.5, 0.5, 3, 2, 3, 3), uniform(r, -0.5, 0.5, 2, 3, 3, 3))
			},
			f: func(x ...*Tensor) *Tensor {
				h := BatchNormReLU(Conv2d(x[0], x[1], nil, 1, 1), nil, nil, NewBatchNormStats(3), true, nil)
				return Conv2d(h, x[2], nil, 1, 1) // h's gradient written by grid rows
			},
		},
	}
	for name, gc := range graphs {
		t.Run(name, func(t *testing.T) {
			grads := func(fresh bool) [][]float32 {
				defer func(old bool) { freshGradients, poisonBufs = old, false }(freshGradients)
				freshGradients, poisonBufs = fresh, true
				xs := gc.inputs()
				for _, x := range xs {
					x.SetRequiresGrad(true)
				}
				y := gc.f(xs...)
				seed := make([]float32, len(y.Data))
				r := newRand(9)
				for i := range seed {
					seed[i] = float32(r.Float64()*2 - 1)
				}
				return gradFrom(y, seed, xs)
			}
			want, got := grads(false), grads(true)
			for i := range want {
				for j := range want[i] {
					if got[i][j] != want[i][j] || math.IsNaN(float64(got[i][j])) {
						t.Fatalf("input %d element %d: gradient %v with fresh buffers, %v with cleared ones", i, j, got[i][j], want[i][j])
					}
				}
			}
		})
	}
}
