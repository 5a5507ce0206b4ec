package main

import (
	"context"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/experiments/internal/runio"
)

// The default precision leaves the target and report hashes as they were
// before the option existed (the configuration structs as they were then),
// so existing run directories are found again; bf16 changes them.
func TestSimilarityPrecisionHash(t *testing.T) {
	type oldTargetConfig struct {
		Stage       string `json:"stage"`
		ShuffleSeed uint64 `json:"shuffle_seed"`
		Predictions string `json:"predictions"`
		Recordings  string `json:"recordings"`
		Rule        string `json:"rule"`
	}
	old := oldTargetConfig{"target", 1, "predictor-abc", "sim:xyz", targetRule}
	cfg := targetConfig{Stage: "target", ShuffleSeed: 1, Predictions: "predictor-abc", Recordings: "sim:xyz", Rule: targetRule,
		Precision: precisionKey(rsa.FP32)}
	if runio.Hash(cfg) != runio.Hash(old) {
		t.Errorf("fp32 target config hashes to %s, before the option %s", runio.Hash(cfg), runio.Hash(old))
	}
	cfg.Precision = precisionKey(rsa.BF16)
	if runio.Hash(cfg) == runio.Hash(old) {
		t.Error("bf16 target config hashes like fp32")
	}

	parse := func(args ...string) (pipelineConfig, error) {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f := addRunFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return f.config()
	}
	def, err := parse("-preset", "smoke")
	if err != nil {
		t.Fatal(err)
	}
	fp32, err := parse("-preset", "smoke", "-similarity-precision", "fp32")
	if err != nil {
		t.Fatal(err)
	}
	bf16, err := parse("-preset", "smoke", "-similarity-precision", "bf16")
	if err != nil {
		t.Fatal(err)
	}
	if def.SimilarityPrecision != "" || runio.Hash(fp32) != runio.Hash(def) || bf16.SimilarityPrecision != "bf16" || runio.Hash(bf16) == runio.Hash(def) {
		t.Errorf("run configs: default %q, fp32 %q, bf16 %q; hashes %s %s %s", def.SimilarityPrecision, fp32.SimilarityPrecision,
			bf16.SimilarityPrecision, runio.Hash(def), runio.Hash(fp32), runio.Hash(bf16))
	}
	if _, err := parse("-preset", "smoke", "-similarity-precision", "fp16"); err == nil ||
		!strings.Contains(err.Error(), "-similarity-precision") || !strings.Contains(err.Error(), `"fp16"`) {
		t.Errorf("run -similarity-precision fp16: error %v, want one naming the flag and the value", err)
	}
}

// The target command rejects an unknown precision before doing any work.
func TestTargetRejectsUnknownPrecision(t *testing.T) {
	err := runTarget(context.Background(), []string{"-out", t.TempDir(), "-similarity-precision", "int8"})
	if err == nil || !strings.Contains(err.Error(), "-similarity-precision") || !strings.Contains(err.Error(), `"int8"`) {
		t.Fatalf("target -similarity-precision int8: error %v, want one naming the flag and the value", err)
	}
}
