package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Lengths around the assembly's 8-float blocks and 32-float main loop.
var vecLens = []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 100, 1023}

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*(1+math.Abs(want))
}

func TestVectorKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range vecLens {
		x, y := randSlice(r, n), randSlice(r, n)
		// Zeros and exact ties exercise Relu's and Max's comparisons.
		if n > 3 {
			x[1], x[2] = 0, float32(math.Copysign(0, -1))
		}
		alpha := float32(r.Float64()*4 - 2)
		tol := 1e-6 * float64(n+1)

		got := append([]float32(nil), y...)
		Axpy(alpha, x, got)
		for i := range got {
			if w := float64(y[i]) + float64(alpha)*float64(x[i]); !near(float64(got[i]), w, 1e-6) {
				t.Fatalf("Axpy n=%d: y[%d]=%v, want %v", n, i, got[i], w)
			}
		}

		var wd, ws float64
		for i := range x {
			wd += float64(x[i]) * float64(y[i])
			ws += float64(x[i])
		}
		if g := Dot(x, y); !near(float64(g), wd, tol) {
			t.Fatalf("Dot n=%d: %v, want %v", n, g, wd)
		}
		if g := Sum(x); !near(float64(g), ws, tol) {
			t.Fatalf("Sum n=%d: %v, want %v", n, g, ws)
		}

		wm := math.Inf(-1)
		for _, v := range x {
			wm = math.Max(wm, float64(v))
		}
		if g := Max(x); float64(g) != wm {
			t.Fatalf("Max n=%d: %v, want %v", n, g, wm)
		}

		got = append([]float32(nil), x...)
		Scale(alpha, got)
		for i := range got {
			if got[i] != alpha*x[i] {
				t.Fatalf("Scale n=%d: x[%d]=%v, want %v", n, i, got[i], alpha*x[i])
			}
		}

		dst := make([]float32, n)
		Add(dst, x, y)
		for i := range dst {
			if dst[i] != x[i]+y[i] {
				t.Fatalf("Add n=%d: dst[%d]=%v, want %v", n, i, dst[i], x[i]+y[i])
			}
		}
		Mul(dst, x, y)
		for i := range dst {
			if dst[i] != x[i]*y[i] {
				t.Fatalf("Mul n=%d: dst[%d]=%v, want %v", n, i, dst[i], x[i]*y[i])
			}
		}
		Relu(dst, x)
		for i := range dst {
			if w := float32(math.Max(float64(x[i]), 0)); dst[i] != w {
				t.Fatalf("Relu n=%d: dst[%d]=%v, want %v", n, i, dst[i], w)
			}
		}
		dx := randSlice(r, n)
		want := append([]float32(nil), dx...)
		ReluBackward(dx, y, x)
		for i := range dx {
			if x[i] > 0 {
				want[i] += y[i]
			}
			if dx[i] != want[i] {
				t.Fatalf("ReluBackward n=%d: dx[%d]=%v, want %v", n, i, dx[i], want[i])
			}
		}
	}
}

// NaN inputs: Relu maps them to 0 and ReluBackward passes no gradient, on
// both paths; Sum propagates them.
func TestVectorKernelsNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, n := range []int{5, 8, 40} {
		x := make([]float32, n)
		dy := make([]float32, n)
		for i := range x {
			x[i], dy[i] = nan, 1
		}
		dst := make([]float32, n)
		Relu(dst, x)
		dx := make([]float32, n)
		ReluBackward(dx, dy, x)
		for i := range x {
			if dst[i] != 0 || dx[i] != 0 {
				t.Fatalf("n=%d: Relu(NaN)=%v, ReluBackward gave %v, want 0 and 0", n, dst[i], dx[i])
			}
		}
		if s := Sum(x); !math.IsNaN(float64(s)) {
			t.Fatalf("n=%d: Sum of NaNs = %v", n, s)
		}
	}
	if m := Max(nil); !math.IsInf(float64(m), -1) {
		t.Fatalf("Max(nil) = %v, want -Inf", m)
	}
}

func TestVectorKernelsPanicOnLength(t *testing.T) {
	a, b := make([]float32, 4), make([]float32, 5)
	for name, call := range map[string]func(){
		"Axpy":         func() { Axpy(1, a, b) },
		"Dot":          func() { Dot(a, b) },
		"Add":          func() { Add(a, a, b) },
		"Mul":          func() { Mul(a, b, a) },
		"Relu":         func() { Relu(a, b) },
		"ReluBackward": func() { ReluBackward(a, a, b) },
	} {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, "simd."+name) || !strings.Contains(msg, "want 4") && !strings.Contains(msg, "want 5") {
					t.Errorf("%s: panic %q, want one naming the function and the expected length", name, msg)
				}
			}()
			call()
		}()
	}
}

func BenchmarkVector(b *testing.B) {
	const n = 1 << 16
	r := rand.New(rand.NewPCG(1, 1))
	x, y, dst := randSlice(r, n), randSlice(r, n), make([]float32, n)
	bytes := func(b *testing.B, k int) { b.SetBytes(int64(4 * n * k)) }
	b.Run("Axpy", func(b *testing.B) {
		bytes(b, 3)
		for b.Loop() {
			Axpy(0.5, x, y)
		}
	})
	b.Run("Dot", func(b *testing.B) {
		bytes(b, 2)
		for b.Loop() {
			Dot(x, y)
		}
	})
	b.Run("Sum", func(b *testing.B) {
		bytes(b, 1)
		for b.Loop() {
			Sum(x)
		}
	})
	b.Run("Add", func(b *testing.B) {
		bytes(b, 3)
		for b.Loop() {
			Add(dst, x, y)
		}
	})
	b.Run("Relu", func(b *testing.B) {
		bytes(b, 2)
		for b.Loop() {
			Relu(dst, x)
		}
	})
	b.Run("ReluBackward", func(b *testing.B) {
		bytes(b, 4)
		for b.Loop() {
			ReluBackward(dst, y, x)
		}
	})
}
