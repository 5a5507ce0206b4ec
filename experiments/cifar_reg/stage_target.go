package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/internal/progress"
)

func init() {
	register(&command{name: "target", summary: "build the neural similarity target (denoised) and its controls (raw, shuffled, noise-free)", run: runTarget})
}

// targetConfig is what the target stage's directory is keyed by.
type targetConfig struct {
	Stage       string `json:"stage"`
	ShuffleSeed uint64 `json:"shuffle_seed"`
	Predictions string `json:"predictions"` // the predictor stage's directory name (its hash)
	Recordings  string `json:"recordings"`
	Rule        string `json:"rule"`
	// The products' precision (rsa.Precision): absent for the default,
	// fp32, so directories made before the option existed keep their hash.
	Precision string `json:"similarity_precision,omitempty"`
}

// precisionKey is a similarity precision as the hashed configurations hold
// it: "" for the default, FP32, else its name.
func precisionKey(p rsa.Precision) string {
	if p == rsa.FP32 {
		return ""
	}
	return p.String()
}

// parsePrecisionFlag reads -similarity-precision ("" is the default, fp32).
func parsePrecisionFlag(s string) (rsa.Precision, error) {
	if s == "" {
		return rsa.FP32, nil
	}
	p, err := rsa.ParsePrecision(s)
	if err != nil {
		return p, fmt.Errorf("-similarity-precision: %w", err)
	}
	return p, nil
}

const precisionUsage = "arithmetic of the similarity products R·Rᵀ: fp32, or bf16 (responses rounded to bfloat16, float32 sums: about twice as fast with AVX-512 BF16; entries typically within 1e-4 of fp32, at most 2⁻⁷)"

// Files of the target stage. Each similarity matrix is float32
// (images, images) over the single-shown images, rows in image order
// (imagesFile gives the recordings' image index of each row).
const (
	targetFile    = rsa.TargetFile // the denoised target, in the stage directory
	rawSubdir     = "raw"          // raw/target.npy: single-trial responses (control)
	shuffleSubdir = "shuffled"     // shuffled/target.npy and perm.npy (control)
	truthSubdir   = "truth"        // truth/target.npy: noise-free responses (simulations)
	imagesFile    = "images.npy"   // int64: the recordings' image index of each row
	// cifar_index.npy (simulations): the CIFAR-10 training index of each row.
)

const targetRule = "r̂_ia = w_a·max(v_a, 0)·prediction_ia; w_a = σ_a/η_a from the oracle repeats, v_a = the predictor's single-trial test correlation; centre each neuron over the single images, unit-normalise each image, S = R·Rᵀ, mean over scans"

// targetSummary is the stage's summary.json. The *_vs_truth fields are
// null for real recordings (no noise-free responses).
type targetSummary struct {
	Dir       string `json:"dir"`
	Simulated bool   `json:"simulated"`
	Scans     int    `json:"scans"`
	Images    int    `json:"images"` // rows of the target: the single-shown images
	Neurons   []int  `json:"neurons"`

	TargetVsTruthR   *float64 `json:"target_vs_truth_r"`   // denoised vs noise-free, off-diagonal Pearson r
	RawVsTruthR      *float64 `json:"raw_vs_truth_r"`      // single trials vs noise-free
	ShuffledVsTruthR *float64 `json:"shuffled_vs_truth_r"` // control: about 0
	TargetVsRawR     float64  `json:"target_vs_raw_r"`

	// On the oracle images, as the paper's comparison: similarity of the
	// (weighted) predictions vs similarity of the repeat means, and of a
	// single trial vs the mean of the other repeats (rsa.LeaveOneOut,
	// averaged over repeats); each averaged over scans.
	OraclePredVsRepeatMeanR   float64 `json:"oracle_prediction_vs_repeat_mean_r"`
	OracleSingleVsOtherMeansR float64 `json:"oracle_single_trial_vs_other_repeats_r"`

	MeanTestCorr       float64 `json:"mean_predictor_test_correlation"`
	MeanOracleCorr     float64 `json:"mean_oracle_correlation"`
	MeanOracleMeanCorr float64 `json:"mean_predictor_oracle_mean_correlation"`
	FractionOracle     float64 `json:"fraction_of_oracle"`
	MeanReliability    float64 `json:"mean_reliability_w"`

	PaperReference      map[string]any `json:"paper_reference"`
	Rule                string         `json:"rule"`
	SimilarityPrecision string         `json:"similarity_precision"` // fp32 or bf16 (rsa.Precision)
	Seconds             float64        `json:"seconds"`
}

