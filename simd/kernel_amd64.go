//go:build !purego

package simd

import "github.com/klauspost/cpuid/v2"

// useAsm is decided once at start-up: the assembly kernels need AVX2 and FMA.
var useAsm = cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3)

// sgemmKernel6x16AVX2 is the AVX2+FMA micro-kernel of Sgemm. It computes
// exactly what microKernelGo does for mr=6, nr=16:
//
//	for i := range 6 { for j := range 16 {
//		var acc float32
//		for p := range kc { acc += a[p*6+i] * b[p*16+j] }   // fused multiply-add
//		c[i*ldc+j] = alpha*acc + beta*c[i*ldc+j]   // c not read when beta == 0
//	}}
//
// a points at kc·6 floats, b at kc·16, c at a 6×16 tile with row stride ldc.
//
//go:noescape
func sgemmKernel6x16AVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// microKernel multiplies packed panels into a full 6×16 tile of C.
func microKernel(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	if !useAsm {
		microKernelGo(kc, a, b, c, ldc, alpha, beta)
		return
	}
	// Bounds the assembly relies on, checked once here.
	_ = a[kc*gemmMR-1]
	_ = b[kc*gemmNR-1]
	_ = c[(gemmMR-1)*ldc+gemmNR-1]
	sgemmKernel6x16AVX2(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
}
