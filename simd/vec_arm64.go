//go:build !purego

package simd

// The NEON vector kernels. Each takes slices whose length is a multiple of 8
// (two q registers; the wrappers below hand the remainder to the Go twin) and
// computes what the loop in its comment says; reductions keep 16 partial sums
// in four q registers, so their rounding differs from the Go twin's single
// running sum. The elementwise kernels give the Go twin's bits exactly.

// axpyNEON: for i := range x { y[i] += alpha * x[i] } (fused multiply-add).
//
//go:noescape
func axpyNEON(alpha float32, x, y []float32)

// dotNEON: for i := range x { s += x[i] * y[i] }; return s.
//
//go:noescape
func dotNEON(x, y []float32) float32

// scaleNEON: for i := range x { x[i] *= alpha }.
//
//go:noescape
func scaleNEON(alpha float32, x []float32)

// addNEON: for i := range dst { dst[i] = x[i] + y[i] }.
//
//go:noescape
func addNEON(dst, x, y []float32)

// mulNEON: for i := range dst { dst[i] = x[i] * y[i] }.
//
//go:noescape
func mulNEON(dst, x, y []float32)

// sumNEON: for i := range x { s += x[i] }; return s.
//
//go:noescape
func sumNEON(x []float32) float32

// maxNEON: m := x[0]; for i := range x { if x[i] > m { m = x[i] } }; return m.
//
//go:noescape
func maxNEON(x []float32) float32

// reluNEON: for i := range dst { dst[i] = x[i] if x[i] > 0, else 0 }.
//
//go:noescape
func reluNEON(dst, x []float32)

// reluBackwardNEON: for i := range dx { if x[i] > 0 { dx[i] += dy[i] } }.
//
//go:noescape
func reluBackwardNEON(dx, dy, x []float32)

func axpy(alpha float32, x, y []float32) {
	n := split8(len(x))
	if !useAsm || n == 0 {
		axpyGo(alpha, x, y)
		return
	}
	axpyNEON(alpha, x[:n], y[:n])
	axpyGo(alpha, x[n:], y[n:])
}

func dot(x, y []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return dotGo(x, y)
	}
	return dotNEON(x[:n], y[:n]) + dotGo(x[n:], y[n:])
}

func scale(alpha float32, x []float32) {
	n := split8(len(x))
	if !useAsm || n == 0 {
		scaleGo(alpha, x)
		return
	}
	scaleNEON(alpha, x[:n])
	scaleGo(alpha, x[n:])
}

func add(dst, x, y []float32) {
	n := split8(len(dst))
	if !useAsm || n == 0 {
		addGo(dst, x, y)
		return
	}
	addNEON(dst[:n], x[:n], y[:n])
	addGo(dst[n:], x[n:], y[n:])
}

func mul(dst, x, y []float32) {
	n := split8(len(dst))
	if !useAsm || n == 0 {
		mulGo(dst, x, y)
		return
	}
	mulNEON(dst[:n], x[:n], y[:n])
	mulGo(dst[n:], x[n:], y[n:])
}

func sum(x []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return sumGo(x)
	}
	return sumNEON(x[:n]) + sumGo(x[n:])
}

func maxOf(x []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return maxGo(x)
	}
	m := maxNEON(x[:n])
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
	reluNEON(dst[:n], x[:n])
	reluGo(dst[n:], x[n:])
}

func reluBackward(dx, dy, x []float32) {
	n := split8(len(dx))
	if !useAsm || n == 0 {
		reluBackwardGo(dx, dy, x)
		return
	}
	reluBackwardNEON(dx[:n], dy[:n], x[:n])
	reluBackwardGo(dx[n:], dy[n:], x[n:])
}
