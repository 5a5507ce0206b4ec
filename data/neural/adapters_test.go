package neural

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/brainreg/brainreg/data/datatest"
)

func TestAntolik(t *testing.T) {
	dir := datatest.NeuralDir(t)
	for _, tc := range []struct {
		region           string
		neurons, repeats int
		training         int
	}{
		{"region1", 103, 10, 1800},
		{"region2", 55, 8, 1260},
		{"region3", 102, 12, 1800},
	} {
		a, err := LoadAntolik(filepath.Join(dir, "antolik2016", tc.region))
		if err != nil {
			t.Fatal(err)
		}
		s := a.Scan
		if s.NumImages != 50 || s.Height != 31 || s.Neurons != tc.neurons || a.Repeats != tc.repeats ||
			s.Trials != 50*tc.repeats || a.TrainingTrials != tc.training || len(a.Oracle) != 50 {
			t.Errorf("%s: images %d neurons %d repeats %d trials %d training %d", tc.region, s.NumImages, s.Neurons, a.Repeats, s.Trials, a.TrainingTrials)
		}
		// Pixels were stored as pixel/1e6: back to 0–255.
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range s.Images {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo < -0.01 || hi < 200 || hi > 255.01 {
			t.Errorf("%s: pixels span [%v, %v], want within 0–255", tc.region, lo, hi)
		}
		// The published validation_set is the mean of the repeats: the trial
		// layout (trial r·50+i shows image i) is right.
		mean, err := s.MeanResponses(a.Oracle)
		if err != nil {
			t.Fatal(err)
		}
		for i := range mean {
			if d := math.Abs(float64(mean[i] - a.Mean[i])); d > 1e-4 {
				t.Fatalf("%s: repeat mean %v differs from validation_set %v at %d", tc.region, mean[i], a.Mean[i], i)
			}
		}
	}
}

// TestAllenLayout checks the claims in the Allen type's comment.
func TestAllenLayout(t *testing.T) {
	dir := datatest.NeuralDir(t)
	a, err := LoadAllen(filepath.Join(dir, "allen2016"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Neurons != 212 || len(a.Images) != 118*961 || len(a.Big) != 900*212 {
		t.Fatalf("shapes: neurons %d images %d big %d", a.Neurons, len(a.Images)/961, len(a.Big)/212)
	}
	// Train and test scenes partition the 118 scenes.
	seen := map[int]bool{}
	for _, s := range append(append([]int{}, a.TrainScenes...), a.TestScenes...) {
		seen[s] = true
	}
	if len(seen) != 118 {
		t.Errorf("train and test inputs cover %d distinct scenes, want 118", len(seen))
	}
	test := map[int]bool{}
	for _, s := range a.TestScenes {
		test[s] = true
	}
	known, ofTrain := 0, 0
	for _, s := range a.BigScene {
		if s >= 0 {
			known++
			if !test[s] {
				ofTrain++
			}
		}
	}
	if known != 15 || ofTrain != 13 {
		t.Errorf("Allen_test_output_big: %d rows identical to single-trial rows, %d of them of training scenes; want 15 and 13", known, ofTrain)
	}

	// No grouping of the 900 rows into the 18 test scenes shows stimulus
	// structure: the mean over neurons of the between/within-group variance
	// ratio (F) is at the level of random groupings.
	f := func(group func(t int) int) float64 { return meanF(a.Big, 900, a.Neurons, 18, group) }
	block, inter := f(func(t int) int { return t / 50 }), f(func(t int) int { return t % 18 })
	t.Logf("Allen_test_output_big mean F: blocks of 50 %.3f, interleaved by 18 %.3f (random groupings ≈ 1.0)", block, inter)
	if block > 1.2 || inter > 1.2 {
		t.Errorf("a grouping of Allen_test_output_big shows structure (F %.3f, %.3f): revisit the Allen adapter", block, inter)
	}
}

// meanF is the one-way ANOVA F ratio per neuron, averaged over neurons, of
// the rows of x (rows×cols) grouped by group(row) into k groups.
func meanF(x []float32, rows, cols, k int, group func(int) int) float64 {
	var total float64
	for n := range cols {
		sum := make([]float64, k)
		cnt := make([]float64, k)
		var all float64
		for r := range rows {
			v := float64(x[r*cols+n])
			sum[group(r)] += v
			cnt[group(r)]++
			all += v
		}
		all /= float64(rows)
		var between, within float64
		for g := range k {
			m := sum[g] / cnt[g]
			between += cnt[g] * (m - all) * (m - all)
		}
		for r := range rows {
			d := float64(x[r*cols+n]) - sum[group(r)]/cnt[group(r)]
			within += d * d
		}
		total += (between / float64(k-1)) / (within / float64(rows-k))
	}
	return total / float64(cols)
}
