package trainer

import (
	"context"
	"errors"
	"io"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/datatest"
	"github.com/brainreg/brainreg/nn"
)

var (
	cifarOnce sync.Once
	cifarData *cifar.Data
	cifarErr  error
)

// testData reads CIFAR-10 (see datatest); the tests fail, saying where
// they looked, without it.
func testData(t testing.TB) *cifar.Data {
	t.Helper()
	dir := datatest.CIFAR10Dir(t)
	cifarOnce.Do(func() {
		cifarData, cifarErr = cifar.Load(context.Background(), cifar.CIFAR10(), cifar.Options{Dir: dir})
	})
	if cifarErr != nil {
		t.Fatalf("CIFAR-10 in %s: %v", dir, cifarErr)
	}
	return cifarData
}

func tinyConfig() Config {
	c := Presets["smoke"]
	c.TrainLimit, c.TestLimit, c.Epochs, c.Batch = 96, 64, 2, 16
	return c
}

// A run interrupted after a few steps and resumed ends with weights
// bit-identical to an uninterrupted run, and the same metrics.
func TestResumeIsExact(t *testing.T) {
	data := testData(t)
	cfg := tinyConfig()
	quiet := Options{Log: io.Discard}

	refDir := t.TempDir()
	ref, refRes, err := Train(context.Background(), cfg, data, refDir, quiet)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	for i, stop := range []int{5, 4} { // stop mid-epoch 1, then mid-epoch 2
		opt := quiet
		opt.StopAfterSteps = stop
		if _, _, err := Train(context.Background(), cfg, data, dir, opt); !errors.Is(err, ErrInterrupted) {
			t.Fatalf("interruption %d: err = %v, want ErrInterrupted", i, err)
		}
	}
	got, res, err := Train(context.Background(), cfg, data, dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	want := nn.StateDict(ref)
	for name, g := range nn.StateDict(got) {
		w := want[name]
		for i := range g.F32 {
			if math.Float32bits(g.F32[i]) != math.Float32bits(w.F32[i]) {
				t.Fatalf("%s[%d] = %v after resuming, %v uninterrupted", name, i, g.F32[i], w.F32[i])
			}
		}
		for i := range g.I64 {
			if g.I64[i] != w.I64[i] {
				t.Fatalf("%s = %d after resuming, %d uninterrupted", name, g.I64[i], w.I64[i])
			}
		}
	}
	if len(res.Epochs) != 2 || res.Final().TestAcc != refRes.Final().TestAcc || res.Final().TrainLoss != refRes.Final().TrainLoss {
		t.Fatalf("resumed metrics %+v, uninterrupted %+v", res.Epochs, refRes.Epochs)
	}

	// A finished directory returns the saved model without training.
	again, res2, err := Train(context.Background(), cfg, data, dir, quiet)
	if err != nil || len(res2.Epochs) != 2 {
		t.Fatalf("rerun of a finished directory: %v, %d epochs", err, len(res2.Epochs))
	}
	if again.FC.Weight.Data[0] != got.FC.Weight.Data[0] {
		t.Fatal("rerun of a finished directory returned other weights")
	}
}

func TestCheckpointOfAnotherConfigIsRefused(t *testing.T) {
	data := testData(t)
	cfg := tinyConfig()
	dir := t.TempDir()
	opt := Options{Log: io.Discard, StopAfterSteps: 2}
	if _, _, err := Train(context.Background(), cfg, data, dir, opt); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	cfg.LR *= 2
	_, _, err := Train(context.Background(), cfg, data, dir, Options{Log: io.Discard})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, CheckpointFile)) || !strings.Contains(err.Error(), "another configuration") {
		t.Fatalf("err = %v", err)
	}
}

func TestDivergenceStopsWithMessage(t *testing.T) {
	data := testData(t)
	cfg := tinyConfig()
	cfg.LR = 1e30
	_, _, err := Train(context.Background(), cfg, data, t.TempDir(), Options{Log: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "training diverged") {
		t.Fatalf("err = %v, want a divergence message", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"-model":      func(c *Config) { c.Model = "vgg" },
		"-epochs":     func(c *Config) { c.Epochs = 0 },
		"-batch":      func(c *Config) { c.Batch = 1 },
		"-lr":         func(c *Config) { c.LR = -1 },
		"-schedule":   func(c *Config) { c.Schedule = "linear" },
		"-nesterov":   func(c *Config) { c.Momentum = 0; c.Nesterov = true },
		"-eval-batch": func(c *Config) { c.EvalBatch = 0 },
	} {
		c := Presets["quick"]
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v should name the flag", name, err)
		}
	}
	if _, err := Preset("fast"); err == nil || !strings.Contains(err.Error(), "quick, paper, smoke") {
		t.Errorf("unknown preset: %v", err)
	}
}
