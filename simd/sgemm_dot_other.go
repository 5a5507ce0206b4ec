//go:build !purego && !amd64

package simd

// dotKernel: without an AVX-512 kernel SgemmRowsDot is SgemmRows, whose
// packed kernels are faster than the Go twin.
var dotKernel = dotKernelT{}
