package predictor

import "fmt"

// Config sets the architecture, regularisation and training of a predictor.
// Start from a preset (Tiny, Default, Paper) and change fields.
type Config struct {
	Seed uint64 // initialisation, the validation split and the batch order

	// Core.
	Layers       int // conv layers (the paper: 3)
	Channels     int // output channels of each layer
	InputKernel  int // kernel size of the first layer (odd)
	HiddenKernel int // kernel size of the later layers (odd)
	Downsample   int // average-pool the images by this factor before the core (1: none)

	// Readout.
	Output        string  // output nonlinearity: "elu1" (ELU+1) or "softplus"
	InitRange     float64 // initial positions: uniform in ±InitRange, unless InitFromData
	InitFromData  bool    // start each position at the pixel best correlated with the response (initPositions); off in the presets: on the simulation it fitted worse than a start near the centre
	FeatureInitSD float64 // SD of the initial feature weights
	Shifter       bool    // use a shifter when the recording has behaviour
	Modulator     bool    // use a modulator when the recording has behaviour
	BehaviorHide  int     // hidden units of the shifter and modulator MLPs

	// Regularisation (see the package documentation for the loss).
	Laplace   float64
	CoreL2    float64
	ReadoutL2 float64

	// Training.
	Batch       int     // trials per step
	LR          float64 // Adam learning rate
	MaxEpochs   int     // hard limit on epochs
	Patience    int     // epochs without a better validation correlation before the learning rate drops
	LRDecay     float64 // factor of each drop
	LRSteps     int     // drops before stopping
	ValFraction float64 // share of the single-shown images held out for validation
}

// Tiny is for tests and CI: a few seconds on a few hundred images and
// neurons (8 channels, images pooled to half size, at most 30 epochs).
func Tiny() Config {
	c := Default()
	c.Channels, c.InputKernel, c.HiddenKernel, c.Downsample = 8, 5, 3, 2
	c.MaxEpochs, c.Patience, c.LRSteps = 30, 3, 1
	c.Batch = 32
	return c
}

// Default is a reduced-scale model for a few minutes per scan on two cores:
// 16 channels, 9×9 then 5×5 kernels, 32×32 images pooled to 16×16.
func Default() Config {
	return Config{
		Seed:   1,
		Layers: 3, Channels: 16, InputKernel: 9, HiddenKernel: 5, Downsample: 2,
		Output: "elu1", InitRange: 0.1, InitFromData: false, FeatureInitSD: 0.01,
		Shifter: true, Modulator: true, BehaviorHide: 8,
		Laplace: 0.01, CoreL2: 1e-4, ReadoutL2: 0.01,
		Batch: 64, LR: 0.01, MaxEpochs: 40, Patience: 3, LRDecay: 0.3, LRSteps: 2,
		ValFraction: 0.1,
	}
}

// Paper is the full model at full resolution: 3 layers × 32 channels, 13×13
// then 5×5 kernels on the 32×32 stimuli (the paper's stimuli were 64×36;
// the kernels are the usual ones of that model family scaled to the image).
func Paper() Config {
	c := Default()
	c.Channels, c.InputKernel, c.HiddenKernel, c.Downsample = 32, 13, 5, 1
	c.MaxEpochs, c.Patience, c.LRSteps = 100, 5, 3
	return c
}

// Preset returns a named configuration: "tiny", "default" or "paper".
func Preset(name string) (Config, error) {
	switch name {
	case "tiny":
		return Tiny(), nil
	case "default":
		return Default(), nil
	case "paper":
		return Paper(), nil
	}
	return Config{}, fmt.Errorf("predictor: unknown preset %q (want tiny, default or paper)", name)
}

// Check reports the first field that is out of range.
func (c *Config) Check() error {
	switch {
	case c.Layers < 1 || c.Channels < 1:
		return fmt.Errorf("predictor: Layers %d and Channels %d must be positive", c.Layers, c.Channels)
	case c.InputKernel < 1 || c.InputKernel%2 == 0 || c.HiddenKernel < 1 || c.HiddenKernel%2 == 0:
		return fmt.Errorf("predictor: kernels %d and %d must be odd and positive", c.InputKernel, c.HiddenKernel)
	case c.Downsample < 1:
		return fmt.Errorf("predictor: Downsample %d must be at least 1", c.Downsample)
	case c.Output != "elu1" && c.Output != "softplus":
		return fmt.Errorf("predictor: Output %q, want elu1 or softplus", c.Output)
	case c.InitRange < 0 || c.InitRange > 1:
		return fmt.Errorf("predictor: InitRange %v must be in [0, 1]", c.InitRange)
	case c.BehaviorHide < 1 && (c.Shifter || c.Modulator):
		return fmt.Errorf("predictor: BehaviorHide %d must be positive", c.BehaviorHide)
	case c.Laplace < 0 || c.CoreL2 < 0 || c.ReadoutL2 < 0:
		return fmt.Errorf("predictor: penalties must not be negative")
	case c.Batch < 2:
		return fmt.Errorf("predictor: Batch %d, want at least 2 (batch norm)", c.Batch)
	case c.LR <= 0 || c.MaxEpochs < 1 || c.Patience < 1 || c.LRDecay <= 0 || c.LRDecay >= 1 || c.LRSteps < 0:
		return fmt.Errorf("predictor: LR %v, MaxEpochs %d, Patience %d, LRDecay %v, LRSteps %d out of range",
			c.LR, c.MaxEpochs, c.Patience, c.LRDecay, c.LRSteps)
	case c.ValFraction <= 0 || c.ValFraction >= 1:
		return fmt.Errorf("predictor: ValFraction %v must be in (0, 1)", c.ValFraction)
	}
	return nil
}
