package robust

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/brainreg/brainreg/internal/seed"
)

// NoiseKind names a kind of pixel noise.
type NoiseKind string

const (
	// Gaussian adds N(0, σ²) to every pixel; the level is σ.
	Gaussian NoiseKind = "gaussian"
	// Uniform adds U(−σ√3, σ√3) to every pixel; the level is its standard
	// deviation σ, so that levels compare with Gaussian noise.
	Uniform NoiseKind = "uniform"
	// SaltPepper sets each pixel with probability p to 0 or 1 (equally
	// likely); the level is p, the expected fraction of pixels replaced.
	SaltPepper NoiseKind = "salt_pepper"
)

// Kinds are all noise kinds, in the order of the results.
var Kinds = []NoiseKind{Gaussian, Uniform, SaltPepper}

func (k NoiseKind) valid() bool { return k == Gaussian || k == Uniform || k == SaltPepper }

// id numbers the kinds for seeding; fixed forever so that noise stays the
// same across versions.
func (k NoiseKind) id() uint64 {
	switch k {
	case Gaussian:
		return 1
	case Uniform:
		return 2
	case SaltPepper:
		return 3
	}
	panic(fmt.Sprintf("robust: unknown noise kind %q", string(k)))
}

// Linspace returns n levels evenly spaced from lo to hi, both included,
// rounded to 12 decimals so that 0.03 is 0.03 and not 0.030000000000000006
// (the level seeds the noise, and results print it).
func Linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		v := lo
		if n > 1 {
			v = lo + (hi-lo)*float64(i)/float64(n-1)
		}
		out[i] = math.Round(v*1e12) / 1e12
	}
	return out
}

// noiseRand is the generator of the noise for image i at (kind, level):
// every model evaluated with the same seed sees the same noisy images,
// whatever the batch size, thread count or list of levels. The arguments of
// seed.NewRand are fixed forever: they reproduce the noise of earlier
// versions.
func noiseRand(s uint64, kind NoiseKind, level float64, i int) *rand.Rand {
	return seed.NewRand(s, kind.id(), math.Float64bits(level), uint64(i)+0x6e6f697365)
}

// AddNoise writes into dst the image src ([C][H][W] pixels in [0, 1]) with
// noise of the kind and level added and clamped to [0, 1], drawn from rng.
// Level 0 copies src.
func AddNoise(dst, src []float32, kind NoiseKind, level float64, rng *rand.Rand) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("robust.AddNoise: dst has %d pixels, src %d", len(dst), len(src)))
	}
	if level == 0 {
		copy(dst, src)
		return
	}
	switch kind {
	case Gaussian:
		for j, v := range src {
			dst[j] = clamp01(float64(v) + level*rng.NormFloat64())
		}
	case Uniform:
		a := level * math.Sqrt(3)
		for j, v := range src {
			dst[j] = clamp01(float64(v) + a*(2*rng.Float64()-1))
		}
	case SaltPepper:
		for j, v := range src {
			switch u := rng.Float64(); {
			case u < level/2:
				dst[j] = 0
			case u < level:
				dst[j] = 1
			default:
				dst[j] = v
			}
		}
	default:
		panic(fmt.Sprintf("robust.AddNoise: unknown noise kind %q", string(kind)))
	}
}

func clamp01(v float64) float32 { return float32(min(max(v, 0), 1)) }
