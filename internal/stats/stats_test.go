package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"
)

var inf = math.Inf(1)

// same is equality that also matches NaN with NaN and tells −0 from +0.
func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

func TestMedian(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, nan},
		{[]float64{}, nan},
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},                    // odd: the middle value
		{[]float64{4, 1, 3, 2}, 2.5},               // even: mean of the middle two
		{[]float64{0.1, 0.2}, 0.15000000000000002}, // (0.1+0.2)/2 in float64, not 0.15
		{[]float64{2, 2, 1, 3}, 2},
		{[]float64{1, inf, inf}, inf},
		{[]float64{1, 2, inf, inf}, inf}, // (2 + Inf)/2
		{[]float64{1, 2, 3, inf}, 2.5},
		{[]float64{inf, 0, 1}, 1},
		{[]float64{1, inf, inf, 0}, inf},
		{[]float64{inf, inf}, inf},
		{[]float64{-inf, 1, 2}, 1},
		{[]float64{-inf, -inf, 1, 2}, -inf},
		{[]float64{-inf, inf}, nan}, // (−Inf + Inf)/2
		{[]float64{1, nan, 2}, nan},
		{[]float64{nan}, nan},
		{[]float64{inf, nan}, nan},
		{[]float64{math.MaxFloat64, math.MaxFloat64}, inf}, // the sum overflows
	} {
		if got := Median(c.xs); !same(got, c.want) {
			t.Errorf("Median(%v) = %v, want %v", c.xs, got, c.want)
		}
		s := slices.Clone(c.xs)
		slices.Sort(s)
		if got := MedianSorted(s); !same(got, c.want) {
			t.Errorf("MedianSorted(%v) = %v, want %v", s, got, c.want)
		}
	}
}

// Median sorts a copy: the caller's slice keeps its order and values.
func TestMedianDoesNotModifyInput(t *testing.T) {
	for _, xs := range [][]float64{{3, 1, 2}, {4, inf, 1, 3}, {2, math.NaN(), 1}} {
		before := slices.Clone(xs)
		Median(xs)
		Quantile(0.3, xs)
		for i := range xs {
			if !same(xs[i], before[i]) {
				t.Fatalf("input changed from %v to %v", before, xs)
			}
		}
	}
}

// The rule of the medians this package replaced in report, predictor and
// attack (copy, sort, middle value or (lower+upper)/2), bit for bit.
func TestMedianMatchesOldReportMedian(t *testing.T) {
	old := func(xs []float64) float64 {
		if len(xs) == 0 {
			return math.NaN()
		}
		s := append([]float64(nil), xs...)
		slices.Sort(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 60; n++ {
		for range 20 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = r.NormFloat64() * math.Exp(3*r.NormFloat64())
				if r.IntN(8) == 0 {
					xs[i] = inf
				}
			}
			if got, want := Median(xs), old(xs); !same(got, want) {
				t.Fatalf("Median(%v) = %v, old rule %v", xs, got, want)
			}
		}
	}
}

func TestMedianSortedPanicsOnUnsorted(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MedianSorted of unsorted values did not panic")
		}
	}()
	MedianSorted([]float64{2, 1, 3})
}

func TestQuantile(t *testing.T) {
	xs := []float64{7, 1, 9, 3, 5, 2, 8, 4, 10, 6} // 1 … 10
	for _, c := range []struct{ p, want float64 }{
		{0, 1}, {0.05, 1}, {0.1, 1}, {0.11, 2}, {0.25, 3}, {0.5, 5}, {0.9, 9}, {0.95, 10}, {1, 10},
	} {
		if got := Quantile(c.p, xs); got != c.want {
			t.Errorf("Quantile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	s := slices.Sorted(slices.Values(xs))
	for _, p := range []float64{0, 0.025, 0.1, 0.5, 0.975, 1} {
		if got, want := QuantileSorted(p, s), stat.Quantile(p, stat.Empirical, s, nil); got != want {
			t.Errorf("QuantileSorted(%v) = %v, stat.Quantile %v", p, got, want)
		}
	}
	if got := Quantile(0.5, []float64{1, 2, inf, inf}); got != 2 {
		t.Errorf("Quantile(0.5, [1 2 +Inf +Inf]) = %v, want 2", got)
	}
	if got := Quantile(0.9, []float64{1, 2, inf}); got != inf {
		t.Errorf("Quantile(0.9, [1 2 +Inf]) = %v, want +Inf", got)
	}
	for _, xs := range [][]float64{nil, {1, math.NaN()}} {
		if got := Quantile(0.5, xs); !math.IsNaN(got) {
			t.Errorf("Quantile(0.5, %v) = %v, want NaN", xs, got)
		}
	}
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Quantile(%v) did not panic", p)
				}
			}()
			Quantile(p, xs)
		}()
	}
}

// Why Median is not gonum's stat.Quantile at 0.5: both of its kinds give
// the lower middle value for an even count.
func TestGonumQuantileIsNotTheMedian(t *testing.T) {
	s := []float64{1, 2, 3, 4}
	for _, k := range []stat.CumulantKind{stat.Empirical, stat.LinInterp} {
		if got := stat.Quantile(0.5, k, s, nil); got != 2 {
			t.Errorf("stat.Quantile(0.5, %v) = %v; the package comment says 2", k, got)
		}
	}
	if Median(s) != 2.5 {
		t.Errorf("Median(%v) = %v, want 2.5", s, Median(s))
	}
}
