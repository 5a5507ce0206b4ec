//go:build !purego

package simd

// fmaLoop returns the register-only FMA loop of the current kernel path,
// its lanes per instruction and a description.
func fmaLoop() (run func(iters int), lanes int, loop string) {
	var out [16]float32
	switch {
	case kernel.name == "avx512" && supports("fmaLoopAVX512"):
		return func(iters int) { fmaLoopAVX512(iters, 0.5, 1, &out) }, 16, "avx512: 12 chains of 16-lane VFMADD213PS (zmm)"
	case kernel.name == "avx2-fma" && supports("fmaLoopAVX2"):
		return func(iters int) { fmaLoopAVX2(iters, 0.5, 1, &out) }, 8, "avx2-fma: 12 chains of 8-lane VFMADD213PS (ymm)"
	}
	return func(iters int) { fmaLoopGo(iters, 0.5, 1, 1) }, 1, kernel.name + ": 12 chains of scalar Go arithmetic (the pure-Go twin)"
}

// fmaLoopAVX512 is fmaLoopGo in zmm registers: fmaChains accumulators of
// 16 lanes, iters steps of acc ← acc·a + b (VFMADD213PS), then the sum of
// the accumulators, lane by lane, written to out. Loads and stores happen
// only before and after the loop.
//
//go:noescape
func fmaLoopAVX512(iters int, a, b float32, out *[16]float32)

// fmaLoopAVX2 is fmaLoopAVX512 in ymm registers (8 lanes, out[:8]).
//
//go:noescape
func fmaLoopAVX2(iters int, a, b float32, out *[16]float32)
