package simd

import "fmt"

// Stride-2 copies, for the phase planes of a stride-2 convolution (see
// autograd's Conv2d): splitting an image row into its even and odd pixels,
// and adding them back. On amd64 they run in AVX2 assembly on the longest
// prefix that whole 8-float blocks of the shorter slice cover and as the Go
// twin on the rest; with purego, or on other architectures, the Go twin
// runs on everything. They only move and add values, so the assembly gives
// the Go twin's bits.

// GatherEven sets dst[v] = src[2·v] for every v: the even elements of src
// (src[1:] gives the odd ones). It panics unless len(src) ≥ 2·len(dst) − 1.
func GatherEven(dst, src []float32) {
	if len(dst) > 0 && len(src) < 2*len(dst)-1 {
		panic(fmt.Sprintf("simd.GatherEven: len(src)=%d, need at least 2·len(dst)−1=%d", len(src), 2*len(dst)-1))
	}
	gatherEven(dst, src)
}

// AddToEven adds src[v] to dst[2·v] for every v, leaving the odd elements
// of dst unchanged (dst[1:] takes the odd ones). It panics unless
// len(dst) ≥ 2·len(src) − 1.
func AddToEven(dst, src []float32) {
	if len(src) > 0 && len(dst) < 2*len(src)-1 {
		panic(fmt.Sprintf("simd.AddToEven: len(dst)=%d, need at least 2·len(src)−1=%d", len(dst), 2*len(src)-1))
	}
	addToEven(dst, src)
}

// The Go twins.

func gatherEvenGo(dst, src []float32) {
	for v := range dst {
		dst[v] = src[2*v]
	}
}

func addToEvenGo(dst, src []float32) {
	for v, s := range src {
		dst[2*v] += s
	}
}
