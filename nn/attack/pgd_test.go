package attack

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/brainreg/brainreg/autograd"
)

// Every adversarial image lies in the ε-ball and the box exactly, and Fooled
// says truthfully whether the model misclassifies it.
func TestPGDStaysInBallAndBox(t *testing.T) {
	m := tinyResNet(1)
	im := randomImages(t, m, 12, 8, 2)
	ctx := context.Background()
	for _, norm := range []Norm{Linf, L2} {
		for _, eps := range []float64{0.003, 0.03, 0.3} {
			if norm == L2 {
				eps *= 8 // √D times the L∞ size
			}
			cfg := PGDConfig{Norm: norm, Eps: eps, Steps: 7, RandomStart: true, Restarts: 1, Seed: 5, RelStep: 0.5}
			r, err := PGD(ctx, m, im, cfg, 2)
			if err != nil {
				t.Fatal(err)
			}
			adv := Images{X: r.Adv, Shape: im.Shape, Labels: im.Labels}
			pred, err := Predict(ctx, m, adv, 1, 1)
			if err != nil {
				t.Fatalf("%v ε=%g: the adversarial images are not valid images: %v", norm, eps, err)
			}
			for i := range im.Len() {
				x, a := im.At(i), adv.At(i)
				if dist := Distance(norm, a, x); norm == Linf && dist > eps || norm == L2 && dist > eps*(1+1e-6) {
					t.Errorf("%v ε=%g image %d: ‖δ‖ = %.9g", norm, eps, i, dist)
				}
				if got := pred[i] != im.Labels[i]; got != r.Fooled[i] {
					t.Errorf("%v ε=%g image %d: Fooled %v, but the model says misclassified=%v", norm, eps, i, r.Fooled[i], got)
				}
			}
		}
	}
}

// The projection itself: a perturbation far outside the ball and the box
// comes back exactly onto their intersection, coordinates rounded towards x0.
func TestProjectExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1000
	x0 := make([]float32, n)
	for i := range x0 {
		x0[i] = r.Float32()
	}
	x0[0], x0[1] = 0, 1
	for _, norm := range []Norm{Linf, L2} {
		for _, eps := range []float64{1e-4, 0.0031, 0.1, 1 / 3.0, 7} {
			d := make([]float64, n)
			for i := range d {
				d[i] = 3 * r.NormFloat64()
			}
			x := make([]float32, n)
			project(norm, eps, x0, d, x)
			for i, v := range x {
				if v < 0 || v > 1 {
					t.Fatalf("%v ε=%g: coordinate %d = %v is outside [0, 1]", norm, eps, i, v)
				}
			}
			if dist := Distance(norm, x, x0); norm == Linf && dist > eps || norm == L2 && dist > eps*(1+1e-12) {
				t.Errorf("%v ε=%g: projected distance %.17g", norm, eps, dist)
			}
		}
	}
}

// With no random start, PGD never returns a point of lower loss than the
// clean image, raises the loss of most images, and raises it more than a
// random perturbation of the same size does.
func TestPGDIncreasesLoss(t *testing.T) {
	m := tinyResNet(3)
	im := randomImages(t, m, 16, 8, 4)
	ctx := context.Background()
	clean := imageLosses(t, m, im)
	for _, norm := range []Norm{Linf, L2} {
		eps := 0.01
		if norm == L2 {
			eps = 0.08
		}
		r, err := PGD(ctx, m, im, PGDConfig{Norm: norm, Eps: eps, Steps: 10}, 2)
		if err != nil {
			t.Fatal(err)
		}
		// The same size in a random direction (sign noise for L∞, a random
		// direction on the sphere for L2).
		rnd := Images{X: slices.Clone(im.X), Shape: im.Shape, Labels: im.Labels}
		rng := rand.New(rand.NewPCG(9, 9))
		d := make([]float64, im.Size())
		for i := range im.Len() {
			for j := range d {
				d[j] = eps * float64(2*rng.IntN(2)-1)
			}
			if norm == L2 {
				d = scaleTo(d, eps)
			}
			project(norm, eps, im.At(i), d, rnd.At(i))
		}
		random := imageLosses(t, m, rnd)
		raised, sumPGD, sumRandom := 0, 0.0, 0.0
		for i := range im.Len() {
			got := float64(r.Loss[i])
			if !r.Fooled[i] && got < clean[i] {
				t.Errorf("%v image %d: loss %.6g after PGD, %.6g clean", norm, i, got, clean[i])
			}
			if r.Fooled[i] || got > clean[i]+1e-4 {
				raised++
			}
			sumPGD += got - clean[i]
			sumRandom += random[i] - clean[i]
		}
		if raised < im.Len()*3/4 {
			t.Errorf("%v: PGD raised the loss (or fooled) on only %d of %d images", norm, raised, im.Len())
		}
		if sumPGD <= 2*max(sumRandom, 0) {
			t.Errorf("%v: loss raised by %.4g in total by PGD, %.4g by random perturbations of the same size", norm, sumPGD, sumRandom)
		}
		t.Logf("%v: PGD raised the summed loss by %.4g, a random perturbation by %.4g; %d fooled", norm, sumPGD, sumRandom, countTrue(r.Fooled))
	}
}

