package report

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/internal/stats"
)

// pairedFixture is testdata/paired_fixture.json, written by
// testdata/paired_fixture.py with SciPy.
type pairedFixture struct {
	SciPyVersion string `json:"scipy_version"`
	Wilcoxon     []struct {
		Name            string    `json:"name"`
		Method          string    `json:"method"` // "exact" or "approx"
		X               []float64 `json:"x"`
		Y               []float64 `json:"y"`
		N               int       `json:"n"`
		Zeros           int       `json:"zeros"`
		WPlus           float64   `json:"w_plus"`
		WMinus          float64   `json:"w_minus"`
		Statistic       float64   `json:"statistic"` // min(W+, W−)
		Z               *float64  `json:"z"`         // null when exact
		P               float64   `json:"p"`
		MedianDiff      float64   `json:"median_diff"`
		FractionGreater float64   `json:"fraction_greater"`
	} `json:"wilcoxon"`
	PairedT []struct {
		Name     string    `json:"name"`
		X        []float64 `json:"x"`
		Y        []float64 `json:"y"`
		MeanDiff float64   `json:"mean_diff"`
		SE       float64   `json:"se"`
		T        float64   `json:"t"`
		DF       int       `json:"df"`
		P        float64   `json:"p"`
		CILow    float64   `json:"ci_low"`
		CIHigh   float64   `json:"ci_high"`
		CohenDz  float64   `json:"cohen_dz"`
	} `json:"paired_t"`
}

func loadPairedFixture(t *testing.T) pairedFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "paired_fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f pairedFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// close reports whether got is within rel·|want| (or rel, near 0) of want.
func closeTo(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(1, math.Abs(want))
}

func TestWilcoxonMatchesSciPy(t *testing.T) {
	f := loadPairedFixture(t)
	kinds := map[string]bool{}
	for _, c := range f.Wilcoxon {
		t.Run(c.Name, func(t *testing.T) {
			r, err := WilcoxonSignedRank(c.X, c.Y)
			if err != nil {
				t.Fatal(err)
			}
			if r.N != c.N || r.Zeros != c.Zeros || r.WPlus != c.WPlus || r.WMinus != c.WMinus {
				t.Errorf("N, Zeros, W+, W− = %d, %d, %v, %v; SciPy %d, %d, %v, %v",
					r.N, r.Zeros, r.WPlus, r.WMinus, c.N, c.Zeros, c.WPlus, c.WMinus)
			}
			if math.Min(r.WPlus, r.WMinus) != c.Statistic {
				t.Errorf("min(W+, W−) = %v; SciPy statistic %v", math.Min(r.WPlus, r.WMinus), c.Statistic)
			}
			if r.Exact != (c.Method == "exact") {
				t.Errorf("Exact = %v; SciPy case uses method=%q", r.Exact, c.Method)
			}
			if !closeTo(r.P, c.P, 1e-9) {
				t.Errorf("P = %.15g; SciPy %.15g", r.P, c.P)
			}
			if c.Z == nil {
				if !math.IsNaN(r.Z) {
					t.Errorf("Z = %v for an exact result; want NaN", r.Z)
				}
			} else {
				// SciPy 1.10 reports −|Z|; ours has the sign of W+ − N(N+1)/4.
				centre := float64(r.N*(r.N+1)) / 4
				if !closeTo(math.Abs(r.Z), math.Abs(*c.Z), 1e-9) || (r.Z > 0) != (r.WPlus > centre) {
					t.Errorf("Z = %.15g; SciPy %.15g (W+ %v, centre %v)", r.Z, *c.Z, r.WPlus, centre)
				}
			}
			if r.MedianDiff != c.MedianDiff || r.FractionGreater != c.FractionGreater {
				t.Errorf("MedianDiff, FractionGreater = %v, %v; NumPy %v, %v",
					r.MedianDiff, r.FractionGreater, c.MedianDiff, c.FractionGreater)
			}
			rb := (c.WPlus - c.WMinus) / (c.WPlus + c.WMinus)
			if !closeTo(r.RankBiserial, rb, 1e-12) {
				t.Errorf("RankBiserial = %v; want %v", r.RankBiserial, rb)
			}
			switch {
			case r.Exact:
				kinds["exact"] = true
			case r.Zeros > 0 && r.N <= maxExactN:
				kinds["ties and zeros"] = true
			case r.N > maxExactN:
				kinds["large n"] = true
			}
		})
	}
	for _, k := range []string{"exact", "ties and zeros", "large n"} {
		if !kinds[k] {
			t.Errorf("fixture (SciPy %s) has no %s case", f.SciPyVersion, k)
		}
	}
}

