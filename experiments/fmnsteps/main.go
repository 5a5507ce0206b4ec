// Command fmnsteps runs the FMN attack alone, with a chosen number of
// steps, on a model that cifar_reg trained, and writes each test image's
// minimal perturbation: the measurement behind the FMN budgets of the
// robustness presets (docs/robustness.md, "More FMN steps"), where it is
// compared image by image with AutoAttack's FAB.
//
//	go run ./experiments/fmnsteps -train runs/train-… -norm l2 -steps 1000 -out fmn1000.json
//
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
	steps := flag.Int("steps", 1000, "FMN steps")
	norm := flag.String("norm", "l2", "linf or l2")
	images := flag.Int("images", 200, "first test images to attack")
	out := flag.String("out", "", "JSON file to write, required")
	threads := flag.Int("threads", 0, "goroutines (default: all cores)")
	var data cifar.Options
	data.AddFlags(flag.CommandLine)
	flag.Parse()
	if err := run(*dir, *steps, *norm, *images, *out, *threads, data); err != nil {
		fmt.Fprintln(os.Stderr, "fmnsteps:", err)
		os.Exit(1)
	}
}

func run(dir string, steps int, normName string, images int, out string, threads int, data cifar.Options) error {
	if dir == "" || out == "" {
		return fmt.Errorf("-train and -out are required")
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
	r, err := attack.FMN(ctx, robust.ModelOf(m), im, attack.FMNConfig{Norm: n, Steps: steps}, threads)
	if err != nil {
		return err
	}
	dist := make([]*float64, len(r.Dist))
	for i, v := range r.Dist {
		if !math.IsInf(v, 1) {
			dist[i] = &r.Dist[i]
		}
	}
	return runio.WriteJSON(out, map[string]any{"train": dir, "norm": normName, "steps": steps, "images": images,
		"dist": dist, "seconds": time.Since(start).Seconds(), "build": buildinfo.Get()})
}