var paperReference = map[string]any{
	"note":                          "reference values quoted from Li et al. 2019 (real mouse V1, oracle images); not measured here",
	"prediction_vs_repeat_mean_r":   0.73,
	"single_trial_vs_repeat_mean_r": 0.39,
}

// buildTarget runs every stage the target needs (simulation unless
// o.Neural is set, predictors) and then the target stage unless it is
// done. It returns the target stage's directory and its summary.
func buildTarget(ctx context.Context, o *neuralOptions) (string, *targetSummary, error) {
	p, err := presetFor(o.Preset, o.Seed)
	if err != nil {
		return "", nil, err
	}
	pr, err := buildPredictions(ctx, o)
	if err != nil {
		return "", nil, err
	}
	predDir, recDir, simulated := pr.Dir, pr.Recordings, pr.Simulated
	cfg := targetConfig{Stage: "target", ShuffleSeed: p.Sim.Seed, Predictions: filepath.Base(predDir), Recordings: pr.Identity, Rule: targetRule,
		Precision: precisionKey(o.Similarity)}
	dir, err := runio.StageDir(o.Out, "target", cfg)
	if err != nil {
		return "", nil, err
	}
	var sum targetSummary
	if runio.Done(dir) {
		fmt.Fprintf(o.log(), "target: reusing %s\n", dir)
		if err := runio.ReadJSON(filepath.Join(dir, "summary.json"), &sum); err != nil {
			return "", nil, err
		}
		if sum.SimilarityPrecision == "" {
			sum.SimilarityPrecision = rsa.FP32.String() // written before the option existed
		}
		return dir, &sum, nil
	}
	start := time.Now()
	man, err := neural.ReadManifest(filepath.Join(recDir, neural.ManifestFile))
	if err != nil {
		return "", nil, err
	}
	sum = targetSummary{Dir: dir, Simulated: simulated, Scans: len(man.Scans), PaperReference: paperReference, Rule: targetRule,
		SimilarityPrecision: o.Similarity.String()}
	var single []int
	var den, raw, truth *rsa.Mean
	bar := progress.New(o.log(), "target", "scans", len(man.Scans), 10*time.Second)
	for k, name := range man.Scans {
		s, err := neural.ReadScan(filepath.Join(recDir, name))
		if err != nil {
			return "", nil, err
		}
		if k == 0 {
			single = singleImages(s, man.OracleImages)
			n := len(single)
			if n < 3 {
				return "", nil, fmt.Errorf("%s: %d single-shown images, want at least 3 for a similarity target", recDir, n)
			}
			den, raw = rsa.NewMeanPrecision(n, o.Similarity), rsa.NewMeanPrecision(n, o.Similarity)
			if s.Truth != nil {
				truth = rsa.NewMeanPrecision(n, o.Similarity)
			}
		}
		st, err := addScan(s, man.OracleImages, single, predDir, den, raw, truth)
		if err != nil {
			return "", nil, err
		}
		f := 1 / float64(k+1)
		sum.Neurons = append(sum.Neurons, s.Neurons)
		sum.OraclePredVsRepeatMeanR += (st.predVsMean - sum.OraclePredVsRepeatMeanR) * f
		sum.OracleSingleVsOtherMeansR += (st.singleVsOthers - sum.OracleSingleVsOtherMeansR) * f
		sum.MeanReliability += (st.meanW - sum.MeanReliability) * f
		sum.MeanTestCorr += (st.m.MeanTestCorr - sum.MeanTestCorr) * f
		sum.MeanOracleCorr += (st.m.MeanOracleCorr - sum.MeanOracleCorr) * f
		sum.MeanOracleMeanCorr += (st.m.MeanOracleMeanCorr - sum.MeanOracleMeanCorr) * f
		sum.FractionOracle += (st.m.FractionOracle - sum.FractionOracle) * f
		bar.Update(k + 1)
		if err := ctx.Err(); err != nil {
			return "", nil, err
		}
	}
	n := len(single)
	sum.Images = n
	sDen, sRaw := den.Result(), raw.Result()
	sShuf, perm := rsa.Shuffle(sDen, n, p.Sim.Seed)
	sum.TargetVsRawR = rsa.OffDiagonalR(sDen, sRaw, n)
	writes := []struct {
		sub  string
		s    []float32
		perm []int
	}{{"", sDen, nil}, {rawSubdir, sRaw, nil}, {shuffleSubdir, sShuf, perm}}
	if truth != nil {
		sTruth := truth.Result()
		r1, r2, r3 := rsa.OffDiagonalR(sDen, sTruth, n), rsa.OffDiagonalR(sRaw, sTruth, n), rsa.OffDiagonalR(sShuf, sTruth, n)
		sum.TargetVsTruthR, sum.RawVsTruthR, sum.ShuffledVsTruthR = &r1, &r2, &r3
		writes = append(writes, struct {
			sub  string
			s    []float32
			perm []int
		}{truthSubdir, sTruth, nil})
	}
	for _, w := range writes {
		d := filepath.Join(dir, w.sub)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", nil, err
		}
		if err := rsa.WriteTarget(d, w.s, n, w.perm); err != nil {
			return "", nil, err
		}
	}
	if err := npy.WriteFile(filepath.Join(dir, imagesFile), []int{n}, single); err != nil {
		return "", nil, err
	}
	if simulated {
		// The simulate stage recorded each image's CIFAR-10 index.
		a, err := npy.ReadFile(filepath.Join(filepath.Dir(recDir), stimulusIndexFile))
		if err != nil {
			return "", nil, err
		}
		all, err := a.Int()
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", filepath.Join(filepath.Dir(recDir), stimulusIndexFile), err)
		}
		idx := make([]int, n)
		for k, i := range single {
			idx[k] = all[i]
		}
		if err := npy.WriteFile(filepath.Join(dir, stimulusIndexFile), []int{n}, idx); err != nil {
			return "", nil, err
		}
	}
	bar.Finish(len(man.Scans))
	sum.Seconds = time.Since(start).Seconds()
	if err := runio.WriteJSON(filepath.Join(dir, "summary.json"), sum); err != nil {
		return "", nil, err
	}
	if err := runio.MarkDone(dir); err != nil {
		return "", nil, err
	}
	endStage("target")
	return dir, &sum, nil
}

