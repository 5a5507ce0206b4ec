// Package optim holds the optimisers (SGD with momentum, weight decay and
// Nesterov; Adam) and learning-rate schedules used to train the project's
// models. Each optimiser follows PyTorch's update rule to the letter, so a
// run can be compared step by step with torch.optim, and exposes its state
// (momentum buffers, moment estimates, step count) for checkpoints, so that
// training resumes exactly.
package optim

import (
	"fmt"
	"math"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/simd"
)

// Optimizer updates parameters from the gradients Backward left in them.
type Optimizer interface {
	// Step applies one update with learning rate lr to every parameter
	// with a gradient.
	Step(lr float64)
	// ZeroGrad clears every parameter's gradient.
	ZeroGrad()
	// State returns the optimiser's state as named float32 slices (views,
	// not copies) for a checkpoint; LoadState copies such state back in.
	State() map[string][]float32
	LoadState(map[string][]float32) error
}

// SGD is stochastic gradient descent with momentum, dampening, L2 weight
// decay and Nesterov momentum, as torch.optim.SGD:
//
//	g = grad + weightDecay·p
//	buf = g (first step), else momentum·buf + (1 − dampening)·g
//	g = g + momentum·buf (Nesterov), else buf
//	p -= lr·g
type SGD struct {
	Params      []*autograd.Tensor
	Momentum    float64
	Dampening   float64
	WeightDecay float64
	Nesterov    bool

	bufs  [][]float32 // momentum buffer per parameter, allocated on the first step
	steps float32     // 0 before the first step: the buffer starts as g
	g     []float32   // scratch for g
}

// NewSGD returns SGD over params. It panics on a Nesterov setting PyTorch
// rejects (Nesterov needs momentum > 0 and no dampening).
func NewSGD(params []*autograd.Tensor, momentum, weightDecay float64, nesterov bool) *SGD {
	if nesterov && (momentum <= 0) {
		panic("optim.NewSGD: Nesterov momentum needs momentum > 0")
	}
	return &SGD{Params: params, Momentum: momentum, WeightDecay: weightDecay, Nesterov: nesterov}
}

func (o *SGD) Step(lr float64) {
	if o.Momentum != 0 && o.bufs == nil {
		o.bufs = make([][]float32, len(o.Params))
		for i, p := range o.Params {
			o.bufs[i] = make([]float32, len(p.Data))
		}
	}
	if o.WeightDecay != 0 || o.Nesterov {
		n := 0
		for _, p := range o.Params {
			n = max(n, len(p.Data))
		}
		if len(o.g) < n {
			o.g = make([]float32, n)
		}
	}
	for i, p := range o.Params {
		if p.Grad == nil {
			continue
		}
		var buf []float32
		if o.Momentum != 0 {
			buf = o.bufs[i]
		}
		// Elementwise, so splitting the elements changes no result.
		autograd.ParallelFor(len(p.Data), optimChunk, func(lo, hi int) {
			g := p.Grad[lo:hi]
			if o.WeightDecay != 0 || o.Nesterov {
				g = o.g[lo:hi]
				copy(g, p.Grad[lo:hi])
			}
			if o.WeightDecay != 0 {
				simd.Axpy(float32(o.WeightDecay), p.Data[lo:hi], g)
			}
			if o.Momentum != 0 && o.steps != 0 && !o.Nesterov {
				// The same three kernels' bits in one pass.
				simd.MomentumStep(p.Data[lo:hi], buf[lo:hi], g, float32(o.Momentum), float32(1-o.Dampening), float32(lr))
				return
			}
			if o.Momentum != 0 {
				b := buf[lo:hi]
				if o.steps == 0 {
					copy(b, g)
				} else {
					simd.Scale(float32(o.Momentum), b)
					simd.Axpy(float32(1-o.Dampening), g, b)
				}
				if o.Nesterov {
					simd.Axpy(float32(o.Momentum), b, g)
				} else {
					g = b
				}
			}
			simd.Axpy(float32(-lr), g, p.Data[lo:hi])
		})
	}
	o.steps = 1
}

func (o *SGD) ZeroGrad() { zeroGrad(o.Params) }

func (o *SGD) State() map[string][]float32 {
	st := map[string][]float32{"sgd.started": {o.steps}}
	for i, b := range o.bufs {
		st[fmt.Sprintf("sgd.momentum.%d", i)] = b
	}
	return st
}

