package attack

import (
	"context"
	"math"
	"testing"
)

// On the linear model the search brackets the known minimum: PGD failed at
// Lo < minimum ≤ Dist ≤ Hi, and the bracket is as narrow as the bisections
// make it.
func TestMinimalPGDBracketsLinearMinimum(t *testing.T) {
	l, im := linearProblem(16, 2)
	m := l.model()
	for _, norm := range []Norm{Linf, L2} {
		cfg := SearchConfig{PGD: PGDConfig{Norm: norm, Steps: 20}, Iterations: 12}
		r, err := MinimalPGD(context.Background(), m, im, cfg, 2)
		if err != nil {
			t.Fatal(err)
		}
		hi0 := cfg.withDefaults().Hi
		for i := range im.Len() {
			want := l.minimal(norm, im.At(i))
			lo, hi, dist := r.Lo[i], r.Hi[i], r.Dist[i]
			if !(lo <= want*(1+1e-5) && want <= dist*(1+1e-5) && dist <= hi*(1+1e-6)) {
				t.Errorf("%v image %d: minimum %.6g, bracket [%.6g, %.6g], distance %.6g", norm, i, want, lo, hi, dist)
			}
			// The bracket started at [0, Hi] or a doubling of it, and
			// halved 12 times.
			width := hi0
			for width < want {
				width *= 2
			}
			if hi-lo > width/4096*(1+1e-9) {
				t.Errorf("%v image %d: bracket [%.6g, %.6g] wider than %.3g after 12 bisections", norm, i, lo, hi, width/4096)
			}
			if Distance(norm, r.Adv[i*64:(i+1)*64], im.At(i)) != dist {
				t.Errorf("%v image %d: Dist is not the distance of Adv", norm, i)
			}
			if l.margin(r.Adv[i*64:(i+1)*64])*l.margin(im.At(i)) > 0 {
				t.Errorf("%v image %d: Adv is on the image's side of the boundary", norm, i)
			}
		}
	}
}

// A misclassified image needs no perturbation; an image that PGD cannot
// move across the boundary inside the whole box gets +Inf.
func TestMinimalPGDEdgeCases(t *testing.T) {
	l, im := linearProblem(2, 3)
	im.Labels[0] = 1 - im.Labels[0] // now misclassified
	m := l.model()
	r, err := MinimalPGD(context.Background(), m, im, SearchConfig{PGD: PGDConfig{Norm: Linf, Steps: 10}, MaxHi: 0.06}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Dist[0] != 0 {
		t.Errorf("misclassified image: distance %v, want 0", r.Dist[0])
	}
	// A bias far beyond what any image in the box can overcome.
	l.c += 1e4
	for i := range im.Labels {
		im.Labels[i] = 0
	}
	r, err = MinimalPGD(context.Background(), l.model(), im, SearchConfig{PGD: PGDConfig{Norm: Linf, Steps: 3}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(r.Dist[0], 1) || !math.IsInf(r.Hi[0], 1) {
		t.Errorf("unreachable boundary: distance %v, bracket [%v, %v], want +Inf", r.Dist[0], r.Lo[0], r.Hi[0])
	}
}
