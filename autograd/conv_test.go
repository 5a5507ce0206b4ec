package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
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

// The stride-2 layers that take the padded path (phase planes), forced on
// small planes, against the definition: ResNet's 3×3 and 1×1 downsampling
// layers, and the other kernel sizes the path accepts.
func TestConv2dPhasedAgainstDefinition(t *testing.T) {
	prev := convPaddedPixels
	convPaddedPixels = 1
	defer func() { convPaddedPixels = prev }()
	r := newRand(23)
	for _, c := range []struct{ n, cin, cout, h, w, k, pad int }{
		{3, 2, 3, 6, 8, 3, 1}, {2, 3, 2, 4, 4, 1, 0}, {2, 2, 2, 8, 6, 2, 0},
		{2, 1, 2, 6, 6, 5, 2}, {2, 2, 1, 4, 6, 4, 1}, {convWeightGradImages + 2, 5, 4, 6, 4, 3, 1},
		{convWeightGradImages + 1, 2, 4, 6, 6, 3, 1}, // weight gradient by dot products
	} {
		x := uniform(r, -1, 1, c.n, c.cin, c.h, c.w).SetRequiresGrad(true)
		w := uniform(r, -1, 1, c.cout, c.cin, c.k, c.k).SetRequiresGrad(true)
		b := uniform(r, -1, 1, c.cout).SetRequiresGrad(true)
		if g := newConvGeom(x, w, 2, c.pad); !g.padded() {
			t.Fatalf("%+v does not take the padded path", c)
		}
		checkConvAgainstDefinition(t, fmt.Sprintf("%+v", c), r, x, w, b, 2, c.pad)
	}
}

// checkConvAgainstDefinition runs Conv2d(x, w, b, stride, pad) forward and
// backward (a random output gradient from r) and compares the output and
// the three gradients with naiveConv2d's.
func checkConvAgainstDefinition(t *testing.T, label string, r *rand.Rand, x, w, b *Tensor, stride, pad int) {
	t.Helper()
	y := Conv2d(x, w, b, stride, pad)
	gy := uniform(r, -1, 1, y.Shape...).Data
	grads := gradFrom(y, gy, []*Tensor{x, w, b})
	wy, wgx, wgw, wgb := naiveConv2d(x, w, stride, pad, gy)
	for o := range wy {
		wy[o] += float64(b.Data[o/(y.Shape[2]*y.Shape[3])%w.Shape[0]])
	}
	for _, v := range []struct {
		what string
		got  []float32
		want []float64
	}{{"y", y.Data, wy}, {"gx", grads[0], wgx}, {"gw", grads[1], wgw}, {"gb", grads[2], wgb}} {
		if len(v.got) != len(v.want) {
			t.Fatalf("%s %s: %d values, want %d", label, v.what, len(v.got), len(v.want))
		}
		for i := range v.want {
			if math.Abs(float64(v.got[i])-v.want[i]) > 1e-4*(1+math.Abs(v.want[i])) {
				t.Fatalf("%s %s[%d] = %v, want %v", label, v.what, i, v.got[i], v.want[i])
			}
		}
	}
}

// Layers whose weight gradient runs on simd.Conv3x3WeightGrad16 (16 output
// channels, 3×3, stride 1), against the definition; the path is forced on,
// so that builds without the assembly run it on the Go twin.
func TestConv2dDirectWeightGrad16AgainstDefinition(t *testing.T) {
	prev := useDirectWeightGrad16
	useDirectWeightGrad16 = true
	defer func() { useDirectWeightGrad16 = prev }()
	r := newRand(31)
	for _, c := range []struct{ n, cin, h, w int }{{convWeightGradImages + 3, 4, 9, 10}, {2, 2, 8, 32}} {
		x := uniform(r, -1, 1, c.n, c.cin, c.h, c.w).SetRequiresGrad(true)
		w := uniform(r, -1, 1, 16, c.cin, 3, 3).SetRequiresGrad(true)
		b := uniform(r, -1, 1, 16).SetRequiresGrad(true)
		if g := newConvGeom(x, w, 1, 1); !g.padded() || !g.directWeightGrad16() {
			t.Fatalf("%+v does not take the direct weight gradient", c)
		}
		checkConvAgainstDefinition(t, fmt.Sprintf("%+v", c), r, x, w, b, 1, 1)
	}
}

