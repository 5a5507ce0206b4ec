package trainer

import (
	"context"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/nn"
)

// pairsOnlyConfig is cfg's pairs-only control: the same pairs per step as
// its penalised run, no penalty.
func pairsOnlyConfig(cfg Config) Config {
	c := cfg
	r := *cfg.Reg
	r.Alpha, r.PairsOnly, r.Target = 0, true, "stimuli-test"
	c.Reg = &r
	return c
}

// A pairs-only run draws, step by step, exactly the pairs a penalised run
// of the same seed draws (and appends their images in the same order);
// another seed draws others; PairDraws tells both.
func TestPairsOnlyDrawsThePenaltysPairs(t *testing.T) {
	const n, img = 40, cifar.Side * cifar.Side
	sim := &SimilarityData{Stimuli: make([]float32, n*img), Target: make([]float32, n*n), N: n}
	for i := range sim.Stimuli {
		sim.Stimuli[i] = float32(i%977) / 977
	}
	pen := tinyConfig()
	pen.Reg = DefaultReg("pixels-test")
	pen.Reg.Pairs = 8
	only := pairsOnlyConfig(pen)
	channels := featureChannels(pen.NewModel())
	tp, err := newSimilarityTerm(pen.Reg, channels, sim, pen.Seed)
	if err != nil {
		t.Fatal(err)
	}
	to, err := newSimilarityTerm(only.Reg, channels, sim, only.Seed)
	if err != nil {
		t.Fatal(err)
	}
	other := pen
	other.Seed++
	differ := 0
	for epoch := range 3 {
		for step := range 20 {
			xp := slices.Clone(tp.Inputs(epoch, step))
			xo := to.Inputs(epoch, step)
			if !slices.Equal(tp.a, to.a) || !slices.Equal(tp.b, to.b) || !slices.Equal(xp, xo) {
				t.Fatalf("epoch %d step %d: penalised pairs %v %v, pairs-only %v %v", epoch, step, tp.a, tp.b, to.a, to.b)
			}
			a, b := PairDraws(only, n, epoch, step)
			if !slices.Equal(a, to.a) || !slices.Equal(b, to.b) {
				t.Fatalf("epoch %d step %d: PairDraws %v %v, the run draws %v %v", epoch, step, a, b, to.a, to.b)
			}
			for p := range a {
				if a[p] == b[p] || a[p] < 0 || a[p] >= n || b[p] < 0 || b[p] >= n {
					t.Fatalf("epoch %d step %d: pair (%d, %d) of %d images", epoch, step, a[p], b[p], n)
				}
			}
			if len(xo) != 2*only.Reg.Pairs*img {
				t.Fatalf("%d appended values, want %d (2·%d images)", len(xo), 2*only.Reg.Pairs*img, only.Reg.Pairs)
			}
			if oa, _ := PairDraws(other, n, epoch, step); !slices.Equal(oa, a) {
				differ++
			}
		}
	}
	if differ < 55 {
		t.Errorf("seeds %d and %d drew the same first images on %d of 60 steps", pen.Seed, other.Seed, 60-differ)
	}
	if a, b := PairDraws(tinyConfig(), n, 0, 0); a != nil || b != nil {
		t.Errorf("a run without Reg draws pairs %v %v", a, b)
	}
	if loss, vals := to.Loss(nil, 0, 0, 0); loss != nil || vals != nil || to.Params() != nil || len(to.State()) != 0 {
		t.Errorf("pairs-only term: loss %v, values %v, %d params, %d state tensors; want none", loss, vals, len(to.Params()), len(to.State()))
	}
}

// appendOnly is an Extra that appends the images of PairDraws' pairs and
// adds no loss: what a pairs-only run must do, written out independently.
type appendOnly struct {
	cfg Config
	sim *SimilarityData
}

