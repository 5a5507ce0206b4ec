package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/experiments/internal/trainer"
)

func init() {
	register(&command{name: "train", summary: "train one classifier on grayscale CIFAR-10", run: runTrain})
}

// trainFlags registers the training flags on fs; apply turns the parsed
// flags into a configuration: the preset, with every flag given on the
// command line overriding its field.
type trainFlags struct {
	preset *string
	cfg    trainer.Config
}

func addTrainFlags(fs *flag.FlagSet, defaultPreset string) *trainFlags {
	f := &trainFlags{preset: fs.String("preset", defaultPreset, "quick (small ResNet, minutes), paper (ResNet-18, 40 epochs) or smoke (tiny ResNet, CI)")}
	c := &f.cfg
	fs.StringVar(&c.Model, "model", "", "small, resnet18, resnet34 or tiny (default: the preset's)")
	fs.IntVar(&c.Epochs, "epochs", 0, "training epochs (default: the preset's)")
	fs.IntVar(&c.Batch, "batch", 0, "images per step (default: the preset's)")
	fs.StringVar(&c.Schedule, "schedule", "", "learning-rate schedule: paper, cosine or step (default: the preset's)")
	fs.Float64Var(&c.LR, "lr", 0, "base learning rate (default: the preset's)")
	fs.Float64Var(&c.Momentum, "momentum", 0, "SGD momentum (default: the preset's)")
	fs.Float64Var(&c.WeightDecay, "wd", 0, "L2 weight decay (default: the preset's)")
	fs.BoolVar(&c.Nesterov, "nesterov", false, "Nesterov momentum (default: the preset's)")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of initialisation and data order (default: the preset's)")
	fs.IntVar(&c.Validation, "validation", 0, "training images held out for validation (default: the preset's)")
	fs.IntVar(&c.TrainLimit, "train-limit", 0, "use at most this many training images (default: the preset's; 0 all)")
	fs.IntVar(&c.TestLimit, "test-limit", 0, "evaluate on at most this many test images (default: the preset's; 0 all)")
	return f
}

func (f *trainFlags) apply(fs *flag.FlagSet) (trainer.Config, error) {
	cfg, err := trainer.Preset(*f.preset)
	if err != nil {
		return cfg, fmt.Errorf("-preset: %w", err)
	}
	fs.Visit(func(fl *flag.Flag) {
		c := f.cfg
		switch fl.Name {
		case "model":
			cfg.Model = c.Model
		case "epochs":
			cfg.Epochs = c.Epochs
		case "batch":
			cfg.Batch = c.Batch
		case "schedule":
			cfg.Schedule = c.Schedule
		case "lr":
			cfg.LR = c.LR
		case "momentum":
			cfg.Momentum = c.Momentum
		case "wd":
			cfg.WeightDecay = c.WeightDecay
		case "nesterov":
			cfg.Nesterov = c.Nesterov
		case "seed":
			cfg.Seed = c.Seed
		case "validation":
			cfg.Validation = c.Validation
		case "train-limit":
			cfg.TrainLimit = c.TrainLimit
		case "test-limit":
			cfg.TestLimit = c.TestLimit
		}
	})
	return cfg, cfg.Validate()
}

func runTrain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	tf := addTrainFlags(fs, "quick")
	var data cifar.Options
	data.AddFlags(fs)
	out := fs.String("out", "runs", "directory for run outputs (a subdirectory per configuration)")
	threads := fs.Int("threads", 0, "goroutines for the kernels (default: all cores)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := tf.apply(fs)
	if err != nil {
		return err
	}
	setThreads(*threads)
	if err := runio.CheckWritable(*out, 100<<20); err != nil {
		return err
	}
	fmt.Fprint(os.Stderr, versionText())
	d, err := cifar.Load(ctx, cifar.CIFAR10(), data)
	if err != nil {
		return err
	}
	dir, err := runio.StageDir(*out, "train", cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "training %s (%s preset, %d epochs, batch %d) into %s\n", cfg.Model, *tf.preset, cfg.Epochs, cfg.Batch, dir)
	start := time.Now()
	_, res, err := trainer.Train(ctx, cfg, d, dir, trainer.Options{})
	if err != nil {
		return err
	}
	endStage("train")
	final := res.Final()
	summary := map[string]any{
		"config": cfg, "dir": dir, "epochs": res.Epochs,
		"test_acc": final.TestAcc, "wall_seconds_this_call": time.Since(start).Seconds(),
	}
	if err := runio.WriteJSON(filepath.Join(dir, "results.json"), summary); err != nil {
		return err
	}
	fmt.Printf("test accuracy %.2f%% after %d epochs; model %s; metrics %s\n", 100*final.TestAcc, final.Epoch,
		filepath.Join(dir, trainer.ModelFile), filepath.Join(dir, trainer.MetricsFile))
	return nil
}
