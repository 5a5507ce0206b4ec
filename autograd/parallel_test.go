package autograd

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/brainreg/brainreg/simd"
)

// TestParallelForRunsEveryBlockOnce: for several thread counts, grains and
// lengths, every block is run exactly once with its own bounds, also when
// one goroutine's share is slow and the others take blocks from it.
func TestParallelForRunsEveryBlockOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 5} {
		prev := simd.SetThreads(threads)
		for _, c := range []struct{ n, grain int }{{1, 1}, {7, 1}, {64, 1}, {100, 8}, {101, 10}, {5, 9}} {
			for _, slowFirst := range []bool{false, true} {
				blocks := (c.n + c.grain - 1) / c.grain
				runs := make([]atomic.Int32, blocks)
				parallelFor(c.n, c.grain, func(lo, hi int) {
					b := lo / c.grain
					if lo != b*c.grain || hi != min(lo+c.grain, c.n) {
						t.Errorf("threads=%d n=%d grain=%d: block [%d, %d)", threads, c.n, c.grain, lo, hi)
					}
					if slowFirst && b == 0 {
						time.Sleep(2 * time.Millisecond) // the rest of share 0 is taken by others
					}
					runs[b].Add(1)
				})
				for b := range runs {
					if got := runs[b].Load(); got != 1 {
						t.Errorf("threads=%d n=%d grain=%d slowFirst=%v: block %d ran %d times", threads, c.n, c.grain, slowFirst, b, got)
					}
				}
			}
		}
		simd.SetThreads(prev)
	}
}

// TestBlockShareTakesFromBothEnds: the owner takes a share's blocks from
// the front and others from the back, and no block is taken twice.
func TestBlockShareTakesFromBothEnds(t *testing.T) {
	var s blockShare
	s.set(3, 7)
	var got []int
	for _, front := range []bool{true, false, true, false, true} {
		take := s.takeBack
		if front {
			take = s.takeFront
		}
		if b, ok := take(); ok {
			got = append(got, b)
		}
	}
	want := []int{3, 6, 4, 5}
	if len(got) != len(want) {
		t.Fatalf("took %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("took %v, want %v", got, want)
		}
	}
}
