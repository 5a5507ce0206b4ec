package simd

import (
	"math"
	"testing"
	"time"
)

// The loop of the current path computes what its twin does: every step
// ran, on every lane. a = 0.5 makes acc·a exact, so that fused and unfused
// arithmetic agree; b = 0.3 keeps the values from settling at once (the
// sequence 0.3·(2 − 2^−k) needs about 24 steps to reach its fixed point).
func TestFMALoopMatchesTwin(t *testing.T) {
	// The twin itself: 12 chains of 0.3·(2 − 2^{1−k}) after k steps.
	if got, want := fmaLoopGo(3, 0.5, 0.3, 1)[0], 12*float32(0.3*1.75); math.Abs(float64(got-want)) > 1e-5 {
		t.Fatalf("twin after 3 steps: %v, want %v", got, want)
	}
	for _, iters := range []int{0, 1, 2, 7, 30, 1000} {
		want := fmaLoopGo(iters, 0.5, 0.3, 16)
		got := fmaLoopAsm(t, iters, 0.5, 0.3)
		if got == nil {
			t.Skip("no assembly FMA loop on this path")
		}
		for i, v := range got {
			if v != want[i] {
				t.Fatalf("%d steps: lane %d = %v, twin %v", iters, i, v, want[i])
			}
		}
	}
}

func TestFMAPeak(t *testing.T) {
	g, loop := FMAPeak(1, 2*time.Millisecond)
	if !(g > 0) || math.IsInf(g, 0) || loop == "" {
		t.Fatalf("FMAPeak = %v GFLOP/s, %q", g, loop)
	}
	t.Logf("%.1f GFLOP/s on one core: %s", g, loop)
}

func BenchmarkFMAPeak(b *testing.B) {
	for range b.N {
		g, _ := FMAPeak(Threads(), 50*time.Millisecond)
		b.ReportMetric(g, "GFLOP/s")
	}
}
