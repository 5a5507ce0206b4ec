package attack

import (
	"context"
	"testing"
)

// The Boundary attack keeps only misclassified points, never moves away
// from the image, and after its steps is much closer than where it started.
func TestBoundaryMisclassifiedAndShrinking(t *testing.T) {
	m := tinyResNet(3) // puts gratings in three classes
	ctx := context.Background()
	im, starts := labelled(t, m, patternImages(8, 8, 7)), labelled(t, m, patternImages(32, 8, 8))
	cfg := BoundaryConfig{Steps: 1000, Seed: 3}
	r, err := Boundary(ctx, m, im, starts, cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	adv := Images{X: r.Adv, Shape: im.Shape, Labels: im.Labels}
	pred, err := Predict(ctx, m, adv, 1, 1)
	if err != nil {
		t.Fatalf("adversarial images are not valid images: %v", err)
	}
	sumInit, sumFinal := 0.0, 0.0
	for i := range im.Len() {
		if !r.Found[i] {
			t.Errorf("image %d: no misclassified start found", i)
			continue
		}
		if pred[i] == im.Labels[i] {
			t.Errorf("image %d: the returned point is classified correctly", i)
		}
		if d := Distance(L2, adv.At(i), im.At(i)); d != r.L2[i] || Distance(Linf, adv.At(i), im.At(i)) != r.Linf[i] {
			t.Errorf("image %d: reported distances %v, %v for an L2 distance of %v", i, r.L2[i], r.Linf[i], d)
		}
		if r.L2[i] > r.InitL2[i] {
			t.Errorf("image %d: distance grew from %v to %v", i, r.InitL2[i], r.L2[i])
		}
		sumInit += r.InitL2[i]
		sumFinal += r.L2[i]
	}
	if sumFinal > 0.5*sumInit {
		t.Errorf("1000 steps shrank the mean distance only from %.4g to %.4g", sumInit/8, sumFinal/8)
	}
	t.Logf("mean L2 distance %.4g at the start, %.4g after %d steps; queries %v", sumInit/8, sumFinal/8, cfg.Steps, r.Queries)

	// The first 300 steps of a longer run are the 300 steps of a shorter
	// one (same draws), so more steps never end farther away.
	short := cfg
	short.Steps = 300
	rs, err := Boundary(ctx, m, im, starts, short, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range im.Len() {
		if r.L2[i] > rs.L2[i] {
			t.Errorf("image %d: %v after 1000 steps, %v after 300", i, r.L2[i], rs.L2[i])
		}
	}
}

// labelled sets the labels of im to m's predictions.
func labelled(t testing.TB, m Model, im Images) Images {
	pred, err := Predict(context.Background(), m, im, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	copy(im.Labels, pred)
	return im
}

// On the linear model no point the attack returns is closer than the
// known minimum, and it gets near it.
func TestBoundaryLinearApproachesMinimum(t *testing.T) {
	l, im := linearProblem(6, 4)
	r, err := Boundary(context.Background(), l.model(), im, Images{}, BoundaryConfig{Steps: 1000, Seed: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range im.Len() {
		want := l.minimal(L2, im.At(i))
		if r.L2[i] < want*(1-1e-5) {
			t.Errorf("image %d: distance %.6g is below the minimum %.6g", i, r.L2[i], want)
		}
		if r.L2[i] > 1.5*want {
			t.Errorf("image %d: distance %.6g after 1000 steps, minimum %.6g (started at %.4g)", i, r.L2[i], want, r.InitL2[i])
		}
		t.Logf("image %d: minimum %.4g, start %.4g, boundary attack %.4g", i, want, r.InitL2[i], r.L2[i])
	}
}

// When no uniform noise is misclassified, the start comes from the given
// images; without any, the image is reported as not found.
func TestBoundaryStartsFromOtherImages(t *testing.T) {
	l, im := linearProblem(4, 5)
	// Uniform noise has margin about c + 0.5·Σw; make that strongly class 0,
	// then keep only class-0 images to attack.
	l.c = 0
	for _, v := range l.w {
		l.c -= 0.5 * v
	}
	l.c += 20
	m := l.model()
	ctx := context.Background()
	pred, _ := Predict(ctx, m, im, 4, 1)
	copy(im.Labels, pred)
	other := Images{X: make([]float32, 64), Shape: im.Shape, Labels: []int{1}}
	for j := range other.X {
		if l.w[j] < 0 {
			other.X[j] = 1 // margin c + Σ_{w<0} w: class 1
		}
	}
	if p, _ := Predict(ctx, m, other, 1, 1); p[0] != 1 {
		t.Fatal("the starting image is not of class 1")
	}
	cfg := BoundaryConfig{Steps: 50, InitTries: 5}
	r, err := Boundary(ctx, m, im, other, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	none, err := Boundary(ctx, m, im, Images{}, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range im.Len() {
		if im.Labels[i] != 0 {
			continue
		}
		if !r.Found[i] || l.margin(r.Adv[i*64:(i+1)*64]) >= 0 {
			t.Errorf("image %d: found %v with the other image as a start", i, r.Found[i])
		}
		if none.Found[i] {
			t.Errorf("image %d: found a start in uniform noise that the model puts in class 0", i)
		}
	}
}

// Started from APGD's adversarial points at 1.5× the known minimal L2
// perturbation of the linear problem, the Boundary attack refines them to
// within 1 % of the minimum, never below it, never farther than its start,
// and stops by its convergence rule before the step cap.
func TestBoundaryFromRefinesToMinimum(t *testing.T) {
	l, im := linearProblem(6, 9)
	m := l.model()
	ctx := context.Background()
	adv := make([]float32, len(im.X))
	for i := range im.Len() {
		one := Images{X: im.At(i), Shape: im.Shape, Labels: im.Labels[i : i+1]}
		r, err := APGD(ctx, m, one, APGDConfig{Norm: L2, Eps: 1.5 * l.minimal(L2, one.X), Steps: 10, Seed: 1}, 1)
		if err != nil || !r.Fooled[0] {
			t.Fatalf("image %d: APGD at 1.5× the minimum found nothing (%v)", i, err)
		}
		copy(adv[i*64:(i+1)*64], r.Adv)
	}
	cfg := BoundaryConfig{Steps: 20000, ConvergeWindow: 500, Seed: 2}
	r, err := BoundaryFrom(ctx, m, im, adv, cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range im.Len() {
		want := l.minimal(L2, im.At(i))
		if !r.Found[i] || r.InitL2[i] != Distance(L2, adv[i*64:(i+1)*64], im.At(i)) {
			t.Errorf("image %d: found %v, start %v, not APGD's point", i, r.Found[i], r.InitL2[i])
		}
		if r.L2[i] < want*(1-1e-5) || r.L2[i] > 1.01*want || r.L2[i] > r.InitL2[i] {
			t.Errorf("image %d: %.6g from a start at %.6g; minimum %.6g", i, r.L2[i], r.InitL2[i], want)
		}
		if r.Steps[i] >= cfg.Steps {
			t.Errorf("image %d: ran to the cap of %d steps without converging", i, cfg.Steps)
		}
		t.Logf("image %d: minimum %.5g, start %.5g, end %.5g after %d steps", i, want, r.InitL2[i], r.L2[i], r.Steps[i])
	}
	// A start that the model classifies correctly is refused.
	if _, err := BoundaryFrom(ctx, m, im, im.X[:len(im.X)-1], cfg, 1); err == nil {
		t.Error("a start of the wrong length accepted")
	}
	bad := append([]float32(nil), im.X...)
	bad[3] += 1e-3 // image 0, still on its side of the boundary
	if _, err := BoundaryFrom(ctx, m, im, bad, cfg, 1); err == nil {
		t.Error("a correctly classified start accepted")
	}
}
