package simd

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestConv3x3WeightGrad16: the kernel this build runs adds the definition's
// sums (computed in float64) to acc, and stays close to the Go twin, whose
// order of summation is the same, on planes of several sizes and strides.
func TestConv3x3WeightGrad16(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, c := range [][3]int{{1, 1, 3}, {2, 3, 5}, {8, 8, 10}, {32, 32, 34}, {5, 7, 12}} {
		h, w, wp := c[0], c[1], c[2]
		gyT := randSlice(r, h*w*16)
		x0 := randSlice(r, (h+2)*wp)
		x1 := randSlice(r, (h+2)*wp)
		acc := randSlice(r, 2*9*16)
		twin := append([]float32(nil), acc...)
		want := make([]float64, len(acc))
		for i, v := range acc {
			want[i] = float64(v)
		}
		for ch, x := range [][]float32{x0, x1} {
			for tap := range 9 {
				for co := range 16 {
					s := 0.0
					for oy := range h {
						for ox := range w {
							s += float64(x[(oy+tap/3)*wp+ox+tap%3]) * float64(gyT[(oy*w+ox)*16+co])
						}
					}
					want[(ch*9+tap)*16+co] += s
				}
			}
		}
		Conv3x3WeightGrad16(acc, gyT, x0, x1, wp, h, w)
		conv3x3WeightGrad16Go(twin, gyT, x0, x1, wp, h, w)
		for i := range acc {
			tol := 1e-5 * float64(h*w+4) * (1 + math.Abs(want[i]))
			if math.Abs(float64(acc[i])-want[i]) > tol {
				t.Fatalf("%v: acc[%d] = %v, want %v", c, i, acc[i], want[i])
			}
			if math.Abs(float64(acc[i]-twin[i])) > tol {
				t.Fatalf("%v: acc[%d] = %v, the Go twin gives %v", c, i, acc[i], twin[i])
			}
		}
	}
}

// TestConv3x3WeightGrad16RefusesShortSlices names the short slice.
func TestConv3x3WeightGrad16RefusesShortSlices(t *testing.T) {
	ok := func(n int) []float32 { return make([]float32, n) }
	for _, c := range []struct {
		want string
		run  func()
	}{
		{"len(acc)=10", func() { Conv3x3WeightGrad16(ok(10), ok(64), ok(40), ok(40), 6, 2, 2) }},
		{"len(gyT)=63", func() { Conv3x3WeightGrad16(ok(288), ok(63), ok(40), ok(40), 6, 2, 2) }},
		{"len(x1)=21", func() { Conv3x3WeightGrad16(ok(288), ok(64), ok(40), ok(21), 6, 2, 2) }},
		{"wp=3", func() { Conv3x3WeightGrad16(ok(288), ok(64), ok(40), ok(40), 3, 2, 2) }},
	} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, c.want) {
					t.Errorf("panic %q, want one naming %q", msg, c.want)
				}
			}()
			c.run()
		}()
	}
}
