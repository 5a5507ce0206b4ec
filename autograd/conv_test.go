package autograd

import (
	"math"
	"testing"

	"github.com/brainreg/brainreg/simd"
)

// naiveConv2d is the definition of Conv2d, in float64 loops: the output and,
// for the upstream gradient gy, the gradients of x, w and b.
func naiveConv2d(x, w *Tensor, stride, pad int, gy []float32) (y, gx, gw, gb []float64) {
	n, cin, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	cout, kh, kw := w.Shape[0], w.Shape[2], w.Shape[3]
	ho, wo := (h+2*pad-kh)/stride+1, (wd+2*pad-kw)/stride+1
	y = make([]float64, n*cout*ho*wo)
	gx, gw, gb = make([]float64, len(x.Data)), make([]float64, len(w.Data)), make([]float64, cout)
	for b := range n {
		for co := range cout {
			for oy := range ho {
				for ox := range wo {
					o := ((b*cout+co)*ho+oy)*wo + ox
					gb[co] += float64(gy[o])
					for ci := range cin {
						for ky := range kh {
							for kx := range kw {
								iy, ix := oy*stride-pad+ky, ox*stride-pad+kx
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								xi := ((b*cin+ci)*h+iy)*wd + ix
								wi := ((co*cin+ci)*kh+ky)*kw + kx
								y[o] += float64(x.Data[xi]) * float64(w.Data[wi])
								gx[xi] += float64(gy[o]) * float64(w.Data[wi])
								gw[wi] += float64(gy[o]) * float64(x.Data[xi])
							}
						}
					}
				}
			}
		}
	}
	return y, gx, gw, gb
}

// TestConv2dAgainstDefinition compares Conv2d and its gradients with the
// loops of the definition over many geometries, chunk sizes included.
func TestConv2dAgainstDefinition(t *testing.T) {
	r := newRand(17)
	for trial := range 300 {
		n, cin, cout := 1+r.IntN(3), 1+r.IntN(3), 1+r.IntN(4)
		k := []int{1, 2, 3, 5, 7}[r.IntN(5)]
		stride, pad := 1+r.IntN(3), r.IntN(4)
		h, wd := max(1, k-2*pad)+r.IntN(6), max(1, k-2*pad)+r.IntN(6)
		x := uniform(r, -1, 1, n, cin, h, wd).SetRequiresGrad(true)
		w := uniform(r, -1, 1, cout, cin, k, k).SetRequiresGrad(true)
		b := uniform(r, -1, 1, cout).SetRequiresGrad(true)
		budget := []int{1 << 23, 1, 2 * cin * k * k * 9}[r.IntN(3)]
		restore := setConvBudget(budget)
		prevDirect := convDirectPixels
		convDirectPixels = []int{1, 1 << 30}[r.IntN(2)] // per-image GEMMs or one per chunk
		prevPadded := convPaddedPixels
		convPaddedPixels = []int{1, 1 << 30}[r.IntN(2)] // padded path where it applies, or never
		defer func() { convDirectPixels, convPaddedPixels = prevDirect, prevPadded }()
		y := Conv2d(x, w, b, stride, pad)
		gy := uniform(r, -1, 1, y.Shape...).Data
		grads := gradFrom(y, gy, []*Tensor{x, w, b})
		restore()
		convDirectPixels, convPaddedPixels = prevDirect, prevPadded
		wy, wgx, wgw, wgb := naiveConv2d(x, w, stride, pad, gy)
		for o := range wy {
			wy[o] += float64(b.Data[o/(y.Shape[2]*y.Shape[3])%cout])
		}
		check := func(what string, got []float32, want []float64) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("trial %d %s: %d values, want %d", trial, what, len(got), len(want))
			}
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
					t.Fatalf("trial %d (x %v, w %v, stride %d, pad %d, budget %d) %s[%d] = %v, want %v",
						trial, x.Shape, w.Shape, stride, pad, budget, what, i, got[i], want[i])
				}
			}
		}
		check("y", y.Data, wy)
		check("gx", grads[0], wgx)
		check("gw", grads[1], wgw)
		check("gb", grads[2], wgb)
	}
}

// The padded path (images in parallel, weight gradients summed over groups
// of images) gives the same bits for any thread count.
func TestConv2dPaddedDeterministicAcrossThreads(t *testing.T) {
	r := newRand(31)
	x := uniform(r, -1, 1, 2*convWeightGradImages+3, 5, 9, 8).SetRequiresGrad(true)
	w := uniform(r, -1, 1, 6, 5, 3, 3).SetRequiresGrad(true)
	if g := newConvGeom(x, w, 1, 1); !g.padded() {
		t.Fatal("the test's layer does not take the padded path")
	}
	run := func(threads int) [][]float32 {
		defer simd.SetThreads(simd.SetThreads(threads))
		y := Conv2d(x, w, nil, 1, 1)
		gy := uniform(newRand(32), -1, 1, y.Shape...).Data
		return append(gradFrom(y, gy, []*Tensor{x, w}), y.Data)
	}
	ref := run(1)
	for _, threads := range []int{2, 3} {
		got := run(threads)
		for k := range ref {
			for i := range ref[k] {
				if math.Float32bits(got[k][i]) != math.Float32bits(ref[k][i]) {
					t.Fatalf("threads=%d: output %d element %d = %v, one thread gives %v", threads, k, i, got[k][i], ref[k][i])
				}
			}
		}
	}
}
