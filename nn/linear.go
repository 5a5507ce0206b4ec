package nn

import (
	"math"
	"math/rand/v2"

	"github.com/brainreg/brainreg/autograd"
)

// Linear is y = x·Wᵀ + b with x: [N, In], W: [Out, In] (PyTorch's layout),
// b: [Out], y: [N, Out].
type Linear struct {
	Weight, Bias *autograd.Tensor
}

// NewLinear returns a Linear layer initialised as torch.nn.Linear:
// W and b uniform in ±1/√In.
func NewLinear(r *rand.Rand, in, out int, bias bool) *Linear {
	mustPositive("NewLinear", "in", in)
	mustPositive("NewLinear", "out", out)
	l := &Linear{Weight: autograd.Param(make([]float32, out*in), out, in)}
	bound := 1 / math.Sqrt(float64(in))
	uniformInit(r, l.Weight.Data, bound)
	if bias {
		l.Bias = autograd.Param(make([]float32, out), out)
		uniformInit(r, l.Bias.Data, bound)
	}
	return l
}

func (l *Linear) Forward(x *autograd.Tensor) *autograd.Tensor {
	y := autograd.MatMul(x, autograd.Transpose(l.Weight, 0, 1))
	if l.Bias != nil {
		y = autograd.Add(y, l.Bias)
	}
	return y
}

func (l *Linear) Visit(prefix string, fn func(string, Entry)) {
	fn(prefix+"weight", Entry{Param: l.Weight})
	if l.Bias != nil {
		fn(prefix+"bias", Entry{Param: l.Bias})
	}
}

func (l *Linear) SetTraining(bool) {}
