package main

// The predictor on the real mouse V1 sets of ../shared/data/neural (command
// realdata). Neither set has the structure of the paper's scans, so each is
// used as far as it goes:
//
//   - antolik2016 (per region 50 images, each shown 8–12 times, 55–103
//     neurons; the training images' pixels are missing): k-fold
//     cross-validation over the 50 images. Each fold trains on the repeats
//     of the other images and predicts its held-out images, so every image
//     gets a prediction from a model that never saw it; the held-out
//     predictions are scored together (predictor.Score: single-trial test
//     correlation, leave-one-out oracle correlation, fraction of oracle),
//     and, as the paper's comparison, the similarity matrix of the weighted
//     predictions is correlated with that of the repeat means, beside the
//     single-trial vs other-repeats comparison (rsa.LeaveOneOut).
//   - allen2016 (118 scenes, one usable single trial each, 212 neurons): train
//     on the 100 training scenes, test on the 18 test scenes (single trials,
//     so no oracle). Responses are dF/F-like and can be negative; each
//     neuron is shifted by its minimum so the Poisson loss applies.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/nn/predictor"
)

func init() {
	register(&command{name: "realdata", summary: "fit predictors on the real mouse V1 sets (antolik2016 cross-validated, allen2016) and report correlations", run: runRealData})
}

// realResult is the report of one real data set.
type realResult struct {
	Set            string  `json:"set"`
	Neurons        int     `json:"neurons"`
	Images         int     `json:"images"`
	Folds          int     `json:"folds,omitempty"`
	MeanTestCorr   float64 `json:"mean_test_correlation"`             // single trials, held-out images
	MeanOracleCorr float64 `json:"mean_oracle_correlation,omitempty"` // leave-one-out ceiling
	MeanOracleMean float64 `json:"mean_oracle_mean_correlation,omitempty"`
	FractionOracle float64 `json:"fraction_of_oracle,omitempty"`
	// Similarity over the held-out images (antolik): weighted predictions
	// vs repeat means, and single trial vs the mean of the other repeats.
	PredVsRepeatMeanR   float64 `json:"prediction_vs_repeat_mean_similarity_r,omitempty"`
	SingleVsOtherMeansR float64 `json:"single_trial_vs_other_repeats_similarity_r,omitempty"`
	Seconds             float64 `json:"seconds"`
}

