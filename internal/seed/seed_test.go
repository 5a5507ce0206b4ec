package seed

import (
	"math"
	"math/rand/v2"
	"testing"
)

// oldSplitmix is the splitmix that nn/attack/parallel.go,
// experiments/internal/robust/noise.go and data/cifar/augment.go each had
// before this package (the three copies were identical), kept as the
// reference SplitMix64 must reproduce.
func oldSplitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// The three old stream constructors, verbatim but for the splitmix name and
// NoiseKind.id() replaced by its number (Gaussian 1, Uniform 2,
// SaltPepper 3).
func oldImageRand(seed, stream uint64, i int) *rand.Rand { // nn/attack
	return rand.New(rand.NewPCG(oldSplitmix(seed^oldSplitmix(stream)), oldSplitmix(uint64(i)^oldSplitmix(stream+0x51))))
}

func oldNoiseRand(seed, kindID uint64, level float64, i int) *rand.Rand { // experiments/internal/robust
	return rand.New(rand.NewPCG(oldSplitmix(seed^oldSplitmix(kindID)),
		oldSplitmix(math.Float64bits(level)^oldSplitmix(uint64(i)+0x6e6f697365))))
}

func oldNewRand(seed, stream, a, b uint64) *rand.Rand { // data/cifar
	return rand.New(rand.NewPCG(oldSplitmix(seed^oldSplitmix(stream)), oldSplitmix(a<<32^b^oldSplitmix(stream+1))))
}

func edgeWords() []uint64 {
	w := []uint64{0, 1, 2, 3, 0x51, 0x6e6f697365, 0x9e3779b97f4a7c15, 1 << 32, 1<<63 - 1, 1 << 63, math.MaxUint64}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		w = append(w, r.Uint64())
	}
	return w
}

func TestSplitMix64MatchesOldCode(t *testing.T) {
	for _, x := range edgeWords() {
		if got, want := SplitMix64(x), oldSplitmix(x); got != want {
			t.Errorf("SplitMix64(%#x) = %#x, old splitmix %#x", x, got, want)
		}
	}
}

// The first outputs of splitmix64.c seeded with 0: state 0, then the state
// advanced by the increment each call.
func TestSplitMix64ReferenceOutputs(t *testing.T) {
	var state uint64
	for k, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		if got := SplitMix64(state); got != want {
			t.Errorf("output %d: %#x, want %#x", k, got, want)
		}
		state += 0x9e3779b97f4a7c15
	}
}

func sameDraws(t *testing.T, name string, got, want *rand.Rand) {
	t.Helper()
	for k := range 8 {
		if g, w := got.Uint64(), want.Uint64(); g != w {
			t.Fatalf("%s: draw %d is %#x, old code %#x", name, k, g, w)
		}
	}
}

// NewRand, with the arguments each package passes, reproduces the old
// constructors' streams.
func TestNewRandMatchesOldConstructors(t *testing.T) {
	words := edgeWords()[:30]
	for _, s := range words {
		for stream := uint64(0); stream <= 7; stream++ {
			for _, i := range []int{0, 1, 7, 1234, 99999, 1<<31 - 1} {
				sameDraws(t, "attack", NewRand(s, stream, uint64(i), stream+0x51), oldImageRand(s, stream, i))
			}
			for _, a := range []uint64{0, 1, 3, 1<<32 - 1} {
				for _, b := range []uint64{0, 1, 390, 1<<32 - 1} {
					sameDraws(t, "cifar", NewRand(s, stream, a<<32^b, stream+1), oldNewRand(s, stream, a, b))
				}
			}
		}
		for kind := uint64(1); kind <= 3; kind++ {
			for _, level := range []float64{0, 0.01, 0.03, 0.1, 0.3, 0.5, 1} {
				for _, i := range []int{0, 7, 4999} {
					sameDraws(t, "noise", NewRand(s, kind, math.Float64bits(level), uint64(i)+0x6e6f697365), oldNoiseRand(s, kind, level, i))
				}
			}
		}
	}
}

