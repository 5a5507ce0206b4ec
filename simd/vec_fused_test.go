package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Each fused kernel gives, to the bit, what the sequence of vector kernels
// it replaces gives on the same path (where the fused kernels and the
// sequence's kernels are both assembly or both Go twins), and agrees with
// its Go twin to rounding, for lengths around the 8-float blocks.
func TestFusedKernelsMatchSequences(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	same := func(what string, n int, got, want float32) {
		t.Helper()
		if !fusedBitsMatchSequence() {
			return // arm64: fused Go twins against NEON sequences (twin checked below)
		}
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("%s n=%d: %v, the kernel sequence gives %v", what, n, got, want)
		}
	}
	near := func(what string, n int, got, want float32) {
		t.Helper()
		if math.Abs(float64(got-want)) > 1e-5*float64(n+1)*(1+math.Abs(float64(want))) {
			t.Fatalf("%s n=%d: %v, the Go twin gives %v", what, n, got, want)
		}
	}
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 31, 32, 33, 40, 63, 64, 100, 1024} {
		x, y, z := randSlice(r, n), randSlice(r, n), randSlice(r, n)
		mu := float32(r.NormFloat64())
		ones := make([]float32, n)
		for i := range ones {
			ones[i] = 1
		}
		dev := append([]float32(nil), x...)
		Axpy(-mu, ones, dev)

		same("SumSqDev", n, SumSqDev(x, mu), Dot(dev, dev))
		near("SumSqDev", n, SumSqDev(x, mu), sumSqDevGo(x, mu))

		s, d := SumDotDev(y, x, mu)
		same("SumDotDev sum", n, s, Sum(y))
		same("SumDotDev dot", n, d, Dot(y, dev))
		s2, d2 := sumDotDevGo(y, x, mu)
		near("SumDotDev sum", n, s, s2)
		near("SumDotDev dot", n, d, d2)

		a, b, c := float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())
		for _, res := range [][]float32{nil, z} {
			for _, relu := range []bool{false, true} {
				want := append([]float32(nil), x...)
				Scale(a, want)
				Axpy(b, ones, want)
				if res != nil {
					Add(want, want, res)
				}
				if relu {
					Relu(want, want)
				}
				got := make([]float32, n)
				ScaleShift(got, x, res, a, b, relu)
				twin := make([]float32, n)
				scaleShiftGo(twin, x, res, a, b, relu)
				for i := range got {
					same("ScaleShift", n, got[i], want[i])
					near("ScaleShift", n, got[i], twin[i])
				}
			}
		}

		{
			p, buf := append([]float32(nil), x...), append([]float32(nil), y...)
			wp, wbuf := append([]float32(nil), x...), append([]float32(nil), y...)
			tp, tbuf := append([]float32(nil), x...), append([]float32(nil), y...)
			MomentumStep(p, buf, z, a, b, c)
			Scale(a, wbuf)
			Axpy(b, z, wbuf)
			Axpy(-c, wbuf, wp)
			momentumStepGo(tp, tbuf, z, a, b, c)
			for i := range p {
				same("MomentumStep buf", n, buf[i], wbuf[i])
				same("MomentumStep p", n, p[i], wp[i])
				near("MomentumStep p", n, p[i], tp[i])
			}
		}

		want := append([]float32(nil), z...)
		Axpy(a, x, want)
		Axpy(b, y, want)
		Axpy(c, ones, want)
		got := append([]float32(nil), z...)
		AddAffine2(got, x, y, a, b, c)
		twin := append([]float32(nil), z...)
		addAffine2Go(twin, x, y, a, b, c)
		for i := range got {
			same("AddAffine2", n, got[i], want[i])
			near("AddAffine2", n, got[i], twin[i])
		}
	}
}

// ScaleShift with relu maps NaN to 0, as Relu does.
func TestScaleShiftReluNaN(t *testing.T) {
	for _, res := range [][]float32{nil, make([]float32, 16)} {
		x := make([]float32, 16)
		x[3], x[12] = float32(math.NaN()), float32(math.NaN())
		dst := make([]float32, 16)
		ScaleShift(dst, x, res, 1, 0, true)
		for i, v := range dst {
			if v != 0 {
				t.Fatalf("res %v: dst[%d] = %v, want 0", res != nil, i, v)
			}
		}
	}
}

func TestFusedKernelsPanicOnLengths(t *testing.T) {
	for name, call := range map[string]func(){
		"SumDotDev":  func() { SumDotDev(make([]float32, 3), make([]float32, 2), 0) },
		"ScaleShift": func() { ScaleShift(make([]float32, 3), make([]float32, 2), nil, 1, 0, false) },
		"ScaleShift res": func() {
			ScaleShift(make([]float32, 3), make([]float32, 3), make([]float32, 2), 1, 0, true)
		},
		"AddAffine2": func() { AddAffine2(make([]float32, 3), make([]float32, 3), make([]float32, 2), 1, 1, 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on mismatched lengths", name)
				}
			}()
			call()
		}()
	}
}
