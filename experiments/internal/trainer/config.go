// Package trainer trains the project's classifiers on grayscale CIFAR-10:
// the loop with its progress line, per-epoch test evaluation, metrics as
// JSON lines, checkpoints that resume a run exactly (model, optimiser state
// and position in the data stream), and clean interruption.
package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/optim"
)

// Config is everything that decides a training run's numbers. Thread counts
// are not part of it: results do not depend on them.
type Config struct {
	Model       string  `json:"model"`    // tiny (tests), small, resnet18 or resnet34
	Epochs      int     `json:"epochs"`   // passes over the training images
	Batch       int     `json:"batch"`    // images per step
	Schedule    string  `json:"schedule"` // paper, cosine or step
	LR          float64 `json:"lr"`       // base learning rate
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	Nesterov    bool    `json:"nesterov"`
	Seed        uint64  `json:"seed"`        // model initialisation and data order
	Validation  int     `json:"validation"`  // training images held out for validation
	Stimuli     int     `json:"stimuli"`     // training images reserved as the neural stimulus set
	TrainLimit  int     `json:"train_limit"` // use at most this many training images (0: all); for smoke runs
	TestLimit   int     `json:"test_limit"`  // evaluate on at most this many test images (0: all)
	EvalBatch   int     `json:"eval_batch"`
	// Reg, when not nil and Alpha > 0, adds the similarity penalty; with
	// PairsOnly it appends the stimulus pairs without one. Options.Similarity
	// must then supply the target (for PairsOnly, its stimuli and N).
	Reg *RegConfig `json:"reg,omitempty"`
}

// Presets are named starting points; flags override single fields.
var Presets = map[string]Config{
	// The small ResNet, cosine schedule: a baseline in minutes.
	"quick": {Model: "small", Epochs: 8, Batch: 64, Schedule: "cosine", LR: 0.1, Momentum: 0.9, WeightDecay: 5e-4,
		Nesterov: true, Seed: 1, Validation: 0, Stimuli: 5100, EvalBatch: 500},
	// Li et al. (2019): ResNet-18, 40 epochs, batch 64, 0.1·0.3^phase with 4-epoch phases, restart every 5.
	"paper": {Model: "resnet18", Epochs: 40, Batch: 64, Schedule: "paper", LR: 0.1, Momentum: 0.9, WeightDecay: 5e-4,
		Seed: 1, Validation: 5000, Stimuli: 5100, EvalBatch: 500},
	// A few hundred images through a tiny ResNet: for CI and demos.
	"smoke": {Model: "tiny", Epochs: 1, Batch: 32, Schedule: "cosine", LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4,
		Seed: 1, Validation: 0, Stimuli: 5100, TrainLimit: 512, TestLimit: 500, EvalBatch: 250},
}

// Preset returns the named preset or an error listing the known ones.
func Preset(name string) (Config, error) {
	c, ok := Presets[name]
	if !ok {
		return Config{}, fmt.Errorf("unknown preset %q (known: quick, paper, smoke)", name)
	}
	return c, nil
}

// Validate reports the first setting that cannot work, naming it.
func (c Config) Validate() error {
	switch {
	case c.Model != "tiny" && c.Model != "small" && c.Model != "resnet18" && c.Model != "resnet34":
		return fmt.Errorf("-model %q: want small, resnet18, resnet34 or tiny", c.Model)
	case c.Epochs < 1:
		return fmt.Errorf("-epochs %d: want at least 1", c.Epochs)
	case c.Batch < 2:
		return fmt.Errorf("-batch %d: want at least 2 (batch norm needs two images)", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("-lr %g: want a positive, finite learning rate", c.LR)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("-momentum %g: want 0 ≤ momentum < 1", c.Momentum)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("-wd %g: want a finite weight decay ≥ 0", c.WeightDecay)
	case c.Schedule != "paper" && c.Schedule != "cosine" && c.Schedule != "step":
		return fmt.Errorf("-schedule %q: want paper, cosine or step", c.Schedule)
	case c.Nesterov && c.Momentum <= 0:
		return fmt.Errorf("-nesterov needs -momentum > 0")
	case c.EvalBatch < 1:
		return fmt.Errorf("-eval-batch %d: want at least 1", c.EvalBatch)
	case c.Reg != nil && (!(c.Reg.Alpha >= 0) || math.IsInf(c.Reg.Alpha, 0)):
		return fmt.Errorf("-alpha %g: want a finite weight ≥ 0", c.Reg.Alpha)
	case c.Reg != nil && c.Reg.PairsOnly && c.Reg.Alpha != 0:
		return fmt.Errorf("-alpha %g with pairs only: the pairs-only control computes no penalty, want α = 0", c.Reg.Alpha)
	case c.Reg.appendsPairs() && c.Reg.Pairs < 1:
		return fmt.Errorf("-pairs %d: want at least 1", c.Reg.Pairs)
	case c.Reg != nil && c.Reg.Alpha > 0 && (c.Reg.Eps <= 0 || c.Reg.Eps >= 1):
		return fmt.Errorf("similarity eps %g: want 0 < eps < 1", c.Reg.Eps)
	}
	return nil
}

// NewModel builds the configured model, initialised from the seed.
func (c Config) NewModel() *nn.ResNet {
	cfg := map[string]nn.ResNetConfig{"tiny": nn.TinyConfig, "small": nn.SmallConfig, "resnet18": nn.ResNet18Config, "resnet34": nn.ResNet34Config}[c.Model]
	return nn.NewResNet(rand.New(rand.NewPCG(c.Seed, 0x6d6f64656c)), cfg)
}

// NewSchedule returns the configured learning-rate schedule.
func (c Config) NewSchedule() optim.Schedule {
	switch c.Schedule {
	case "paper":
		s := optim.NewPaperSchedule()
		s.Base = c.LR
		return s
	case "step":
		return optim.StepSchedule{Base: c.LR, Gamma: 0.1, Every: max(1, c.Epochs/3)}
	default:
		return optim.CosineSchedule{Base: c.LR, Min: 0, Epochs: float64(c.Epochs), Warmup: min(1, float64(c.Epochs)/10)}
	}
}
