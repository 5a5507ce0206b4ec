//go:build !purego

package simd

import "github.com/klauspost/cpuid/v2"

// selectKernel picks the micro-kernel once at start-up: the 8×12 NEON one.
// Advanced SIMD is part of every arm64 CPU Go runs on; the check is there so
// that a CPU reported without it still gets the Go twin.
func selectKernel() gemmKernel {
	if useAsm {
		return neonKernel8x12
	}
	return goKernel
}

// selectRowsKernel: there is no rows variant on arm64; SgemmRows packs B for
// Sgemm's kernel.
func selectRowsKernel() gemmKernel { return gemmKernel{} }

// useAsm says whether the NEON kernels run.
var useAsm = selectVectorAsm()

func selectVectorAsm() bool { return forcedPath != "purego" && cpuid.CPU.Supports(cpuid.ASIMD) }

// The 8×12 tile: one k step loads 8 values of A (two q registers) and 12 of
// B (three), and makes 24 four-wide multiply-adds into 24 accumulators; with
// those 5 operands that is 29 of the 32 vector registers, the most a tile
// can keep without spilling (BLIS's armv8a sgemm kernel is 8×12 as well).
var neonKernel8x12 = gemmKernel{name: "neon", mr: 8, nr: 12, run: kernel8x12NEON}

// sgemmKernel8x12NEON is the NEON micro-kernel of Sgemm. It computes exactly
// what microKernelGo does for mr=8, nr=12:
//
//	for i := range 8 { for j := range 12 {
//		var acc float32
//		for p := range kc { acc += a[p*8+i] * b[p*12+j] }   // fused multiply-add
//		c[i*ldc+j] = alpha*acc + beta*c[i*ldc+j]   // c not read when beta == 0
//	}}
//
// a points at kc·8 floats, b at kc·12, c at an 8×12 tile with row stride ldc.
//
//go:noescape
func sgemmKernel8x12NEON(kc int, a, b, c *float32, ldc int, alpha, beta float32)

func kernel8x12NEON(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	// Bounds the assembly relies on, checked once here.
	_ = a[kc*8-1]
	_ = b[kc*12-1]
	_ = c[7*ldc+11]
	sgemmKernel8x12NEON(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// availableKernels lists every micro-kernel this CPU can run, for tests and
// benchmarks that compare them.
func availableKernels() []gemmKernel {
	ks := []gemmKernel{goKernel}
	if useAsm {
		ks = append(ks, neonKernel8x12)
	}
	return ks
}

// transpose4StripNEON is the NEON twin of transposeRowsGo for 4 rows and
// k = 4·blocks columns:
//
//	for r := range 4 { for p := range 4 * blocks { dst[p*ldd+r] = src[r*lds+p] } }
//
//go:noescape
func transpose4StripNEON(blocks int, src *float32, lds int, dst *float32, ldd int)

// transposeRows writes dst[p*ldd+r] = src[r*lds+p] for r < rows, p < k:
// packing's transposition, four rows at a time in assembly where it can.
func transposeRows(rows, k int, src []float32, lds int, dst []float32, ldd int) {
	if !useAsm || k < 4 {
		transposeRowsGo(rows, k, src, lds, dst, ldd)
		return
	}
	k4 := k &^ 3
	r := 0
	for ; r+4 <= rows; r += 4 {
		// Bounds the assembly relies on.
		_ = src[(r+3)*lds+k4-1]
		_ = dst[(k4-1)*ldd+r+3]
		transpose4StripNEON(k4/4, &src[r*lds], lds, &dst[r], ldd)
		if k4 < k {
			transposeRowsGo(4, k-k4, src[r*lds+k4:], lds, dst[k4*ldd+r:], ldd)
		}
	}
	if r < rows {
		transposeRowsGo(rows-r, k, src[r*lds:], lds, dst[r:], ldd)
	}
}
