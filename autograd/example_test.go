package autograd_test

import (
	"fmt"

	"github.com/brainreg/brainreg/autograd"
)

// A training step: parameters are leaves that require gradients, the batch
// goes on a recording tape, Backward fills the parameters' Grad, and the
// tape's buffers go back to the free list when the step is done.
func ExampleBackward() {
	w := autograd.Param([]float32{0.5, -1}, 1, 2) // [Out=1, In=2]
	b := autograd.Param([]float32{0}, 1)
	tp := autograd.NewTape(autograd.Record)
	x := tp.Attach(autograd.New([]float32{1, 2, 3, 4}, 2, 2)) // [N=2, In=2]
	loss := autograd.Mean(autograd.Pow(autograd.Linear(x, w, b), 2))
	fmt.Printf("loss %.3f\n", loss.Item())
	autograd.Backward(loss)
	fmt.Println("dL/dw", w.Grad, "dL/db", b.Grad)
	tp.Release()
	// Output:
	// loss 4.250
	// dL/dw [-9 -13] dL/db [-4]
}

// An attack's input gradient: Grad computes only what the input needs and
// leaves the shared parameters untouched, so goroutines can run it side by
// side over their own images.
func ExampleGrad() {
	w := autograd.Param([]float32{0.5, -1}, 1, 2)
	tp := autograd.NewTape(autograd.Record)
	defer tp.Release()
	x := tp.Attach(autograd.New([]float32{1, 2}, 1, 2).SetRequiresGrad(true))
	loss := autograd.Sum(autograd.Linear(x, w, nil))
	fmt.Println("dL/dx", autograd.Grad(loss, x)[0], "w.Grad", w.Grad)
	// Output:
	// dL/dx [0.5 -1] w.Grad []
}

// Evaluation: a NoGrad tape records nothing, whatever the parameters
// require; other goroutines' tapes are unaffected.
func ExampleNewTape() {
	w := autograd.Param([]float32{2}, 1, 1)
	tp := autograd.NewTape(autograd.NoGrad)
	defer tp.Release()
	y := autograd.Linear(tp.Attach(autograd.New([]float32{3}, 1, 1)), w, nil)
	fmt.Println(y.Data, y.RequiresGrad())
	// Output:
	// [6] false
}
