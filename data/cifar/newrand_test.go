package cifar

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/internal/seed"
)

// oldNewRand is newRand as it was before internal/seed (whose test holds
// the old splitmix as SplitMix64's reference): shuffles, augmentation and
// splits must stay the same.
func oldNewRand(s, stream, a, b uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed.SplitMix64(s^seed.SplitMix64(stream)), seed.SplitMix64(a<<32^b^seed.SplitMix64(stream+1))))
}

func TestNewRandUnchanged(t *testing.T) {
	for _, seed := range []uint64{0, 1, 7, 1 << 40, math.MaxUint64} {
		for _, stream := range []uint64{0, 1, 2, 3, 4, 5} {
			for _, a := range []uint64{0, 1, 3, 199} {
				for _, b := range []uint64{0, 1, 390, 1<<32 - 1} {
					got, want := newRand(seed, stream, a, b), oldNewRand(seed, stream, a, b)
					for k := range 6 {
						if g, w := got.Uint64(), want.Uint64(); g != w {
							t.Fatalf("newRand(%d, %d, %d, %d) draw %d: %#x, old code %#x", seed, stream, a, b, k, g, w)
						}
					}
				}
			}
		}
	}
	// Recorded from the old code.
	r := newRand(7, 2, 3, 390)
	for k, want := range []uint64{0xc218105e8a623eae, 0xf31237fdf466cc71, 0x80a2c20b9cf8e338} {
		if got := r.Uint64(); got != want {
			t.Errorf("newRand(7, 2, 3, 390) draw %d: %#x, recorded %#x", k, got, want)
		}
	}
}
