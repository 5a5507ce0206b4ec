package autograd

import (
	"sync"

	"github.com/brainreg/brainreg/simd"
)

// onesBuf is a read-only slice of ones, grown on demand, so that adding a
// constant c to a slice is one vector kernel: simd.Axpy(c, ones(n), x).
var onesBuf struct {
	sync.Mutex
	b []float32
}

// ones returns n ones. Callers must not write to the result.
func ones(n int) []float32 {
	onesBuf.Lock()
	defer onesBuf.Unlock()
	if len(onesBuf.b) < n {
		b := make([]float32, max(n, 2*len(onesBuf.b), 1024))
		for i := range b {
			b[i] = 1
		}
		onesBuf.b = b // earlier callers keep their (shorter) slices
	}
	return onesBuf.b[:n]
}

// addConst adds c to every element of x.
func addConst(x []float32, c float32) { simd.Axpy(c, ones(len(x)), x) }
