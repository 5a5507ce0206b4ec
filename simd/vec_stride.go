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

// Deinterleave splits src into its even and odd elements: even[v] =
// src[2·v], odd[v] = src[2·v+1]. It panics unless len(odd) == len(even)
// and len(src) == 2·len(even).
func Deinterleave(even, odd, src []float32) {
	sameLen("Deinterleave", "odd", len(odd), len(even))
	sameLen("Deinterleave", "src", len(src), 2*len(even))
	deinterleave(even, odd, src)
}

// AddInterleaved adds even and odd back into alternate elements of dst:
// dst[2·v] += even[v], dst[2·v+1] += odd[v]. It panics unless len(odd) ==
// len(even) and len(dst) == 2·len(even).
func AddInterleaved(dst, even, odd []float32) {
	sameLen("AddInterleaved", "odd", len(odd), len(even))
	sameLen("AddInterleaved", "dst", len(dst), 2*len(even))
	addInterleaved(dst, even, odd)
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

func deinterleaveGo(even, odd, src []float32) {
	odd = odd[:len(even)]
	for v := range even {
		even[v], odd[v] = src[2*v], src[2*v+1]
	}
}

func addInterleavedGo(dst, even, odd []float32) {
	odd = odd[:len(even)]
	for v, e := range even {
		dst[2*v] += e
		dst[2*v+1] += odd[v]
	}
}
