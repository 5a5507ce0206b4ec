//go:build !purego

// The end-to-end smoke run trains several models; it runs on the kernels
// this CPU selects (the pure-Go twins are covered package by package).

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/experiments/internal/runio"
)

// TestSmokePipeline runs the whole experiment at the smoke preset: target,
// every model kind, robustness, report; then checks the report's files and
// that a rerun reuses every stage.
func TestSmokePipeline(t *testing.T) {
	out := t.TempDir()
	cfg, err := pipelinePreset("smoke")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	dir, err := pipeline(context.Background(), cfg, out, "", cifarOptions(t), &log)
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	// The run's stage lines: each stage in turn, with the time left once a
	// stage of every kind has measured its cost.
	for _, want := range []string{"run: stage 1 of 15 (neural target and controls); ", "run: stage 3 of 15 (train baseline α=0 seed 0); ",
		"run: stage 15 of 15 (evaluate truth α=20 seed 0); ", "s left\n"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
	var res struct {
		Models []struct {
			Kind       string
			CleanAcc   float64 `json:"clean_test_accuracy"`
			Robustness *struct {
				Noise []struct {
					Kind     string
					Accuracy []float64
				}
				Adversarial []struct {
					Attacks []struct{ Name string }
				}
			}
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, m := range res.Models {
		kinds[m.Kind] = true
		if m.Robustness == nil || len(m.Robustness.Noise) != 3 || len(m.Robustness.Adversarial) != 2 {
			t.Fatalf("%s: incomplete robustness %+v", m.Kind, m.Robustness)
		}
		for _, c := range m.Robustness.Noise {
			if len(c.Accuracy) < 10 {
				t.Fatalf("%s %s noise: %d levels, want at least 10", m.Kind, c.Kind, len(c.Accuracy))
			}
		}
	}
	for _, k := range cfg.Kinds {
		if !kinds[k] {
			t.Fatalf("results.json lacks model kind %s (has %v)", k, kinds)
		}
	}
	for _, f := range []string{"results.csv", "summary.md", "plots/noise_gaussian.png", "plots/noise_gaussian.svg",
		"plots/robust_linf.png", "plots/robust_l2.svg"} { // minimal_*.png only with a common image set
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Fatalf("report file %s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
	if !strings.Contains(string(md), "## Outcome") || !strings.Contains(string(md), "## Paired tests") ||
		!strings.Contains(string(md), "**neural α=20 against baseline:**") || !strings.Contains(string(md), "## Soundness checks") {
		t.Fatalf("summary.md lacks the outcome:\n%s", md)
	}

	log.Reset()
	if _, err := pipeline(context.Background(), cfg, out, "", cifarOptions(t), &log); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "train epoch") || strings.Contains(log.String(), "robust: noise done") {
		t.Fatalf("the rerun trained or evaluated again:\n%s", log.String())
	}
	// Reused trainings still time the others (their epochs' recorded
	// seconds); reused evaluations are not stages run again.
	if !strings.Contains(log.String(), "(train neural α=20 seed 0); ") || strings.Contains(log.String(), "(evaluate ") {
		t.Errorf("the rerun's stage lines:\n%s", log.String())
	}

	// The confound controls (not in the smoke preset) train on the same
	// target: baseline-pairs with the pairs and no penalty, raw-weighted,
	// and a shuffled target per seed (seed 0's already trained above).
	cc := cfg
	cc.Kinds, cc.Seeds = []string{kindBaselinePairs, kindRawWeighted, kindShuffled}, 2
	log.Reset()
	if err := trainAll(context.Background(), cc, out, "", cifarOptions(t), &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	configs, _ := filepath.Glob(filepath.Join(out, "train-*", "config.json"))
	var pairsOnly, perSeed int
	for _, path := range configs {
		var tc struct {
			Seed uint64
			Reg  *struct {
				Alpha     float64
				Target    string
				PairsOnly bool `json:"pairs_only"`
			}
		}
		if err := runio.ReadJSON(path, &tc); err != nil {
			t.Fatal(err)
		}
		if tc.Reg == nil {
			continue
		}
		if tc.Reg.PairsOnly {
			pairsOnly++
			m, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "metrics.jsonl"))
			if tc.Reg.Alpha != 0 || strings.Contains(string(m), "sim_loss") || len(m) == 0 {
				t.Errorf("%s: pairs only at α %g, metrics %s", path, tc.Reg.Alpha, m)
			}
		}
		if strings.HasPrefix(tc.Reg.Target, "shuffled:") {
			perSeed++
			if !strings.HasSuffix(tc.Reg.Target, fmt.Sprintf("/shuffled/seed-%d", tc.Seed)) {
				t.Errorf("%s: shuffled target %q for training seed %d", path, tc.Reg.Target, tc.Seed)
			}
		}
	}
	if pairsOnly != 2 || perSeed != 2 || strings.Count(log.String(), "train epoch 1/1") < 5 {
		t.Errorf("%d pairs-only and %d shuffled trainings, want 2 and 2; log:\n%s", pairsOnly, perSeed, log.String())
	}
}
