//go:build !purego && (amd64 || arm64)

package simd

// The wrappers shared by the assembly paths (vec_amd64.go, vec_arm64.go):
// each runs the architecture's xxxAsm kernel on the longest prefix whose
// length is a multiple of 8 and the Go twin on the rest, or the Go twin on
// everything where the CPU lacks the features (useAsm false).

func axpy(alpha float32, x, y []float32) {
	n := split8(len(x))
	if !useAsm || n == 0 {
		axpyGo(alpha, x, y)
		return
	}
	axpyAsm(alpha, x[:n], y[:n])
	axpyGo(alpha, x[n:], y[n:])
}

func dot(x, y []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return dotGo(x, y)
	}
	return dotAsm(x[:n], y[:n]) + dotGo(x[n:], y[n:])
}

func scale(alpha float32, x []float32) {
	n := split8(len(x))
	if !useAsm || n == 0 {
		scaleGo(alpha, x)
		return
	}
	scaleAsm(alpha, x[:n])
	scaleGo(alpha, x[n:])
}

func add(dst, x, y []float32) {
	n := split8(len(dst))
	if !useAsm || n == 0 {
		addGo(dst, x, y)
		return
	}
	addAsm(dst[:n], x[:n], y[:n])
	addGo(dst[n:], x[n:], y[n:])
}

func mul(dst, x, y []float32) {
	n := split8(len(dst))
	if !useAsm || n == 0 {
		mulGo(dst, x, y)
		return
	}
	mulAsm(dst[:n], x[:n], y[:n])
	mulGo(dst[n:], x[n:], y[n:])
}

func sum(x []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return sumGo(x)
	}
	return sumAsm(x[:n]) + sumGo(x[n:])
}

func maxOf(x []float32) float32 {
	n := split8(len(x))
	if !useAsm || n == 0 {
		return maxGo(x)
	}
	m := maxAsm(x[:n])
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
	reluAsm(dst[:n], x[:n])
	reluGo(dst[n:], x[n:])
}

func reluBackward(dx, dy, x []float32) {
	n := split8(len(dx))
	if !useAsm || n == 0 {
		reluBackwardGo(dx, dy, x)
		return
	}
	reluBackwardAsm(dx[:n], dy[:n], x[:n])
	reluBackwardGo(dx[n:], dy[n:], x[n:])
}
