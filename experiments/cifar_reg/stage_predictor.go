package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/internal/progress"
	"github.com/brainreg/brainreg/nn/predictor"
)

func init() {
	register(&command{name: "predictor", summary: "train one neural predictor (denoiser) per scan; write models, metrics and predictions", run: runPredictor})
}

// predictorConfig is what the predictor stage's directory is keyed by.
type predictorConfig struct {
	Stage      string           `json:"stage"`
	Predictor  predictor.Config `json:"predictor"`
	Recordings string           `json:"recordings"` // identity of the input (see recordings)
}

// Files of the predictor stage, per scan (the scan's directory name first).
const (
	modelSuffix   = ".safetensors"
	predSuffix    = ".pred.npy"     // float32 (images, neurons): predictions on every image at the mean behaviour
	metricsSuffix = ".metrics.json" // scanMetrics
)

// scanMetrics is one scan's predictor report.
type scanMetrics struct {
	Scan               string    `json:"scan"`
	Neurons            int       `json:"neurons"`
	Epochs             int       `json:"epochs"`
	BestEpoch          int       `json:"best_epoch"`
	ValCorr            float64   `json:"validation_correlation"`
	MeanTestCorr       float64   `json:"mean_test_correlation"`        // single trials, oracle images
	MeanOracleCorr     float64   `json:"mean_oracle_correlation"`      // leave-one-out ceiling
	MeanOracleMeanCorr float64   `json:"mean_oracle_mean_correlation"` // prediction vs repeat means
	FractionOracle     float64   `json:"fraction_of_oracle"`           // Σ t·o / Σ o² over neurons with o > 0
	MedianRatio        float64   `json:"median_test_over_oracle"`
	OracleNeurons      int       `json:"oracle_neurons"`
	Seconds            float64   `json:"seconds"`
	TestCorr           []float64 `json:"test_correlation"`
	OracleCorr         []float64 `json:"oracle_correlation"`
	OracleMeanCorr     []float64 `json:"oracle_mean_correlation"`
}

// predictorSummary is the stage's summary.json.
type predictorSummary struct {
	Recordings         string        `json:"recordings"`
	Scans              []scanMetrics `json:"scans"` // without the per-neuron lists
	MeanTestCorr       float64       `json:"mean_test_correlation"`
	MeanOracleCorr     float64       `json:"mean_oracle_correlation"`
	MeanOracleMeanCorr float64       `json:"mean_oracle_mean_correlation"`
	FractionOracle     float64       `json:"fraction_of_oracle"`
	Definitions        string        `json:"definitions"`
}

const metricDefinitions = "test correlation: Pearson r over the oracle trials between prediction (with the trial's behaviour) and single-trial response, per neuron; " +
	"oracle correlation: r over the oracle trials between the response and the mean of the other repeats of its image (leave-one-out ceiling); " +
	"oracle mean correlation: r over the oracle images between the prediction averaged over the image's trials and the repeat mean; " +
	"fraction of oracle: slope through the origin of test against oracle correlation over neurons with oracle correlation > 0; means are over neurons, then scans"

// predictions is the outcome of the predictor stage.
type predictions struct {
	Dir        string // the stage directory
	Recordings string // the recordings directory it read
	Identity   string // the recordings' identity (see recordings)
	Simulated  bool
}

// buildPredictions runs the stages before it and the predictor stage
// unless it is done.
func buildPredictions(ctx context.Context, o *neuralOptions) (*predictions, error) {
	p, err := presetFor(o.Preset, o.Seed)
	if err != nil {
		return nil, err
	}
	recDir, id, simulated, err := recordings(ctx, o)
	if err != nil {
		return nil, err
	}
	cfg := predictorConfig{Stage: "predictor", Predictor: p.Predictor, Recordings: id}
	dir, err := runio.StageDir(o.Out, "predictor", cfg)
	if err != nil {
		return nil, err
	}
	out := &predictions{Dir: dir, Recordings: recDir, Identity: id, Simulated: simulated}
	if runio.Done(dir) {
		fmt.Fprintf(o.log(), "predictor: reusing %s\n", dir)
		return out, nil
	}
	man, err := neural.ReadManifest(filepath.Join(recDir, neural.ManifestFile))
	if err != nil {
		return nil, err
	}
	sum := predictorSummary{Recordings: recDir, Definitions: metricDefinitions}
	for _, name := range man.Scans {
		sm, err := fitScan(ctx, o, p.Predictor, recDir, name, man.OracleImages, dir)
		if err != nil {
			return nil, err
		}
		sm.TestCorr, sm.OracleCorr, sm.OracleMeanCorr = nil, nil, nil
		sum.Scans = append(sum.Scans, *sm)
		n := float64(len(sum.Scans))
		sum.MeanTestCorr += (sm.MeanTestCorr - sum.MeanTestCorr) / n
		sum.MeanOracleCorr += (sm.MeanOracleCorr - sum.MeanOracleCorr) / n
		sum.MeanOracleMeanCorr += (sm.MeanOracleMeanCorr - sum.MeanOracleMeanCorr) / n
		sum.FractionOracle += (sm.FractionOracle - sum.FractionOracle) / n
	}
	if err := runio.WriteJSON(filepath.Join(dir, "summary.json"), sum); err != nil {
		return nil, err
	}
	if err := runio.MarkDone(dir); err != nil {
		return nil, err
	}
	return out, nil
}