// Draws recorded from the old code (before this package existed), so that
// a change to the old copies above cannot hide a change of the streams.
func TestNewRandRecordedDraws(t *testing.T) {
	for _, c := range []struct {
		name                     string
		base, stream, word, salt uint64
		want                     [3]uint64
	}{
		// attack imageRand(seed, stream, i)
		{"imageRand(0, 1, 0)", 0, 1, 0, 1 + 0x51, [3]uint64{0x7594d5db9cab2521, 0x3015cda2ccd23e2c, 0x7e3ba48ad0df3d23}},
		{"imageRand(42, 1, 7)", 42, 1, 7, 1 + 0x51, [3]uint64{0x19005536cc9d2c5f, 0x208332f9afa301ef, 0x563684c72f04006f}},
		{"imageRand(1, 6, 1234)", 1, 6, 1234, 6 + 0x51, [3]uint64{0xbdd7cb9a01ac3f51, 0x0f5ec60e8d480716, 0x55d61dd4074a1cf5}},
		{"imageRand(max, 3, 99999)", math.MaxUint64, 3, 99999, 3 + 0x51, [3]uint64{0xa40b692e4d8c05ee, 0x8986222542bb85e7, 0x99ce1b9ae9db54af}},
		// robust noiseRand(seed, kind, level, i)
		{"noiseRand(1, gaussian, 0.03, 0)", 1, 1, math.Float64bits(0.03), 0 + 0x6e6f697365, [3]uint64{0xc5f1bb5494bfa183, 0xc8761d1aad5b5da1, 0x9dd37216e20dacc4}},
		{"noiseRand(5, uniform, 0.3, 7)", 5, 2, math.Float64bits(0.3), 7 + 0x6e6f697365, [3]uint64{0xf56319f7ef27f1f9, 0x022594fde6f139b0, 0x1de394a04dff0c7a}},
		{"noiseRand(5, salt_pepper, 0, 7)", 5, 3, math.Float64bits(0), 7 + 0x6e6f697365, [3]uint64{0xdd4951aeac79482c, 0x08d721b01b852f18, 0x678743dc25b33b00}},
		{"noiseRand(123456789, gaussian, 0.1, 4999)", 123456789, 1, math.Float64bits(0.1), 4999 + 0x6e6f697365, [3]uint64{0x58c459fab53363a3, 0x0b192d7995df8b82, 0xda06b1a5b419713d}},
		// cifar newRand(seed, stream, a, b)
		{"newRand(0, 1, 0, 0)", 0, 1, 0<<32 ^ 0, 1 + 1, [3]uint64{0x3597afc995621b48, 0x287b6b8d913e5063, 0x95e3126217ac03d5}},
		{"newRand(1, 2, 3, 0)", 1, 2, 3<<32 ^ 0, 2 + 1, [3]uint64{0x51ab011feca4dad5, 0x38e964c6f3b69b3e, 0x2433b0c73945f452}},
		{"newRand(7, 2, 3, 390)", 7, 2, 3<<32 ^ 390, 2 + 1, [3]uint64{0xc218105e8a623eae, 0xf31237fdf466cc71, 0x80a2c20b9cf8e338}},
		{"newRand(max, 4, 0, 0)", math.MaxUint64, 4, 0, 4 + 1, [3]uint64{0x8da08312f4478eda, 0x8347c9123b9ca3d4, 0xb474aafa6fb5f084}},
	} {
		r := NewRand(c.base, c.stream, c.word, c.salt)
		for k, want := range c.want {
			if got := r.Uint64(); got != want {
				t.Errorf("%s: draw %d is %#x, recorded %#x", c.name, k, got, want)
			}
		}
	}
}

func TestMix(t *testing.T) {
	for _, x := range edgeWords()[:20] {
		for _, k := range edgeWords()[:20] {
			if got, want := Mix(x, k), oldSplitmix(x^oldSplitmix(k)); got != want {
				t.Fatalf("Mix(%#x, %#x) = %#x, want %#x", x, k, got, want)
			}
		}
	}
}
