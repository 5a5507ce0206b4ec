package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/datatest"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/experiments/internal/runio"
)

// cifarOptions finds CIFAR-10 (see datatest) and fails the test, saying
// where it looked, if it is not there.
func cifarOptions(t *testing.T) cifar.Options {
	t.Helper()
	return cifar.Options{Dir: datatest.CIFAR10Dir(t)}
}

// TestTinyTargetPipeline runs simulate → predictor → target at the tiny
// preset, checks the summary and the files, that the denoised target is
// closer to the noise-free one than the raw single-trial target (measured
// at this scale: 0.375 against 0.273), and that a rerun reuses every
// stage.
func TestTinyTargetPipeline(t *testing.T) {
	out := t.TempDir()
	var log bytes.Buffer
	o := &neuralOptions{Preset: "tiny", Out: out, Data: cifarOptions(t), Log: &log}
	dir, sum, err := buildTarget(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Logf("denoised vs truth r %.3f, raw vs truth r %.3f, shuffled vs truth r %.3f; oracle images: predictions %.3f, single trial %.3f; test r %.3f, oracle r %.3f",
		*sum.TargetVsTruthR, *sum.RawVsTruthR, *sum.ShuffledVsTruthR, sum.OraclePredVsRepeatMeanR, sum.OracleSingleVsOtherMeansR, sum.MeanTestCorr, sum.MeanOracleCorr)

	// summary.json on disk has the required fields.
	var disk map[string]any
	if err := runio.ReadJSON(filepath.Join(dir, "summary.json"), &disk); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"target_vs_truth_r", "raw_vs_truth_r", "shuffled_vs_truth_r", "mean_predictor_test_correlation",
		"mean_oracle_correlation", "fraction_of_oracle", "paper_reference", "raw_weighted_vs_truth_r", "target_vs_raw_weighted_r"} {
		if disk[k] == nil {
			t.Errorf("summary.json: no %s", k)
		}
	}
	if sum.Images != 400 || sum.Scans != 2 {
		t.Errorf("target over %d images from %d scans, want 400 and 2", sum.Images, sum.Scans)
	}
	if !(*sum.TargetVsTruthR > *sum.RawVsTruthR) {
		t.Errorf("denoised target r %.3f with the truth is not above the raw target's %.3f", *sum.TargetVsTruthR, *sum.RawVsTruthR)
	}
	if r := *sum.ShuffledVsTruthR; r > 0.05 || r < -0.05 {
		t.Errorf("shuffled target r %.3f with the truth, want about 0", r)
	}
	if sum.MeanTestCorr <= 0.02 || sum.MeanOracleCorr <= 0 {
		t.Errorf("predictor test r %.3f, oracle r %.3f: the predictors learned nothing", sum.MeanTestCorr, sum.MeanOracleCorr)
	}
	t.Logf("raw-weighted single trials vs truth r %.3f, vs the denoised target r %.3f", *sum.RawWeightedVsTruthR, *sum.TargetVsRawWeightedR)
	for _, f := range []string{targetFile, filepath.Join(rawSubdir, targetFile), filepath.Join(rawWeightedSubdir, targetFile), filepath.Join(shuffleSubdir, targetFile),
		filepath.Join(shuffleSubdir, "perm.npy"), filepath.Join(truthSubdir, targetFile), imagesFile, stimulusIndexFile} {
		a, err := npy.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, targetFile) && (a.Dtype != "f4" || len(a.Shape) != 2 || a.Shape[0] != 400 || a.Shape[1] != 400) {
			t.Errorf("%s: %s %v, want float32 (400, 400)", f, a.Dtype, a.Shape)
		}
	}

	// A rerun reuses all three stages and changes nothing.
	info, _ := os.Stat(filepath.Join(dir, "summary.json"))
	log.Reset()
	dir2, sum2, err := buildTarget(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"simulate: reusing", "predictor: reusing", "target: reusing"} {
		if !strings.Contains(log.String(), stage) {
			t.Errorf("rerun: no %q in the log:\n%s", stage, log.String())
		}
	}
	info2, _ := os.Stat(filepath.Join(dir2, "summary.json"))
	if dir2 != dir || *sum2.TargetVsTruthR != *sum.TargetVsTruthR || !info2.ModTime().Equal(info.ModTime()) {
		t.Errorf("rerun gave %s (r %v), first run %s (r %v)", dir2, *sum2.TargetVsTruthR, dir, *sum.TargetVsTruthR)
	}
	// A finished directory from before the raw-weighted control gets it on
	// reuse, bit for bit as a fresh target stage writes it, and its
	// correlations in summary.json.
	rwPath := filepath.Join(dir, rawWeightedSubdir, targetFile)
	fresh, err := npy.ReadFile(rwPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Dir(rwPath)); err != nil {
		t.Fatal(err)
	}
	var old map[string]any
	if err := runio.ReadJSON(filepath.Join(dir, "summary.json"), &old); err != nil {
		t.Fatal(err)
	}
	delete(old, "raw_weighted_vs_truth_r")
	delete(old, "target_vs_raw_weighted_r")
	if err := runio.WriteJSON(filepath.Join(dir, "summary.json"), old); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	_, sumC, err := buildTarget(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	back, err := npy.ReadFile(rwPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "target: reusing") || !strings.Contains(log.String(), "adding the raw-weighted control") ||
		!slices.Equal(back.Float32(), fresh.Float32()) || sumC.RawWeightedVsTruthR == nil || *sumC.RawWeightedVsTruthR != *sum.RawWeightedVsTruthR ||
		*sumC.TargetVsRawWeightedR != *sum.TargetVsRawWeightedR {
		t.Errorf("completing the raw-weighted control: same matrix %v, r %v; log:\n%s", slices.Equal(back.Float32(), fresh.Float32()), sumC.RawWeightedVsTruthR, log.String())
	}
	var disk2 map[string]any
	if err := runio.ReadJSON(filepath.Join(dir, "summary.json"), &disk2); err != nil || disk2["raw_weighted_vs_truth_r"] == nil {
		t.Errorf("summary.json after completing: %v, raw_weighted_vs_truth_r %v", err, disk2["raw_weighted_vs_truth_r"])
	}

	// An interrupted predictor stage (scan0 finished, scan1 not) resumes
	// at scan1, and the retrained scan gives the same target bit for bit.
	pred, err := filepath.Glob(filepath.Join(out, "predictor-*"))
	if err != nil || len(pred) != 1 {
		t.Fatalf("predictor stage directories %v (%v), want one", pred, err)
	}
	for _, f := range []string{filepath.Join(pred[0], "DONE"), filepath.Join(pred[0], "scan1"+metricsSuffix), filepath.Join(dir, "DONE")} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	log.Reset()
	_, sum3, err := buildTarget(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "predictor scan0: reusing") || strings.Contains(log.String(), "predictor scan1: reusing") {
		t.Errorf("resume: want scan0 reused and scan1 refitted; log:\n%s", log.String())
	}
	if *sum3.TargetVsTruthR != *sum.TargetVsTruthR || sum3.MeanTestCorr != sum.MeanTestCorr {
		t.Errorf("resumed run: target r %v, test r %v; first run %v, %v", *sum3.TargetVsTruthR, sum3.MeanTestCorr, *sum.TargetVsTruthR, sum.MeanTestCorr)
	}

	// The bf16 target is another configuration (the other stages are
	// reused), records its precision, and is within bf16 rounding of fp32.
	log.Reset()
	o.Similarity = rsa.BF16
	dirB, sumB, err := buildTarget(context.Background(), o)
	o.Similarity = rsa.FP32
	if err != nil {
		t.Fatal(err)
	}
	if dirB == dir || sum.SimilarityPrecision != "fp32" || sumB.SimilarityPrecision != "bf16" ||
		!strings.Contains(log.String(), "predictor: reusing") || strings.Contains(log.String(), "target: reusing") {
		t.Errorf("bf16 target in %s (%s), fp32 in %s (%s); log:\n%s", dirB, sumB.SimilarityPrecision, dir, sum.SimilarityPrecision, log.String())
	}
	a32, err := npy.ReadFile(filepath.Join(dir, targetFile))
	if err != nil {
		t.Fatal(err)
	}
	a16, err := npy.ReadFile(filepath.Join(dirB, targetFile))
	if err != nil {
		t.Fatal(err)
	}
	var maxDiff float64
	for i, v := range a16.Float32() {
		maxDiff = max(maxDiff, math.Abs(float64(v)-float64(a32.Float32()[i])))
	}
	t.Logf("bf16 target: max |ΔS| %.3g from fp32; denoised vs truth r %.5f (fp32 %.5f)", maxDiff, *sumB.TargetVsTruthR, *sum.TargetVsTruthR)
	// 2⁻⁷ bounds the change of a dot product of unit vectors whose entries
	// each move by at most 2⁻⁸ of their value; measured 0.0033 here, where
	// the weights w·v leave few effective neurons of the 500.
	if maxDiff > 0x1p-7 || math.Abs(*sumB.TargetVsTruthR-*sum.TargetVsTruthR) > 1e-3 {
		t.Errorf("bf16 target: max |ΔS| %.3g from fp32 (want ≤ 2⁻⁷), r with the truth %.5f against %.5f", maxDiff, *sumB.TargetVsTruthR, *sum.TargetVsTruthR)
	}

	// Another seed is another configuration: new directories.
	p1, _ := presetFor("tiny", 0)
	p2, _ := presetFor("tiny", 2)
	if runio.Hash(simulateConfig{Sim: p1.Sim}) == runio.Hash(simulateConfig{Sim: p2.Sim}) {
		t.Error("seeds 1 and 2 hash to the same simulate directory")
	}
}

func TestPresetErrors(t *testing.T) {
	if _, err := presetFor("huge", 0); err == nil || !strings.Contains(err.Error(), "-preset") {
		t.Fatalf("unknown preset: %v, want an error naming -preset", err)
	}
	if _, err := recordingsIdentity(t.TempDir()); err == nil || !strings.Contains(err.Error(), "-neural") {
		t.Fatalf("directory without a manifest: %v, want an error naming -neural", err)
	}
}