func scaleTo(d []float64, r float64) []float64 {
	s := 0.0
	for _, v := range d {
		s += v * v
	}
	for i := range d {
		d[i] *= r / math.Sqrt(s)
	}
	return d
}

// imageLosses is the cross-entropy of each image on its own.
func imageLosses(t testing.TB, m Model, im Images) []float64 {
	t.Helper()
	tape := autograd.NewTape(autograd.Record)
	out := make([]float64, im.Len())
	for i := range out {
		out[i], _, _ = lossGrad(m, tape, im.At(i), im.Shape, im.Labels[i])
	}
	return out
}

// On a linear two-class model PGD finds the optimal perturbation, so an
// image is fooled exactly when ε exceeds its known minimal perturbation.
func TestPGDLinearFoolsExactlyBeyondMinimum(t *testing.T) {
	l, im := linearProblem(20, 1)
	m := l.model()
	for _, norm := range []Norm{Linf, L2} {
		for _, factor := range []float64{0.98, 1.02} {
			for i := range im.Len() {
				one := Images{X: im.At(i), Shape: im.Shape, Labels: im.Labels[i : i+1]}
				eps := factor * l.minimal(norm, im.At(i))
				r, err := PGD(context.Background(), m, one, PGDConfig{Norm: norm, Eps: eps, Steps: 20}, 1)
				if err != nil {
					t.Fatal(err)
				}
				if want := factor > 1; r.Fooled[0] != want {
					t.Errorf("%v image %d: ε = %.3g × minimum: fooled %v", norm, i, factor, r.Fooled[0])
				}
			}
		}
	}
}

// Robust accuracy is the clean accuracy at ε = 0, never grows with ε, and
// does not depend on the order in which the sizes are given.
func TestRobustAccuracy(t *testing.T) {
	m := tinyResNet(4)
	im := randomImages(t, m, 10, 8, 5)
	for i := range 3 { // three wrong labels: clean accuracy 0.7
		im.Labels[i] = (im.Labels[i] + 1) % 10
	}
	ctx := context.Background()
	cfg := PGDConfig{Norm: Linf, Steps: 5, RandomStart: true, Seed: 2}
	eps := []float64{0, 0.002, 0.01, 0.05, 0.3}
	acc, err := RobustAccuracy(ctx, m, im, cfg, eps, 2)
	if err != nil {
		t.Fatal(err)
	}
	if acc[0] != 0.7 {
		t.Errorf("accuracy at ε = 0 is %v, want the clean 0.7", acc[0])
	}
	for k := 1; k < len(acc); k++ {
		if acc[k] > acc[k-1] {
			t.Errorf("accuracy grows from %v at ε=%g to %v at ε=%g", acc[k-1], eps[k-1], acc[k], eps[k])
		}
	}
	if acc[len(acc)-1] > 0.3 {
		t.Errorf("accuracy %v at ε = 0.3: PGD should fool a random tiny network almost always", acc[len(acc)-1])
	}
	rev := slices.Clone(eps)
	slices.Reverse(rev)
	accRev, err := RobustAccuracy(ctx, m, im, cfg, rev, 1)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(accRev)
	if !slices.Equal(acc, accRev) {
		t.Errorf("sizes in reverse order give %v, in order %v", accRev, acc)
	}
	t.Logf("robust accuracy %v at ε %v", acc, eps)
}

func TestPGDRejectsBadInput(t *testing.T) {
	m := tinyResNet(1)
	im := randomImages(t, m, 2, 8, 1)
	ctx := context.Background()
	if _, err := PGD(ctx, m, im, PGDConfig{Norm: Linf, Eps: -1, Steps: 3}, 1); err == nil {
		t.Error("negative ε accepted")
	}
	bad := Images{X: slices.Clone(im.X), Shape: im.Shape, Labels: im.Labels}
	bad.X[70] = 1.5
	if _, err := PGD(ctx, m, bad, PGDConfig{Norm: Linf, Eps: 0.1, Steps: 3}, 1); err == nil {
		t.Error("a pixel of 1.5 accepted")
	} else {
		t.Log(err)
	}
}
