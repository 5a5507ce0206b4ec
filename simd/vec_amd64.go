//go:build !purego

package simd

// The AVX2 vector kernels. Each takes slices whose length is a multiple of 8
// (the wrappers below hand the remainder to the Go twin) and computes what
// the loop in its comment says; reductions keep 32 partial sums in four ymm
// registers, so their rounding differs from the Go twin's single running sum.

// axpyAVX2: for i := range x { y[i] += alpha * x[i] } (fused multiply-add).
//
//go:noescape
func axpyAVX2(alpha float32, x, y []float32)

// dotAVX2: for i := range x { s += x[i] * y[i] }; return s.
//
//go:noescape
func dotAVX2(x, y []float32) float32

// scaleAVX2: for i := range x { x[i] *= alpha }.
//
//go:noescape
func scaleAVX2(alpha float32, x []float32)

// addAVX2: for i := range dst { dst[i] = x[i] + y[i] }.
//
//go:noescape
func addAVX2(dst, x, y []float32)

// mulAVX2: for i := range dst { dst[i] = x[i] * y[i] }.
//
//go:noescape
func mulAVX2(dst, x, y []float32)

// sumAVX2: for i := range x { s += x[i] }; return s.
//
//go:noescape
func sumAVX2(x []float32) float32

// maxAVX2: m := x[0]; for i := range x { if x[i] > m { m = x[i] } }; return m.
//
//go:noescape
func maxAVX2(x []float32) float32

// reluAVX2: for i := range dst { dst[i] = x[i] if x[i] > 0, else 0 }.
//
//go:noescape
func reluAVX2(dst, x []float32)

// reluBackwardAVX2: for i := range dx { if x[i] > 0 { dx[i] += dy[i] } }.
//
//go:noescape
func reluBackwardAVX2(dx, dy, x []float32)

func axpy(alpha float32, x, y []float32) {
	n := split8(len(x))
	if !useAsm || n == 0 {
		axpyGo(alpha, x, y)
		return
	}
	axpyAVX2(alpha, x[:n], y[:n])
	axpyGo(alpha, x[n:], y[n:])
}

func dot(x, y []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return dotGo(x, y)
	}
	return dotAVX2(x[:n], y[:n]) + dotGo(x[n:], y[n:])
}

func scale(alpha float32, x []float32) {
	n := split8(len(x))
	if !useAsm || n == 0 {
		scaleGo(alpha, x)
		return
	}
	scaleAVX2(alpha, x[:n])
	scaleGo(alpha, x[n:])
}

func add(dst, x, y []float32) {
	n := split8(len(dst))
	if !useAsm || n == 0 {
		addGo(dst, x, y)
		return
	}
	addAVX2(dst[:n], x[:n], y[:n])
	addGo(dst[n:], x[n:], y[n:])
}

func mul(dst, x, y []float32) {
	n := split8(len(dst))
	if !useAsm || n == 0 {
		mulGo(dst, x, y)
		return
	}
	mulAVX2(dst[:n], x[:n], y[:n])
	mulGo(dst[n:], x[n:], y[n:])
}

func sum(x []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return sumGo(x)
	}
	return sumAVX2(x[:n]) + sumGo(x[n:])
}

func maxOf(x []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return maxGo(x)
	}
	m := maxAVX2(x[:n])
	if n < len(x) {
		if t := maxGo(x[n:]); t > m {
			m = t
		}
	}
	return m
}

func relu(dst, x []float32) {
	n := split8(len(dst))
	if !useAsm || n == 0 {
		reluGo(dst, x)
		return
	}
	reluAVX2(dst[:n], x[:n])
	reluGo(dst[n:], x[n:])
}

func reluBackward(dx, dy, x []float32) {
	n := split8(len(dx))
	if !useAsm || n == 0 {
		reluBackwardGo(dx, dy, x)
		return
	}
	reluBackwardAVX2(dx[:n], dy[:n], x[:n])
	reluBackwardGo(dx[n:], dy[n:], x[n:])
}
