package attack

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/internal/seed"
)

// oldImageRand is imageRand as it was before internal/seed (whose test
// holds the old splitmix as SplitMix64's reference), the reference the
// attacks' random streams must keep.
func oldImageRand(s, stream uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed.SplitMix64(s^seed.SplitMix64(stream)), seed.SplitMix64(uint64(i)^seed.SplitMix64(stream+0x51))))
}

func TestImageRandUnchanged(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40, math.MaxUint64} {
		for stream := streamPGD; stream <= streamFMN; stream++ {
			for _, i := range []int{0, 1, 2, 63, 1000, 9999} {
				got, want := imageRand(seed, stream, i), oldImageRand(seed, stream, i)
				for k := range 6 {
					if g, w := got.Uint64(), want.Uint64(); g != w {
						t.Fatalf("imageRand(%d, %d, %d) draw %d: %#x, old code %#x", seed, stream, i, k, g, w)
					}
				}
			}
		}
	}
	// Recorded from the old code.
	r := imageRand(42, 1, 7)
	for k, want := range []uint64{0x19005536cc9d2c5f, 0x208332f9afa301ef, 0x563684c72f04006f} {
		if got := r.Uint64(); got != want {
			t.Errorf("imageRand(42, 1, 7) draw %d: %#x, recorded %#x", k, got, want)
		}
	}
}

// Median keeps the rule of the old attack.Median wherever that had one
// answer: +Inf counts as the largest value, even counts average the middle
// two.
func TestMedianRule(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{1, inf, inf}, inf}, {[]float64{1, 2, inf, inf}, inf}, {[]float64{1, 2, 3, inf}, 2.5},
		{[]float64{0, 0, inf, inf}, inf}, {[]float64{0.5}, 0.5},
	} {
		if got := Median(c.xs); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
	if !math.IsNaN(Median([]float64{1, math.NaN(), 2})) {
		t.Error("Median with a NaN is not NaN")
	}
}
