package predictor

import (
	"math/rand/v2"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
)

// Behaviour columns (as package neural's behavior.npy): pupil x, pupil y,
// pupil size, running speed; the model sees them standardised over the
// training trials.
const behaviorColumns = 4

// mlp is Linear → tanh → Linear; the output layer starts at zero so a new
// shifter moves nothing and a new modulator has gain 1.
type mlp struct {
	hidden, out *nn.Linear
}

func newMLP(r *rand.Rand, in, hidden, out int) *mlp {
	m := &mlp{hidden: nn.NewLinear(r, in, hidden, true), out: nn.NewLinear(r, hidden, out, true)}
	clear(m.out.Weight.Data)
	clear(m.out.Bias.Data)
	return m
}

// forward: [B, in] → [B, out].
func (m *mlp) forward(x *autograd.Tensor) *autograd.Tensor {
	return m.out.Forward(autograd.Tanh(m.hidden.Forward(x)))
}

func (m *mlp) Visit(prefix string, fn func(string, nn.Entry)) {
	m.hidden.Visit(prefix+"hidden.", fn)
	m.out.Visit(prefix+"out.", fn)
}

// Shifter maps pupil position to a shift of every readout position (grid
// units): behaviour [B, 4] → [B, 2].
type Shifter struct{ net *mlp }

func newShifter(r *rand.Rand, hidden int) *Shifter { return &Shifter{net: newMLP(r, 2, hidden, 2)} }

func (s *Shifter) Apply(beh *autograd.Tensor) *autograd.Tensor {
	return s.net.forward(autograd.Slice(beh, 1, 0, 2))
}

func (s *Shifter) Visit(prefix string, fn func(string, nn.Entry)) { s.net.Visit(prefix, fn) }

// Modulator maps pupil size and running speed to a positive gain per neuron:
// behaviour [B, 4] → ELU(MLP(·)) + 1: [B, N].
type Modulator struct{ net *mlp }

func newModulator(r *rand.Rand, hidden, neurons int) *Modulator {
	return &Modulator{net: newMLP(r, 2, hidden, neurons)}
}

func (m *Modulator) Apply(beh *autograd.Tensor) *autograd.Tensor {
	return autograd.AddScalar(autograd.ELU(m.net.forward(autograd.Slice(beh, 1, 2, 4)), 1), 1)
}

func (m *Modulator) Visit(prefix string, fn func(string, nn.Entry)) { m.net.Visit(prefix, fn) }
