package autograd

import (
	"sync/atomic"

	"github.com/brainreg/brainreg/simd"
	"github.com/brainreg/brainreg/simd/workers"
)

// Parallel loops. Work is cut into blocks of a fixed size (the grain) that
// does not depend on the number of goroutines; goroutines take blocks in
// any order, but each block writes only its own outputs, and reductions
// keep one partial result per block and add them in block order. So results
// are bit-identical for any thread count.

// elemGrain is the block size of elementwise loops: large enough that a
// block outweighs the cost of handing it to a goroutine. A variable only so
// that tests can force many blocks on small tensors.
var elemGrain = 1 << 15

// ParallelFor is parallelFor for loops outside this package that follow
// the same rule (each block writes only its own outputs), such as the
// optimisers' elementwise updates.
func ParallelFor(n, grain int, fn func(lo, hi int)) { parallelFor(n, grain, fn) }

// parallelFor calls fn(lo, hi) for the blocks [0,grain), [grain,2·grain), …
// of [0,n), on up to simd.Threads() goroutines including the caller (the
// others are simd/workers' helpers, already awake when loops follow each
// other closely).
//
// Goroutine w owns the w-th contiguous share of the blocks and runs it from
// the front; one that runs out takes blocks from the back of the others'
// shares. So while the machine is even, a loop over images runs each image
// on the same goroutine, and so mostly on the same core, as the loop before
// it: reading a plane on the core that wrote it took two thirds of the time
// it took from the other core's cache here. Which goroutine runs a block
// never changes what the block computes.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	blocks := (n + grain - 1) / grain
	nworkers := min(simd.Threads(), blocks)
	if nworkers <= 1 {
		for lo := 0; lo < n; lo += grain {
			fn(lo, min(lo+grain, n))
		}
		return
	}
	shares := make([]blockShare, nworkers)
	for w := range shares {
		shares[w].set(w*blocks/nworkers, (w+1)*blocks/nworkers)
	}
	run := func(b int) {
		lo := b * grain
		fn(lo, min(lo+grain, n))
	}
	workers.Run(nworkers, func(w int) {
		for b, ok := shares[w].takeFront(); ok; b, ok = shares[w].takeFront() {
			run(b)
		}
		for v := 1; v < nworkers; v++ {
			other := &shares[(w+v)%nworkers]
			for b, ok := other.takeBack(); ok; b, ok = other.takeBack() {
				run(b)
			}
		}
	})
}

// blockShare is the blocks [front, back) not yet taken from one goroutine's
// share, in one word so that its owner (taking the front) and others
// (taking the back) never take the same block.
type blockShare struct {
	span atomic.Uint64 // front<<32 | back
	_    [56]byte      // a cache line to itself
}

func (s *blockShare) set(front, back int) { s.span.Store(uint64(front)<<32 | uint64(back)) }

func (s *blockShare) takeFront() (int, bool) {
	for {
		v := s.span.Load()
		front, back := v>>32, v&0xffffffff
		if front >= back {
			return 0, false
		}
		if s.span.CompareAndSwap(v, (front+1)<<32|back) {
			return int(front), true
		}
	}
}

func (s *blockShare) takeBack() (int, bool) {
	for {
		v := s.span.Load()
		front, back := v>>32, v&0xffffffff
		if front >= back {
			return 0, false
		}
		if s.span.CompareAndSwap(v, front<<32|(back-1)) {
			return int(back - 1), true
		}
	}
}

// parallelSum returns Σ over the blocks of [0,n) of part(lo, hi), adding the
// blocks' partial sums in block order in float64.
func parallelSum(n, grain int, part func(lo, hi int) float64) float64 {
	if n <= 0 {
		return 0
	}
	grain = max(grain, 1)
	partials := make([]float64, (n+grain-1)/grain)
	parallelFor(n, grain, func(lo, hi int) { partials[lo/grain] = part(lo, hi) })
	s := 0.0
	for _, p := range partials {
		s += p
	}
	return s
}

// grainFor returns how many items of the given cost (in elements touched)
// make one block of about elemGrain elements.
func grainFor(cost int) int { return max(1, elemGrain/max(cost, 1)) }
