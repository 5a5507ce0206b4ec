//go:build !purego

package simd

import "github.com/klauspost/cpuid/v2"

// selectKernel picks the micro-kernel once at start-up from the CPU features:
// AVX-512 (12×32 tile in zmm registers), else AVX2 with FMA (6×16 tile in
// ymm registers), else the Go twin.
func selectKernel() gemmKernel {
	switch {
	case cpuid.CPU.Supports(cpuid.AVX512F):
		return gemmKernel{name: "avx512", mr: 12, nr: 32, run: kernel12x32AVX512}
	case cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3):
		return gemmKernel{name: "avx2-fma", mr: 6, nr: 16, run: kernel6x16AVX2}
	}
	return goKernel
}

// useAsm says whether the assembly vector kernels run: they need AVX2 and FMA.
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

// sgemmKernel12x32AVX512 is the AVX-512 micro-kernel of Sgemm: the loop of
// sgemmKernel6x16AVX2 with 12 and 32 in place of 6 and 16.
//
//go:noescape
func sgemmKernel12x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

func kernel6x16AVX2(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	// Bounds the assembly relies on, checked once here.
	_ = a[kc*6-1]
	_ = b[kc*16-1]
	_ = c[5*ldc+15]
	sgemmKernel6x16AVX2(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

func kernel12x32AVX512(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[kc*12-1]
	_ = b[kc*32-1]
	_ = c[11*ldc+31]
	sgemmKernel12x32AVX512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// availableKernels lists every micro-kernel this CPU can run, for tests and
// benchmarks that compare them.
func availableKernels() []gemmKernel {
	ks := []gemmKernel{goKernel}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		ks = append(ks, gemmKernel{name: "avx2-fma", mr: 6, nr: 16, run: kernel6x16AVX2})
	}
	if cpuid.CPU.Supports(cpuid.AVX512F) {
		ks = append(ks, gemmKernel{name: "avx512", mr: 12, nr: 32, run: kernel12x32AVX512})
	}
	return ks
}
