package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn/optim"
)

// A small ResNet fits 64 random images with random labels exactly: the
// whole stack (convolutions, batch norm, residual adds, pooling, linear,
// cross-entropy, backward, Adam) learns.
func TestSmallResNetMemorises64Images(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m := NewResNet(r, ResNetConfig{InChannels: 1, Classes: 10, StemKernel: 3, Widths: []int{8, 16}, Blocks: []int{1, 1}})
	const n, side = 64, 12
	x := make([]float32, n*side*side)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = r.IntN(10)
	}
	opt := optim.NewAdam(Parameters(m), 0)
	tape := autograd.NewTape(autograd.Record)
	var loss float32
	for step := range 150 {
		logits := m.Forward(tape.Attach(autograd.New(x, n, 1, side, side)))
		l := autograd.CrossEntropy(logits, labels)
		loss = l.Item()
		autograd.Backward(l)
		opt.Step(0.01)
		opt.ZeroGrad()
		tape.Release()
		if loss < 0.01 {
			t.Logf("loss %.4f after %d steps", loss, step+1)
			break
		}
	}
	m.SetTraining(false)
	eval := autograd.NewTape(autograd.NoGrad)
	logits := m.Forward(eval.Attach(autograd.New(x, n, 1, side, side)))
	wrong := 0
	for i, y := range labels {
		row := logits.Data[i*10 : (i+1)*10]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best != y {
			wrong++
		}
	}
	if wrong > 0 {
		t.Fatalf("after training (last loss %.4f) %d of 64 images are misclassified in evaluation mode", loss, wrong)
	}
}
