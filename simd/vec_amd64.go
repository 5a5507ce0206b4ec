//go:build !purego

package simd

// The AVX2 vector kernels. Each takes slices whose length is a multiple of 8
// (the wrappers in vec_asm.go hand the remainder to the Go twin) and computes what
// the loop in its comment says; reductions keep 32 partial sums in four ymm
// registers, so their rounding differs from the Go twin's single running sum.

// axpyAsm: for i := range x { y[i] += alpha * x[i] } (fused multiply-add).
//
//go:noescape
func axpyAsm(alpha float32, x, y []float32)

// dotAsm: for i := range x { s += x[i] * y[i] }; return s.
//
//go:noescape
func dotAsm(x, y []float32) float32

// scaleAsm: for i := range x { x[i] *= alpha }.
//
//go:noescape
func scaleAsm(alpha float32, x []float32)

// addAsm: for i := range dst { dst[i] = x[i] + y[i] }.
//
//go:noescape
func addAsm(dst, x, y []float32)

// mulAsm: for i := range dst { dst[i] = x[i] * y[i] }.
//
//go:noescape
func mulAsm(dst, x, y []float32)

// sumAsm: for i := range x { s += x[i] }; return s.
//
//go:noescape
func sumAsm(x []float32) float32

// maxAsm: m := x[0]; for i := range x { if x[i] > m { m = x[i] } }; return m.
//
//go:noescape
func maxAsm(x []float32) float32

// reluAsm: for i := range dst { dst[i] = x[i] if x[i] > 0, else 0 }.
//
//go:noescape
func reluAsm(dst, x []float32)

// reluBackwardAsm: for i := range dx { if x[i] > 0 { dx[i] += dy[i] } }.
//
//go:noescape
func reluBackwardAsm(dx, dy, x []float32)