// Layers whose output rows are whole 32-column tiles, whose products write
// the output rows directly, against the definition: stride 1 with more
// than one 256-deep slice in the input gradient's product, and stride 2.
func TestConv2dGridRowsDirectAgainstDefinition(t *testing.T) {
	r := newRand(29)
	for _, c := range []struct{ n, cin, cout, h, w, stride int }{{3, 2, 30, 3, 32, 1}, {2, 2, 3, 4, 64, 2}} {
		x := uniform(r, -1, 1, c.n, c.cin, c.h, c.w).SetRequiresGrad(true)
		w := uniform(r, -1, 1, c.cout, c.cin, 3, 3).SetRequiresGrad(true)
		b := uniform(r, -1, 1, c.cout).SetRequiresGrad(true)
		if g := newConvGeom(x, w, c.stride, 1); !g.padded() || !g.gridRowsDirect() {
			t.Fatalf("%+v does not write its output rows directly", c)
		}
		checkConvAgainstDefinition(t, fmt.Sprintf("%+v", c), r, x, w, b, c.stride, 1)
	}
}

// The padded path (images in parallel, weight gradients summed over groups
// of images) gives the same bits for any thread count, at stride 1 and 2.
func TestConv2dPaddedDeterministicAcrossThreads(t *testing.T) {
	for _, c := range []struct{ cin, cout, h, w, k, stride, pad int }{
		{5, 6, 9, 8, 3, 1, 1}, {5, 6, 16, 18, 3, 2, 1}, {5, 6, 16, 16, 1, 2, 0},
		{2, 4, 9, 8, 3, 1, 1},  // weight gradient by dot products
		{4, 16, 9, 8, 3, 1, 1}, // weight gradient by simd.Conv3x3WeightGrad16 where it runs in assembly
		{3, 5, 3, 32, 3, 1, 1}, // output rows written directly
	} {
		r := newRand(31)
		x := uniform(r, -1, 1, 2*convWeightGradImages+3, c.cin, c.h, c.w).SetRequiresGrad(true)
		w := uniform(r, -1, 1, c.cout, c.cin, c.k, c.k).SetRequiresGrad(true)
		if g := newConvGeom(x, w, c.stride, c.pad); !g.padded() {
			t.Fatalf("%+v: the test's layer does not take the padded path", c)
		}
		run := func(threads int) [][]float32 {
			defer simd.SetThreads(simd.SetThreads(threads))
			y := Conv2d(x, w, nil, c.stride, c.pad)
			gy := uniform(newRand(32), -1, 1, y.Shape...).Data
			return append(gradFrom(y, gy, []*Tensor{x, w}), y.Data)
		}
		ref := run(1)
		for _, threads := range []int{2, 3} {
			got := run(threads)
			for k := range ref {
				for i := range ref[k] {
					if math.Float32bits(got[k][i]) != math.Float32bits(ref[k][i]) {
						t.Fatalf("%+v threads=%d: output %d element %d = %v, one thread gives %v", c, threads, k, i, got[k][i], ref[k][i])
					}
				}
			}
		}
	}
}

// An image's convolution output and input gradient are the same bits alone
// as in a batch, on every path (the padded one on 32×32 and 8×8 planes, the
// phase planes at stride 2, the column matrix on 4×4 planes and at stride
// 3): the attacks in nn/attack run images in batches and promise each image
// the result it gets alone.
func TestConv2dBatchInvariant(t *testing.T) {
	r := newRand(23)
	for _, c := range []struct{ cin, cout, side, k, stride, pad int }{
		{1, 16, 32, 3, 1, 1}, {16, 16, 32, 3, 1, 1}, {16, 32, 32, 3, 2, 1}, {16, 32, 32, 1, 2, 0},
		{32, 32, 16, 3, 1, 1}, {64, 64, 8, 3, 1, 1}, {64, 64, 4, 3, 1, 1}, {8, 8, 12, 3, 3, 1}, {1, 8, 32, 7, 1, 3},
	} {
		const n = 5
		x := uniform(r, -1, 1, n, c.cin, c.side, c.side).SetRequiresGrad(true)
		w := uniform(r, -1, 1, c.cout, c.cin, c.k, c.k)
		b := uniform(r, -1, 1, c.cout)
		y := Conv2d(x, w, b, c.stride, c.pad)
		gy := uniform(r, -1, 1, y.Shape...)
		gx := Grad(Sum(Mul(y, gy)), x)[0]
		d, od := len(x.Data)/n, len(y.Data)/n
		for i := range n {
			xi := New(append([]float32(nil), x.Data[i*d:(i+1)*d]...), 1, c.cin, c.side, c.side).SetRequiresGrad(true)
			yi := Conv2d(xi, w, b, c.stride, c.pad)
			gxi := Grad(Sum(Mul(yi, New(gy.Data[i*od:(i+1)*od], yi.Shape...))), xi)[0]
			if !sameBits(yi.Data, y.Data[i*od:(i+1)*od]) || !sameBits(gxi, gx[i*d:(i+1)*d]) {
				t.Errorf("%+v: image %d alone gives other bits than in a batch of %d (output same: %v)",
					c, i, n, sameBits(yi.Data, y.Data[i*od:(i+1)*od]))
			}
		}
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
