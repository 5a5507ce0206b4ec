package robust

import (
	"math"
	"math/rand/v2"
	"testing"
)

// oldNoiseRand and oldSplitmix are noiseRand and splitmix as they were
// before internal/seed: the noise images are part of reproducible results.
func oldNoiseRand(seed uint64, kind NoiseKind, level float64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(oldSplitmix(seed^oldSplitmix(kind.id())),
		oldSplitmix(math.Float64bits(level)^oldSplitmix(uint64(i)+0x6e6f697365))))
}

func oldSplitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func TestNoiseRandUnchanged(t *testing.T) {
	for _, seed := range []uint64{0, 1, 5, 123456789, math.MaxUint64} {
		for _, kind := range Kinds {
			for _, level := range append(Linspace(0, 0.5, 11), 0.03, 1) {
				for _, i := range []int{0, 1, 7, 4999} {
					got, want := noiseRand(seed, kind, level, i), oldNoiseRand(seed, kind, level, i)
					for k := range 6 {
						if g, w := got.Uint64(), want.Uint64(); g != w {
							t.Fatalf("noiseRand(%d, %s, %v, %d) draw %d: %#x, old code %#x", seed, kind, level, i, k, g, w)
						}
					}
				}
			}
		}
	}
	// Recorded from the old code.
	r := noiseRand(5, Uniform, 0.3, 7)
	for k, want := range []uint64{0xf56319f7ef27f1f9, 0x022594fde6f139b0, 0x1de394a04dff0c7a} {
		if got := r.Uint64(); got != want {
			t.Errorf("noiseRand(5, uniform, 0.3, 7) draw %d: %#x, recorded %#x", k, got, want)
		}
	}
}