func (e appendOnly) Inputs(epoch, step int) []float32 {
	const img = cifar.Side * cifar.Side
	a, b := PairDraws(e.cfg, e.sim.N, epoch, step)
	var x []float32
	sc := cifar.PaperScaling
	for _, i := range append(a, b...) {
		for _, v := range e.sim.Stimuli[i*img : (i+1)*img] {
			x = append(x, sc.Gain*(v-sc.Center))
		}
	}
	return x
}

func (appendOnly) Loss([]*autograd.Tensor, int, int, int) (*autograd.Tensor, map[string]float64) {
	return nil, nil
}
func (appendOnly) Params() []*autograd.Tensor           { return nil }
func (appendOnly) State() map[string][]float32          { return map[string][]float32{} }
func (appendOnly) LoadState(map[string][]float32) error { return nil }

// sameWeights fails t unless got's state_dict equals want's bit for bit.
func sameWeights(t *testing.T, what string, got, want *nn.ResNet) {
	t.Helper()
	w := nn.StateDict(want)
	for name, g := range nn.StateDict(got) {
		for i := range g.F32 {
			if math.Float32bits(g.F32[i]) != math.Float32bits(w[name].F32[i]) {
				t.Fatalf("%s: %s[%d] = %v, want %v", what, name, i, g.F32[i], w[name].F32[i])
			}
		}
	}
}

// A pairs-only run trains bit for bit as a run whose extra term appends
// PairDraws' images and adds no loss (so the pairs reach batch norm and
// nothing else), resumes exactly after an interruption, logs no penalty, differs from the run without pairs, and
// is refused with a penalty weight or without stimuli.
func TestPairsOnlyTraining(t *testing.T) {
	data := testData(t)
	cfg := tinyConfig()
	cfg.Reg = DefaultReg("pixels-test")
	cfg.Reg.Pairs = 4
	only := pairsOnlyConfig(cfg)
	sim := pixelTarget(t, data, 24)
	quiet := Options{Log: io.Discard}

	got, res, err := Train(context.Background(), only, data, t.TempDir(), Options{Log: io.Discard, Similarity: sim})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Epochs {
		if e.Extra != nil {
			t.Fatalf("epoch %d of a pairs-only run logs %v, want no penalty values", e.Epoch, e.Extra)
		}
	}
	dir := t.TempDir()
	stop := Options{Log: io.Discard, Similarity: sim, StopAfterSteps: 5}
	if _, _, err := Train(context.Background(), only, data, dir, stop); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	resumed, _, err := Train(context.Background(), only, data, dir, Options{Log: io.Discard, Similarity: sim})
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, "pairs only resumed against uninterrupted", resumed, got)

	byHand := quiet
	byHand.Extra = appendOnly{only, sim}
	want, _, err := Train(context.Background(), tinyConfig(), data, t.TempDir(), byHand)
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, "pairs only against the pairs appended by hand", got, want)

	plain, _, err := Train(context.Background(), tinyConfig(), data, t.TempDir(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	differ := false
	ref := nn.StateDict(plain)
	for name, g := range nn.StateDict(got) {
		differ = differ || !slices.Equal(g.F32, ref[name].F32)
	}
	if !differ {
		t.Error("the pairs-only run trained as the run without pairs")
	}

	bad := pairsOnlyConfig(cfg)
	bad.Reg.Alpha = 20
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "-alpha") || !strings.Contains(err.Error(), "pairs only") {
		t.Errorf("pairs only with α = 20: %v, want an error naming -alpha and pairs only", err)
	}
	bad = pairsOnlyConfig(cfg)
	bad.Reg.Pairs = 0
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "-pairs") {
		t.Errorf("pairs only with 0 pairs: %v, want an error naming -pairs", err)
	}
	if _, _, err := Train(context.Background(), only, data, t.TempDir(), quiet); err == nil || !strings.Contains(err.Error(), "pairs only") {
		t.Errorf("pairs only without stimuli: %v, want an error naming pairs only", err)
	}
}
