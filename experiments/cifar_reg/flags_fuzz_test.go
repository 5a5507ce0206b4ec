package main

import (
	"flag"
	"io"
	"math"
	"strings"
	"testing"
)

// FuzzTrainFlags feeds arbitrary command lines to the training flags and
// presets: parsing either fails with a usage error or yields a
// configuration that validates; it never panics.
func FuzzTrainFlags(f *testing.F) {
	f.Add("-preset quick -epochs 3")
	f.Add("-preset paper -model resnet34 -lr 0.05 -schedule step")
	f.Add("-preset smoke -batch 1")
	f.Add("-preset nope")
	f.Add("-epochs -5 -nesterov -momentum 0")
	f.Add("-wd NaN -lr Inf")
	f.Fuzz(func(t *testing.T, line string) {
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		tf := addTrainFlags(fs, "quick")
		if err := fs.Parse(strings.Fields(line)); err != nil {
			return
		}
		cfg, err := tf.apply(fs)
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("apply accepted %q but Validate says %v", line, err)
		}
		if cfg.Epochs < 1 || cfg.Batch < 2 || !(cfg.LR > 0) || math.IsInf(cfg.LR, 0) ||
			!(cfg.WeightDecay >= 0) || math.IsInf(cfg.WeightDecay, 0) || !(cfg.Momentum >= 0 && cfg.Momentum < 1) {
			t.Fatalf("accepted %q as %+v", line, cfg)
		}
	})
}