func (o *SGD) LoadState(st map[string][]float32) error {
	started, ok := st["sgd.started"]
	if !ok || len(started) != 1 {
		return fmt.Errorf("optim: SGD state has no sgd.started entry")
	}
	o.steps = started[0]
	o.bufs = nil
	if o.Momentum == 0 || o.steps == 0 {
		return nil
	}
	o.bufs = make([][]float32, len(o.Params))
	for i, p := range o.Params {
		b, err := stateSlice(st, fmt.Sprintf("sgd.momentum.%d", i), len(p.Data))
		if err != nil {
			return err
		}
		o.bufs[i] = b
	}
	return nil
}

// Adam is torch.optim.Adam (L2 weight decay added to the gradient, no
// AMSGrad):
//
//	g = grad + weightDecay·p
//	m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
//	p -= lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
type Adam struct {
	Params       []*autograd.Tensor
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64

	m, v [][]float32
	t    int
}

// NewAdam returns Adam over params with PyTorch's defaults β = (0.9, 0.999),
// ε = 1e-8.
func NewAdam(params []*autograd.Tensor, weightDecay float64) *Adam {
	return &Adam{Params: params, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay}
}

func (o *Adam) Step(lr float64) {
	if o.m == nil {
		o.m = make([][]float32, len(o.Params))
		o.v = make([][]float32, len(o.Params))
		for i, p := range o.Params {
			o.m[i] = make([]float32, len(p.Data))
			o.v[i] = make([]float32, len(p.Data))
		}
	}
	o.t++
	bc1 := 1 - math.Pow(o.Beta1, float64(o.t))
	bc2 := 1 - math.Pow(o.Beta2, float64(o.t))
	stepSize := lr / bc1
	sqrtBC2 := math.Sqrt(bc2)
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	wd := float32(o.WeightDecay)
	for i, p := range o.Params {
		if p.Grad == nil {
			continue
		}
		m, v := o.m[i], o.v[i]
		for j, g := range p.Grad {
			if wd != 0 {
				g += wd * p.Data[j]
			}
			m[j] = b1*m[j] + (1-b1)*g
			v[j] = b2*v[j] + (1-b2)*g*g
			denom := math.Sqrt(float64(v[j]))/sqrtBC2 + o.Eps
			p.Data[j] -= float32(stepSize * float64(m[j]) / denom)
		}
	}
}

func (o *Adam) ZeroGrad() { zeroGrad(o.Params) }

func (o *Adam) State() map[string][]float32 {
	st := map[string][]float32{"adam.step": {float32(o.t)}}
	for i := range o.m {
		st[fmt.Sprintf("adam.m.%d", i)] = o.m[i]
		st[fmt.Sprintf("adam.v.%d", i)] = o.v[i]
	}
	return st
}

func (o *Adam) LoadState(st map[string][]float32) error {
	step, ok := st["adam.step"]
	if !ok || len(step) != 1 {
		return fmt.Errorf("optim: Adam state has no adam.step entry")
	}
	o.t = int(step[0])
	o.m, o.v = nil, nil
	if o.t == 0 {
		return nil
	}
	o.m = make([][]float32, len(o.Params))
	o.v = make([][]float32, len(o.Params))
	for i, p := range o.Params {
		var err error
		if o.m[i], err = stateSlice(st, fmt.Sprintf("adam.m.%d", i), len(p.Data)); err != nil {
			return err
		}
		if o.v[i], err = stateSlice(st, fmt.Sprintf("adam.v.%d", i), len(p.Data)); err != nil {
			return err
		}
	}
	return nil
}

func zeroGrad(params []*autograd.Tensor) {
	for _, p := range params {
		autograd.ParallelFor(len(p.Grad), optimChunk, func(lo, hi int) { clear(p.Grad[lo:hi]) })
	}
}

// optimChunk is the number of elements one goroutine updates at a time:
// large parameters (a ResNet-18 has layers of 2.4 million weights) are
// split so that the update, a few passes over memory, uses every thread.
const optimChunk = 1 << 16

// stateSlice copies the named entry of a saved state, checking its length.
func stateSlice(st map[string][]float32, name string, n int) ([]float32, error) {
	s, ok := st[name]
	if !ok {
		return nil, fmt.Errorf("optim: state has no %s entry", name)
	}
	if len(s) != n {
		return nil, fmt.Errorf("optim: state %s has %d values, the parameter has %d", name, len(s), n)
	}
	return append([]float32(nil), s...), nil
}