// singleImages lists the images that were shown and are not oracle images,
// in index order: the rows of the target.
func singleImages(s *neural.Scan, oracle []int) []int {
	isOracle := make([]bool, s.NumImages)
	for _, i := range oracle {
		isOracle[i] = true
	}
	shown := make([]bool, s.NumImages)
	for _, i := range s.TrialImage {
		shown[i] = true
	}
	var out []int
	for i := range s.NumImages {
		if shown[i] && !isOracle[i] {
			out = append(out, i)
		}
	}
	return out
}

// scanStats is what one scan adds to the summary.
type scanStats struct {
	m                          scanMetrics
	predVsMean, singleVsOthers float64
	meanW                      float64
}

// addScan adds one scan's similarity matrices to the accumulators: the
// denoised one from its predictions (predictor stage), the raw one from its
// single trials (the mean where an image was shown more than once) and,
// for a simulation, the noise-free one. It also compares, on the oracle
// images, the predictions' and a single trial's similarity with that of
// the repeat means.
func addScan(s *neural.Scan, oracle, single []int, predDir string, den, raw, truth *rsa.Mean) (*scanStats, error) {
	st := &scanStats{}
	if err := runio.ReadJSON(filepath.Join(predDir, s.Name+metricsSuffix), &st.m); err != nil {
		return nil, err
	}
	predPath := filepath.Join(predDir, s.Name+predSuffix)
	a, err := npy.ReadFile(predPath)
	if err != nil {
		return nil, err
	}
	N := s.Neurons
	if len(a.Shape) != 2 || a.Shape[0] != s.NumImages || a.Shape[1] != N || len(st.m.TestCorr) != N {
		return nil, fmt.Errorf("%s: shape %v and %d test correlations, want (%d, %d) and %d: predictions of another recording?",
			predPath, a.Shape, len(st.m.TestCorr), s.NumImages, N, N)
	}
	pred := a.Float32()
	rep, repeats, err := s.Repeats(oracle)
	if err != nil {
		return nil, err
	}
	w, _, _ := rsa.Reliability(rep, repeats, len(oracle), N)
	v := make([]float64, N)
	for i, c := range st.m.TestCorr {
		v[i] = max(c, 0) // an anti-correlated prediction is noise, not signal
		st.meanW += w[i] / float64(N)
	}
	rows := func(x []float32, images []int) []float32 {
		out := make([]float32, len(images)*N)
		for k, i := range images {
			copy(out[k*N:(k+1)*N], x[i*N:(i+1)*N])
		}
		return out
	}
	den.Add(rsa.Weighted(rows(pred, single), len(single), N, w, v), N)
	r, err := s.MeanResponses(single)
	if err != nil {
		return nil, err
	}
	raw.Add(r, N)
	if truth != nil {
		truth.Add(rows(s.Truth, single), N)
	}
	if len(oracle) >= 3 {
		means, err := s.MeanResponses(oracle)
		if err != nil {
			return nil, err
		}
		sMean := rsa.Similarity(means, len(oracle), N)
		sPred := rsa.Similarity(rsa.Weighted(rows(pred, oracle), len(oracle), N, w, v), len(oracle), N)
		st.predVsMean = rsa.OffDiagonalR(sPred, sMean, len(oracle))
		loo := rsa.LeaveOneOut(rep, repeats, len(oracle), N)
		for _, x := range loo {
			st.singleVsOthers += x / float64(len(loo))
		}
	}
	if math.IsNaN(st.predVsMean) || math.IsNaN(st.singleVsOthers) {
		return nil, fmt.Errorf("scan %s: NaN in the oracle comparison", s.Name)
	}
	return st, nil
}

