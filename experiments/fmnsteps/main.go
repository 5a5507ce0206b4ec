// Command fmnsteps runs one minimal-norm attack alone (FMN, or FAB with
// -attack fab), with a chosen number of steps, on a model that cifar_reg
// trained, and writes each test image's minimal perturbation: the
// measurement behind the minimal-norm budgets of the robustness presets
// (docs/robustness.md, "More FMN steps" and "FAB in the ensemble"), where
// it is compared image by image with AutoAttack's FAB.
//
//	go run ./experiments/fmnsteps -train runs/train-… -norm l2 -steps 1000 -out fmn1000.json
//	go run ./experiments/fmnsteps -train runs/train-… -norm l2 -attack fab -targets 3 -steps 100 -out fabt3.json
//
// -targets 0 with -attack fab is untargeted FAB (every class's gradient at
// each step); k ≥ 1 is FAB-T towards the k most likely other classes.
// The images are the first -images of the CIFAR-10 test set ($CIFAR10_DIR
// or -data), as cifar_reg's evaluation takes them; the output holds
// "dist" (null where FMN found no adversarial, 0 for misclassified images),
// the configuration and the wall time.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/experiments/internal/buildinfo"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/experiments/internal/trainer"
	"github.com/brainreg/brainreg/nn/attack"
)

func main() {
	dir := flag.String("train", "", "the model's train-… directory (config.json, model.safetensors), required")
	which := flag.String("attack", "fmn", "fmn or fab")
	steps := flag.Int("steps", 1000, "steps (FMN), or steps per target class (FAB)")
	targets := flag.Int("targets", 0, "FAB only: 0 for untargeted FAB, k for FAB-T towards the k most likely other classes")
	norm := flag.String("norm", "l2", "linf or l2")
	images := flag.Int("images", 200, "first test images to attack")
	out := flag.String("out", "", "JSON file to write, required")
	threads := flag.Int("threads", 0, "goroutines (default: all cores)")
	var data cifar.Options
	data.AddFlags(flag.CommandLine)
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fmnsteps: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*dir, *which, *steps, *targets, *norm, *images, *out, *threads, data); err != nil {
		fmt.Fprintln(os.Stderr, "fmnsteps:", err)
		os.Exit(1)
	}
}

func run(dir, which string, steps, targets int, normName string, images int, out string, threads int, data cifar.Options) error {
	if dir == "" || out == "" {
		return fmt.Errorf("-train and -out are required")
	}
	if which != "fmn" && which != "fab" {
		return fmt.Errorf("-attack %q: want fmn or fab", which)
	}
	if targets < 0 || targets > 0 && which != "fab" {
		return fmt.Errorf("-targets %d: want 0, or k ≥ 1 with -attack fab", targets)
	}
	var n attack.Norm
	switch normName {
	case "linf":
		n = attack.Linf
	case "l2":
		n = attack.L2
	default:
		return fmt.Errorf("-norm %q: want linf or l2", normName)
	}
	if steps < 1 || images < 1 {
		return fmt.Errorf("-steps %d, -images %d: want at least 1", steps, images)
	}
	var tc trainer.Config
	if err := runio.ReadJSON(filepath.Join(dir, "config.json"), &tc); err != nil {
		return err
	}
	m, err := trainer.LoadModel(tc, filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	ctx := context.Background()
	d, err := cifar.Load(ctx, cifar.CIFAR10(), data)
	if err != nil {
		return err
	}
	im := robust.TestImages(d.Test, 0).Subset(images)
	start := time.Now()
	var found []float64
	var cfg any
	if which == "fmn" {
		c := attack.FMNConfig{Norm: n, Steps: steps}
		r, err := attack.FMN(ctx, robust.ModelOf(m), im, c, threads)
		if err != nil {
			return err
		}
		found, cfg = r.Dist, c
	} else {
		c := attack.FABConfig{Norm: n, Steps: steps, Targets: targets}
		r, err := attack.FAB(ctx, robust.ModelOf(m), im, c, threads)
		if err != nil {
			return err
		}
		found, cfg = r.Dist, c
	}
	dist := make([]*float64, len(found))
	for i, v := range found {
		if !math.IsInf(v, 1) {
			dist[i] = &found[i]
		}
	}
	return runio.WriteJSON(out, map[string]any{"train": dir, "attack": which, "config": cfg, "norm": normName,
		"steps": steps, "targets": targets, "images": images,
		"dist": dist, "seconds": time.Since(start).Seconds(), "build": buildinfo.Get()})
}
