//go:build !purego

package simd

// fusedBitsMatchSequence reports whether the fused kernels give the bits of
// the vector-kernel sequences they replace: on amd64 they do, in assembly
// and in Go alike.
func fusedBitsMatchSequence() bool { return true }

// sumSqDevAsm is sumSqDevGo for len(x) a multiple of 8, in four 8-lane
// accumulators as dotAsm.
//
//go:noescape
func sumSqDevAsm(x []float32, mu float32) float32

// sumDotDevAsm is sumDotDevGo for len(dy) a multiple of 8, its sums in
// four 8-lane accumulators each as sumAsm and dotAsm.
//
//go:noescape
func sumDotDevAsm(dy, x []float32, mu float32) (sum, dot float32)

// scaleShiftAsm is scaleShiftGo without res, relu false; scaleShiftReluAsm
// with relu true; scaleShiftAddReluAsm with res and relu. len(dst) is a
// multiple of 8.
//
//go:noescape
func scaleShiftAsm(dst, x []float32, a, b float32)

//go:noescape
func scaleShiftReluAsm(dst, x []float32, a, b float32)

//go:noescape
func scaleShiftAddReluAsm(dst, x, res []float32, a, b float32)

// addAffine2Asm is addAffine2Go for len(dst) a multiple of 8.
//
//go:noescape
func addAffine2Asm(dst, x, y []float32, a, b, c float32)

// momentumStepAsm is momentumStepGo for len(p) a multiple of 8.
//
//go:noescape
func momentumStepAsm(p, buf, g []float32, momentum, gscale, lr float32)

func momentumStep(p, buf, g []float32, momentum, gscale, lr float32) {
	n := split8(len(p))
	if !useAsm || n == 0 {
		momentumStepGo(p, buf, g, momentum, gscale, lr)
		return
	}
	momentumStepAsm(p[:n], buf[:n], g[:n], momentum, gscale, lr)
	momentumStepGo(p[n:], buf[n:], g[n:], momentum, gscale, lr)
}

func sumSqDev(x []float32, mu float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return sumSqDevGo(x, mu)
	}
	return sumSqDevAsm(x[:n], mu) + sumSqDevGo(x[n:], mu)
}

func sumDotDev(dy, x []float32, mu float32) (sum, dot float32) {
	n := split8(len(dy))
	if !useAsm || n == 0 {
		return sumDotDevGo(dy, x, mu)
	}
	s, d := sumDotDevAsm(dy[:n], x[:n], mu)
	s2, d2 := sumDotDevGo(dy[n:], x[n:], mu)
	return s + s2, d + d2
}

func scaleShift(dst, x, res []float32, a, b float32, relu bool) {
	n := split8(len(dst))
	if !useAsm || n == 0 || (res != nil && !relu) {
		scaleShiftGo(dst, x, res, a, b, relu)
		return
	}
	switch {
	case res != nil:
		scaleShiftAddReluAsm(dst[:n], x[:n], res[:n], a, b)
		scaleShiftGo(dst[n:], x[n:], res[n:], a, b, relu)
	case relu:
		scaleShiftReluAsm(dst[:n], x[:n], a, b)
		scaleShiftGo(dst[n:], x[n:], nil, a, b, relu)
	default:
		scaleShiftAsm(dst[:n], x[:n], a, b)
		scaleShiftGo(dst[n:], x[n:], nil, a, b, relu)
	}
}

func addAffine2(dst, x, y []float32, a, b, c float32) {
	n := split8(len(dst))
	if !useAsm || n == 0 {
		addAffine2Go(dst, x, y, a, b, c)
		return
	}
	addAffine2Asm(dst[:n], x[:n], y[:n], a, b, c)
	addAffine2Go(dst[n:], x[n:], y[n:], a, b, c)
}