// The exact distribution against enumeration of all 2^n sign patterns.
func TestSignedRankExactPByEnumeration(t *testing.T) {
	const n = 9
	total := n * (n + 1) / 2
	count := make([]float64, total+1)
	for mask := 0; mask < 1<<n; mask++ {
		s := 0
		for k := 1; k <= n; k++ {
			if mask&(1<<(k-1)) != 0 {
				s += k
			}
		}
		count[s]++
	}
	for w := 0; w <= total; w++ {
		var le, ge float64
		for s, c := range count {
			if s <= w {
				le += c
			}
			if s >= w {
				ge += c
			}
		}
		want := math.Min(1, 2*math.Min(le, ge)/(1<<n))
		if got := signedRankExactP(n, w); !closeTo(got, want, 1e-15) {
			t.Errorf("signedRankExactP(%d, %d) = %v; enumeration %v", n, w, got, want)
		}
	}
	// By hand: three positive differences, W+ = 6, P(W+ ≥ 6) = 1/8.
	r, err := WilcoxonSignedRank([]float64{1, 2, 3}, []float64{0, 0, 0})
	if err != nil || !r.Exact || r.P != 0.25 || r.RankBiserial != 1 {
		t.Errorf("three positive differences: %+v, %v; want exact P = 0.25, RankBiserial 1", r, err)
	}
}

