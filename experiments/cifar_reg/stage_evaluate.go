package main

// cifar_reg evaluate: the robustness evaluation of one trained model (a
// train stage's directory), as the run's evaluation stage does it, without
// the transfer sets, which need a source model.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/experiments/internal/trainer"
)

func init() {
	register(&command{name: "evaluate", summary: "the robustness evaluation of one trained model (a train-… directory)", run: runEvaluate})
}

func runEvaluate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	dir := fs.String("train", "", "the model's train-… directory (config.json and model.safetensors), required")
	preset := fs.String("preset", "quick", "evaluation preset: smoke, quick, converged or paper")
	out := fs.String("out", "", "where to write the result (default: robustness-<preset>.json in the train directory)")
	threads := fs.Int("threads", 0, "goroutines for the kernels (default: all cores, or SLURM_CPUS_PER_TASK)")
	var data cifar.Options
	data.AddFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("evaluate: -train DIR is required (a train-… directory of a run)")
	}
	cfg, err := robust.Preset(*preset)
	if err != nil {
		return fmt.Errorf("-preset: %w", err)
	}
	var tc trainer.Config
	if err := runio.ReadJSON(filepath.Join(*dir, "config.json"), &tc); err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	m, err := trainer.LoadModel(tc, filepath.Join(*dir, "model.safetensors"))
	if err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	setThreads(*threads)
	d, err := cifar.Load(ctx, cifar.CIFAR10(), data)
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = filepath.Join(*dir, "robustness-"+*preset+".json")
	}
	start := time.Now()
	res, err := robust.Evaluate(ctx, robust.ModelOf(m), robust.TestImages(d.Test, 0), nil, cfg, 0, func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, f+"\n", a...)
	})
	if err != nil {
		return err
	}
	endStage("evaluate")
	if err := runio.WriteJSON(path, res); err != nil {
		return err
	}
	for _, nr := range res.Adversarial {
		fmt.Printf("%s ε=%g: robust accuracy %.1f%% (clean %.1f%% of %d), median minimal perturbation of the correct images %.4g\n",
			nr.Norm, nr.Eps, 100*nr.RobustAccuracy, 100*nr.CleanAccuracy, nr.Images, float64(nr.MedianCorrect))
	}
	fmt.Printf("wrote %s; %s\n", path, time.Since(start).Round(time.Second))
	return nil
}
