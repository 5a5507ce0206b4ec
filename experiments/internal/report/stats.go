package report

import (
	"math"

	"github.com/brainreg/brainreg/internal/stats"
)

// MeanSEM returns the mean of xs and its standard error (sample standard
// deviation / √n; 0 for a single value).
func MeanSEM(xs []float64) (mean, sem float64) {
	n := float64(len(xs))
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if n < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/(n-1)) / math.Sqrt(n)
}

// Median returns the median of xs by the project's one rule (internal/stats):
// the mean of the middle two for an even count, +Inf counting as the largest
// value, NaN for no values or a NaN value. It does not modify xs. Kept for
// its callers in experiments/cifar_reg.
func Median(xs []float64) float64 { return stats.Median(xs) }
