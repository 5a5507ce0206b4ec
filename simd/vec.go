package simd

import (
	"fmt"
	"math"
)

// The vector kernels. Each exported function checks lengths and then runs the
// assembly path (AVX2+FMA on amd64, NEON on arm64) on the longest prefix
// whose length is a multiple of 8 and the Go twin on the rest; with purego,
// or without those CPU features, the Go twin runs on everything. The Go twins below are the loops
// the assembly implements.

// Axpy computes y += alpha·x. It panics unless len(y) == len(x).
func Axpy(alpha float32, x, y []float32) {
	sameLen("Axpy", "y", len(y), len(x))
	axpy(alpha, x, y)
}

// Dot returns Σ x[i]·y[i]. It panics unless len(y) == len(x).
func Dot(x, y []float32) float32 {
	sameLen("Dot", "y", len(y), len(x))
	return dot(x, y)
}

// Scale computes x *= alpha.
func Scale(alpha float32, x []float32) { scale(alpha, x) }

// Add computes dst = x + y. It panics unless all three lengths are equal.
func Add(dst, x, y []float32) {
	sameLen("Add", "x", len(x), len(dst))
	sameLen("Add", "y", len(y), len(dst))
	add(dst, x, y)
}

// Mul computes dst = x·y elementwise. It panics unless all three lengths are
// equal.
func Mul(dst, x, y []float32) {
	sameLen("Mul", "x", len(x), len(dst))
	sameLen("Mul", "y", len(y), len(dst))
	mul(dst, x, y)
}

// Sum returns Σ x[i] (0 for an empty slice).
func Sum(x []float32) float32 { return sum(x) }

// Max returns the largest element of x, or -Inf for an empty slice. Where x
// holds NaN the result is unspecified (check with Sum, which propagates it).
func Max(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	return maxOf(x)
}

// Relu computes dst = max(x, 0), with NaN mapped to 0. It panics unless
// len(x) == len(dst).
func Relu(dst, x []float32) {
	sameLen("Relu", "x", len(x), len(dst))
	relu(dst, x)
}

// ReluBackward accumulates the gradient of Relu: dx += dy where x > 0. It
// panics unless all three lengths are equal.
func ReluBackward(dx, dy, x []float32) {
	sameLen("ReluBackward", "dy", len(dy), len(dx))
	sameLen("ReluBackward", "x", len(x), len(dx))
	reluBackward(dx, dy, x)
}

func sameLen(fn, name string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("simd.%s: len(%s)=%d, want %d", fn, name, got, want))
	}
}

// split8 is the length of the longest prefix of an n-slice that the assembly
// handles: a multiple of 8.
func split8(n int) int { return n &^ 7 }

func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

func scaleGo(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

func addGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

func mulGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

func sumGo(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

func maxGo(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	return m
}

func reluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v > 0 {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

func reluBackwardGo(dx, dy, x []float32) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i, v := range x {
		if v > 0 {
			dx[i] += dy[i]
		}
	}
}
