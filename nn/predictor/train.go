package predictor

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/optim"
)

// Epoch reports one finished epoch to Fit's caller.
type Epoch struct {
	Epoch   int     // 1-based
	Loss    float64 // mean training loss (Poisson part) over the epoch's steps
	ValCorr float64 // mean validation correlation after the epoch
	Best    bool    // the best so far (its parameters are kept)
	LR      float64
	Steps   int // optimiser steps per epoch
}

// FitOptions are optional hooks of Fit.
type FitOptions struct {
	// OnStep, if set, is called after every optimiser step with the epoch
	// (1-based), the step within it and the steps per epoch.
	OnStep func(epoch, step, steps int)
	// OnEpoch, if set, is called after every epoch.
	OnEpoch func(Epoch)
}

// poissonEps keeps log(ρ + eps) finite where a rate nears 0.
const poissonEps = 1e-6

// Fit trains a new predictor of the recording with configuration c and
// returns it (the best parameters by validation correlation) with its
// metrics. It stops early, between steps, if ctx is cancelled.
func Fit(ctx context.Context, c Config, r *Recording, opt FitOptions) (*Model, *Metrics, error) {
	if err := r.check(); err != nil {
		return nil, nil, err
	}
	m, err := New(c, r.Neurons, r.Height, r.Width, r.Behavior != nil && (c.Shifter || c.Modulator))
	if err != nil {
		return nil, nil, err
	}
	train, val, test, err := split(r, c.ValFraction, c.Seed)
	if err != nil {
		return nil, nil, err
	}
	if len(train) < c.Batch {
		return nil, nil, fmt.Errorf("predictor: %d training trials, fewer than one batch of %d", len(train), c.Batch)
	}
	d := m.fitNormalisation(r, train)
	mu, _ := columnStats(d.resp, d.neurons, train)
	m.Readout.setBias(c.Output, mu)
	if c.InitFromData {
		m.initPositions(d, train)
	}

	params := nn.Parameters(m)
	adam := optim.NewAdam(params, 0)
	rng := rand.New(rand.NewPCG(c.Seed, 0x6261746368)) // "batch"
	tape := autograd.NewTape(autograd.Record)
	steps := len(train) / c.Batch // the last partial batch is dropped

	best := snapshot(m)
	bestCorr, bestEpoch, since, drops := -2.0, 0, 0, 0
	lr := c.LR
	order := append([]int(nil), train...)
	var xb, bb, yb []float32
	mt := &Metrics{}
	for epoch := 1; epoch <= c.MaxEpochs; epoch++ {
		m.SetTraining(true)
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		var lossSum float64
		for s := range steps {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			tr := order[s*c.Batch : (s+1)*c.Batch]
			xb, bb, yb = d.batch(tr, xb, bb, yb)
			x := tape.Attach(autograd.New(xb, len(tr), 1, d.h, d.w))
			var beh *autograd.Tensor
			if d.beh != nil {
				beh = tape.Attach(autograd.New(bb, len(tr), behaviorColumns))
			}
			y := tape.Attach(autograd.New(yb, len(tr), m.Neurons))
			loss := autograd.PoissonNLL(m.Rates(x, beh), y, poissonEps)
			lossSum += float64(loss.Item())
			total := loss
			if p := m.penalty(); p != nil {
				total = autograd.Add(loss, p)
			}
			adam.ZeroGrad()
			autograd.Backward(total)
			adam.Step(lr)
			m.Readout.clampPositions()
			tape.Release()
			if opt.OnStep != nil {
				opt.OnStep(epoch, s+1, steps)
			}
		}
		corr := mean(columnCorr(m.rates(d, val), observed(d, val), len(val), d.neurons))
		mt.Epochs = epoch
		improved := corr > bestCorr
		if improved {
			bestCorr, bestEpoch, since = corr, epoch, 0
			best = snapshot(m)
		} else {
			since++
		}
		if opt.OnEpoch != nil {
			opt.OnEpoch(Epoch{Epoch: epoch, Loss: lossSum / float64(steps), ValCorr: corr, Best: improved, LR: lr, Steps: steps})
		}
		if since >= c.Patience {
			if drops >= c.LRSteps {
				break
			}
			// Go on from the best parameters with a smaller step (fresh
			// Adam moments: the old ones belong to a different point).
			drops++
			lr *= c.LRDecay
			restore(m, best)
			adam = optim.NewAdam(params, 0)
			since = 0
		}
	}
	restore(m, best)
	m.SetTraining(false)
	if len(test) > 0 {
		epochs := mt.Epochs
		mt = testScore(m.rates(d, test), d, test)
		mt.Epochs = epochs
	}
	mt.BestEpoch, mt.ValCorr = bestEpoch, bestCorr
	return m, mt, nil
}

// observed copies the scaled responses of the given trials: len×N.
func observed(d *dataset, trials []int) []float32 {
	n := d.neurons
	out := make([]float32, len(trials)*n)
	for k, t := range trials {
		copy(out[k*n:(k+1)*n], d.resp[t*n:(t+1)*n])
	}
	return out
}

// Evaluate computes the test metrics of a model on a recording (its oracle
// trials), e.g. a loaded model on the data it was fitted to.
func (m *Model) Evaluate(r *Recording) (*Metrics, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if r.Neurons != m.Neurons || r.Height != m.Height || r.Width != m.Width {
		return nil, fmt.Errorf("predictor: recording has %d neurons and %d×%d images, the model %d and %d×%d",
			r.Neurons, r.Height, r.Width, m.Neurons, m.Height, m.Width)
	}
	d := m.prepare(r)
	oracle := map[int]bool{}
	for _, i := range r.Oracle {
		oracle[i] = true
	}
	var test []int
	for t, i := range r.TrialImage {
		if oracle[i] {
			test = append(test, t)
		}
	}
	return testScore(m.rates(d, test), d, test), nil
}

// snapshot copies the model's parameters and buffers.
func snapshot(m *Model) [][]float32 {
	var s [][]float32
	m.Visit("", func(_ string, e nn.Entry) {
		switch {
		case e.Param != nil:
			s = append(s, append([]float32(nil), e.Param.Data...))
		case e.Buffer != nil:
			s = append(s, append([]float32(nil), e.Buffer...))
		}
	})
	return s
}

// restore copies a snapshot back.
func restore(m *Model, s [][]float32) {
	i := 0
	m.Visit("", func(_ string, e nn.Entry) {
		switch {
		case e.Param != nil:
			copy(e.Param.Data, s[i])
			i++
		case e.Buffer != nil:
			copy(e.Buffer, s[i])
			i++
		}
	})
}
