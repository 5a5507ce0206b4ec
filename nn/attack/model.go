package attack

import (
	"fmt"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
)

// Model is a classifier of pixel-space images: x [N, C, H, W] with values in
// [0, 1] → logits [N, classes]. It applies the network's input scaling
// itself, so that perturbation sizes are in pixel units, and computes its
// result with autograd operations from x, so that results inherit x's tape
// and the input gradient flows. Attacks call it from several goroutines at
// once: a network in evaluation mode allows that, one in training mode
// (batch norm updating running statistics) does not.
type Model func(x *autograd.Tensor) *autograd.Tensor

// EvalModel puts net in evaluation mode and returns the Model that feeds it
// gain·(x − center) (the paper's scaling is gain 5, center 0.5). net must
// stay in evaluation mode while attacks run.
func EvalModel(net nn.Module, gain, center float32) Model {
	net.SetTraining(false)
	return func(x *autograd.Tensor) *autograd.Tensor {
		return net.Forward(autograd.MulScalar(autograd.AddScalar(x, -center), gain))
	}
}

// argmax is the index of the largest value (the first of equals).
func argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// checkLabel panics when the model's logits have no class label: a wrong
// pairing of model and data, found on the first image.
func checkLabel(logits *autograd.Tensor, label int) {
	if len(logits.Shape) != 2 || label >= logits.Shape[1] {
		panic(fmt.Sprintf("attack: label %d for logits of shape %v", label, logits.Shape))
	}
}

// lossGrad returns the cross-entropy of m at the image x ([C][H][W] values)
// with the given label, the predicted class, and ∂loss/∂x (a new slice). It
// records on tape (a Record tape of the calling goroutine) and releases it.
func lossGrad(m Model, tape *autograd.Tape, x []float32, shape [3]int, label int) (loss float64, pred int, grad []float32) {
	defer tape.Release()
	xt := tape.Attach(autograd.New(x, 1, shape[0], shape[1], shape[2]).SetRequiresGrad(true))
	logits := m(xt)
	checkLabel(logits, label)
	l := autograd.CrossEntropy(logits, []int{label})
	pred = argmax(logits.Data)
	loss = float64(l.Item())
	grad = autograd.Grad(l, xt)[0]
	return loss, pred, grad
}

// lossPred is lossGrad without the gradient, on a NoGrad tape (released).
func lossPred(m Model, tape *autograd.Tape, x []float32, shape [3]int, label int) (loss float64, pred int) {
	defer tape.Release()
	logits := m(tape.Attach(autograd.New(x, 1, shape[0], shape[1], shape[2])))
	checkLabel(logits, label)
	return float64(autograd.CrossEntropy(logits, []int{label}).Item()), argmax(logits.Data)
}

// classify writes the predicted class of each of the n images in x
// ([n][C][H][W]) to pred, on tape (a NoGrad tape of the calling goroutine),
// which it releases.
func classify(m Model, tape *autograd.Tape, x []float32, shape [3]int, pred []int) {
	defer tape.Release()
	n := len(pred)
	logits := m(tape.Attach(autograd.New(x, n, shape[0], shape[1], shape[2])))
	if len(logits.Shape) != 2 || logits.Shape[0] != n {
		panic(fmt.Sprintf("attack: logits of shape %v for %d images", logits.Shape, n))
	}
	c := logits.Shape[1]
	for i := range pred {
		pred[i] = argmax(logits.Data[i*c : (i+1)*c])
	}
}
