package predictor

import (
	"math/rand/v2"
	"strconv"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
)

// coreLayer is conv (no bias: batch norm follows) → batch norm → ELU.
type coreLayer struct {
	conv *nn.Conv2d
	bn   *nn.BatchNorm2d
}

// Core is the shared feature extractor of a scan with dense skip
// connections: layer l sees Concat(x, h₁, …, h_{l−1}) along channels, and
// the output is Concat(h₁, …, h_L).
//
//	x: [B, 1, H, W] → [B, Layers·Channels, H, W]
type Core struct {
	layers []coreLayer
}

// newCore draws the conv weights from r (Kaiming normal, fan-out).
func newCore(r *rand.Rand, c *Config) *Core {
	k := &Core{}
	in := 1
	for l := range c.Layers {
		kern := c.HiddenKernel
		if l == 0 {
			kern = c.InputKernel
		}
		k.layers = append(k.layers, coreLayer{
			conv: nn.NewConv2d(r, in, c.Channels, kern, 1, kern/2, false),
			bn:   nn.NewBatchNorm2d(c.Channels),
		})
		in += c.Channels
	}
	return k
}

// OutChannels is the number of channels the readout sees.
func (k *Core) OutChannels() int { return len(k.layers) * k.layers[0].conv.Weight.Shape[0] }

func (k *Core) Forward(x *autograd.Tensor) *autograd.Tensor {
	seen := []*autograd.Tensor{x} // the input and every output so far
	for _, l := range k.layers {
		in := seen[0]
		if len(seen) > 1 {
			in = autograd.Concat(1, seen...)
		}
		h := autograd.ELU(l.bn.Forward(l.conv.Forward(in)), 1)
		seen = append(seen, h)
	}
	if len(seen) == 2 {
		return seen[1]
	}
	return autograd.Concat(1, seen[1:]...)
}

func (k *Core) Visit(prefix string, fn func(string, nn.Entry)) {
	for i, l := range k.layers {
		p := prefix + "layer" + strconv.Itoa(i) + "."
		l.conv.Visit(p+"conv.", fn)
		l.bn.Visit(p+"bn.", fn)
	}
}

func (k *Core) SetTraining(t bool) {
	for _, l := range k.layers {
		l.bn.SetTraining(t)
	}
}

// convWeights lists the conv kernels, first layer first.
func (k *Core) convWeights() []*autograd.Tensor {
	ws := make([]*autograd.Tensor, len(k.layers))
	for i, l := range k.layers {
		ws[i] = l.conv.Weight
	}
	return ws
}

// laplaceKernel is the 3×3 discrete Laplacian: [1, 1, 3, 3].
var laplaceKernel = []float32{0, -1, 0, -1, 4, -1, 0, -1, 0}

// LaplacePenalty is Σ over kernels k of ‖Δ * w_k‖²: the squared Laplacian
// of every 2-D kernel of w: [Out, In, K, K], with zero padding (so energy at
// the border counts too). Small for smooth kernels that fade at the edge.
func LaplacePenalty(w *autograd.Tensor) *autograd.Tensor {
	o, i, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	planes := autograd.Reshape(w, o*i, 1, kh, kw)
	lap := autograd.Conv2d(planes, autograd.New(laplaceKernel, 1, 1, 3, 3), nil, 1, 1)
	return autograd.Sum(autograd.Mul(lap, lap))
}

// sumSquares is Σ w² as a scalar tensor.
func sumSquares(w *autograd.Tensor) *autograd.Tensor { return autograd.Sum(autograd.Mul(w, w)) }
