package trainer

import (
	"context"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/nn"
)

// pixelTarget is a similarity target computed from the stimuli themselves:
// cosine similarity of the centred pixel vectors.
func pixelTarget(t testing.TB, data *cifar.Data, n int) *SimilarityData {
	t.Helper()
	_, gray, err := cifar.NeuralStimuli(data.Train, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	const img = 1024
	mean := make([]float64, img)
	for i := range n {
		for q := range img {
			mean[q] += float64(gray[i*img+q]) / float64(n)
		}
	}
	target := make([]float32, n*n)
	for i := range n {
		for j := range n {
			var dot, ni, nj float64
			for q := range img {
				a, b := float64(gray[i*img+q])-mean[q], float64(gray[j*img+q])-mean[q]
				dot, ni, nj = dot+a*b, ni+a*a, nj+b*b
			}
			target[i*n+j] = float32(dot / math.Sqrt(ni*nj))
		}
	}
	return &SimilarityData{Stimuli: gray, Target: target, N: n}
}

// With the penalty on, training logs the penalty and the mixture weights,
// the penalty falls, and an interrupted run resumes bit-identically (the
// running centres and mixture logits travel in the checkpoint).
func TestSimilarityPenalty(t *testing.T) {
	data := testData(t)
	cfg := tinyConfig()
	cfg.Reg = DefaultReg("pixels-test")
	cfg.Reg.Pairs = 8
	sim := pixelTarget(t, data, 48)
	opt := Options{Log: io.Discard, Similarity: sim}

	ref, res, err := Train(context.Background(), cfg, data, t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.Epochs[0].Extra, res.Final().Extra
	if first == nil || last == nil || first["sim_loss"] <= 0 {
		t.Fatalf("epoch metrics lack the penalty: %+v", res.Epochs)
	}
	if sum := last["gamma_0"] + last["gamma_1"] + last["gamma_2"] + last["gamma_3"]; math.Abs(sum-1) > 1e-6 {
		t.Fatalf("mixture weights sum to %v: %+v", sum, last)
	}
	if last["sim_loss"] >= first["sim_loss"] {
		t.Fatalf("penalty did not fall: epoch 1 %.4f, epoch %d %.4f", first["sim_loss"], len(res.Epochs), last["sim_loss"])
	}

	dir := t.TempDir()
	stop := opt
	stop.StopAfterSteps = 7
	if _, _, err := Train(context.Background(), cfg, data, dir, stop); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	got, _, err := Train(context.Background(), cfg, data, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := nn.StateDict(ref)
	for name, g := range nn.StateDict(got) {
		for i := range g.F32 {
			if math.Float32bits(g.F32[i]) != math.Float32bits(want[name].F32[i]) {
				t.Fatalf("%s[%d] = %v after resuming, %v uninterrupted", name, i, g.F32[i], want[name].F32[i])
			}
		}
	}

	cfg.Reg.Target = "other"
	if _, _, err := Train(context.Background(), cfg, data, t.TempDir(), Options{Log: io.Discard}); err == nil {
		t.Fatal("a penalty without target data trained")
	}
}
