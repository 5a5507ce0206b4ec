package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/internal/seed"
)

// oldNoiseRand is noiseRand as it was before internal/seed (whose test
// holds the old splitmix as SplitMix64's reference): the noise images are
// part of reproducible results.
func oldNoiseRand(s uint64, kind NoiseKind, level float64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed.SplitMix64(s^seed.SplitMix64(kind.id())),
		seed.SplitMix64(math.Float64bits(level)^seed.SplitMix64(uint64(i)+0x6e6f697365))))
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
