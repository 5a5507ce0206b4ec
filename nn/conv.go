package nn

import (
	"math/rand/v2"
	"strconv"

	"github.com/brainreg/brainreg/autograd"
)

// Conv2d is a 2-D convolution with square kernels, equal stride and zero
// padding on both axes: x: [N, In, H, W] → [N, Out, Ho, Wo], with
// Weight: [Out, In, K, K] and an optional Bias: [Out].
type Conv2d struct {
	Weight, Bias    *autograd.Tensor
	Stride, Padding int
}

// NewConv2d returns a convolution with Kaiming-normal weights (fan_out, as
// torchvision's ResNets) and, if bias, a zero bias.
func NewConv2d(r *rand.Rand, in, out, kernel, stride, padding int, bias bool) *Conv2d {
	mustPositive("NewConv2d", "in", in)
	mustPositive("NewConv2d", "out", out)
	mustPositive("NewConv2d", "kernel", kernel)
	mustPositive("NewConv2d", "stride", stride)
	c := &Conv2d{Weight: autograd.Param(make([]float32, out*in*kernel*kernel), out, in, kernel, kernel),
		Stride: stride, Padding: padding}
	kaimingNormal(r, c.Weight.Data, out*kernel*kernel)
	if bias {
		c.Bias = autograd.Param(make([]float32, out), out)
	}
	return c
}

func (c *Conv2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.Conv2d(x, c.Weight, c.Bias, c.Stride, c.Padding)
}

func (c *Conv2d) Visit(prefix string, fn func(string, Entry)) {
	fn(prefix+"weight", Entry{Param: c.Weight})
	if c.Bias != nil {
		fn(prefix+"bias", Entry{Param: c.Bias})
	}
}

func (c *Conv2d) SetTraining(bool) {}

// BatchNorm2d normalises each channel over the batch and space, then
// applies a learned scale Weight and shift Bias: [C]. Running averages of
// the mean and variance (PyTorch's momentum 0.1, eps 1e-5) serve evaluation.
type BatchNorm2d struct {
	Weight, Bias      *autograd.Tensor
	Stats             *autograd.BatchNormStats
	NumBatchesTracked int64
	training          bool
}

// NewBatchNorm2d returns batch norm over c channels with weight 1, bias 0,
// in training mode.
func NewBatchNorm2d(c int) *BatchNorm2d {
	mustPositive("NewBatchNorm2d", "channels", c)
	w := make([]float32, c)
	for i := range w {
		w[i] = 1
	}
	return &BatchNorm2d{
		Weight:   autograd.Param(w, c),
		Bias:     autograd.Param(make([]float32, c), c),
		Stats:    autograd.NewBatchNormStats(c),
		training: true,
	}
}

func (b *BatchNorm2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	if b.training {
		b.NumBatchesTracked++
	}
	return autograd.BatchNorm2d(x, b.Weight, b.Bias, b.Stats, b.training)
}

// ForwardReLU returns relu(b(x) + residual) (residual nil for none) as one
// fused operation: the numbers of the composition, fewer tensors kept.
func (b *BatchNorm2d) ForwardReLU(x, residual *autograd.Tensor) *autograd.Tensor {
	if b.training {
		b.NumBatchesTracked++
	}
	return autograd.BatchNormReLU(x, b.Weight, b.Bias, b.Stats, b.training, residual)
}

func (b *BatchNorm2d) Visit(prefix string, fn func(string, Entry)) {
	c := len(b.Stats.Mean)
	fn(prefix+"weight", Entry{Param: b.Weight})
	fn(prefix+"bias", Entry{Param: b.Bias})
	fn(prefix+"running_mean", Entry{Buffer: b.Stats.Mean, Shape: []int{c}})
	fn(prefix+"running_var", Entry{Buffer: b.Stats.Var, Shape: []int{c}})
	fn(prefix+"num_batches_tracked", Entry{Counter: &b.NumBatchesTracked, Shape: []int{}})
}

func (b *BatchNorm2d) SetTraining(t bool) { b.training = t }

// Training reports whether b uses batch statistics.
func (b *BatchNorm2d) Training() bool { return b.training }

// ReLU is max(x, 0).
type ReLU struct{}

func (ReLU) Forward(x *autograd.Tensor) *autograd.Tensor { return autograd.ReLU(x) }
func (ReLU) Visit(string, func(string, Entry))           {}
func (ReLU) SetTraining(bool)                            {}

// ELU is x for x > 0, Alpha·(eˣ − 1) otherwise.
type ELU struct{ Alpha float64 }

func (e ELU) Forward(x *autograd.Tensor) *autograd.Tensor { return autograd.ELU(x, e.Alpha) }
func (ELU) Visit(string, func(string, Entry))             {}
func (ELU) SetTraining(bool)                              {}

// MaxPool2d is max pooling with square windows.
type MaxPool2d struct{ Kernel, Stride, Padding int }

func (p MaxPool2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.MaxPool2d(x, p.Kernel, p.Stride, p.Padding)
}
func (MaxPool2d) Visit(string, func(string, Entry)) {}
func (MaxPool2d) SetTraining(bool)                  {}

// AvgPool2d is average pooling with square windows.
type AvgPool2d struct{ Kernel, Stride, Padding int }

func (p AvgPool2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.AvgPool2d(x, p.Kernel, p.Stride, p.Padding)
}
func (AvgPool2d) Visit(string, func(string, Entry)) {}
func (AvgPool2d) SetTraining(bool)                  {}

// Sequential applies its modules in order; their state is named by index
// ("0.weight", "1.running_mean"), as torch.nn.Sequential.
type Sequential []Module

func (s Sequential) Forward(x *autograd.Tensor) *autograd.Tensor {
	for _, m := range s {
		x = m.Forward(x)
	}
	return x
}

func (s Sequential) Visit(prefix string, fn func(string, Entry)) {
	for i, m := range s {
		m.Visit(prefix+strconv.Itoa(i)+".", fn)
	}
}

func (s Sequential) SetTraining(t bool) {
	for _, m := range s {
		m.SetTraining(t)
	}
}
