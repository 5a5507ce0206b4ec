package attack

import (
	"context"
	"slices"
	"testing"
)

// On the known cases (two classes, so no APGD-T) the ensemble (in L2 with
// the Boundary attack) finds every image's minimal perturbation within 1 %,
// never below it; an image is robust exactly when no attack fooled it
// within ε; the ensemble's robust accuracy is never above any of its
// attacks'; and, ε being the median exact minimal perturbation, no image
// is robust whose exact minimal perturbation is below ε, and none is
// fooled whose exact minimal perturbation exceeds ε by more than 1 %.
func TestEnsembleKnownCases(t *testing.T) {
	ctx := context.Background()
	for _, kc := range knownCases(16, 3) {
		for _, n := range []Norm{Linf, L2} {
			// ε at the median exact minimal perturbation: about half robust.
			var exact []float64
			for i := range kc.images.Len() {
				exact = append(exact, kc.minimal(n, kc.images.At(i)))
			}
			eps := Median(exact)
			cfg := EnsembleConfig{Norm: n, Eps: eps,
				APGDCE: &APGDConfig{Steps: 20, Seed: 1},
				FMN:    &FMNConfig{Steps: fmnKnownSteps, Batch: 8}, FAB: &FABConfig{Batch: 8},
				Square: &SquareConfig{Queries: 100, Seed: 3, Batch: 8}}
			if n == L2 {
				cfg.Boundary = &BoundaryConfig{Steps: 2000, ConvergeWindow: 200, Seed: 4}
			}
			r, err := Ensemble(ctx, kc.model, kc.images, cfg, 2)
			if err != nil {
				t.Fatal(err)
			}
			checkKnown(t, kc, n, r.Minimal, r.Adv, 0.01)
			var names []string
			prev := 1.0
			for _, a := range r.Attacks {
				names = append(names, a.Name)
				if a.Accuracy > prev || a.Alone != nil && r.Accuracy > *a.Alone {
					t.Errorf("%s %v: %s: running accuracy %v after %v before; alone %v, ensemble %v", kc.name, n, a.Name, a.Accuracy, prev, a.Alone, r.Accuracy)
				}
				prev = a.Accuracy
			}
			if prev != r.Accuracy {
				t.Errorf("%s %v: the last running accuracy %v is not the ensemble's %v", kc.name, n, prev, r.Accuracy)
			}
			want := []string{"apgd-ce", "fmn", "fab", "square"}
			if n == L2 {
				want = append(want, "boundary")
			}
			if !slices.Equal(names, want) {
				t.Errorf("%s %v: attacks %v, want %v", kc.name, n, names, want)
			}
			for i, e := range exact {
				fooledBySome := false
				for _, a := range r.Attacks {
					fooledBySome = fooledBySome || a.Fooled[i]
				}
				if r.Robust[i] == fooledBySome {
					t.Errorf("%s %v image %d: robust %v while some attack fooled it: %v", kc.name, n, i, r.Robust[i], fooledBySome)
				}
				if r.Robust[i] && e <= eps*(1-1e-6) {
					t.Errorf("%s %v image %d: robust at ε = %.6g with an exact minimal perturbation of %.6g", kc.name, n, i, eps, e)
				}
				if !r.Robust[i] && e > eps*1.01 {
					t.Errorf("%s %v image %d: fooled at ε = %.6g, exact minimal %.6g", kc.name, n, i, eps, e)
				}
			}
			t.Logf("%s %v at ε = %.4g: robust accuracy %.3f, minimal by %v", kc.name, n, eps, r.Accuracy, r.MinimalBy)
		}
	}
}

func TestEnsembleConfigErrors(t *testing.T) {
	for _, c := range []EnsembleConfig{
		{Norm: 5, Eps: 1}, {Norm: Linf}, {Norm: Linf, Eps: 0.1, Boundary: &BoundaryConfig{}},
		{Norm: L2, Eps: 0.1, APGDT: &APGDConfig{}}, {Norm: L2, Eps: 0.1, APGDCE: &APGDConfig{Targets: 2}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
