//go:build purego

package simd

// dotKernel: under purego the Go twin runs SgemmRowsDot's loop, the sums
// in the order of the AVX-512 kernel.
var dotKernel = dotKernelT{ok: true, mr: 4, nr: 6, run: dotTileGo4x6}
