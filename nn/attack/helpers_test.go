package attack

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
)

// tinyResNet is a randomly initialised two-stage ResNet on 8×8 grayscale
// images, in evaluation mode, with the paper's input scaling.
func tinyResNet(seed uint64) Model {
	net := nn.NewResNet(rand.New(rand.NewPCG(seed, 3)),
		nn.ResNetConfig{InChannels: 1, Classes: 10, StemKernel: 3, Widths: []int{4, 8}, Blocks: []int{1, 1}})
	return EvalModel(net, 5, 0.5)
}

// randomImages returns n uniform-noise images of shape [1, side, side] with
// some pixels exactly 0 and 1 (where the box binds), labelled with m's
// predictions so that every clean image is classified correctly.
func randomImages(t testing.TB, m Model, n, side int, seed uint64) Images {
	r := rand.New(rand.NewPCG(seed, 7))
	im := Images{X: make([]float32, n*side*side), Shape: [3]int{1, side, side}, Labels: make([]int, n)}
	for i := range im.X {
		switch v := r.Float32(); {
		case v < 0.05:
			im.X[i] = 0
		case v > 0.95:
			im.X[i] = 1
		default:
			im.X[i] = v
		}
	}
	pred, err := Predict(context.Background(), m, im, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	copy(im.Labels, pred)
	return im
}

// linearTwoClass is the classifier with logits (w·x + c, −(w·x + c)) on
// flattened images: its minimal perturbations are known exactly, |w·x + c|
// divided by ‖w‖₁ (L∞) or by ‖w‖₂ (L2), as long as the box does not bind.
type linearTwoClass struct {
	w []float32
	c float32
}

func (l linearTwoClass) model() Model {
	d := len(l.w)
	wt := make([]float32, 2*d)
	for j, v := range l.w {
		wt[j], wt[d+j] = v, -v
	}
	W := autograd.Param(wt, 2, d)
	b := autograd.Param([]float32{l.c, -l.c}, 2)
	return func(x *autograd.Tensor) *autograd.Tensor {
		return autograd.Linear(autograd.Reshape(x, x.Shape[0], -1), W, b)
	}
}

// margin is w·x + c in float64.
func (l linearTwoClass) margin(x []float32) float64 {
	s := float64(l.c)
	for j, v := range x {
		s += float64(l.w[j]) * float64(v)
	}
	return s
}

// minimal is the exact minimal perturbation of x in the norm.
func (l linearTwoClass) minimal(n Norm, x []float32) float64 {
	s := 0.0
	for _, v := range l.w {
		if n == Linf {
			s += math.Abs(float64(v))
		} else {
			s += float64(v) * float64(v)
		}
	}
	if n == L2 {
		s = math.Sqrt(s)
	}
	return math.Abs(l.margin(x)) / s
}

// linearProblem returns a linear classifier on [1, 8, 8] images and n images
// in [0.3, 0.7] whose minimal L∞ perturbations lie in about [0.005, 0.05],
// labelled correctly.
func linearProblem(n int, seed uint64) (linearTwoClass, Images) {
	r := rand.New(rand.NewPCG(seed, 11))
	const d = 64
	l := linearTwoClass{w: make([]float32, d)}
	for j := range l.w {
		l.w[j] = float32(r.NormFloat64())
	}
	im := Images{X: make([]float32, n*d), Shape: [3]int{1, 8, 8}, Labels: make([]int, n)}
	w1 := 0.0
	for _, v := range l.w {
		w1 += math.Abs(float64(v))
	}
	for i := range n {
		x := im.X[i*d : (i+1)*d]
		for j := range x {
			x[j] = 0.3 + 0.4*r.Float32()
		}
		// Move x along sign(w) so that its margin is ±target·‖w‖₁.
		target := (0.005 + 0.045*r.Float64()) * w1
		if i%2 == 1 {
			target = -target
		}
		shift := (target - l.margin(x)) / w1
		for j := range x {
			x[j] += float32(shift * math.Copysign(1, float64(l.w[j])))
		}
		if l.margin(x) < 0 {
			im.Labels[i] = 1
		}
	}
	return l, im
}

func maxAbsDiff(a, b []float32) float64 { return Distance(Linf, a, b) }

// patternImages returns n images of shape [1, side, side]: gratings of
// random orientation, frequency, phase, contrast and mean, clipped to
// [0, 1]; unlabelled (labels 0).
func patternImages(n, side int, seed uint64) Images {
	r := rand.New(rand.NewPCG(seed, 13))
	im := Images{X: make([]float32, n*side*side), Shape: [3]int{1, side, side}, Labels: make([]int, n)}
	for i := range n {
		theta, f, phase := math.Pi*r.Float64(), 0.2+1.5*r.Float64(), 2*math.Pi*r.Float64()
		mean, contrast := r.Float64(), r.Float64()
		for y := range side {
			for x := range side {
				u := float64(x)*math.Cos(theta) + float64(y)*math.Sin(theta)
				v := mean + contrast*math.Sin(f*u+phase)
				im.X[i*side*side+y*side+x] = float32(min(max(v, 0), 1))
			}
		}
	}
	return im
}
