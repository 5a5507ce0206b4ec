//go:build !purego

package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// On arm64 the NEON path must be the one running (Advanced SIMD is part of
// every arm64 CPU, and of qemu-aarch64's), and its elementwise kernels must
// give the Go twins' bits exactly, signed zeros and NaN included.
func TestNEONPathChosen(t *testing.T) {
	if !useAsm || kernel.name != "neon" {
		t.Fatalf("useAsm=%v kernel=%q, want the NEON path", useAsm, kernel.name)
	}
}

func TestNEONElementwiseBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	negZero := float32(math.Copysign(0, -1))
	nan := float32(math.NaN())
	for _, n := range []int{8, 16, 24, 40, 64} {
		x, y, d := randSlice(r, n), randSlice(r, n), randSlice(r, n)
		x[0], x[1], x[2], x[3] = 0, negZero, nan, float32(math.Inf(1))
		d[4], d[5] = negZero, negZero // dx = -0 where x <= 0 must stay -0
		x[4], x[5] = -1, 2
		alpha := float32(r.Float64()*4 - 2)

		same := func(name string, got, want []float32) {
			t.Helper()
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s n=%d: [%d]=%v (%#x), Go twin %v (%#x)", name, n, i,
						got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}
		got, want := make([]float32, n), make([]float32, n)

		copy(got, x)
		copy(want, x)
		scaleAsm(alpha, got)
		scaleGo(alpha, want)
		same("scale", got, want)

		addAsm(got, x, y)
		addGo(want, x, y)
		same("add", got, want)

		mulAsm(got, x, y)
		mulGo(want, x, y)
		same("mul", got, want)

		reluAsm(got, x)
		reluGo(want, x)
		same("relu", got, want)

		copy(got, d)
		copy(want, d)
		reluBackwardAsm(got, y, x)
		reluBackwardGo(want, y, x)
		same("reluBackward", got, want)

		// axpy: Go fuses y[i] += alpha*x[i] into one multiply-add on
		// arm64, as the NEON kernel does, so the bits agree here too.
		copy(got, y)
		copy(want, y)
		axpyAsm(alpha, x, got)
		axpyGo(alpha, x, want)
		same("axpy", got, want)

		x[2] = 0.5 // Max of NaN is unspecified
		if m, w := maxAsm(x), maxGo(x); m != w {
			t.Fatalf("max n=%d: %v, want %v", n, m, w)
		}
	}
}
