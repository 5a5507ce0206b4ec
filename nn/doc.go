// Package nn holds the layers and models of the project, built on package
// autograd: Conv2d, BatchNorm2d, Linear, activations, pools, Sequential, the
// ResNet basic block, and ResNet-18/34 in the form of Li et al. (2019) plus a
// small ResNet for quick runs.
//
// A Module computes a forward pass on tensors carrying an autograd tape (the
// tape decides whether anything is recorded and owns the activation
// buffers). Its parameters and buffers are visited in PyTorch state_dict
// order and under PyTorch's names ("layer1.0.conv1.weight",
// "bn1.running_mean", …), so StateDict and LoadStateDict exchange weights
// with the equivalent torch modules (see testdata/torch_models.py).
package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/brainreg/brainreg/autograd"
)

// Module is a layer or a model.
type Module interface {
	// Forward computes the module's output for x.
	Forward(x *autograd.Tensor) *autograd.Tensor
	// Visit calls fn for every parameter and buffer, in state_dict order,
	// with its name below prefix ("" at the top, "layer1.0." inside).
	Visit(prefix string, fn func(name string, e Entry))
	// SetTraining switches between training mode (batch statistics,
	// running averages updated) and evaluation mode.
	SetTraining(training bool)
}

// Entry is one item of a module's state: a trainable parameter, a float
// buffer (batch norm's running mean and variance) or an integer counter
// (num_batches_tracked).
type Entry struct {
	Param   *autograd.Tensor // a parameter, or nil
	Buffer  []float32        // a float buffer, or nil
	Counter *int64           // an integer counter, or nil
	Shape   []int            // the shape of Buffer or Counter ([] for a counter)
}

// Parameters returns m's trainable parameters in state_dict order.
func Parameters(m Module) []*autograd.Tensor {
	var ps []*autograd.Tensor
	m.Visit("", func(_ string, e Entry) {
		if e.Param != nil {
			ps = append(ps, e.Param)
		}
	})
	return ps
}

// NamedParameters returns m's trainable parameters by state_dict name, in
// order.
func NamedParameters(m Module) (names []string, params []*autograd.Tensor) {
	m.Visit("", func(name string, e Entry) {
		if e.Param != nil {
			names = append(names, name)
			params = append(params, e.Param)
		}
	})
	return names, params
}

// CountParameters is the number of trainable scalars in m.
func CountParameters(m Module) int {
	n := 0
	for _, p := range Parameters(m) {
		n += len(p.Data)
	}
	return n
}

// kaimingNormal fills w with N(0, 2/fan): He et al.'s initialisation for
// layers followed by ReLU (torch.nn.init.kaiming_normal_ with
// nonlinearity="relu"; torchvision's ResNets use fan = fan_out).
func kaimingNormal(r *rand.Rand, w []float32, fan int) {
	std := math.Sqrt(2 / float64(fan))
	for i := range w {
		w[i] = float32(r.NormFloat64() * std)
	}
}

// uniformInit fills w with U(−bound, bound).
func uniformInit(r *rand.Rand, w []float32, bound float64) {
	for i := range w {
		w[i] = float32((2*r.Float64() - 1) * bound)
	}
}

func mustPositive(layer, what string, v int) {
	if v <= 0 {
		panic(fmt.Sprintf("nn.%s: %s must be positive, got %d", layer, what, v))
	}
}
