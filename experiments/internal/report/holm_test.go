package report

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Worked by hand: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 are
// 0.02, 0.03, 0.06, 0.04; the running maximum makes the last 0.06.
func TestHolmWorkedExample(t *testing.T) {
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Fatalf("Holm = %v, want %v", got, want)
		}
	}
}

func TestHolmNaNAndCap(t *testing.T) {
	got := Holm([]float64{math.NaN(), 0.6, 0.02, math.NaN()})
	// m = 2: 0.02·2 = 0.04, 0.6·1 = 0.6.
	if !math.IsNaN(got[0]) || !math.IsNaN(got[3]) || got[1] != 0.6 || got[2] != 0.04 {
		t.Fatalf("Holm = %v", got)
	}
	if got := Holm([]float64{0.5, 0.9}); got[0] != 1 || got[1] != 1 {
		t.Fatalf("Holm caps at 1: got %v", got)
	}
	if got := Holm(nil); len(got) != 0 {
		t.Fatalf("Holm(nil) = %v", got)
	}
}

// Properties on random families: never below the raw p, never above 1 or
// Bonferroni's m·p, and the order of the p-values kept.
func TestHolmProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		m := 1 + rng.IntN(12)
		ps := make([]float64, m)
		for i := range ps {
			ps[i] = math.Pow(rng.Float64(), 3)
		}
		adj := Holm(ps)
		for i := range ps {
			if adj[i] < ps[i] || adj[i] > 1 || adj[i] > math.Min(1, float64(m)*ps[i])+1e-15 {
				t.Fatalf("p %v: Holm %v out of [p, min(1, m·p)]", ps, adj)
			}
			for j := range ps {
				if ps[i] < ps[j] && adj[i] > adj[j] {
					t.Fatalf("p %v: Holm %v not monotone", ps, adj)
				}
			}
		}
	}
}
