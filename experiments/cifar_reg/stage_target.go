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
	register(&command{name: "target", summary: "build the neural similarity target (denoised) and its controls (raw, raw-weighted, shuffled, noise-free)", run: runTarget})
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
	targetFile = rsa.TargetFile // the denoised target, in the stage directory
	rawSubdir  = "raw"          // raw/target.npy: single-trial responses (control)
	// raw-weighted/target.npy: the single-trial responses with the denoised
	// target's per-neuron weights w_a·max(v_a, 0) (control: differs from
	// the target only by the denoising). Directories finished before it
	// existed get it on their next reuse (completeTarget).
	rawWeightedSubdir = "raw-weighted"
	// shuffled/target.npy and perm.npy: the denoised target permuted from
	// the shuffle seed alone (the summary's shuffled_vs_truth_r). The
	// shuffled models train towards shuffled/seed-<k>/ instead
	// (shuffleSeedSubdir), one permutation per training seed k.
	shuffleSubdir = "shuffled"
	truthSubdir   = "truth"      // truth/target.npy: noise-free responses (simulations)
	imagesFile    = "images.npy" // int64: the recordings' image index of each row
	// cifar_index.npy (simulations): the CIFAR-10 training index of each row.
)

// shuffleSeedSubdir is the subdirectory of the target stage holding the
// shuffled control of training seed k: target.npy (float32, images×images)
// and perm.npy (int64, images), drawn by rsa.ShuffleSeeds from (the target
// stage's ShuffleSeed, k). Written beside the target by the run that
// first needs it (ensureShuffled), since training seeds are the run's.
func shuffleSeedSubdir(k uint64) string {
	return filepath.Join(shuffleSubdir, fmt.Sprintf("seed-%d", k))
}

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
	// The raw-weighted control (absent from summaries written before it):
	// against the noise-free target (simulations) and the denoised one.
	RawWeightedVsTruthR  *float64 `json:"raw_weighted_vs_truth_r,omitempty"`
	TargetVsRawWeightedR *float64 `json:"target_vs_raw_weighted_r,omitempty"`

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
		if err := completeTarget(ctx, o, dir, recDir, predDir, &sum); err != nil {
			return "", nil, err
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
	var den, raw, rawW, truth *rsa.Mean
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
			den, raw, rawW = rsa.NewMeanPrecision(n, o.Similarity), rsa.NewMeanPrecision(n, o.Similarity), rsa.NewMeanPrecision(n, o.Similarity)
			if s.Truth != nil {
				truth = rsa.NewMeanPrecision(n, o.Similarity)
			}
		}
		st, err := addScan(s, man.OracleImages, single, predDir, den, raw, rawW, truth)
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
	sDen, sRaw, sRawW := den.Result(), raw.Result(), rawW.Result()
	sShuf, perm := rsa.Shuffle(sDen, n, p.Sim.Seed)
	sum.TargetVsRawR = rsa.OffDiagonalR(sDen, sRaw, n)
	rw := rsa.OffDiagonalR(sDen, sRawW, n)
	sum.TargetVsRawWeightedR = &rw
	writes := []struct {
		sub  string
		s    []float32
		perm []int
	}{{"", sDen, nil}, {rawSubdir, sRaw, nil}, {rawWeightedSubdir, sRawW, nil}, {shuffleSubdir, sShuf, perm}}
	if truth != nil {
		sTruth := truth.Result()
		r1, r2, r3 := rsa.OffDiagonalR(sDen, sTruth, n), rsa.OffDiagonalR(sRaw, sTruth, n), rsa.OffDiagonalR(sShuf, sTruth, n)
		sum.TargetVsTruthR, sum.RawVsTruthR, sum.ShuffledVsTruthR = &r1, &r2, &r3
		r4 := rsa.OffDiagonalR(sRawW, sTruth, n)
		sum.RawWeightedVsTruthR = &r4
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

// scanWeights are what one scan's targets are weighted by: the
// predictor's report (predDir), the oracle repeats (repeats×oracle×neurons)
// and the per-neuron weights of the denoised target, both [neurons]:
// w_a = σ_a/η_a, the reliability from the repeats, and v_a = max(the
// predictor's single-trial test correlation, 0) (an anti-correlated
// prediction is noise, not signal). The raw-weighted control uses the
// same w and v.
type scanWeights struct {
	m       scanMetrics
	rep     []float32
	repeats int
	w, v    []float64
}

func readScanWeights(s *neural.Scan, oracle []int, predDir string) (*scanWeights, error) {
	sw := &scanWeights{}
	mPath := filepath.Join(predDir, s.Name+metricsSuffix)
	if err := runio.ReadJSON(mPath, &sw.m); err != nil {
		return nil, err
	}
	N := s.Neurons
	if len(sw.m.TestCorr) != N {
		return nil, fmt.Errorf("%s: %d test correlations for %d neurons: the predictor report of another recording?", mPath, len(sw.m.TestCorr), N)
	}
	var err error
	if sw.rep, sw.repeats, err = s.Repeats(oracle); err != nil {
		return nil, err
	}
	sw.w, _, _ = rsa.Reliability(sw.rep, sw.repeats, len(oracle), N)
	sw.v = make([]float64, N)
	for i, c := range sw.m.TestCorr {
		sw.v[i] = max(c, 0)
	}
	return sw, nil
}

// weightedResponses returns the responses (images×neurons each) one scan
// adds to the denoised target and to the raw-weighted control: its
// predictions pred and its raw single-trial responses raw, each neuron a
// scaled by the same w_a·v_a (rsa.Weighted), so that the two differ only in
// what is weighted: denoised or raw responses. With every weight 1 the
// raw-weighted responses are raw itself.
func weightedResponses(pred, raw []float32, images, neurons int, w, v []float64) (den, rawW []float32) {
	return rsa.Weighted(pred, images, neurons, w, v), rsa.Weighted(raw, images, neurons, w, v)
}

// addScan adds one scan's similarity matrices to the accumulators: the
// denoised one from its predictions (predictor stage), the raw one from its
// single trials (the mean where an image was shown more than once), the
// raw-weighted one from the same single trials with the denoised one's
// weights and, for a simulation, the noise-free one. It also compares, on
// the oracle images, the predictions' and a single trial's similarity with
// that of the repeat means.
func addScan(s *neural.Scan, oracle, single []int, predDir string, den, raw, rawW, truth *rsa.Mean) (*scanStats, error) {
	sw, err := readScanWeights(s, oracle, predDir)
	if err != nil {
		return nil, err
	}
	st := &scanStats{m: sw.m}
	predPath := filepath.Join(predDir, s.Name+predSuffix)
	a, err := npy.ReadFile(predPath)
	if err != nil {
		return nil, err
	}
	N := s.Neurons
	if len(a.Shape) != 2 || a.Shape[0] != s.NumImages || a.Shape[1] != N {
		return nil, fmt.Errorf("%s: shape %v, want (%d, %d): predictions of another recording?",
			predPath, a.Shape, s.NumImages, N)
	}
	pred := a.Float32()
	w, v := sw.w, sw.v
	for _, x := range w {
		st.meanW += x / float64(N)
	}
	rows := func(x []float32, images []int) []float32 {
		out := make([]float32, len(images)*N)
		for k, i := range images {
			copy(out[k*N:(k+1)*N], x[i*N:(i+1)*N])
		}
		return out
	}
	r, err := s.MeanResponses(single)
	if err != nil {
		return nil, err
	}
	d, rw := weightedResponses(rows(pred, single), r, len(single), N, w, v)
	den.Add(d, N)
	raw.Add(r, N)
	rawW.Add(rw, N)
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
		loo := rsa.LeaveOneOut(sw.rep, sw.repeats, len(oracle), N)
		for _, x := range loo {
			st.singleVsOthers += x / float64(len(loo))
		}
	}
	if math.IsNaN(st.predVsMean) || math.IsNaN(st.singleVsOthers) {
		return nil, fmt.Errorf("scan %s: NaN in the oracle comparison", s.Name)
	}
	return st, nil
}