func TestWilcoxonAllZeroDifferences(t *testing.T) {
	r, err := WilcoxonSignedRank([]float64{1, 2, 3}, []float64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 0 || r.Zeros != 3 || r.P != 1 || !r.Exact || r.RankBiserial != 0 || r.MedianDiff != 0 || r.FractionGreater != 0 {
		t.Errorf("all zero differences: %+v; want N 0, Zeros 3, P 1", r)
	}
}

func TestWilcoxonResultJSON(t *testing.T) {
	exact, _ := WilcoxonSignedRank([]float64{1, 2, 3}, []float64{0, 0, 0})
	b, err := json.Marshal(exact)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"z":null`) || !strings.Contains(string(b), `"w_plus":6`) || !strings.Contains(string(b), `"rank_biserial":1`) {
		t.Errorf("JSON %s", b)
	}
	var back WilcoxonResult
	if err := json.Unmarshal(b, &back); err != nil || !math.IsNaN(back.Z) || back.P != exact.P || back.WPlus != 6 {
		t.Errorf("round trip %+v, %v", back, err)
	}
	approx := WilcoxonResult{N: 30, Z: -1.5, P: 0.13}
	b, _ = json.Marshal(approx)
	if err := json.Unmarshal(b, &back); err != nil || back != approx {
		t.Errorf("round trip of %s: %+v, %v", b, back, err)
	}
}

func TestPairedTMatchesSciPy(t *testing.T) {
	f := loadPairedFixture(t)
	if len(f.PairedT) == 0 {
		t.Fatal("fixture has no paired t cases")
	}
	for _, c := range f.PairedT {
		t.Run(c.Name, func(t *testing.T) {
			r, err := PairedT(c.X, c.Y)
			if err != nil {
				t.Fatal(err)
			}
			// The CI gets a looser tolerance: SciPy 1.10's t.ppf(0.975, df)
			// is off by ~2e-9 relative (mpmath agrees with gonum's
			// StudentsT.Quantile to 1e-16), moving the bounds by ~1e-9.
			for _, v := range []struct {
				name      string
				got, want float64
				rel       float64
			}{
				{"MeanDiff", r.MeanDiff, c.MeanDiff, 1e-12}, {"SE", r.SE, c.SE, 1e-12}, {"T", r.T, c.T, 1e-12},
				{"P", r.P, c.P, 1e-9}, {"CILow", r.CILow, c.CILow, 1e-8}, {"CIHigh", r.CIHigh, c.CIHigh, 1e-8},
				{"CohenDz", r.CohenDz, c.CohenDz, 1e-12},
			} {
				if !closeTo(v.got, v.want, v.rel) {
					t.Errorf("%s = %.15g; SciPy %.15g", v.name, v.got, v.want)
				}
			}
			if r.N != len(c.X) || r.DF != c.DF {
				t.Errorf("N, DF = %d, %d; want %d, %d", r.N, r.DF, len(c.X), c.DF)
			}
		})
	}
}

func TestPairedTConstantDifference(t *testing.T) {
	for _, c := range []struct {
		name    string
		x, y    []float64
		t, p, d float64
	}{
		{"positive", []float64{3, 4, 5}, []float64{1, 2, 3}, math.Inf(1), 0, 2},
		{"negative", []float64{1, 2, 3}, []float64{1.5, 2.5, 3.5}, math.Inf(-1), 0, -0.5},
		{"zero", []float64{1, 2, 3}, []float64{1, 2, 3}, 0, 1, 0},
	} {
		r, err := PairedT(c.x, c.y)
		if err != nil {
			t.Fatal(err)
		}
		if r.T != c.t || r.CohenDz != c.t || r.P != c.p || r.MeanDiff != c.d || r.SE != 0 ||
			r.CILow != c.d || r.CIHigh != c.d || r.DF != 2 {
			t.Errorf("%s: %+v; want T = CohenDz = %v, P %v, CI [%v, %v]", c.name, r, c.t, c.p, c.d, c.d)
		}
	}
}

func TestPairedErrors(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want string
	}{
		{"length", []float64{1, 2, 3}, []float64{1, 2}, "x has 3 values but y has 2"},
		{"empty", nil, nil, "no pairs"},
		{"NaN", []float64{1, 2, 3}, []float64{1, math.NaN(), 3}, "y[1] is NaN"},
		{"Inf", []float64{math.Inf(1), 2}, []float64{1, 2}, "x[0] is +Inf"},
		{"-Inf", []float64{1, 2}, []float64{1, math.Inf(-1)}, "y[1] is -Inf"},
	}
	for _, c := range tests {
		if _, err := WilcoxonSignedRank(c.x, c.y); err == nil || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), "WilcoxonSignedRank") {
			t.Errorf("WilcoxonSignedRank %s: error %v; want one containing %q", c.name, err, c.want)
		}
		if _, err := PairedT(c.x, c.y); err == nil || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), "PairedT") {
			t.Errorf("PairedT %s: error %v; want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := PairedT([]float64{1}, []float64{0}); err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("PairedT with one pair: error %v", err)
	}
}

func normalSample(rng *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	return xs
}

func TestMedianSortedAgreesWithMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 8; n++ {
		xs := normalSample(rng, n)
		s := slices.Sorted(slices.Values(xs))
		if stats.MedianSorted(s) != Median(xs) {
			t.Errorf("n=%d: stats.MedianSorted %v, Median %v", n, stats.MedianSorted(s), Median(xs))
		}
	}
}

func TestBootstrapMedianCI(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	xs := normalSample(rng, 40)

	lo, hi := BootstrapMedianCI(xs, 0.95, 2000, 42)
	lo2, hi2 := BootstrapMedianCI(xs, 0.95, 2000, 42)
	if lo != lo2 || hi != hi2 {
		t.Errorf("same seed, different intervals: [%v, %v] and [%v, %v]", lo, hi, lo2, hi2)
	}
	// The bounds are sample values or midpoints of two, so another seed may
	// give the same interval; but not every one of several seeds.
	sameForAll := true
	for seed := uint64(43); seed < 48; seed++ {
		if lo3, hi3 := BootstrapMedianCI(xs, 0.95, 2000, seed); lo3 != lo || hi3 != hi {
			sameForAll = false
		}
	}
	if sameForAll {
		t.Errorf("seeds 42 to 47 all give the interval [%v, %v]; the seed has no effect", lo, hi)
	}
	if m := Median(xs); !(lo <= m && m <= hi && lo < hi) {
		t.Errorf("interval [%v, %v] does not contain the sample median %v", lo, hi, m)
	}

	small := normalSample(rng, 20)
	large := normalSample(rng, 500)
	ls, hs := BootstrapMedianCI(small, 0.95, 1000, 1)
	ll, hl := BootstrapMedianCI(large, 0.95, 1000, 1)
	if !(hl-ll < (hs-ls)/2) {
		t.Errorf("width with n=500 %v is not below half the width with n=20 %v", hl-ll, hs-ls)
	}

	if lo, hi := BootstrapMedianCI([]float64{5}, 0.95, 100, 1); lo != 5 || hi != 5 {
		t.Errorf("one value: [%v, %v]; want [5, 5]", lo, hi)
	}
	for _, bad := range []struct {
		xs    []float64
		level float64
		reps  int
	}{
		{nil, 0.95, 100}, {[]float64{1, math.NaN()}, 0.95, 100}, {[]float64{1, math.Inf(-1)}, 0.95, 100},
		{[]float64{1, 2}, 1, 100}, {[]float64{1, 2}, 0, 100}, {[]float64{1, 2}, 0.95, 0},
	} {
		if lo, hi := BootstrapMedianCI(bad.xs, bad.level, bad.reps, 1); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("BootstrapMedianCI(%v, %v, %d) = [%v, %v]; want NaN", bad.xs, bad.level, bad.reps, lo, hi)
		}
	}
}

// The percentile interval of the median of N(0, 1) samples should contain 0
// about 95 % of the time.
func TestBootstrapMedianCICoverage(t *testing.T) {
	const trials = 200
	rng := rand.New(rand.NewPCG(11, 12))
	covered := 0
	for i := range trials {
		lo, hi := BootstrapMedianCI(normalSample(rng, 41), 0.95, 500, uint64(i))
		if lo <= 0 && 0 <= hi {
			covered++
		}
	}
	c := float64(covered) / trials
	t.Logf("coverage %v over %d trials", c, trials)
	if c < 0.88 || c > 0.99 {
		t.Errorf("coverage %v of the 0.95 interval; want in [0.88, 0.99]", c)
	}
}

func TestBootstrapMedianCIWithInf(t *testing.T) {
	inf := math.Inf(1)
	// 19 finite values and 21 +Inf: the sample median is +Inf, but many
	// resamples have a finite median.
	xs := make([]float64, 40)
	for i := range xs {
		xs[i] = inf
		if i < 19 {
			xs[i] = float64(i)
		}
	}
	lo, hi := BootstrapMedianCI(xs, 0.95, 1000, 3)
	if math.IsNaN(lo) || math.IsInf(lo, 0) || !math.IsInf(hi, 1) {
		t.Errorf("19 finite, 21 +Inf: [%v, %v]; want finite lo, hi = +Inf", lo, hi)
	}
	// Mostly +Inf: the whole interval is +Inf.
	if lo, hi := BootstrapMedianCI([]float64{1, inf, inf, inf, inf, inf, inf, inf, inf, inf}, 0.9, 1000, 3); !math.IsInf(lo, 1) || !math.IsInf(hi, 1) {
		t.Errorf("9 of 10 +Inf: [%v, %v]; want [+Inf, +Inf]", lo, hi)
	}
}

func TestBootstrapMedianDiffCI(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	// y is x shifted by 1 plus a little noise: pairing makes the interval of
	// the difference narrow around 1.
	x := normalSample(rng, 60)
	y := make([]float64, len(x))
	for i := range x {
		y[i] = x[i] - 1 + 0.05*rng.NormFloat64()
	}
	lo, hi := BootstrapMedianDiffCI(x, y, 0.95, 2000, 5)
	if lo2, hi2 := BootstrapMedianDiffCI(x, y, 0.95, 2000, 5); lo != lo2 || hi != hi2 {
		t.Errorf("same seed, different intervals: [%v, %v] and [%v, %v]", lo, hi, lo2, hi2)
	}
	d := Median(x) - Median(y)
	if !(lo <= d && d <= hi) {
		t.Errorf("interval [%v, %v] does not contain median(x) − median(y) = %v", lo, hi, d)
	}
	// Resampling pairs keeps the shift: the interval is narrow. Resampling x
	// and y independently would give a width near that of two medians of
	// N(0, 1) samples of 60, about 0.9.
	t.Logf("paired interval [%v, %v]", lo, hi)
	if hi-lo > 0.25 {
		t.Errorf("paired interval [%v, %v] is %v wide; want < 0.25", lo, hi, hi-lo)
	}

	inf := math.Inf(1)
	all := []float64{inf, inf, inf, inf}
	if lo, hi := BootstrapMedianDiffCI(all, all, 0.95, 200, 1); lo != 0 || hi != 0 {
		t.Errorf("both all +Inf: [%v, %v]; want [0, 0]", lo, hi)
	}
	if lo, hi := BootstrapMedianDiffCI(all, []float64{1, 2, 3, 4}, 0.95, 200, 1); !math.IsInf(lo, 1) || !math.IsInf(hi, 1) {
		t.Errorf("x all +Inf, y finite: [%v, %v]; want [+Inf, +Inf]", lo, hi)
	}
	if lo, hi := BootstrapMedianDiffCI([]float64{1, 2}, []float64{1}, 0.95, 200, 1); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("length mismatch: [%v, %v]; want NaN", lo, hi)
	}
}

func TestTrapezoid(t *testing.T) {
	// By hand: 1·(2+4)/2 + 2·(4+0)/2 = 3 + 4 = 7 over a range of 3.
	x := []float64{0, 1, 3}
	y := []float64{2, 4, 0}
	if a := TrapezoidArea(x, y); a != 7 {
		t.Errorf("TrapezoidArea = %v; want 7", a)
	}
	if m := MeanOverRange(x, y); !closeTo(m, 7.0/3, 1e-15) {
		t.Errorf("MeanOverRange = %v; want 7/3", m)
	}
	if m := MeanOverRange([]float64{0.1, 0.2, 0.4}, []float64{0.9, 0.9, 0.9}); !closeTo(m, 0.9, 1e-12) {
		t.Errorf("MeanOverRange of a constant 0.9 = %v", m)
	}
	for _, c := range []struct {
		name string
		x, y []float64
		want string
	}{
		{"length", []float64{0, 1}, []float64{1}, "x has 2 values but y has 1"},
		{"one point", []float64{0}, []float64{1}, "need at least 2"},
		{"not increasing", []float64{0, 2, 2}, []float64{1, 1, 1}, "strictly increasing"},
		{"NaN", []float64{0, math.NaN()}, []float64{1, 1}, "x[1] is NaN"},
	} {
		for _, fn := range []func([]float64, []float64) float64{TrapezoidArea, MeanOverRange} {
			func() {
				defer func() {
					msg, _ := recover().(string)
					if !strings.Contains(msg, c.want) {
						t.Errorf("%s: panic %q; want one containing %q", c.name, msg, c.want)
					}
				}()
				fn(c.x, c.y)
			}()
		}
	}
}
