package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/optim"
)

// Training steps: build a ResNet from a seeded generator, run the batch on a
// recording tape, take the cross-entropy, let Backward fill the parameters'
// gradients, update them with SGD and release the tape's buffers. Five steps
// on one batch bring its loss down.
func ExampleNewResNet() {
	m := nn.NewResNet(rand.New(rand.NewPCG(1, 2)), nn.TinyConfig)
	fmt.Println("parameters:", nn.CountParameters(m))

	opt := optim.NewSGD(nn.Parameters(m), 0.9, 5e-4, false)
	r := rand.New(rand.NewPCG(3, 1))
	x := make([]float32, 4*1*8*8) // four 8×8 grayscale images
	for i := range x {
		x[i] = 2*r.Float32() - 1
	}
	labels := []int{0, 1, 2, 3}
	for step := range 5 {
		tape := autograd.NewTape(autograd.Record)
		logits := m.Forward(tape.Attach(autograd.New(x, 4, 1, 8, 8)))
		loss := autograd.CrossEntropy(logits, labels)
		if step == 0 {
			fmt.Println("logits:", logits.Shape)
		}
		fmt.Printf("step %d: loss %.2f\n", step, loss.Item())
		opt.ZeroGrad()
		autograd.Backward(loss)
		opt.Step(0.05)
		tape.Release() // after the optimiser has read the gradients
	}

	// Evaluation: batch norm uses its running statistics, and a NoGrad tape
	// records nothing.
	m.SetTraining(false)
	tape := autograd.NewTape(autograd.NoGrad)
	defer tape.Release()
	logits := m.Forward(tape.Attach(autograd.New(x, 4, 1, 8, 8)))
	fmt.Println("eval logits:", logits.Shape, "recorded:", logits.RequiresGrad())
	// Output:
	// parameters: 5142
	// logits: [4 10]
	// step 0: loss 2.39
	// step 1: loss 2.16
	// step 2: loss 1.88
	// step 3: loss 1.61
	// step 4: loss 1.37
	// eval logits: [4 10] recorded: false
}

// The feature maps the similarity penalty reads: the stem's output and the
// output of every stage (each stage after the first halves the resolution).
func ExampleResNet_ForwardFeatures() {
	m := nn.NewResNet(rand.New(rand.NewPCG(1, 2)), nn.SmallConfig)
	m.SetTraining(false)
	tape := autograd.NewTape(autograd.NoGrad)
	defer tape.Release()
	logits, features := m.ForwardFeatures(tape.Attach(autograd.Zeros(2, 1, 32, 32)))
	fmt.Println("logits", logits.Shape)
	for i, f := range features {
		fmt.Println("feature", i, f.Shape)
	}
	// Output:
	// logits [2 10]
	// feature 0 [2 16 32 32]
	// feature 1 [2 16 32 32]
	// feature 2 [2 32 16 16]
	// feature 3 [2 64 8 8]
}

// Parameters and buffers carry PyTorch's state_dict names, so a state dict
// loads into the equivalent torchvision-style module (and back).
func ExampleNamedParameters() {
	m := nn.NewResNet(rand.New(rand.NewPCG(1, 2)), nn.TinyConfig)
	names, params := nn.NamedParameters(m)
	for i := range 4 {
		fmt.Println(names[i], params[i].Shape)
	}
	fmt.Println("...", names[len(names)-1], params[len(params)-1].Shape)
	sd := nn.StateDict(m)
	fmt.Println(len(names), "parameters,", len(sd), "state entries; bn1.running_var", sd["bn1.running_var"].Shape)
	// Output:
	// conv1.weight [4 1 3 3]
	// bn1.weight [4]
	// bn1.bias [4]
	// layer1.0.conv1.weight [4 4 3 3]
	// ... fc.bias [10]
	// 29 parameters, 56 state entries; bn1.running_var [4]
}
