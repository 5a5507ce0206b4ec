package rsa

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/brainreg/brainreg/data/datatest"
	"github.com/brainreg/brainreg/data/neural"
)

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func quantile(x []float64, q float64) float64 {
	y := slices.Clone(x)
	slices.Sort(y)
	return y[int(q*float64(len(y)-1))]
}

func median(x []float64) float64 {
	y := slices.Clone(x)
	slices.Sort(y)
	return y[len(y)/2]
}

// On the three Antolik regions: reliability weights from the repeats, and
// the leave-one-out comparison of single-trial similarity (50 images) with
// the similarity of the mean of the other repeats. The figures are logged
// (go test -v) and reported in the package README.
func TestAntolikReliabilityAndLeaveOneOut(t *testing.T) {
	dir := datatest.NeuralDir(t)
	for _, region := range []string{"region1", "region2", "region3"} {
		a, err := neural.LoadAntolik(filepath.Join(dir, "antolik2016", region))
		if err != nil {
			t.Fatal(err)
		}
		s := a.Scan
		rep, reps, err := s.Repeats(a.Oracle)
		if err != nil {
			t.Fatal(err)
		}
		w, _, _ := Reliability(rep, reps, len(a.Oracle), s.Neurons)
		loo := LeaveOneOut(rep, reps, len(a.Oracle), s.Neurons)
		// For comparison, each single trial against the mean of all repeats
		// (itself included), which flatters single trials.
		all := Similarity(a.Mean, len(a.Oracle), s.Neurons)
		withSelf := make([]float64, reps)
		size := len(a.Oracle) * s.Neurons
		for k := range reps {
			withSelf[k] = OffDiagonalR(Similarity(rep[k*size:(k+1)*size], len(a.Oracle), s.Neurons), all, len(a.Oracle))
		}
		// Weighting neurons by reliability: the same leave-one-out comparison
		// on responses scaled by w (as the target does with w·v).
		one := make([]float64, s.Neurons)
		for i := range one {
			one[i] = 1
		}
		weighted := make([]float32, 0, len(rep))
		for k := range reps {
			weighted = append(weighted, Weighted(rep[k*size:(k+1)*size], len(a.Oracle), s.Neurons, w, one)...)
		}
		looW := LeaveOneOut(weighted, reps, len(a.Oracle), s.Neurons)
		// Single-neuron single-trial correlation: each trial's responses
		// across images against the mean of the other repeats, per neuron.
		var single []float64
		for k := range reps {
			rest := make([]float32, size)
			for j := range reps {
				if j != k {
					for i := range rest {
						rest[i] += rep[j*size+i] / float32(reps-1)
					}
				}
			}
			single = append(single, Correlations(rep[k*size:(k+1)*size], rest, len(a.Oracle), s.Neurons)...)
		}
		t.Logf("antolik2016/%s: single-neuron single-trial vs other-repeats correlation median %.3f (10th pct %.3f, 90th %.3f)",
			region, median(single), quantile(single, 0.1), quantile(single, 0.9))
		t.Logf("antolik2016/%s: %d neurons, %d repeats; reliability w median %.3f (min %.3f, max %.3f); "+
			"leave-one-out single-trial vs other-repeats similarity r mean %.3f (min %.3f, max %.3f); "+
			"with w-weighted neurons %.3f; single trial vs all-repeat mean (self included) %.3f",
			region, s.Neurons, reps, median(w), slices.Min(w), slices.Max(w),
			mean(loo), slices.Min(loo), slices.Max(loo), mean(looW), mean(withSelf))
		if m := mean(loo); m < 0.05 || m > 0.95 {
			t.Errorf("%s: leave-one-out r %.3f outside the plausible (0.05, 0.95)", region, m)
		}
		if mean(withSelf) <= mean(loo) {
			t.Errorf("%s: including the trial itself did not raise r (%.3f vs %.3f)", region, mean(withSelf), mean(loo))
		}
		if median(w) <= 0 {
			t.Errorf("%s: median reliability %.3f", region, median(w))
		}
	}
}