// fitScan trains the predictor of one scan, or reads its metrics if an
// earlier, interrupted run finished that scan (the metrics file is written
// last).
func fitScan(ctx context.Context, o *neuralOptions, c predictor.Config, recDir, name string, oracle []int, dir string) (*scanMetrics, error) {
	metricsPath := filepath.Join(dir, name+metricsSuffix)
	var sm scanMetrics
	if _, err := os.Stat(metricsPath); err == nil {
		if err := runio.ReadJSON(metricsPath, &sm); err != nil {
			return nil, err
		}
		fmt.Fprintf(o.log(), "predictor %s: reusing %s\n", name, metricsPath)
		return &sm, nil
	}
	s, err := neural.ReadScan(filepath.Join(recDir, name))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var bar *progress.Bar
	var lastVal float64
	stepsPerEpoch := 0
	m, mt, err := predictor.Fit(ctx, c, toRecording(s, oracle), predictor.FitOptions{
		OnStep: func(epoch, step, steps int) {
			if bar == nil {
				stepsPerEpoch = steps
				bar = progress.New(o.log(), "predictor "+name+" (early stopping may end it sooner)", "steps", c.MaxEpochs*steps, 10*time.Second)
			}
			bar.Update((epoch-1)*steps+step, progress.F("epoch", "%d", epoch), progress.F("val_r", "%.3f", lastVal))
		},
		OnEpoch: func(e predictor.Epoch) { lastVal = e.ValCorr },
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", name, err)
	}
	if bar != nil {
		bar.Finish(mt.Epochs*stepsPerEpoch, progress.F("epochs", "%d", mt.Epochs), progress.F("best_val_r", "%.3f", mt.ValCorr))
	}
	if err := m.Save(filepath.Join(dir, name+modelSuffix)); err != nil {
		return nil, err
	}
	pred := m.Predict(s.Images, s.NumImages)
	if err := npy.WriteFile(filepath.Join(dir, name+predSuffix), []int{s.NumImages, s.Neurons}, pred); err != nil {
		return nil, err
	}
	sm = scanMetrics{Scan: name, Neurons: s.Neurons, Epochs: mt.Epochs, BestEpoch: mt.BestEpoch, ValCorr: mt.ValCorr,
		MeanTestCorr: mt.MeanTestCorr, MeanOracleCorr: mt.MeanOracleCorr, MeanOracleMeanCorr: mt.MeanOracleMeanCorr,
		FractionOracle: mt.FractionOracle, MedianRatio: mt.MedianRatio, OracleNeurons: mt.OracleNeurons,
		Seconds: time.Since(start).Seconds(), TestCorr: mt.TestCorr, OracleCorr: mt.OracleCorr, OracleMeanCorr: mt.OracleMeanCorr}
	if err := runio.WriteJSON(metricsPath, sm); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.log(), "predictor %s: %d epochs (best %d), test r %.3f, oracle r %.3f, r with oracle means %.3f, fraction of oracle %.2f (%s)\n",
		name, mt.Epochs, mt.BestEpoch, mt.MeanTestCorr, mt.MeanOracleCorr, mt.MeanOracleMeanCorr, mt.FractionOracle, progress.Duration(time.Since(start)))
	endStage("predictor " + name)
	return &sm, nil
}

func runPredictor(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("predictor", flag.ContinueOnError)
	var o neuralOptions
	threads := addNeuralFlags(fs, &o, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	setThreads(*threads)
	if err := runio.CheckWritable(o.Out, 100<<20); err != nil {
		return err
	}
	pr, err := buildPredictions(ctx, &o)
	if err != nil {
		return err
	}
	dir := pr.Dir
	var sum predictorSummary
	if err := runio.ReadJSON(filepath.Join(dir, "summary.json"), &sum); err != nil {
		return err
	}
	fmt.Printf("predictors: %s; %d scans, mean test r %.3f, oracle r %.3f, r with oracle means %.3f, fraction of oracle %.2f\n",
		dir, len(sum.Scans), sum.MeanTestCorr, sum.MeanOracleCorr, sum.MeanOracleMeanCorr, sum.FractionOracle)
	return nil
}
