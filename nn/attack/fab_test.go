package attack

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"
)

// fabKnownSteps is the number of FAB steps for the 1 % bound on the known
// cases. FAB lands 5 % past the boundary of a linear model in its first
// step (η = 1.05) and at about 0.5 % past it in its second, after the
// pull-back; 20 steps leave room for the piecewise case.
const fabKnownSteps = 20

// On the linear and the piecewise-linear known cases, in both norms,
// untargeted and targeted, FAB finds for every image an adversarial within
// 1 % above the exact minimal perturbation and never below it by more than
// the float32 evaluation of the logits allows; every Adv is misclassified
// and Dist is its distance.
func TestFABKnownCases(t *testing.T) {
	ctx := context.Background()
	for _, kc := range knownCases(24, 2) {
		for _, n := range []Norm{Linf, L2} {
			for _, targets := range []int{0, 1} {
				cfg := FABConfig{Norm: n, Targets: targets, Steps: fabKnownSteps, Batch: 8}
				r, err := FAB(ctx, kc.model, kc.images, cfg, 2)
				if err != nil {
					t.Fatal(err)
				}
				if r.Norm != n {
					t.Errorf("result norm %v, want %v", r.Norm, n)
				}
				worst, least := checkKnown(t, kc, n, r.Dist, r.Adv, 0.01)
				t.Logf("%s %v %s, %d steps: Dist/minimal − 1 in [%.3g, %.3g]", kc.name, n, cfg.Name(), fabKnownSteps, least, worst)
			}
		}
	}
}

