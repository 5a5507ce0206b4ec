//go:build !purego

package simd

import "testing"

// fmaLoopAsm runs the current path's assembly loop and returns its lanes,
// or nil when the path has none.
func fmaLoopAsm(t *testing.T, iters int, a, b float32) []float32 {
	t.Helper()
	var out [16]float32
	switch {
	case kernel.name == "avx512" && supports("fmaLoopAVX512"):
		fmaLoopAVX512(iters, a, b, &out)
		return out[:]
	case kernel.name == "avx2-fma" && supports("fmaLoopAVX2"):
		fmaLoopAVX2(iters, a, b, &out)
		return out[:8]
	}
	return nil
}
