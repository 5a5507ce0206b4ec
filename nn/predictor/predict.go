package predictor

import (
	"github.com/brainreg/brainreg/autograd"
)

// evalBatch is how many images one evaluation pass takes.
const evalBatch = 256

// rates runs the model in evaluation mode on the given trials of d and
// returns len(trials)×N predictions in fitted units (divided by
// ResponseScale), each with its trial's behaviour.
func (m *Model) rates(d *dataset, trials []int) []float32 {
	m.SetTraining(false)
	n := m.Neurons
	out := make([]float32, len(trials)*n)
	tape := autograd.NewTape(autograd.NoGrad)
	var xb, bb, yb []float32
	for b0 := 0; b0 < len(trials); b0 += evalBatch {
		tr := trials[b0:min(b0+evalBatch, len(trials))]
		xb, bb, yb = d.batch(tr, xb, bb, yb)
		x := tape.Attach(autograd.New(xb, len(tr), 1, d.h, d.w))
		var beh *autograd.Tensor
		if d.beh != nil {
			beh = tape.Attach(autograd.New(bb, len(tr), behaviorColumns))
		}
		copy(out[b0*n:], m.Rates(x, beh).Data)
		tape.Release()
	}
	return out
}

// Predict returns the predicted responses to n raw H×W images (the
// recording's units and pixel range) at the mean behavioural state (for a
// model with behaviour: standardised behaviour 0, i.e. the training mean):
// n×Neurons, in the recording's response units.
func (m *Model) Predict(images []float32, n int) []float32 {
	d := &dataset{img: m.prepareImages(images, n), trialImage: make([]int, n), neurons: m.Neurons}
	d.h, d.w = m.InputSize()
	d.resp = make([]float32, n*m.Neurons) // unused targets
	if m.UsesBehavior {
		d.beh = make([]float32, n*behaviorColumns)
	}
	trials := make([]int, n)
	for i := range n {
		d.trialImage[i], trials[i] = i, i
	}
	out := m.rates(d, trials)
	for i := range n {
		row := out[i*m.Neurons : (i+1)*m.Neurons]
		for a := range row {
			row[a] *= m.ResponseScale[a]
		}
	}
	return out
}
