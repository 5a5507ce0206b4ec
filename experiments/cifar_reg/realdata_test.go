package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/brainreg/brainreg/nn/predictor"
)

// neuralDataDir returns BRAINREG_NEURAL_DIR (the Makefile sets it to
// ../shared/data/neural) and fails, saying where it looked, if the real
// data are not there.
func neuralDataDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BRAINREG_NEURAL_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "neural")
	}
	if _, err := os.Stat(filepath.Join(dir, "antolik2016", "region1")); err != nil {
		t.Fatalf("real neural data not found: looked for %s (set BRAINREG_NEURAL_DIR to the directory holding antolik2016/ and allen2016/): %v",
			filepath.Join(dir, "antolik2016", "region1"), err)
	}
	return dir
}

// TestRealDataPredictor fits the tiny predictor on Antolik region 1 (5-fold
// cross-validation over its 50 images) and on Allen's 100 training scenes.
// Measured: Antolik held-out single-trial r 0.058 against a leave-one-out
// oracle of 0.388 (fraction of oracle 0.18), Allen test r ≈ 0 on 18 single
// trials: 40 training images do not constrain a CNN, so the test asks only
// that the Antolik predictions are above chance and everything is finite.
func TestRealDataPredictor(t *testing.T) {
	root := neuralDataDir(t)
	c := predictor.Tiny()
	r, err := antolikCV(context.Background(), filepath.Join(root, "antolik2016", "region1"), c, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: held-out test r %.3f, oracle r %.3f, r with repeat means %.3f, fraction of oracle %.2f; similarity vs repeat means: predictions %.3f, single trial %.3f",
		r.Set, r.MeanTestCorr, r.MeanOracleCorr, r.MeanOracleMean, r.FractionOracle, r.PredVsRepeatMeanR, r.SingleVsOtherMeansR)
	if r.MeanTestCorr < 0.02 || r.MeanOracleCorr < 0.2 {
		t.Errorf("%s: held-out test r %.3f (want ≥ 0.02), oracle r %.3f (want ≥ 0.2)", r.Set, r.MeanTestCorr, r.MeanOracleCorr)
	}
	a, err := allenFit(context.Background(), filepath.Join(root, "allen2016"), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: test r %.3f on 18 single trials", a.Set, a.MeanTestCorr)
	if math.IsNaN(a.MeanTestCorr) || a.Neurons != 212 {
		t.Errorf("%s: test r %v over %d neurons", a.Set, a.MeanTestCorr, a.Neurons)
	}
}
