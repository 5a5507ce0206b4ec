package simd

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// strideValues returns n values with signed zeros, infinities and a NaN
// among them.
func strideValues(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for i := range out {
		if rng.IntN(6) == 0 {
			out[i] = special[rng.IntN(len(special))]
		} else {
			out[i] = rng.Float32()*4 - 2
		}
	}
	return out
}

func sameBits(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestGatherEvenAndAddToEven: the exported functions (assembly where the
// CPU has it) give the Go twins' bits for every length and for both
// phases (src or dst starting at an odd element), and equal the plain
// definition.
func TestGatherEvenAndAddToEven(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 70 {
		// Both lengths the callers use: 2n (an even phase of a row of 2n)
		// and 2n − 1 (its odd phase, which starts one element later).
		for short := range min(n, 2) {
			for off := range 2 {
				row := strideValues(rng, 2*n+1)
				src := row[off : off+2*n-short]
				got := make([]float32, n)
				want := make([]float32, n)
				GatherEven(got, src)
				gatherEvenGo(want, src)
				if i := sameBits(got, want); i >= 0 {
					t.Fatalf("GatherEven n=%d len(src)=%d: [%d] = %v, Go twin %v", n, len(src), i, got[i], want[i])
				}
				for v := range n {
					if math.Float32bits(got[v]) != math.Float32bits(src[2*v]) {
						t.Fatalf("GatherEven n=%d: [%d] = %v, src[%d] = %v", n, v, got[v], 2*v, src[2*v])
					}
				}

				add := strideValues(rng, n)
				dst := strideValues(rng, 2*n+1)
				dstGo := append([]float32(nil), dst...)
				AddToEven(dst[off:off+2*n-short], add)
				addToEvenGo(dstGo[off:off+2*n-short], add)
				if i := sameBits(dst, dstGo); i >= 0 {
					t.Fatalf("AddToEven n=%d len(dst)=%d: [%d] = %v, Go twin %v", n, 2*n-short, i, dst[i], dstGo[i])
				}
			}
		}
	}
}

// TestDeinterleaveAndAddInterleaved: the exported functions give the Go
// twins' bits for every length, and Deinterleave's halves are src's even and
// odd elements.
func TestDeinterleaveAndAddInterleaved(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := range 70 {
		src := strideValues(rng, 2*n)
		even, odd := make([]float32, n), make([]float32, n)
		Deinterleave(even, odd, src)
		for v := range n {
			if math.Float32bits(even[v]) != math.Float32bits(src[2*v]) || math.Float32bits(odd[v]) != math.Float32bits(src[2*v+1]) {
				t.Fatalf("Deinterleave n=%d: [%d] = %v, %v; src has %v, %v", n, v, even[v], odd[v], src[2*v], src[2*v+1])
			}
		}
		dst := strideValues(rng, 2*n)
		dstGo := append([]float32(nil), dst...)
		e, o := strideValues(rng, n), strideValues(rng, n)
		AddInterleaved(dst, e, o)
		addInterleavedGo(dstGo, e, o)
		if i := sameBits(dst, dstGo); i >= 0 {
			t.Fatalf("AddInterleaved n=%d: [%d] = %v, Go twin %v", n, i, dst[i], dstGo[i])
		}
	}
}

// TestStrideCopiesRefuseShortSlices: the length checks name the function
// and the slice.
func TestStrideCopiesRefuseShortSlices(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"GatherEven", func() { GatherEven(make([]float32, 4), make([]float32, 6)) }},
		{"AddToEven", func() { AddToEven(make([]float32, 6), make([]float32, 4)) }},
		{"Deinterleave", func() { Deinterleave(make([]float32, 4), make([]float32, 4), make([]float32, 7)) }},
		{"AddInterleaved", func() { AddInterleaved(make([]float32, 8), make([]float32, 4), make([]float32, 3)) }},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, c.name) || !strings.Contains(msg, "len(") {
					t.Errorf("%s: panic %q, want one naming it and the short slice", c.name, msg)
				}
			}()
			c.run()
		}()
	}
}