func runTarget(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("target", flag.ContinueOnError)
	var o neuralOptions
	threads := addNeuralFlags(fs, &o, true)
	prec := fs.String("similarity-precision", "fp32", precisionUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var err error
	if o.Similarity, err = parsePrecisionFlag(*prec); err != nil {
		return err
	}
	setThreads(*threads)
	if err := runio.CheckWritable(o.Out, 100<<20); err != nil {
		return err
	}
	dir, sum, err := buildTarget(ctx, &o)
	if err != nil {
		return err
	}
	fmt.Printf("target: %s (%d images, %d scans, %s products)\n", filepath.Join(dir, targetFile), sum.Images, sum.Scans, sum.SimilarityPrecision)
	if sum.TargetVsTruthR != nil {
		fmt.Printf("  vs noise-free target: denoised r %.3f, raw single-trial r %.3f, shuffled r %.3f\n",
			*sum.TargetVsTruthR, *sum.RawVsTruthR, *sum.ShuffledVsTruthR)
	}
	fmt.Printf("  oracle images vs repeat means: predictions r %.3f, single trial r %.3f (paper, real data: 0.73 and 0.39)\n",
		sum.OraclePredVsRepeatMeanR, sum.OracleSingleVsOtherMeansR)
	fmt.Printf("  predictors: test r %.3f, oracle r %.3f, fraction of oracle %.2f; summary %s\n",
		sum.MeanTestCorr, sum.MeanOracleCorr, sum.FractionOracle, filepath.Join(dir, "summary.json"))
	return nil
}
