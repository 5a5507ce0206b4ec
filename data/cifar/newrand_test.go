package cifar

import (
	"math"
	"math/rand/v2"
	"testing"
)

// oldNewRand and oldSplitmix are newRand and splitmix as they were before
// internal/seed: shuffles, augmentation and splits must stay the same.
func oldNewRand(seed, stream, a, b uint64) *rand.Rand {
	return rand.New(rand.NewPCG(oldSplitmix(seed^oldSplitmix(stream)), oldSplitmix(a<<32^b^oldSplitmix(stream+1))))
}

func oldSplitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
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
