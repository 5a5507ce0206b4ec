package predictor

import (
	"math"
	"math/rand/v2"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
)

// Readout is the per-neuron point readout: neuron n reads every channel of
// the core's output at its position p_n (bilinear sampling, corners
// aligned: −1 and 1 are the centres of the edge pixels), weighs the
// channels with its features and adds its bias.
//
//	Positions: [N, 2] (x, y) in [−1, 1]; Features: [N, C]; Bias: [N]
//	core: [B, C, H, W], shift: [B, 2] or nil → [B, N] (before the output nonlinearity)
//
// All neurons are read in one GridSample (grid [B, 1, N, 2]); the feature
// weighting is then one batched product over neurons, [N, B, C]·[N, C, 1]:
// measured several times faster than a broadcast multiply and a sum over
// channels, whose generic strided loops run on one core.
type Readout struct {
	Positions, Features, Bias *autograd.Tensor
}

func newReadout(r *rand.Rand, c *Config, channels, neurons int) *Readout {
	ro := &Readout{
		Positions: autograd.Param(make([]float32, 2*neurons), neurons, 2),
		Features:  autograd.Param(make([]float32, neurons*channels), neurons, channels),
		Bias:      autograd.Param(make([]float32, neurons), neurons),
	}
	for i := range ro.Positions.Data {
		ro.Positions.Data[i] = float32((2*r.Float64() - 1) * c.InitRange)
	}
	for i := range ro.Features.Data {
		ro.Features.Data[i] = float32(r.NormFloat64() * c.FeatureInitSD)
	}
	return ro
}

// Neurons is the number of neurons read out.
func (ro *Readout) Neurons() int { return ro.Bias.Shape[0] }

// Apply reads the neurons out of core, every position moved by the trial's
// shift if shift is not nil.
func (ro *Readout) Apply(core, shift *autograd.Tensor) *autograd.Tensor {
	b, c, n := core.Shape[0], core.Shape[1], ro.Neurons()
	grid := autograd.Reshape(ro.Positions, 1, 1, n, 2)
	if shift != nil {
		grid = autograd.Add(grid, autograd.Reshape(shift, b, 1, 1, 2)) // [B, 1, N, 2]
	} else {
		// Broadcast to the batch: GridSample wants one grid per image.
		grid = autograd.Add(grid, autograd.Zeros(b, 1, 1, 2))
	}
	s := autograd.GridSample(core, grid, true)                      // [B, C, 1, N]
	s = autograd.Permute(autograd.Reshape(s, b, c, n), 2, 0, 1)     // [N, B, C]
	y := autograd.MatMul(s, autograd.Reshape(ro.Features, n, c, 1)) // [N, B, 1]
	y = autograd.Transpose(autograd.Reshape(y, n, b), 0, 1)         // [B, N]
	return autograd.Add(y, ro.Bias)
}

// clampPositions keeps every position inside the image after an update
// (outside it reads zeros and gets no gradient).
func (ro *Readout) clampPositions() {
	for i, v := range ro.Positions.Data {
		ro.Positions.Data[i] = max(-1, min(1, v))
	}
}

// setBias starts each neuron's output at its mean response m (in the units
// the model is fitted in), so training begins at the right firing rate.
func (ro *Readout) setBias(output string, mean []float64) {
	for n, m := range mean {
		m = max(m, 1e-3)
		var b float64
		switch output {
		case "softplus": // softplus⁻¹(m) = log(eᵐ − 1)
			b = math.Log(math.Expm1(m))
		default: // (ELU+1)⁻¹(m)
			if m >= 1 {
				b = m - 1
			} else {
				b = math.Log(m)
			}
		}
		ro.Bias.Data[n] = float32(b)
	}
}

func (ro *Readout) Visit(prefix string, fn func(string, nn.Entry)) {
	fn(prefix+"positions", nn.Entry{Param: ro.Positions})
	fn(prefix+"features", nn.Entry{Param: ro.Features})
	fn(prefix+"bias", nn.Entry{Param: ro.Bias})
}
