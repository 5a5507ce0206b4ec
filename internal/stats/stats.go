// Package stats holds the project's one median and one quantile, so that
// every report, metric and benchmark follows the same rules for empty
// input, NaN, infinities and even counts.
//
// # Median
//
// Median (and MedianSorted, for input already sorted) follows one rule:
//
//   - The values are ordered ascending, −Inf first and +Inf last; ±Inf are
//     valid values (an attack's minimal perturbation is +Inf when no
//     adversarial example was found: larger than every size it found).
//   - An odd count gives the middle value. An even count gives the mean of
//     the two middle values, computed as (lower + upper) / 2, the convention
//     of numpy.median and the one the project's reports have always used.
//     Hence the median of [1, +Inf, +Inf] is +Inf, and so is the median of
//     [1, 2, +Inf, +Inf], since (2 + Inf)/2 = +Inf; of [1, 2, 3, +Inf] it is
//     2.5. When the middle two are −Inf and +Inf the mean, and the median, is
//     NaN (as numpy.median). The sum overflows to ±Inf when the middle two
//     have one sign and a sum beyond ±math.MaxFloat64 (as numpy.median).
//   - Any NaN in the input makes the median NaN (as numpy.median): NaN is not
//     ordered, so no value is the middle one. It is neither dropped (that
//     would be the median of another sample, without a trace) nor a panic (a
//     NaN measured at the end of an hours-long run should reach the report
//     as NaN, not lose the run).
//   - No values: NaN.
//   - The input is not modified (Median sorts a copy).
//
// gonum has no median: stat.Quantile(0.5, stat.Empirical, …) is the lower
// middle value for an even count, and stat.Quantile(0.5, stat.LinInterp, …)
// too (its interpolation is Hyndman and Fan's type 4, which puts p = 0.5 on
// the n/2-th value), so neither is the mean of the middle two. gonum's
// floats.HasNaN does the NaN test.
//
// # Quantile
//
// Quantile (and QuantileSorted) is gonum's stat.Quantile with stat.Empirical:
// the smallest value with at least a fraction p of the values at or below
// it, the inverse of the empirical distribution function (Hyndman and Fan's
// type 1, numpy.quantile's method "inverted_cdf"); index ⌈p·n⌉−1 of the
// sorted values, 0 for p = 0. Its rule is the one a percentile bootstrap
// interval wants, and it never interpolates: every quantile is one of the
// values, ±Inf included. Quantile(0.5, xs) is therefore the lower
// middle value for an even count, not Median(xs). Empty input gives NaN, a
// NaN value gives NaN (as stat.Quantile), and p outside [0, 1] panics (the
// caller's bug).
package stats

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// Median returns the median of xs by the package's rule: the middle value,
// or the mean of the middle two for an even count; +Inf counts as the
// largest value; NaN when xs is empty or holds a NaN. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 || floats.HasNaN(xs) {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return medianSorted(s)
}

// MedianSorted is Median for s already sorted ascending (as slices.Sort
// sorts): it neither copies nor sorts, for loops that sort a buffer anyway.
// It panics when s holds no NaN but is not sorted (the caller's bug).
func MedianSorted(s []float64) float64 {
	if len(s) == 0 || floats.HasNaN(s) {
		return math.NaN()
	}
	if !slices.IsSorted(s) {
		panic("stats.MedianSorted: values not sorted ascending")
	}
	return medianSorted(s)
}

// medianSorted is the rule itself, for non-empty sorted s without NaN.
func medianSorted(s []float64) float64 {
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Quantile returns the p-quantile of xs by the empirical rule (see the
// package documentation): the smallest value with at least a fraction p of
// xs at or below it. It returns NaN when xs is empty or holds a NaN, panics
// unless 0 ≤ p ≤ 1, and does not modify xs.
func Quantile(p float64, xs []float64) float64 {
	checkP("Quantile", p)
	if len(xs) == 0 || floats.HasNaN(xs) {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return stat.Quantile(p, stat.Empirical, s, nil)
}

// QuantileSorted is Quantile for s already sorted ascending: it neither
// copies nor sorts. It panics unless 0 ≤ p ≤ 1, and when s holds no NaN
// but is not sorted.
func QuantileSorted(p float64, s []float64) float64 {
	checkP("QuantileSorted", p)
	if len(s) == 0 || floats.HasNaN(s) {
		return math.NaN()
	}
	if !slices.IsSorted(s) {
		panic("stats.QuantileSorted: values not sorted ascending")
	}
	return stat.Quantile(p, stat.Empirical, s, nil)
}

func checkP(fn string, p float64) {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("stats.%s: p = %v outside [0, 1]", fn, p))
	}
}
