package robust

import (
	"math"
	"slices"
	"testing"
)

// noiseStats adds noise of one kind and level to n mid-grey images (0.5,
// where clamping never binds at these levels) and returns the mean, the
// standard deviation and the largest magnitude of the change, and the
// fractions of pixels set to 0 and to 1.
func noiseStats(kind NoiseKind, level float64, n int) (mean, std, maxAbs, zeros, ones float64) {
	src := make([]float32, 1024)
	for i := range src {
		src[i] = 0.5
	}
	dst := make([]float32, len(src))
	var s, s2 float64
	for i := range n {
		AddNoise(dst, src, kind, level, noiseRand(1, kind, level, i))
		for _, v := range dst {
			d := float64(v) - 0.5
			s += d
			s2 += d * d
			maxAbs = max(maxAbs, math.Abs(d))
			switch v {
			case 0:
				zeros++
			case 1:
				ones++
			}
		}
	}
	m := float64(n * len(src))
	mean = s / m
	return mean, math.Sqrt(s2/m - mean*mean), maxAbs, zeros / m, ones / m
}

func TestGaussianAndUniformNoiseStatistics(t *testing.T) {
	const n = 100 // 102,400 pixels: the standard error of the std is 0.2 %
	for _, kind := range []NoiseKind{Gaussian, Uniform} {
		for _, level := range []float64{0.01, 0.05, 0.1} {
			mean, std, maxAbs, _, _ := noiseStats(kind, level, n)
			if math.Abs(mean) > 4*level/math.Sqrt(n*1024) {
				t.Errorf("%s σ=%g: mean change %.3g", kind, level, mean)
			}
			if math.Abs(std/level-1) > 0.01 {
				t.Errorf("%s σ=%g: standard deviation of the change %.5g", kind, level, std)
			}
			if a := level * math.Sqrt(3); kind == Uniform && maxAbs > a*(1+1e-6) {
				t.Errorf("uniform σ=%g: change of %.5g beyond the support ±%.5g", level, maxAbs, a)
			}
			if kind == Gaussian && maxAbs < 3.5*level {
				t.Errorf("gaussian σ=%g: largest change %.3g over 100k pixels; Gaussian tails reach beyond 4σ", level, maxAbs)
			}
		}
	}
}

func TestSaltPepperFraction(t *testing.T) {
	for _, p := range []float64{0.01, 0.1, 0.5} {
		_, _, _, zeros, ones := noiseStats(SaltPepper, p, 100)
		se := math.Sqrt(p * (1 - p) / 102400)
		if math.Abs(zeros+ones-p) > 4*se || math.Abs(zeros-ones) > 4*se*2 {
			t.Errorf("salt-and-pepper p=%g: %.4g of pixels set to 0 and %.4g to 1", p, zeros, ones)
		}
	}
}

// Noise is clamped to [0, 1]; level 0 is the clean image; the noise of an
// image depends on (seed, kind, level, index) only.
func TestNoiseClampedAndSeeded(t *testing.T) {
	src := make([]float32, 1024)
	for i := range src {
		src[i] = float32(i%3) / 2 // 0, 0.5, 1
	}
	a, b := make([]float32, 1024), make([]float32, 1024)
	for _, kind := range Kinds {
		AddNoise(a, src, kind, 0.3, noiseRand(5, kind, 0.3, 7))
		for i, v := range a {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("%s: pixel %d = %v after clamping", kind, i, v)
			}
		}
		AddNoise(b, src, kind, 0.3, noiseRand(5, kind, 0.3, 7))
		if !slices.Equal(a, b) {
			t.Errorf("%s: the same (seed, kind, level, image) gave different noise", kind)
		}
		for _, other := range []struct {
			seed  uint64
			level float64
			i     int
		}{{6, 0.3, 7}, {5, 0.31, 7}, {5, 0.3, 8}} {
			AddNoise(b, src, kind, other.level, noiseRand(other.seed, kind, other.level, other.i))
			if slices.Equal(a, b) {
				t.Errorf("%s: seed %d level %g image %d gave the same noise as seed 5 level 0.3 image 7", kind, other.seed, other.level, other.i)
			}
		}
		AddNoise(b, src, kind, 0, noiseRand(5, kind, 0, 7))
		if !slices.Equal(b, src) {
			t.Errorf("%s: level 0 changed the image", kind)
		}
	}
	AddNoise(a, src, Gaussian, 0.3, noiseRand(5, Gaussian, 0.3, 7))
	AddNoise(b, src, Uniform, 0.3, noiseRand(5, Uniform, 0.3, 7))
	if slices.Equal(a, b) {
		t.Error("Gaussian and uniform noise are the same")
	}
}
