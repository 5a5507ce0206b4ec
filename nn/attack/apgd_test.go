package attack

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/brainreg/brainreg/autograd"
)

// scaledLogits multiplies a model's logits by s: the same decisions, but a
// cross-entropy that saturates (its gradient underflows to zero in float32
// for correctly classified images when s is large).
func scaledLogits(m Model, s float32) Model {
	return func(x *autograd.Tensor) *autograd.Tensor { return autograd.MulScalar(m(x), s) }
}

// On a badly scaled model (logits ×10⁴, which leaves every decision as it
// was) fixed-step PGD on the cross-entropy sees zero gradients and fools
// almost nothing, while APGD-T on the scale-free targeted DLR loss fools as
// many images as on the unscaled model. On the unscaled model APGD-CE fools
// at least as many as PGD-20.
func TestAPGDBeatsPGDOnBadlyScaledModel(t *testing.T) {
	base := tinyResNet(3)
	im := randomImages(t, base, 24, 8, 5)
	ctx := context.Background()
	const eps = 0.03
	bad := scaledLogits(base, 1e4)
	pgd, err := PGD(ctx, bad, im, PGDConfig{Norm: Linf, Eps: eps, Steps: 20, RandomStart: true, Seed: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	apgdT, err := APGD(ctx, bad, im, APGDConfig{Norm: Linf, Eps: eps, Steps: 50, Targets: 3, Seed: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	apgdTBase, err := APGD(ctx, base, im, APGDConfig{Norm: Linf, Eps: eps, Steps: 50, Targets: 3, Seed: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	pgdBase, err := PGD(ctx, base, im, PGDConfig{Norm: Linf, Eps: eps, Steps: 20, RandomStart: true, Seed: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	apgdCEBase, err := APGD(ctx, base, im, APGDConfig{Norm: Linf, Eps: eps, Steps: 50, Seed: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("robust accuracy: scaled model PGD %.3f, APGD-T %.3f; unscaled PGD %.3f, APGD-CE %.3f, APGD-T %.3f",
		pgd.Accuracy(), apgdT.Accuracy(), pgdBase.Accuracy(), apgdCEBase.Accuracy(), apgdTBase.Accuracy())
	if pgdBase.Accuracy() > 0.8 {
		t.Fatalf("PGD fools only %.0f%% of the unscaled model's images: ε too small for the test to say anything", 100*(1-pgdBase.Accuracy()))
	}
	if pgd.Accuracy() < 0.9 {
		t.Errorf("PGD on the scaled model: robust accuracy %.3f; its cross-entropy gradient should vanish", pgd.Accuracy())
	}
	if apgdT.Accuracy() > pgdBase.Accuracy() || apgdT.Accuracy() != apgdTBase.Accuracy() {
		t.Errorf("APGD-T on the scaled model: robust accuracy %.3f, against %.3f unscaled and %.3f for PGD unscaled",
			apgdT.Accuracy(), apgdTBase.Accuracy(), pgdBase.Accuracy())
	}
	if apgdCEBase.Accuracy() > pgdBase.Accuracy() {
		t.Errorf("APGD-CE robust accuracy %.3f above PGD-20's %.3f", apgdCEBase.Accuracy(), pgdBase.Accuracy())
	}
	for i, f := range apgdT.Fooled {
		if f && Distance(Linf, apgdT.Adv[i*64:(i+1)*64], im.At(i)) > eps {
			t.Errorf("image %d: adversarial outside the ball", i)
		}
	}
}

// A batch of images gives each the result it gets alone, to the bit, and
// the thread count changes nothing.
func TestAPGDBatchedEqualsOneByOne(t *testing.T) {
	m := tinyResNet(4)
	im := randomImages(t, m, 11, 8, 6)
	ctx := context.Background()
	for _, cfg := range []APGDConfig{
		{Norm: Linf, Eps: 0.01, Steps: 20, Restarts: 2, Seed: 3},
		{Norm: L2, Eps: 0.2, Steps: 20, Seed: 3, Targets: 2},
		{Norm: L2, Eps: 0.2, Steps: 20, Seed: 3, DLR: true},
	} {
		cfg.Batch = 32
		all, err := APGD(ctx, m, im, cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Batch = 1
		one, err := APGD(ctx, m, im, cfg, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits32(all.Adv, one.Adv) || !slices.Equal(all.Fooled, one.Fooled) || !slices.Equal(all.Loss, one.Loss) {
			t.Errorf("%s %v: batched and one-by-one results differ: fooled %v against %v", cfg.Name(), cfg.Norm, all.Fooled, one.Fooled)
		}
		n := 0
		for _, f := range all.Fooled {
			if f {
				n++
			}
		}
		if n == 0 || n == im.Len() {
			t.Errorf("%s %v: %d of %d fooled; the test wants some of each", cfg.Name(), cfg.Norm, n, im.Len())
		}
		cfg.Seed = 4
		other, err := APGD(ctx, m, im, cfg, 2)
		if err != nil {
			t.Fatal(err)
		}
		if sameBits32(other.Adv, all.Adv) {
			t.Errorf("%s: another seed gave the same adversarial images", cfg.Name())
		}
	}
}

// On the linear problem APGD fools an image exactly when ε exceeds its
// known minimal perturbation (by 1 %; below it nothing can), and its
// adversarials lie in the ball.
func TestAPGDLinear(t *testing.T) {
	l, im := linearProblem(10, 8)
	m := l.model()
	ctx := context.Background()
	for _, norm := range []Norm{Linf, L2} {
		for _, f := range []float64{0.99, 1.01} {
			for i := range im.Len() {
				one := Images{X: im.At(i), Shape: im.Shape, Labels: im.Labels[i : i+1]}
				eps := f * l.minimal(norm, one.X)
				r, err := APGD(ctx, m, one, APGDConfig{Norm: norm, Eps: eps, Steps: 30, Seed: 2}, 1)
				if err != nil {
					t.Fatal(err)
				}
				if r.Fooled[0] != (f > 1) {
					t.Errorf("%v image %d at %.2f× its minimal perturbation: fooled %v", norm, i, f, r.Fooled[0])
				}
				if d := Distance(norm, r.Adv, one.X); d > eps*(1+1e-9) {
					t.Errorf("%v image %d: adversarial at %v beyond ε = %v", norm, i, d, eps)
				}
			}
		}
	}
}

func TestAPGDConfigErrors(t *testing.T) {
	m := tinyResNet(1)
	im := randomImages(t, m, 2, 8, 1)
	for _, c := range []APGDConfig{{Norm: 7, Eps: 0.1}, {Eps: -1}, {Eps: math.Inf(1)}, {Eps: 0.1, Targets: -1}, {Eps: 0.1, Rho: 2}, {Eps: 0.1, Steps: -1}} {
		if _, err := APGD(context.Background(), m, im, c, 1); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
