package optim

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/brainreg/brainreg/autograd"
)

// fixture is testdata/optim_torch.json, made by testdata/make_fixtures.py.
type fixture struct {
	P0    []float32              `json:"p0"`
	Grads [][]float32            `json:"grads"`
	LRs   []float64              `json:"lrs"`
	Cases map[string][][]float32 `json:"cases"`
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/optim_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("testdata/optim_torch.json: %v", err)
	}
	return f
}

// Every optimiser follows torch.optim step by step on the same gradients.
func TestMatchesPyTorch(t *testing.T) {
	f := loadFixture(t)
	makers := map[string]func(ps []*autograd.Tensor) Optimizer{
		"sgd_plain":       func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0, 0, false) },
		"sgd_momentum_wd": func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.9, 5e-4, false) },
		"sgd_nesterov":    func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.9, 5e-4, true) },
		"adam":            func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 0) },
		"adam_wd":         func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 1e-2) },
	}
	if len(makers) != len(f.Cases) {
		t.Fatalf("fixture has %d cases, test knows %d", len(f.Cases), len(makers))
	}
	for name, mk := range makers {
		want, ok := f.Cases[name]
		if !ok {
			t.Fatalf("fixture lacks case %s", name)
		}
		p := autograd.Param(append([]float32(nil), f.P0...), len(f.P0))
		opt := mk([]*autograd.Tensor{p})
		for step, g := range f.Grads {
			p.Grad = append([]float32(nil), g...)
			opt.Step(f.LRs[step])
			for i, v := range p.Data {
				if math.Abs(float64(v-want[step][i])) > 2e-6*(1+math.Abs(float64(want[step][i]))) {
					t.Fatalf("%s step %d: p[%d]=%v, PyTorch %v", name, step+1, i, v, want[step][i])
				}
			}
		}
	}
}

// Saving the state after some steps and loading it into a fresh optimiser
// continues bit-identically.
func TestStateRoundTrip(t *testing.T) {
	f := loadFixture(t)
	for name, mk := range map[string]func(ps []*autograd.Tensor) Optimizer{
		"sgd":  func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.9, 5e-4, true) },
		"adam": func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 1e-2) },
	} {
		p := autograd.Param(append([]float32(nil), f.P0...), len(f.P0))
		ref := mk([]*autograd.Tensor{p})
		q := autograd.Param(nil, 0)
		var resumed Optimizer
		for step, g := range f.Grads {
			if step == 2 {
				// Copy the state as a checkpoint would, then continue in a
				// fresh optimiser over a copy of the parameter.
				st := map[string][]float32{}
				for k, v := range ref.State() {
					st[k] = append([]float32(nil), v...)
				}
				q = autograd.Param(append([]float32(nil), p.Data...), len(p.Data))
				resumed = mk([]*autograd.Tensor{q})
				if err := resumed.LoadState(st); err != nil {
					t.Fatalf("%s: LoadState: %v", name, err)
				}
			}
			p.Grad = append([]float32(nil), g...)
			ref.Step(f.LRs[step])
			if resumed != nil {
				q.Grad = append([]float32(nil), g...)
				resumed.Step(f.LRs[step])
				for i := range p.Data {
					if math.Float32bits(p.Data[i]) != math.Float32bits(q.Data[i]) {
						t.Fatalf("%s step %d: resumed p[%d]=%v, uninterrupted %v", name, step+1, i, q.Data[i], p.Data[i])
					}
				}
			}
		}
	}
}

func TestLoadStateErrors(t *testing.T) {
	p := autograd.Param(make([]float32, 3), 3)
	sgd := NewSGD([]*autograd.Tensor{p}, 0.9, 0, false)
	if err := sgd.LoadState(map[string][]float32{}); err == nil || err.Error() != "optim: SGD state has no sgd.started entry" {
		t.Fatalf("empty SGD state: %v", err)
	}
	err := sgd.LoadState(map[string][]float32{"sgd.started": {1}, "sgd.momentum.0": {1, 2}})
	if err == nil || err.Error() != "optim: state sgd.momentum.0 has 2 values, the parameter has 3" {
		t.Fatalf("short momentum: %v", err)
	}
	adam := NewAdam([]*autograd.Tensor{p}, 0)
	err = adam.LoadState(map[string][]float32{"adam.step": {4}, "adam.m.0": {1, 2, 3}})
	if err == nil || err.Error() != "optim: state has no adam.v.0 entry" {
		t.Fatalf("missing v: %v", err)
	}
}

func TestSchedules(t *testing.T) {
	paper := NewPaperSchedule()
	for _, c := range []struct{ epoch, want float64 }{
		{0, 0.1}, {3.9, 0.1}, {4, 0.03}, {8, 0.009}, {16, 0.1 * math.Pow(0.3, 4)}, {20, 0.1}, {24, 0.03}, {39.5, 0.1 * math.Pow(0.3, 4)},
	} {
		if got := paper.LR(c.epoch); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("paper LR(%v) = %v, want %v", c.epoch, got, c.want)
		}
	}
	step := StepSchedule{Base: 1, Gamma: 0.1, Every: 10}
	if got := step.LR(25); math.Abs(got-0.01) > 1e-12 {
		t.Errorf("step LR(25) = %v, want 0.01", got)
	}
	cos := CosineSchedule{Base: 1, Min: 0, Epochs: 10, Warmup: 0}
	if got := cos.LR(5); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("cosine LR(5) = %v, want 0.5", got)
	}
	if got := cos.LR(10); got != 0 {
		t.Errorf("cosine LR(10) = %v, want 0", got)
	}
	warm := CosineSchedule{Base: 1, Min: 0, Epochs: 10, Warmup: 2}
	if got := warm.LR(1); math.Abs(got-0.55) > 1e-12 {
		t.Errorf("cosine warm-up LR(1) = %v, want 0.55", got)
	}
}
