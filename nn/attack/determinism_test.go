package attack

import (
	"context"
	"slices"
	"testing"
)

// Every attack gives bit-identical results on 1 and 3 goroutines and on a
// second run: random starts come from (seed, image), not from a shared
// generator. A different seed gives different random starts.
func TestAttacksDeterministic(t *testing.T) {
	m := tinyResNet(3)
	ctx := context.Background()
	im, starts := labelled(t, m, patternImages(7, 8, 21)), labelled(t, m, patternImages(16, 8, 22))
	pgd := PGDConfig{Norm: L2, Eps: 0.3, Steps: 4, RandomStart: true, Restarts: 1, Seed: 9}
	type run struct {
		adv    []float32
		fooled []bool
		dist   []float64
		bAdv   []float32
		acc    []float64
	}
	do := func(threads int, seed uint64) run {
		c := pgd
		c.Seed = seed
		p, err := PGD(ctx, m, im, c, threads)
		if err != nil {
			t.Fatal(err)
		}
		s, err := MinimalPGD(ctx, m, im, SearchConfig{PGD: c, Iterations: 4}, threads)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Boundary(ctx, m, im, starts, BoundaryConfig{Steps: 60, Seed: seed}, threads)
		if err != nil {
			t.Fatal(err)
		}
		acc, err := RobustAccuracy(ctx, m, im, c, []float64{0.1, 0.5}, threads)
		if err != nil {
			t.Fatal(err)
		}
		return run{p.Adv, p.Fooled, s.Dist, b.Adv, acc}
	}
	want := do(1, 9)
	for _, threads := range []int{3, 1} {
		got := do(threads, 9)
		if !slices.Equal(got.adv, want.adv) || !slices.Equal(got.fooled, want.fooled) {
			t.Errorf("%d goroutines: PGD results differ", threads)
		}
		if !slices.Equal(got.dist, want.dist) {
			t.Errorf("%d goroutines: search distances %v, want %v", threads, got.dist, want.dist)
		}
		if !slices.Equal(got.bAdv, want.bAdv) {
			t.Errorf("%d goroutines: boundary attack results differ", threads)
		}
		if !slices.Equal(got.acc, want.acc) {
			t.Errorf("%d goroutines: robust accuracy %v, want %v", threads, got.acc, want.acc)
		}
	}
	other := do(2, 10)
	if slices.Equal(other.adv, want.adv) || slices.Equal(other.bAdv, want.bAdv) {
		t.Error("seeds 9 and 10 give the same random starts")
	}
}
