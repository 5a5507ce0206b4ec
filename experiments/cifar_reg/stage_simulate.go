package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/data/v1sim"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/internal/progress"
)

func init() {
	register(&command{name: "simulate", summary: "simulate mouse-V1 recordings of the neural stimulus images (recordings format)", run: runSimulate})
}

// simulateConfig is what the simulate stage's directory is keyed by.
type simulateConfig struct {
	Stage   string       `json:"stage"`
	Sim     v1sim.Config `json:"sim"`
	Stimuli string       `json:"stimuli"`
}

// Inside the simulate stage's directory: the data set, and the CIFAR-10
// training index of each of its images (int64, images).
const (
	recordingsSubdir  = "recordings"
	stimulusIndexFile = "cifar_index.npy"
)

// buildSimulation runs the simulate stage unless it is done and returns the
// recordings directory (with manifest.json).
func buildSimulation(ctx context.Context, o *neuralOptions) (string, error) {
	p, err := presetFor(o.Preset, o.Seed)
	if err != nil {
		return "", err
	}
	cfg := simulateConfig{Stage: "simulate", Sim: p.Sim,
		Stimuli: fmt.Sprintf("CIFAR-10 training set, cifar.NeuralStimuli(n=%d, seed=%d), first %d, grayscale 32×32 in [0, 1]",
			stimulusCount, stimulusSeed, p.Sim.Images())}
	dir, err := runio.StageDir(o.Out, "simulate", cfg)
	if err != nil {
		return "", err
	}
	rec := filepath.Join(dir, recordingsSubdir)
	if runio.Done(dir) {
		fmt.Fprintf(o.log(), "simulate: reusing %s\n", rec)
		return rec, nil
	}
	if o.Cifar == nil {
		if o.Cifar, err = cifar.Load(ctx, cifar.CIFAR10(), o.Data); err != nil {
			return "", err
		}
	}
	idx, gray, err := cifar.NeuralStimuli(o.Cifar.Train, stimulusCount, stimulusSeed)
	if err != nil {
		return "", err
	}
	const side = 32
	images := make([][]float32, p.Sim.Images())
	for i := range images {
		images[i] = gray[i*side*side : (i+1)*side*side]
	}
	c := p.Sim
	fmt.Fprintf(o.log(), "simulate: %d scans × %d neurons, %d single + %d oracle images × %d repeats into %s\n",
		c.Scans, c.Neurons, c.SingleImages, c.OracleImages, c.OracleRepeats, rec)
	bar := progress.New(o.log(), "simulate", "scans", c.Scans, 10*time.Second)
	written := 0
	err = v1sim.Write(ctx, rec, c, images, side, side, func(s int) { written = s + 1; bar.Update(written) })
	bar.Finish(written) // also when stopped (Ctrl-C): the scans done so far, on a line of its own
	if err != nil {
		return "", err
	}
	// Which CIFAR-10 training image each image of the recordings is, for
	// the stages that pair the target with CIFAR images.
	if err := npy.WriteFile(filepath.Join(dir, stimulusIndexFile), []int{c.Images()}, idx[:c.Images()]); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := runio.MarkDone(dir); err != nil {
		return "", err
	}
	endStage("simulate")
	return rec, nil
}

func runSimulate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	var o neuralOptions
	threads := addNeuralFlags(fs, &o, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	setThreads(*threads)
	if err := runio.CheckWritable(o.Out, 100<<20); err != nil {
		return err
	}
	start := time.Now()
	rec, err := buildSimulation(ctx, &o)
	if err != nil {
		return err
	}
	fmt.Printf("recordings: %s (%s; %s)\n", rec, filepath.Join(rec, neural.ManifestFile), progress.Duration(time.Since(start)))
	return nil
}
