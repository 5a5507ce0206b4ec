package simd

// Fused vector kernels for batch norm: each does in one pass over its
// operands what a sequence of the kernels in vec.go would do in several,
// with the same roundings in the same order, so the results are those of
// that sequence to the bit (the sequence is given with each kernel). Like
// the kernels in vec.go they run in assembly on the longest prefix whose
// length is a multiple of 8 (AVX2 and FMA on amd64) and as the Go twin on
// the rest; with purego, or on other architectures, the Go twin runs on
// everything.

// SumSqDev returns Σ (x[i] − mu)²: Dot(dev, dev) of dev = x − mu.
func SumSqDev(x []float32, mu float32) float32 { return sumSqDev(x, mu) }

// SumDotDev returns Σ dy[i] and Σ dy[i]·(x[i] − mu): Sum(dy) and Dot(dy,
// dev) of dev = x − mu. It panics unless len(x) == len(dy).
func SumDotDev(dy, x []float32, mu float32) (sum, dot float32) {
	sameLen("SumDotDev", "x", len(x), len(dy))
	return sumDotDev(dy, x, mu)
}

// ScaleShift computes dst = a·x + b, then adds res unless it is nil, then
// applies Relu if relu: the product and each sum rounded in turn, as
// Scale, Axpy of b times ones, Add and Relu would. It panics unless the
// lengths are equal.
func ScaleShift(dst, x, res []float32, a, b float32, relu bool) {
	sameLen("ScaleShift", "x", len(x), len(dst))
	if res != nil {
		sameLen("ScaleShift", "res", len(res), len(dst))
	}
	scaleShift(dst, x, res, a, b, relu)
}

// AddAffine2 computes dst += a·x + b·y + c: Axpy(a, x, dst), Axpy(b, y,
// dst), then c added. It panics unless the lengths are equal.
func AddAffine2(dst, x, y []float32, a, b, c float32) {
	sameLen("AddAffine2", "x", len(x), len(dst))
	sameLen("AddAffine2", "y", len(y), len(dst))
	addAffine2(dst, x, y, a, b, c)
}

// MomentumStep computes buf = momentum·buf + gscale·g, then p += -lr·buf: an
// SGD step with momentum in one pass, Scale(momentum, buf), Axpy(gscale,
// g, buf) and Axpy(−lr, buf, p). It panics unless the lengths are equal.
func MomentumStep(p, buf, g []float32, momentum, gscale, lr float32) {
	sameLen("MomentumStep", "buf", len(buf), len(p))
	sameLen("MomentumStep", "g", len(g), len(p))
	momentumStep(p, buf, g, momentum, gscale, lr)
}

// The Go twins: the loops the assembly implements (with fused multiply-adds
// where the assembly of Dot and Axpy has them).

func sumSqDevGo(x []float32, mu float32) float32 {
	var s float32
	for _, v := range x {
		d := v - mu
		s += d * d
	}
	return s
}

func sumDotDevGo(dy, x []float32, mu float32) (sum, dot float32) {
	x = x[:len(dy)]
	for i, g := range dy {
		sum += g
		dot += g * (x[i] - mu)
	}
	return sum, dot
}

func scaleShiftGo(dst, x, res []float32, a, b float32, relu bool) {
	x = x[:len(dst)]
	for i, v := range x {
		y := float32(v*a) + b // rounded twice, as Scale then Axpy
		if res != nil {
			y += res[i]
		}
		if relu && !(y > 0) {
			y = 0
		}
		dst[i] = y
	}
}

func addAffine2Go(dst, x, y []float32, a, b, c float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		d := dst[i] + a*x[i]
		d += b * y[i]
		dst[i] = d + c
	}
}

func momentumStepGo(p, buf, g []float32, momentum, gscale, lr float32) {
	buf, g = buf[:len(p)], g[:len(p)]
	for i := range p {
		b := float32(buf[i] * momentum) // rounded, as Scale
		b += gscale * g[i]
		buf[i] = b
		p[i] += -lr * b
	}
}
