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
	var next atomic.Int64
	work := func() {
		for {
			b := int(next.Add(1)) - 1
			if b >= blocks {
				return
			}
			lo := b * grain
			fn(lo, min(lo+grain, n))
		}
	}
	workers.Run(nworkers, func(int) { work() })
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
