package attack

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/brainreg/brainreg/nn"
)

// fmnKnownSteps is the number of FMN steps for the 1 % bound on the known
// cases: the default 100.
const fmnKnownSteps = 100

// On the linear and the piecewise-linear known cases, in both norms, FMN
// finds for every image an adversarial within 1 % above the exact minimal
// perturbation, and never below it by more than the float32 evaluation of
// the logits allows (knownCase.slack); every Adv is misclassified and Dist
// is its distance.
func TestFMNKnownCases(t *testing.T) {
	ctx := context.Background()
	for _, kc := range knownCases(24, 2) {
		for _, n := range []Norm{Linf, L2} {
			r, err := FMN(ctx, kc.model, kc.images, FMNConfig{Norm: n, Steps: fmnKnownSteps, Batch: 8}, 2)
			if err != nil {
				t.Fatal(err)
			}
			if r.Norm != n {
				t.Errorf("result norm %v, want %v", r.Norm, n)
			}
			worst, least := checkKnown(t, kc, n, r.Dist, r.Adv, 0.01)
			t.Logf("%s %v, %d steps: Dist/minimal − 1 in [%.3g, %.3g]", kc.name, n, fmnKnownSteps, least, worst)
			for i, s := range r.Steps {
				if s < 0 || s >= fmnKnownSteps {
					t.Errorf("%s %v image %d: best found at step %d", kc.name, n, i, s)
				}
			}
		}
	}
}

// A clean image the model already misclassifies gets Dist 0, itself as Adv
// and step 0, and the other images of its batch get what they get without
// it.
func TestFMNMisclassifiedClean(t *testing.T) {
	ctx := context.Background()
	kc := knownLinear(6, 3)
	wrong := kc.images
	wrong.Labels = slices.Clone(wrong.Labels)
	for _, i := range []int{1, 4} {
		wrong.Labels[i] = 1 - wrong.Labels[i]
	}
	for _, n := range []Norm{Linf, L2} {
		cfg := FMNConfig{Norm: n, Steps: 30}
		r, err := FMN(ctx, kc.model, wrong, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := FMN(ctx, kc.model, kc.images, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		d := wrong.Size()
		for i := range wrong.Len() {
			adv := r.Adv[i*d : (i+1)*d]
			if i == 1 || i == 4 {
				if r.Dist[i] != 0 || r.Steps[i] != 0 || !slices.Equal(adv, wrong.At(i)) {
					t.Errorf("%v image %d, misclassified: Dist %v at step %d, Adv equal to the image %v",
						n, i, r.Dist[i], r.Steps[i], slices.Equal(adv, wrong.At(i)))
				}
				continue
			}
			if r.Dist[i] != ref.Dist[i] || r.Steps[i] != ref.Steps[i] || !slices.Equal(adv, ref.Adv[i*d:(i+1)*d]) {
				t.Errorf("%v image %d: Dist %v at step %d beside misclassified images, %v at step %d without",
					n, i, r.Dist[i], r.Steps[i], ref.Dist[i], ref.Steps[i])
			}
		}
	}
}

// A batch of images gives each the result it gets alone, to the bit, and
// the thread count changes nothing.
func TestFMNBatchedEqualsOneByOne(t *testing.T) {
	m := tinyResNet(5)
	im := randomImages(t, m, 11, 8, 8)
	ctx := context.Background()
	for _, n := range []Norm{Linf, L2} {
		base := FMNConfig{Norm: n, Steps: 20, Batch: 1}
		want, err := FMN(ctx, m, im, base, 1)
		if err != nil {
			t.Fatal(err)
		}
		fooled := 0
		for _, d := range want.Dist {
			if !math.IsInf(d, 1) {
				fooled++
			}
		}
		if fooled == 0 {
			t.Fatalf("%v: FMN found no adversarial; the comparison says nothing", n)
		}
		for _, v := range []struct{ batch, threads int }{{4, 1}, {4, 3}, {32, 2}, {1, 3}} {
			cfg := base
			cfg.Batch = v.batch
			got, err := FMN(ctx, m, im, cfg, v.threads)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Dist, want.Dist) || !slices.Equal(got.Adv, want.Adv) || !slices.Equal(got.Steps, want.Steps) {
				t.Errorf("%v, batch %d on %d threads: the result differs from batch 1 on one thread", n, v.batch, v.threads)
			}
		}
	}
}

func TestFMNConfigErrors(t *testing.T) {
	ctx := context.Background()
	kc := knownLinear(2, 1)
	for _, cfg := range []FMNConfig{
		{Norm: 7},
		{Steps: -1},
		{Batch: -2},
		{AlphaInit: -1},
		{AlphaInit: math.Inf(1)},
		{AlphaFinal: math.NaN()},
		{AlphaFinal: -0.1},
		{GammaInit: 1},
		{GammaInit: -0.05},
		{GammaFinal: 1.5},
		{Norm: L2, GammaFinal: math.NaN()},
	} {
		if _, err := FMN(ctx, kc.model, kc.images, cfg, 1); err == nil {
			t.Errorf("config %+v: no error", cfg)
		}
	}
	bad := kc.images
	bad.X = slices.Clone(bad.X)
	bad.X[3] = 1.5
	if _, err := FMN(ctx, kc.model, bad, FMNConfig{}, 1); err == nil {
		t.Error("pixel outside [0, 1]: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FMN(cancelled, kc.model, kc.images, FMNConfig{}, 1); err == nil {
		t.Error("cancelled context: no error")
	}
	if r, err := FMN(ctx, kc.model, Images{Shape: kc.images.Shape}, FMNConfig{}, 1); err != nil || len(r.Dist) != 0 {
		t.Errorf("no images: %v, %v", r, err)
	}
}

// BenchmarkFMNSmall: FMN-L∞, 10 steps, on 32 grating images of 32×32 with
// the randomly initialised small ResNet, one batch of 32 on one goroutine;
// reports the time per step and image.
func BenchmarkFMNSmall(b *testing.B) {
	m := EvalModel(nn.NewResNet(rand.New(rand.NewPCG(1, 1)), nn.SmallConfig), 5, 0.5)
	im := patternImages(32, 32, 1)
	ctx := context.Background()
	pred, err := Predict(ctx, m, im, 32, 1)
	if err != nil {
		b.Fatal(err)
	}
	copy(im.Labels, pred)
	const steps = 10
	cfg := FMNConfig{Norm: Linf, Steps: steps, Batch: 32}
	for b.Loop() {
		if _, err := FMN(ctx, m, im, cfg, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N*steps*im.Len()), "ms/step/image")
}
