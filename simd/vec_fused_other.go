//go:build purego || !amd64

package simd

// fusedBitsMatchSequence reports whether the fused kernels give the bits of
// the vector-kernel sequences they replace: here they are Go twins, which
// match the sequences only where those run their Go twins too (not on
// arm64 with NEON, whose reductions sum in another order).
func fusedBitsMatchSequence() bool { return !useAsm }

func sumSqDev(x []float32, mu float32) float32 { return sumSqDevGo(x, mu) }
func sumDotDev(dy, x []float32, mu float32) (sum, dot float32) {
	return sumDotDevGo(dy, x, mu)
}
func scaleShift(dst, x, res []float32, a, b float32, relu bool) {
	scaleShiftGo(dst, x, res, a, b, relu)
}
func addAffine2(dst, x, y []float32, a, b, c float32) { addAffine2Go(dst, x, y, a, b, c) }
func momentumStep(p, buf, g []float32, momentum, gscale, lr float32) {
	momentumStepGo(p, buf, g, momentum, gscale, lr)
}
