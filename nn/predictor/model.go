package predictor

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/checkpoint"
)

// Model is a trained (or new) predictor of one scan.
type Model struct {
	Config        Config
	Neurons       int
	Height, Width int  // the recording's image size, before Downsample
	UsesBehavior  bool // built with behaviour (shifter and/or modulator per Config)
	Core          *Core
	Readout       *Readout
	Shifter       *Shifter   // nil without behaviour or when Config.Shifter is off
	Modulator     *Modulator // likewise

	// Normalisation fixed from the training data and saved with the model.
	ImageStats    []float32 // [2]: mean and SD of the pixels of all images
	BehaviorMean  []float32 // [4]
	BehaviorSD    []float32 // [4]
	ResponseScale []float32 // [N]: each neuron's response SD over the training trials
}

// New returns an untrained model for neurons neurons and h×w images; with
// behavior the shifter and modulator are built as c says.
func New(c Config, neurons, h, w int, behavior bool) (*Model, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	if neurons < 1 || h < c.Downsample || w < c.Downsample {
		return nil, fmt.Errorf("predictor.New: %d neurons, %d×%d images with Downsample %d", neurons, h, w, c.Downsample)
	}
	r := rand.New(rand.NewPCG(c.Seed, 0x7072656469637400)) // "predict"
	m := &Model{Config: c, Neurons: neurons, Height: h, Width: w, UsesBehavior: behavior,
		ImageStats: []float32{0, 1}, BehaviorMean: make([]float32, behaviorColumns),
		BehaviorSD: []float32{1, 1, 1, 1}, ResponseScale: make([]float32, neurons)}
	for i := range m.ResponseScale {
		m.ResponseScale[i] = 1
	}
	m.Core = newCore(r, &c)
	m.Readout = newReadout(r, &c, m.Core.OutChannels(), neurons)
	if behavior && c.Shifter {
		m.Shifter = newShifter(r, c.BehaviorHide)
	}
	if behavior && c.Modulator {
		m.Modulator = newModulator(r, c.BehaviorHide, neurons)
	}
	return m, nil
}

// InputSize is the image size the core sees: H/Downsample × W/Downsample.
func (m *Model) InputSize() (h, w int) {
	return m.Height / m.Config.Downsample, m.Width / m.Config.Downsample
}

// Rates computes the predicted responses in the units the model is fitted
// in (divided by ResponseScale):
//
//	x: [B, 1, h, w] prepared images (see prepareImages), beh: [B, 4]
//	standardised behaviour or nil (the mean state) → [B, N]
func (m *Model) Rates(x, beh *autograd.Tensor) *autograd.Tensor {
	var shift *autograd.Tensor
	if m.Shifter != nil && beh != nil {
		shift = m.Shifter.Apply(beh)
	}
	y := m.Readout.Apply(m.Core.Forward(x), shift)
	if m.Config.Output == "softplus" {
		y = autograd.Softplus(y)
	} else {
		y = autograd.AddScalar(autograd.ELU(y, 1), 1)
	}
	if m.Modulator != nil && beh != nil {
		y = autograd.Mul(y, m.Modulator.Apply(beh))
	}
	return y
}

// Forward is Rates at the mean behavioural state (nn.Module).
func (m *Model) Forward(x *autograd.Tensor) *autograd.Tensor { return m.Rates(x, nil) }

// SetTraining switches batch norm between batch and running statistics.
func (m *Model) SetTraining(t bool) { m.Core.SetTraining(t) }

// Visit names the state: core.layer0.conv.weight, core.layer0.bn.*,
// readout.positions, readout.features, readout.bias, shifter.hidden.weight,
// …, modulator.out.bias, norm.image_stats, norm.behavior_mean,
// norm.behavior_sd, norm.response_scale.
func (m *Model) Visit(prefix string, fn func(string, nn.Entry)) {
	m.Core.Visit(prefix+"core.", fn)
	m.Readout.Visit(prefix+"readout.", fn)
	if m.Shifter != nil {
		m.Shifter.Visit(prefix+"shifter.", fn)
	}
	if m.Modulator != nil {
		m.Modulator.Visit(prefix+"modulator.", fn)
	}
	fn(prefix+"norm.image_stats", nn.Entry{Buffer: m.ImageStats, Shape: []int{2}})
	fn(prefix+"norm.behavior_mean", nn.Entry{Buffer: m.BehaviorMean, Shape: []int{behaviorColumns}})
	fn(prefix+"norm.behavior_sd", nn.Entry{Buffer: m.BehaviorSD, Shape: []int{behaviorColumns}})
	fn(prefix+"norm.response_scale", nn.Entry{Buffer: m.ResponseScale, Shape: []int{m.Neurons}})
}

// penalty is the regularisation term of the loss (package documentation).
func (m *Model) penalty() *autograd.Tensor {
	c := &m.Config
	ws := m.Core.convWeights()
	var terms []*autograd.Tensor
	if c.Laplace > 0 {
		terms = append(terms, autograd.MulScalar(LaplacePenalty(ws[0]), float32(c.Laplace)))
	}
	if c.CoreL2 > 0 {
		for _, w := range ws {
			terms = append(terms, autograd.MulScalar(sumSquares(w), float32(c.CoreL2)))
		}
	}
	if c.ReadoutL2 > 0 {
		terms = append(terms, autograd.MulScalar(sumSquares(m.Readout.Features), float32(c.ReadoutL2/float64(m.Neurons))))
	}
	if len(terms) == 0 {
		return nil
	}
	p := terms[0]
	for _, t := range terms[1:] {
		p = autograd.Add(p, t)
	}
	return p
}

// Meta keys of a saved model.
const (
	metaFormat  = "format"
	formatValue = "brainreg-predictor-1"
)

// Save writes the model to path as safetensors (atomically), with the
// configuration and sizes in the metadata.
func (m *Model) Save(path string) error {
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return err
	}
	meta := map[string]string{
		metaFormat: formatValue, "config": string(cfg),
		"neurons": strconv.Itoa(m.Neurons), "height": strconv.Itoa(m.Height), "width": strconv.Itoa(m.Width),
		"behavior": strconv.FormatBool(m.UsesBehavior),
	}
	return checkpoint.Save(path, checkpoint.File{Tensors: nn.StateDict(m), Meta: meta})
}

// Load reads a model written by Save.
func Load(path string) (*Model, error) {
	f, err := checkpoint.Load(path)
	if err != nil {
		return nil, err
	}
	if f.Meta[metaFormat] != formatValue {
		return nil, fmt.Errorf("%s: metadata format %q, want %q (not a predictor file)", path, f.Meta[metaFormat], formatValue)
	}
	var c Config
	if err := json.Unmarshal([]byte(f.Meta["config"]), &c); err != nil {
		return nil, fmt.Errorf("%s: config metadata: %w", path, err)
	}
	var size [3]int
	for i, k := range []string{"neurons", "height", "width"} {
		if size[i], err = strconv.Atoi(f.Meta[k]); err != nil {
			return nil, fmt.Errorf("%s: metadata %s: %w", path, k, err)
		}
	}
	beh, err := strconv.ParseBool(f.Meta["behavior"])
	if err != nil {
		return nil, fmt.Errorf("%s: metadata behavior: %w", path, err)
	}
	m, err := New(c, size[0], size[1], size[2], beh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := nn.LoadStateDict(m, f.Tensors); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.SetTraining(false)
	return m, nil
}
