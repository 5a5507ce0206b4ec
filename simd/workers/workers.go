// Package workers runs fork-join loops on helper goroutines that stay
// awake for a short while after each loop.
//
// A training step is a chain of a hundred or more short parallel loops (one
// per layer and pass, each a few hundred microseconds to a few
// milliseconds). Starting a fresh goroutine for each one wakes an idle
// processor, and on a virtual machine an idle vCPU is halted: waking it took
// about 100 µs on average here (a small ResNet step measured 128 loops and
// 13.7 ms of such waits in 97 ms), time in which the second core did
// nothing. The helpers here instead spin (yielding to other goroutines) for
// SpinFor after each loop, so that the next loop finds them running, and
// only then park. Nothing is spun while no loop has run for SpinFor.
//
// Run is safe for concurrent and nested use: a call that finds the helpers
// taken (by another goroutine's loop, or by the loop it runs inside) starts
// plain goroutines instead, as if there were no pool.
package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// SpinFor is how long a helper keeps looking for the next loop after
// finishing one before it parks, and how long Run's caller spins waiting for
// the helpers before it parks. Gaps between a training step's loops are tens
// of microseconds; gaps between steps that load data or evaluate are longer
// and end in a park.
const SpinFor = 500 * time.Microsecond

// job is one loop: fn(w) for w = 1 … n−1 on the helpers (fn(0) runs on the
// caller). Each job is a new allocation, so a helper tells a new job from
// the one it ran last by its address.
type job struct {
	fn      func(w int)
	n       int
	pending atomic.Int32 // helpers' calls not yet returned
}

// pool is the process's helpers. Only the goroutine holding busy posts jobs.
type pool struct {
	busy    atomic.Bool
	current atomic.Pointer[job]
	mu      sync.Mutex // guards helpers and the parked waits on wake
	wake    *sync.Cond // broadcast when a job is posted or finishes
	helpers int        // helper goroutines started; helper i serves w = i
}

var shared = newPool()

func newPool() *pool {
	p := &pool{}
	p.wake = sync.NewCond(&p.mu)
	return p
}

// Run calls fn(w) for w = 0 … n−1, each on its own goroutine (w = 0 on the
// caller's), and returns when all have returned. fn must not assume which
// goroutine runs which w.
func Run(n int, fn func(w int)) { shared.run(n, fn) }

func (p *pool) run(n int, fn func(w int)) {
	if n <= 1 {
		if n == 1 {
			fn(0)
		}
		return
	}
	if !p.busy.CompareAndSwap(false, true) {
		spawn(n, fn)
		return
	}
	defer p.busy.Store(false)
	j := &job{fn: fn, n: n}
	j.pending.Store(int32(n - 1))
	p.mu.Lock()
	for p.helpers < n-1 {
		p.helpers++
		go p.helper(p.helpers, p.current.Load())
	}
	p.current.Store(j)
	p.wake.Broadcast()
	p.mu.Unlock()
	fn(0)
	if !spinUntil(func() bool { return j.pending.Load() == 0 }) {
		p.mu.Lock()
		for j.pending.Load() != 0 {
			p.wake.Wait()
		}
		p.mu.Unlock()
	}
}

// helper serves w = id of every job with n > id, starting after the job
// last (the one current when it was started).
func (p *pool) helper(id int, last *job) {
	for {
		var j *job
		if !spinUntil(func() bool { j = p.current.Load(); return j != last }) {
			p.mu.Lock()
			for j = p.current.Load(); j == last; j = p.current.Load() {
				p.wake.Wait()
			}
			p.mu.Unlock()
		}
		last = j
		if id >= j.n {
			continue
		}
		j.fn(id)
		if j.pending.Add(-1) == 0 {
			p.mu.Lock()
			p.wake.Broadcast()
			p.mu.Unlock()
		}
	}
}

// spinUntil polls done, yielding the processor between polls, for up to
// SpinFor, and reports whether done returned true.
func spinUntil(done func() bool) bool {
	var start time.Time
	for i := 0; ; i++ {
		if done() {
			return true
		}
		if i%64 == 0 {
			if i == 0 {
				start = time.Now()
			} else if time.Since(start) > SpinFor {
				return false
			}
		}
		runtime.Gosched()
	}
}

// spawn is Run on fresh goroutines, for calls that find the helpers taken.
func spawn(n int, fn func(w int)) {
	var wg sync.WaitGroup
	for w := 1; w < n; w++ {
		wg.Go(func() { fn(w) })
	}
	fn(0)
	wg.Wait()
}
