package workers

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runCounts runs Run(n, …) and returns how often each w was called.
func runCounts(run func(n int, fn func(int)), n int) []int32 {
	counts := make([]atomic.Int32, n)
	run(n, func(w int) { counts[w].Add(1) })
	out := make([]int32, n)
	for w := range counts {
		out[w] = counts[w].Load()
	}
	return out
}

func checkOnce(t *testing.T, what string, counts []int32) {
	t.Helper()
	for w, c := range counts {
		if c != 1 {
			t.Fatalf("%s: w=%d called %d times, want once (all: %v)", what, w, c, counts)
		}
	}
}

// TestRunCallsEachWorkerOnce runs many loops of changing widths on one
// pool, so that helpers are started, reused, left out of narrower loops
// and taken back into wider ones.
func TestRunCallsEachWorkerOnce(t *testing.T) {
	p := newPool()
	for i := range 2000 {
		n := 1 + i%5
		if i%7 == 0 {
			n = 8
		}
		checkOnce(t, "loop", runCounts(p.run, n))
	}
	if p.helpers != 7 {
		t.Errorf("helpers started: %d, want 7 (the widest loop less the caller)", p.helpers)
	}
	p.run(0, func(int) { t.Error("Run(0) called fn") })
}

// TestRunWaitsForSlowHelpers: Run returns only after every call has
// returned, also when the caller parks while waiting.
func TestRunWaitsForSlowHelpers(t *testing.T) {
	p := newPool()
	var done atomic.Int32
	p.run(3, func(w int) {
		if w > 0 {
			time.Sleep(3 * SpinFor)
		}
		done.Add(1)
	})
	if got := done.Load(); got != 3 {
		t.Fatalf("Run returned with %d of 3 calls finished", got)
	}
}

// TestRunAfterHelpersPark: loops that start after the helpers have
// stopped spinning and parked still run every w.
func TestRunAfterHelpersPark(t *testing.T) {
	p := newPool()
	for range 3 {
		checkOnce(t, "after a pause", runCounts(p.run, 3))
		time.Sleep(4 * SpinFor)
	}
}

// TestRunNestedAndConcurrent: a Run inside a loop, and Runs from several
// goroutines at once, find the helpers taken and still run every w.
func TestRunNestedAndConcurrent(t *testing.T) {
	p := newPool()
	var inner [4][]int32
	p.run(4, func(w int) { inner[w] = runCounts(p.run, 3) })
	for w, c := range inner {
		checkOnce(t, "nested in w="+string(rune('0'+w)), c)
	}
	var wg sync.WaitGroup
	results := make([][]int32, 8)
	for g := range results {
		wg.Go(func() {
			for range 200 {
				results[g] = runCounts(p.run, 1+g%4)
				for _, c := range results[g] {
					if c != 1 {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	for g, c := range results {
		checkOnce(t, "concurrent", c)
		if len(c) != 1+g%4 {
			t.Fatalf("goroutine %d: %d workers, want %d", g, len(c), 1+g%4)
		}
	}
}