// antolikCV cross-validates the predictor on one Antolik region.
func antolikCV(ctx context.Context, dir string, c predictor.Config, folds int) (*realResult, error) {
	start := time.Now()
	a, err := neural.LoadAntolik(dir)
	if err != nil {
		return nil, err
	}
	s := a.Scan
	n, N := s.NumImages, s.Neurons
	if folds < 2 || folds > n/2 {
		return nil, fmt.Errorf("-folds %d: want 2 … %d for %d images", folds, n/2, n)
	}
	heldOut := make([]float32, n*N) // image × neuron: prediction of the fold that held the image out
	for f := range folds {
		rec := toRecording(s, nil)
		for i := f; i < n; i += folds {
			rec.Oracle = append(rec.Oracle, i)
		}
		m, _, err := predictor.Fit(ctx, c, rec, predictor.FitOptions{})
		if err != nil {
			return nil, fmt.Errorf("%s fold %d: %w", dir, f, err)
		}
		p := m.Predict(s.Images, n)
		for _, i := range rec.Oracle {
			copy(heldOut[i*N:(i+1)*N], p[i*N:(i+1)*N])
		}
	}
	// Score every trial against its image's held-out prediction.
	pred := make([]float32, s.Trials*N)
	for t, i := range s.TrialImage {
		copy(pred[t*N:(t+1)*N], heldOut[i*N:(i+1)*N])
	}
	mt := predictor.Score(pred, s.Responses, s.TrialImage, N)
	res := &realResult{Set: "antolik2016/" + filepath.Base(dir), Neurons: N, Images: n, Folds: folds,
		MeanTestCorr: mt.MeanTestCorr, MeanOracleCorr: mt.MeanOracleCorr, MeanOracleMean: mt.MeanOracleMeanCorr,
		FractionOracle: mt.FractionOracle}
	// Similarity on the 50 images, as the target would be built.
	rep, reps, err := s.Repeats(a.Oracle)
	if err != nil {
		return nil, err
	}
	w, _, _ := rsa.Reliability(rep, reps, n, N)
	v := make([]float64, N)
	for i, x := range mt.TestCorr {
		v[i] = max(x, 0)
	}
	means, err := s.MeanResponses(a.Oracle)
	if err != nil {
		return nil, err
	}
	res.PredVsRepeatMeanR = rsa.OffDiagonalR(rsa.Similarity(rsa.Weighted(heldOut, n, N, w, v), n, N), rsa.Similarity(means, n, N), n)
	for _, r := range rsa.LeaveOneOut(rep, reps, n, N) {
		res.SingleVsOtherMeansR += r / float64(reps)
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// allenFit trains on Allen's 100 training scenes and tests on the 18 test
// scenes (one single trial each).
func allenFit(ctx context.Context, dir string, c predictor.Config) (*realResult, error) {
	start := time.Now()
	a, err := neural.LoadAllen(dir)
	if err != nil {
		return nil, err
	}
	N := a.Neurons
	rec := &predictor.Recording{Images: a.Images, NumImages: len(a.Images) / 961, Height: 31, Width: 31, Neurons: N}
	rec.Responses = append(append([]float32(nil), a.Train...), a.Test...)
	rec.TrialImage = append(append([]int(nil), a.TrainScenes...), a.TestScenes...)
	rec.Trials = len(rec.TrialImage)
	rec.Oracle = append([]int(nil), a.TestScenes...)
	// Shift each neuron by its minimum (dF/F can be negative).
	for n := range N {
		lo := math.Inf(1)
		for t := range rec.Trials {
			lo = min(lo, float64(rec.Responses[t*N+n]))
		}
		if lo < 0 {
			for t := range rec.Trials {
				rec.Responses[t*N+n] -= float32(lo)
			}
		}
	}
	_, mt, err := predictor.Fit(ctx, c, rec, predictor.FitOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return &realResult{Set: "allen2016", Neurons: N, Images: rec.NumImages, MeanTestCorr: mt.MeanTestCorr,
		Seconds: time.Since(start).Seconds()}, nil
}

// realData runs both sets under root (a directory holding antolik2016/ and
// allen2016/) and writes one line per result to w.
func realData(ctx context.Context, root string, c predictor.Config, folds int, w io.Writer) ([]*realResult, error) {
	var out []*realResult
	for _, region := range []string{"region1", "region2", "region3"} {
		r, err := antolikCV(ctx, filepath.Join(root, "antolik2016", region), c, folds)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		endStage("realdata " + r.Set)
		fmt.Fprintf(w, "%s: %d neurons, %d images, %d folds: held-out test r %.3f, oracle r %.3f, r with repeat means %.3f, fraction of oracle %.2f; similarity vs repeat means: predictions r %.3f, single trial r %.3f (%.0fs)\n",
			r.Set, r.Neurons, r.Images, r.Folds, r.MeanTestCorr, r.MeanOracleCorr, r.MeanOracleMean, r.FractionOracle, r.PredVsRepeatMeanR, r.SingleVsOtherMeansR, r.Seconds)
	}
	r, err := allenFit(ctx, filepath.Join(root, "allen2016"), c)
	if err != nil {
		return nil, err
	}
	out = append(out, r)
	endStage("realdata " + r.Set)
	fmt.Fprintf(w, "%s: %d neurons, %d scenes: test r %.3f on the 18 test scenes (single trials, no repeats) (%.0fs)\n", r.Set, r.Neurons, r.Images, r.MeanTestCorr, r.Seconds)
	return out, nil
}

func runRealData(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("realdata", flag.ContinueOnError)
	def := os.Getenv("BRAINREG_NEURAL_DIR")
	if def == "" {
		def = filepath.Join("..", "shared", "data", "neural")
	}
	root := fs.String("neural-dir", def, "directory holding antolik2016/ and allen2016/ (default $BRAINREG_NEURAL_DIR)")
	preset := fs.String("preset", "tiny", "predictor preset: tiny, default or paper")
	folds := fs.Int("folds", 5, "cross-validation folds over the Antolik images")
	seed := fs.Uint64("seed", 1, "predictor seed")
	jsonOut := fs.String("json", "", "also write the results to this JSON file")
	threads := fs.Int("threads", 0, "goroutines for the kernels (default: all cores)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	setThreads(*threads)
	c, err := predictor.Preset(*preset)
	if err != nil {
		return fmt.Errorf("-preset: %w", err)
	}
	c.Seed = *seed
	res, err := realData(ctx, *root, c, *folds, os.Stdout)
	if err != nil {
		return err
	}
	if *jsonOut != "" {
		return runio.WriteJSON(*jsonOut, res)
	}
	return nil
}
