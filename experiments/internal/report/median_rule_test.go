package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// The report's median and bootstrap as they were before internal/stats,
// kept as the reference the report's numbers must reproduce bit for bit.

func oldMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func oldMedianSorted(s []float64) float64 {
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func oldPercentileInterval(stats []float64, level float64) (lo, hi float64) {
	slices.Sort(stats)
	alpha := (1 - level) / 2
	return stat.Quantile(alpha, stat.Empirical, stats, nil),
		stat.Quantile(1-alpha, stat.Empirical, stats, nil)
}

func oldBootstrapMedianCI(xs []float64, level float64, reps int, seed uint64) (lo, hi float64) {
	if !bootstrapValid(level, reps, xs) {
		return math.NaN(), math.NaN()
	}
	rng := newBootstrapRand(seed)
	n := len(xs)
	buf := make([]float64, n)
	meds := make([]float64, reps)
	for b := range meds {
		for i := range buf {
			buf[i] = xs[rng.IntN(n)]
		}
		slices.Sort(buf)
		meds[b] = oldMedianSorted(buf)
	}
	return oldPercentileInterval(meds, level)
}

func oldBootstrapMedianDiffCI(x, y []float64, level float64, reps int, seed uint64) (lo, hi float64) {
	if len(x) != len(y) || !bootstrapValid(level, reps, x, y) {
		return math.NaN(), math.NaN()
	}
	rng := newBootstrapRand(seed)
	n := len(x)
	bx, by := make([]float64, n), make([]float64, n)
	diffs := make([]float64, reps)
	for b := range diffs {
		for i := range bx {
			k := rng.IntN(n)
			bx[i], by[i] = x[k], y[k]
		}
		slices.Sort(bx)
		slices.Sort(by)
		mx, my := oldMedianSorted(bx), oldMedianSorted(by)
		if mx != my {
			diffs[b] = mx - my
		}
	}
	return oldPercentileInterval(diffs, level)
}

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// minimalSample is like a set of minimal perturbations: positive sizes, some
// +Inf (no adversarial example found), ties from rounding.
func minimalSample(rng *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = math.Round(rng.ExpFloat64()*1000) / 1000
		if rng.IntN(6) == 0 {
			xs[i] = math.Inf(1)
		}
	}
	return xs
}

func TestMedianAndBootstrapUnchanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := 1; n <= 41; n += 4 {
		for trial := range 3 {
			x, y := minimalSample(rng, n), minimalSample(rng, n)
			if trial == 0 {
				for i := range x {
					x[i] = rng.NormFloat64() // finite, signed
				}
			}
			if g, w := Median(x), oldMedian(x); !sameBits(g, w) {
				t.Errorf("n=%d: Median %v, old %v", n, g, w)
			}
			for _, level := range []float64{0.9, 0.95} {
				gl, gh := BootstrapMedianCI(x, level, 300, uint64(n))
				wl, wh := oldBootstrapMedianCI(x, level, 300, uint64(n))
				if !sameBits(gl, wl) || !sameBits(gh, wh) {
					t.Errorf("n=%d level %v: BootstrapMedianCI [%v, %v], old [%v, %v]", n, level, gl, gh, wl, wh)
				}
				gl, gh = BootstrapMedianDiffCI(x, y, level, 300, uint64(n))
				wl, wh = oldBootstrapMedianDiffCI(x, y, level, 300, uint64(n))
				if !sameBits(gl, wl) || !sameBits(gh, wh) {
					t.Errorf("n=%d level %v: BootstrapMedianDiffCI [%v, %v], old [%v, %v]", n, level, gl, gh, wl, wh)
				}
			}
		}
	}
}
