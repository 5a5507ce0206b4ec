package main

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/brainreg/brainreg/data/datatest"
	"github.com/brainreg/brainreg/nn/predictor"
)

// TestRealDataPredictor fits the tiny predictor on Antolik region 1 (5-fold
// cross-validation over its 50 images) and on Allen's 100 training scenes.
// Measured: Antolik held-out single-trial r 0.058 against a leave-one-out
// oracle of 0.388 (fraction of oracle 0.18), Allen test r ≈ 0 on 18 single
// trials: 40 training images do not constrain a CNN, so the test asks only
// that the Antolik predictions are above chance and everything is finite.
func TestRealDataPredictor(t *testing.T) {
	root := datatest.NeuralDir(t)
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