// completeTarget adds to a finished target directory the controls that
// came after it was made, so that existing directories (and every stage
// keyed by them) are reused: the raw-weighted control, built as buildTarget
// builds it, from the scans and the predictor reports (the predictions are
// not needed), with its correlations added to summary.json. It does
// nothing when the directory has them. The files are written atomically
// and are the same whoever writes them, so concurrent runs may race.
func completeTarget(ctx context.Context, o *neuralOptions, dir, recDir, predDir string, sum *targetSummary) error {
	path := filepath.Join(dir, rawWeightedSubdir, targetFile)
	if fileExists(path) {
		return nil
	}
	fmt.Fprintf(o.log(), "target: adding the raw-weighted control to %s\n", dir)
	man, err := neural.ReadManifest(filepath.Join(recDir, neural.ManifestFile))
	if err != nil {
		return err
	}
	prec := rsa.FP32
	if sum.SimilarityPrecision != "" {
		if prec, err = rsa.ParsePrecision(sum.SimilarityPrecision); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, "summary.json"), err)
		}
	}
	var single []int
	var acc *rsa.Mean
	for k, name := range man.Scans {
		s, err := neural.ReadScan(filepath.Join(recDir, name))
		if err != nil {
			return err
		}
		if k == 0 {
			single = singleImages(s, man.OracleImages)
			if len(single) != sum.Images {
				return fmt.Errorf("%s: %d single-shown images, the target in %s has %d", recDir, len(single), dir, sum.Images)
			}
			acc = rsa.NewMeanPrecision(len(single), prec)
		}
		sw, err := readScanWeights(s, man.OracleImages, predDir)
		if err != nil {
			return err
		}
		r, err := s.MeanResponses(single)
		if err != nil {
			return err
		}
		acc.Add(rsa.Weighted(r, len(single), s.Neurons, sw.w, sw.v), s.Neurons)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	n := len(single)
	sRawW := acc.Result()
	read := func(sub string) ([]float32, error) {
		p := filepath.Join(dir, sub, targetFile)
		a, err := npy.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if len(a.Shape) != 2 || a.Shape[0] != n || a.Shape[1] != n {
			return nil, fmt.Errorf("%s: shape %v, want (%d, %d)", p, a.Shape, n, n)
		}
		return a.Float32(), nil
	}
	sDen, err := read("")
	if err != nil {
		return err
	}
	rw := rsa.OffDiagonalR(sDen, sRawW, n)
	sum.TargetVsRawWeightedR = &rw
	if sum.Simulated {
		sTruth, err := read(truthSubdir)
		if err != nil {
			return err
		}
		r := rsa.OffDiagonalR(sRawW, sTruth, n)
		sum.RawWeightedVsTruthR = &r
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := rsa.WriteTarget(filepath.Dir(path), sRawW, n, nil); err != nil {
		return err
	}
	return runio.WriteJSON(filepath.Join(dir, "summary.json"), sum)
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
		if sum.RawWeightedVsTruthR != nil {
			fmt.Printf("  raw single trials with the target's weights: r %.3f with the noise-free target, %.3f with the denoised one\n",
				*sum.RawWeightedVsTruthR, *sum.TargetVsRawWeightedR)
		}
	}
	fmt.Printf("  oracle images vs repeat means: predictions r %.3f, single trial r %.3f (paper, real data: 0.73 and 0.39)\n",
		sum.OraclePredVsRepeatMeanR, sum.OracleSingleVsOtherMeansR)
	fmt.Printf("  predictors: test r %.3f, oracle r %.3f, fraction of oracle %.2f; summary %s\n",
		sum.MeanTestCorr, sum.MeanOracleCorr, sum.FractionOracle, filepath.Join(dir, "summary.json"))
	return nil
}
