package report

// Paired statistics for the robustness report: two models (or two settings)
// measured on the same images, seeds or noise levels give paired samples x[i],
// y[i]. The tests below are checked against SciPy 1.10 (see
// testdata/paired_fixture.py).
//
// gonum is used for the distributions (distuv.Normal, distuv.StudentsT), the
// mean and standard deviation (stat.MeanStdDev), bootstrap percentiles
// (stat.Quantile with stat.Empirical, through internal/stats.QuantileSorted)
// and the trapezoid rule (integrate.Trapezoidal). Not from gonum, because
// gonum has no equivalent: ranking with average ranks for ties, the exact
// null distribution of the signed-rank statistic, and the median with the
// even-count rule of Median (internal/stats.Median: stat.Quantile never
// averages the middle two values). Resampling uses math/rand/v2's PCG so
// that a seed fixes the bootstrap interval.

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/integrate"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/brainreg/brainreg/internal/stats"
)

// maxExactN is the largest number of nonzero differences for which
// WilcoxonSignedRank computes the exact p-value; the rank-sum distribution
// then has at most 25·26/2+1 = 326 points and counts below 2^25.
const maxExactN = 25

// WilcoxonResult is the outcome of WilcoxonSignedRank.
type WilcoxonResult struct {
	// N is the number of pairs with a nonzero difference x−y (the pairs the
	// test ranks); Zeros the number of pairs with x == y, which are dropped.
	N     int `json:"n"`
	Zeros int `json:"zeros"`
	// WPlus and WMinus are the sums of the ranks of |x−y| over the pairs
	// with x > y and x < y; WPlus+WMinus = N(N+1)/2.
	WPlus  float64 `json:"w_plus"`
	WMinus float64 `json:"w_minus"`
	// Z is the normal-approximation statistic (WPlus − N(N+1)/4)/σ, positive
	// when x tends to exceed y; NaN when the p-value is exact (written as
	// null in JSON). SciPy 1.10 reports −|Z| (it uses min(W+, W−)).
	Z float64 `json:"z"`
	// P is the two-sided p-value.
	P float64 `json:"p"`
	// Exact reports whether P comes from the exact distribution rather than
	// the normal approximation.
	Exact bool `json:"exact"`
	// RankBiserial is the matched-pairs rank-biserial correlation
	// (W+ − W−)/(W+ + W−), in [−1, 1]: positive when x tends to exceed y,
	// ±1 when every nonzero difference has the same sign; 0 when N = 0.
	RankBiserial float64 `json:"rank_biserial"`
	// MedianDiff is the median of x−y over all pairs, zeros included.
	MedianDiff float64 `json:"median_diff"`
	// FractionGreater is the fraction of all pairs with x > y.
	FractionGreater float64 `json:"fraction_greater"`
}

// MarshalJSON writes r with Z as null when it is NaN (encoding/json cannot
// encode NaN, and Z is NaN for every exact result).
func (r WilcoxonResult) MarshalJSON() ([]byte, error) {
	type plain WilcoxonResult // no methods: avoids recursion
	var z *float64
	if !math.IsNaN(r.Z) {
		z = &r.Z
	}
	return json.Marshal(struct {
		plain
		Z *float64 `json:"z"`
	}{plain(r), z})
}

