package attack

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
)

// smoothNet is a tiny convolutional classifier without kinks (batch norm in
// evaluation mode with non-trivial running statistics, softplus), so that
// finite differences check its input gradient element by element.
type smoothNet struct {
	conv *nn.Conv2d
	bn   *nn.BatchNorm2d
	fc   *nn.Linear
}

func newSmoothNet(seed uint64) *smoothNet {
	r := rand.New(rand.NewPCG(seed, 17))
	s := &smoothNet{conv: nn.NewConv2d(r, 1, 4, 3, 1, 1, true), bn: nn.NewBatchNorm2d(4), fc: nn.NewLinear(r, 4*4*4, 10, true)}
	s.bn.Visit("", func(name string, e nn.Entry) {
		for i := range e.Buffer {
			e.Buffer[i] = 0.1 + 0.5*r.Float32() // running mean and variance
		}
	})
	return s
}

// x: [N, 1, 8, 8] → logits [N, 10]
func (s *smoothNet) Forward(x *autograd.Tensor) *autograd.Tensor {
	h := autograd.Softplus(s.bn.Forward(s.conv.Forward(x)))
	h = autograd.AvgPool2d(h, 2, 2, 0)
	return s.fc.Forward(autograd.Reshape(h, h.Shape[0], -1))
}
func (s *smoothNet) Visit(p string, fn func(string, nn.Entry)) {
	s.conv.Visit(p+"conv.", fn)
	s.bn.Visit(p+"bn.", fn)
	s.fc.Visit(p+"fc.", fn)
}
func (s *smoothNet) SetTraining(t bool) { s.bn.SetTraining(t) }

// The input gradient the attacks use, through EvalModel's scaling: checked
// by autograd.CheckGrad, and for the function the attacks call (lossGrad)
// against central differences of its own loss, pixel by pixel.
func TestInputGradient(t *testing.T) {
	m := EvalModel(newSmoothNet(1), 5, 0.5)
	r := rand.New(rand.NewPCG(4, 4))
	x := make([]float32, 64)
	for i := range x {
		x[i] = 0.2 + 0.6*r.Float32()
	}
	const label = 3
	err := autograd.CheckGrad(func(xs ...*autograd.Tensor) *autograd.Tensor {
		return autograd.CrossEntropy(m(xs[0]), []int{label})
	}, []*autograd.Tensor{autograd.New(append([]float32(nil), x...), 1, 1, 8, 8)},
		autograd.CheckOptions{Step: 1e-3, AbsTol: 1e-4, RelTol: 1e-2})
	if err != nil {
		t.Fatal(err)
	}

	tape := autograd.NewTape(autograd.Record)
	shape := [3]int{1, 8, 8}
	_, _, g := lossGrad(m, tape, x, shape, label)
	const h = 1e-3
	for i := range x {
		v := x[i]
		x[i] = v + h
		lp, _, _ := lossGrad(m, tape, x, shape, label)
		x[i] = v - h
		lm, _, _ := lossGrad(m, tape, x, shape, label)
		x[i] = v
		num := (lp - lm) / (float64(float32(v+h)) - float64(float32(v-h)))
		if math.Abs(num-float64(g[i])) > 1e-4+1e-2*max(math.Abs(num), math.Abs(float64(g[i]))) {
			t.Errorf("pixel %d: lossGrad %.6g, central difference %.6g", i, g[i], num)
		}
	}
}

// Through the tiny ResNet (ReLU kinks make single pixels unreliable for
// finite differences), the directional derivative along random directions
// and along the gradient itself matches g·u.
func TestInputGradientResNetDirectional(t *testing.T) {
	m := tinyResNet(2)
	r := rand.New(rand.NewPCG(5, 5))
	shape := [3]int{1, 8, 8}
	tape := autograd.NewTape(autograd.Record)
	x := make([]float32, 64)
	for i := range x {
		x[i] = 0.2 + 0.6*r.Float32()
	}
	_, _, g := lossGrad(m, tape, x, shape, 3)
	dirs := [][]float64{make([]float64, 64)}
	for j, v := range g {
		dirs[0][j] = float64(v)
	}
	for range 4 {
		u := make([]float64, 64)
		for j := range u {
			u[j] = r.NormFloat64()
		}
		dirs = append(dirs, u)
	}
	const h = 1e-3
	for k, u := range dirs {
		u = scaleTo(u, 1)
		at := func(s float64) float64 {
			y := make([]float32, 64)
			for j := range y {
				y[j] = float32(float64(x[j]) + s*u[j])
			}
			l, _, _ := lossGrad(m, tape, y, shape, 3)
			return l
		}
		num := (at(h) - at(-h)) / (2 * h)
		want := 0.0
		for j, v := range g {
			want += float64(v) * u[j]
		}
		if math.Abs(num-want) > 2e-3+0.03*math.Abs(want) {
			t.Errorf("direction %d: directional derivative %.5g by differences, %.5g from the gradient", k, num, want)
		}
	}
}