// A clean image the model already misclassifies gets Dist 0 and itself as
// Adv, and the other images of its batch get what they get without it.
func TestFABMisclassifiedClean(t *testing.T) {
	ctx := context.Background()
	kc := knownLinear(6, 3)
	wrong := kc.images
	wrong.Labels = slices.Clone(wrong.Labels)
	for _, i := range []int{1, 4} {
		wrong.Labels[i] = 1 - wrong.Labels[i]
	}
	for _, n := range []Norm{Linf, L2} {
		cfg := FABConfig{Norm: n, Steps: 10, Restarts: 2}
		r, err := FAB(ctx, kc.model, wrong, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := FAB(ctx, kc.model, kc.images, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		d := wrong.Size()
		for i := range wrong.Len() {
			adv := r.Adv[i*d : (i+1)*d]
			if i == 1 || i == 4 {
				if r.Dist[i] != 0 || !slices.Equal(adv, wrong.At(i)) {
					t.Errorf("%v image %d, misclassified: Dist %v, Adv equal to the image %v", n, i, r.Dist[i], slices.Equal(adv, wrong.At(i)))
				}
				continue
			}
			if r.Dist[i] != ref.Dist[i] || !slices.Equal(adv, ref.Adv[i*d:(i+1)*d]) {
				t.Errorf("%v image %d: Dist %v beside misclassified images, %v without", n, i, r.Dist[i], ref.Dist[i])
			}
		}
	}
}

// A batch of images gives each the result it gets alone, to the bit, and
// the thread count changes nothing; random restarts included. Dist is the
// distance of Adv, and every Adv with a finite Dist is misclassified and
// lies in the box.
func TestFABBatchedEqualsOneByOne(t *testing.T) {
	m := tinyResNet(5)
	im := randomImages(t, m, 7, 8, 8)
	ctx := context.Background()
	for _, n := range []Norm{Linf, L2} {
		for _, targets := range []int{0, 2} {
			base := FABConfig{Norm: n, Targets: targets, Steps: 6, Restarts: 2, Seed: 3, Batch: 1}
			want, err := FAB(ctx, m, im, base, 1)
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, d := range want.Dist {
				if !math.IsInf(d, 1) {
					found++
				}
			}
			if found == 0 {
				t.Fatalf("%v %s: no adversarial found; the comparison says nothing", n, base.Name())
			}
			pred, err := Predict(ctx, m, Images{X: want.Adv, Shape: im.Shape, Labels: im.Labels}, 4, 1)
			if err != nil {
				t.Fatal(err)
			}
			for i, dist := range want.Dist {
				a := want.Adv[i*im.Size() : (i+1)*im.Size()]
				if got := Distance(n, a, im.At(i)); got != dist && !math.IsInf(dist, 1) {
					t.Errorf("%v %s image %d: Dist %v, Distance(Adv, x) %v", n, base.Name(), i, dist, got)
				}
				if !math.IsInf(dist, 1) && pred[i] == im.Labels[i] {
					t.Errorf("%v %s image %d: Adv at %v is classified correctly", n, base.Name(), i, dist)
				}
				for _, v := range a {
					if !(v >= 0 && v <= 1) {
						t.Fatalf("%v %s image %d: pixel %v outside the box", n, base.Name(), i, v)
					}
				}
			}
			for _, v := range []struct{ batch, threads int }{{4, 1}, {3, 3}, {32, 2}} {
				cfg := base
				cfg.Batch = v.batch
				got, err := FAB(ctx, m, im, cfg, v.threads)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.Dist, want.Dist) || !sameBits32(got.Adv, want.Adv) {
					t.Errorf("%v %s, batch %d on %d threads: the result differs from batch 1 on one thread",
						n, base.Name(), v.batch, v.threads)
				}
			}
		}
	}
}

// Random restarts come from the seed: with three steps per run, the first run
// (from the clean image) fools few images and the random starts decide the
// rest; another seed gives other results, the same seed the same.
func TestFABSeed(t *testing.T) {
	m := tinyResNet(5)
	im := randomImages(t, m, 6, 8, 8)
	ctx := context.Background()
	for _, n := range []Norm{Linf, L2} {
		cfg := FABConfig{Norm: n, Steps: 3, Restarts: 4, Seed: 3}
		a, err := FAB(ctx, m, im, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		again, err := FAB(ctx, m, im, cfg, 2)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Seed = 4
		b, err := FAB(ctx, m, im, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Dist, again.Dist) || !sameBits32(a.Adv, again.Adv) {
			t.Errorf("%v: the same seed gives different results", n)
		}
		if slices.Equal(a.Dist, b.Dist) {
			t.Errorf("%v: seeds 3 and 4 give the same distances %v", n, a.Dist)
		}
	}
}

// Later runs never make an image's result worse: with more restarts or
// targets, Dist is at most the one of fewer (the first run of each is the
// same deterministic run from the clean image).
func TestFABMoreRunsNoWorse(t *testing.T) {
	m := tinyResNet(6)
	im := randomImages(t, m, 5, 8, 4)
	ctx := context.Background()
	for _, n := range []Norm{Linf, L2} {
		one, err := FAB(ctx, m, im, FABConfig{Norm: n, Targets: 1, Steps: 8}, 1)
		if err != nil {
			t.Fatal(err)
		}
		more, err := FAB(ctx, m, im, FABConfig{Norm: n, Targets: 3, Restarts: 2, Steps: 8, Eps: 0.5}, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range one.Dist {
			if more.Dist[i] > one.Dist[i] {
				t.Errorf("%v image %d: Dist %v with 3 targets × 2 restarts, %v with one run", n, i, more.Dist[i], one.Dist[i])
			}
		}
	}
}

func TestFABConfigErrors(t *testing.T) {
	ctx := context.Background()
	kc := knownLinear(2, 1)
	for _, cfg := range []FABConfig{
		{Norm: 7},
		{Targets: -1},
		{Steps: -1},
		{Restarts: -3},
		{Batch: -2},
		{Eps: -0.1},
		{Eps: math.NaN()},
		{Eps: math.Inf(-1)},
		{AlphaMax: 1.5},
		{AlphaMax: -0.1},
		{AlphaMax: math.NaN()},
		{Eta: 0.9},
		{Eta: math.Inf(1)},
		{Eta: math.NaN()},
		{Beta: 1.2},
		{Beta: -0.5},
		{Norm: L2, Beta: math.NaN()},
	} {
		if _, err := FAB(ctx, kc.model, kc.images, cfg, 1); err == nil {
			t.Errorf("config %+v: no error", cfg)
		}
	}
	bad := kc.images
	bad.X = slices.Clone(bad.X)
	bad.X[3] = 1.5
	if _, err := FAB(ctx, kc.model, bad, FABConfig{}, 1); err == nil {
		t.Error("pixel outside [0, 1]: no error")
	}
	bad = kc.images
	bad.Labels = []int{0, 5}
	if _, err := FAB(ctx, kc.model, bad, FABConfig{}, 1); err == nil {
		t.Error("label 5 for 2 classes: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FAB(cancelled, kc.model, kc.images, FABConfig{}, 1); err == nil {
		t.Error("cancelled context: no error")
	}
	if r, err := FAB(ctx, kc.model, Images{Shape: kc.images.Shape}, FABConfig{}, 1); err != nil || len(r.Dist) != 0 {
		t.Errorf("no images: %v, %v", r, err)
	}
	if got := (FABConfig{}).Name(); got != "fab" {
		t.Errorf("untargeted name %q", got)
	}
	if got := (FABConfig{Targets: 9}).Name(); got != "fab-t" {
		t.Errorf("targeted name %q", got)
	}
}

// BenchmarkFAB: FAB-T (3 targets) and untargeted FAB, 100 steps each, L∞,
// on 16 random 8×8 images with tinyResNet (10 classes), one batch of 16 on
// one goroutine; reports the time per image. Run with -benchtime 1x.
func BenchmarkFAB(b *testing.B) {
	m := tinyResNet(5)
	im := randomImages(b, m, 16, 8, 8)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		cfg  FABConfig
	}{
		{"fab-t-3x100", FABConfig{Norm: Linf, Targets: 3, Steps: 100, Batch: 16}},
		{"fab-100", FABConfig{Norm: Linf, Steps: 100, Batch: 16}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var elapsed time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := FAB(ctx, m, im, c.cfg, 1); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(t0)
			}
			b.ReportMetric(elapsed.Seconds()*1e3/float64(b.N*im.Len()), "ms/image")
		})
	}
}