// UnmarshalJSON reads what MarshalJSON writes, a null z becoming NaN.
func (r *WilcoxonResult) UnmarshalJSON(b []byte) error {
	type plain WilcoxonResult
	var v struct {
		plain
		Z *float64 `json:"z"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = WilcoxonResult(v.plain)
	r.Z = math.NaN()
	if v.Z != nil {
		r.Z = *v.Z
	}
	return nil
}

// checkPairs reports whether x and y are paired samples of finite values.
func checkPairs(fn string, x, y []float64) error {
	if len(x) != len(y) {
		return fmt.Errorf("report.%s: x has %d values but y has %d; paired samples need equal lengths", fn, len(x), len(y))
	}
	if len(x) == 0 {
		return fmt.Errorf("report.%s: no pairs (x and y are empty)", fn)
	}
	for i := range x {
		for _, v := range [...]struct {
			name  string
			value float64
		}{{"x", x[i]}, {"y", y[i]}} {
			if math.IsNaN(v.value) || math.IsInf(v.value, 0) {
				return fmt.Errorf("report.%s: %s[%d] is %v; values must be finite", fn, v.name, i, v.value)
			}
		}
	}
	return nil
}

// WilcoxonSignedRank is the two-sided Wilcoxon signed-rank test of the paired
// samples x and y (equal lengths, finite values), testing whether x−y is
// symmetric about 0. It matches scipy.stats.wilcoxon(x, y,
// zero_method="wilcox", correction=False): pairs with x == y are dropped,
// tied |x−y| get the average of their ranks, and
//
//   - with N ≤ 25 nonzero differences, no zeros and no tied |x−y|, P is exact,
//     min(1, 2·min(P(W ≤ W+), P(W ≥ W+))) under the null distribution of W+,
//     computed by dynamic programming (SciPy's method="exact");
//   - otherwise P = 2·(1 − Φ(|Z|)), the normal approximation with the tie
//     correction Σ(t³−t)/48 subtracted from the variance N(N+1)(2N+1)/24 and
//     no continuity correction (SciPy's method="approx"). Zeros force this
//     branch, as in SciPy, since the exact distribution assumes none.
//
// When every pair has x == y (N = 0) there is no evidence of a difference:
// the result has P = 1, Exact = true, Z = NaN, RankBiserial = 0 and a nil
// error (SciPy raises an error instead). An error is returned when the
// lengths differ, the samples are empty, or a value is NaN or ±Inf.
func WilcoxonSignedRank(x, y []float64) (WilcoxonResult, error) {
	if err := checkPairs("WilcoxonSignedRank", x, y); err != nil {
		return WilcoxonResult{}, err
	}
	all := make([]float64, len(x))
	var d []float64 // nonzero differences
	greater := 0
	for i := range x {
		all[i] = x[i] - y[i]
		if all[i] != 0 {
			d = append(d, all[i])
		}
		if x[i] > y[i] {
			greater++
		}
	}
	r := WilcoxonResult{
		N:               len(d),
		Zeros:           len(x) - len(d),
		Z:               math.NaN(),
		MedianDiff:      Median(all),
		FractionGreater: float64(greater) / float64(len(x)),
	}

	ranks, tieSum := averageRanks(d)
	for i, v := range d {
		if v > 0 {
			r.WPlus += ranks[i]
		} else {
			r.WMinus += ranks[i]
		}
	}
	if r.N > 0 {
		r.RankBiserial = (r.WPlus - r.WMinus) / (r.WPlus + r.WMinus)
	}

	if r.N == 0 || (r.N <= maxExactN && r.Zeros == 0 && tieSum == 0) {
		// No ties, so WPlus is an integer. N = 0: W+ = 0 surely, P = 1.
		r.Exact = true
		r.P = signedRankExactP(r.N, int(r.WPlus))
		return r, nil
	}
	n := float64(r.N)
	mean := n * (n + 1) / 4
	variance := n*(n+1)*(2*n+1)/24 - tieSum/48 // > 0 for N ≥ 1
	r.Z = (r.WPlus - mean) / math.Sqrt(variance)
	r.P = math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(r.Z)))
	return r, nil
}

// averageRanks returns the ranks (1-based) of |d|, ties getting the average of
// the ranks they span, and Σ(t³−t) over the groups of t tied values (0 when
// there are no ties), the quantity the tie correction of the variance uses.
func averageRanks(d []float64) (ranks []float64, tieSum float64) {
	order := make([]int, len(d))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return math.Abs(d[order[a]]) < math.Abs(d[order[b]]) })
	ranks = make([]float64, len(d))
	for lo := 0; lo < len(order); {
		hi := lo + 1 // order[lo:hi] is one group of equal |d|
		for hi < len(order) && math.Abs(d[order[hi]]) == math.Abs(d[order[lo]]) {
			hi++
		}
		avg := float64(lo+1+hi) / 2 // mean of ranks lo+1 … hi
		for _, k := range order[lo:hi] {
			ranks[k] = avg
		}
		if t := float64(hi - lo); t > 1 {
			tieSum += t*t*t - t
		}
		lo = hi
	}
	return ranks, tieSum
}

// signedRankExactP is the two-sided exact p-value of W+ = w with n untied,
// nonzero differences: under the null each rank 1…n joins W+ with
// probability ½ independently, so count[s] = number of subsets of {1…n}
// summing to s, built one rank at a time; P(W+ = s) = count[s]/2^n.
func signedRankExactP(n, w int) float64 {
	total := n * (n + 1) / 2
	count := make([]uint64, total+1)
	count[0] = 1
	for k := 1; k <= n; k++ {
		for s := k * (k + 1) / 2; s >= k; s-- {
			count[s] += count[s-k]
		}
	}
	var le, ge uint64
	for s, c := range count {
		if s <= w {
			le += c
		}
		if s >= w {
			ge += c
		}
	}
	all := math.Ldexp(1, n)
	return math.Min(1, 2*math.Min(float64(le)/all, float64(ge)/all))
}

// PairedTResult is the outcome of PairedT, for the differences d = x−y.
type PairedTResult struct {
	N        int     // number of pairs
	MeanDiff float64 // mean of d
	SE       float64 // standard error of MeanDiff: sd(d)/√N, sd with N−1
	T        float64 // MeanDiff/SE
	DF       int     // degrees of freedom, N−1
	P        float64 // two-sided p-value
	// CILow and CIHigh bound the 95 % confidence interval of the mean
	// difference, MeanDiff ± t(0.975, DF)·SE.
	CILow, CIHigh float64
	CohenDz       float64 // effect size MeanDiff/sd(d)
}

// PairedT is the two-sided paired t-test of x and y (equal lengths, at least
// 2 pairs, finite values), matching scipy.stats.ttest_rel. An error is
// returned when the lengths differ, N < 2, or a value is NaN or ±Inf.
//
// When all differences are equal the standard deviation is 0 and SciPy gives
// NaN for t and p. PairedT instead returns SE = 0, CILow = CIHigh = MeanDiff
// and: for a nonzero constant difference T = CohenDz = ±Inf (the sign of the
// difference) and P = 0, a difference without any noise; for x == y
// everywhere T = CohenDz = 0 and P = 1, no difference at all.
func PairedT(x, y []float64) (PairedTResult, error) {
	if err := checkPairs("PairedT", x, y); err != nil {
		return PairedTResult{}, err
	}
	if len(x) < 2 {
		return PairedTResult{}, fmt.Errorf("report.PairedT: %d pair; the paired t-test needs at least 2", len(x))
	}
	d := make([]float64, len(x))
	constant := true
	for i := range x {
		d[i] = x[i] - y[i]
		constant = constant && d[i] == d[0]
	}
	n := len(d)
	r := PairedTResult{N: n, DF: n - 1}
	if constant {
		// Decided exactly rather than by sd == 0: the rounding in
		// MeanStdDev may leave a tiny nonzero sd for equal values.
		r.MeanDiff, r.CILow, r.CIHigh = d[0], d[0], d[0]
		switch {
		case d[0] > 0:
			r.T, r.CohenDz, r.P = math.Inf(1), math.Inf(1), 0
		case d[0] < 0:
			r.T, r.CohenDz, r.P = math.Inf(-1), math.Inf(-1), 0
		default:
			r.P = 1
		}
		return r, nil
	}
	mean, sd := stat.MeanStdDev(d, nil)
	r.MeanDiff = mean
	r.SE = sd / math.Sqrt(float64(n))
	r.T = mean / r.SE
	r.CohenDz = mean / sd
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(r.DF)}
	r.P = math.Min(1, 2*t.Survival(math.Abs(r.T)))
	half := t.Quantile(0.975) * r.SE
	r.CILow, r.CIHigh = mean-half, mean+half
	return r, nil
}

// bootstrapValid reports whether the bootstrap can run: non-empty samples of
// values that are not NaN or −Inf, level in (0, 1) and reps ≥ 1.
func bootstrapValid(level float64, reps int, samples ...[]float64) bool {
	if !(level > 0 && level < 1) || reps < 1 {
		return false
	}
	for _, s := range samples {
		if len(s) == 0 {
			return false
		}
		for _, v := range s {
			if math.IsNaN(v) || math.IsInf(v, -1) {
				return false
			}
		}
	}
	return true
}

// newBootstrapRand returns the generator for a seed: PCG, so that the
// interval depends only on the data, level, reps and seed.
func newBootstrapRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// percentileInterval sorts values (in place) and returns its (1−level)/2 and
// (1+level)/2 empirical quantiles: the smallest values with at least that
// fraction of values at or below them.
func percentileInterval(values []float64, level float64) (lo, hi float64) {
	slices.Sort(values)
	alpha := (1 - level) / 2
	return stats.QuantileSorted(alpha, values), stats.QuantileSorted(1-alpha, values)
}

// BootstrapMedianCI is the percentile bootstrap interval, at confidence level
// (e.g. 0.95), of the median of xs: reps resamples of len(xs) values drawn
// with replacement, the median of each (mean of the middle two for an even
// count, as Median), and the (1−level)/2 and (1+level)/2 quantiles of those
// medians. The same seed gives the same interval.
//
// xs may hold +Inf (an image an attack could not fool): a resample's median
// is then +Inf when more than half its values are, (finite + Inf)/2 = +Inf
// when the middle two are finite and +Inf, so hi (and lo) may be +Inf. NaN
// or −Inf in xs, an empty xs, level outside (0, 1) or reps < 1 give
// (NaN, NaN).
func BootstrapMedianCI(xs []float64, level float64, reps int, seed uint64) (lo, hi float64) {
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
		meds[b] = stats.MedianSorted(buf)
	}
	return percentileInterval(meds, level)
}

// BootstrapMedianDiffCI is the percentile bootstrap interval, at confidence
// level, of median(x) − median(y) for paired samples: each resample draws
// len(x) indices with replacement and takes x and y at the same indices, so
// the pairing (and the correlation it brings) is kept. Same seed, same
// interval.
//
// +Inf values are allowed as in BootstrapMedianCI. When both resampled
// medians are +Inf the difference is taken as 0 (both are beyond the
// attack's reach; Inf−Inf would be NaN); one +Inf median gives a ±Inf
// difference. Lengths that differ, empty samples, NaN or −Inf values, level
// outside (0, 1) or reps < 1 give (NaN, NaN).
func BootstrapMedianDiffCI(x, y []float64, level float64, reps int, seed uint64) (lo, hi float64) {
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
		mx, my := stats.MedianSorted(bx), stats.MedianSorted(by)
		if mx != my {
			diffs[b] = mx - my
		} // else 0, also for +Inf == +Inf
	}
	return percentileInterval(diffs, level)
}

// TrapezoidArea is the area under y over x by the trapezoid rule,
// Σ (x[i+1]−x[i])·(y[i]+y[i+1])/2. It panics (bad input is a programming
// error in the report) unless x and y have the same length ≥ 2 and x is
// finite and strictly increasing; NaN or ±Inf in y propagate to the result.
func TrapezoidArea(x, y []float64) float64 {
	checkCurve("TrapezoidArea", x, y)
	return integrate.Trapezoidal(x, y)
}

// MeanOverRange is the mean of y over the range of x, TrapezoidArea(x, y) /
// (x[last] − x[0]): e.g. the mean accuracy over a range of noise levels,
// weighting each level by the width it stands for rather than by count. It
// panics on the inputs TrapezoidArea panics on.
func MeanOverRange(x, y []float64) float64 {
	checkCurve("MeanOverRange", x, y)
	return integrate.Trapezoidal(x, y) / (x[len(x)-1] - x[0])
}

// checkCurve panics unless x, y are a curve TrapezoidArea can integrate.
func checkCurve(fn string, x, y []float64) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("report.%s: x has %d values but y has %d", fn, len(x), len(y)))
	}
	if len(x) < 2 {
		panic(fmt.Sprintf("report.%s: %d points; need at least 2", fn, len(x)))
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			panic(fmt.Sprintf("report.%s: x[%d] is %v; x must be finite", fn, i, v))
		}
		if i > 0 && !(v > x[i-1]) {
			panic(fmt.Sprintf("report.%s: x[%d] = %v does not exceed x[%d] = %v; x must be strictly increasing", fn, i, v, i-1, x[i-1]))
		}
	}
}
