//go:build !purego

package simd

// selectKernel picks the micro-kernel once at start-up from the CPU features
// its instructions need (asmFeatures): AVX-512 (12×32 tile in zmm
// registers), else AVX and FMA3 (6×16 tile in ymm registers, "avx2-fma" by
// name though it has no AVX2 instruction), else the Go twin.
func selectKernel() gemmKernel {
	switch {
	case supports("sgemmKernel12x32AVX512"):
		return gemmKernel{name: "avx512", mr: 12, nr: 32, run: kernel12x32AVX512}
	case supports("sgemmKernel6x16AVX2"):
		return gemmKernel{name: "avx2-fma", mr: 6, nr: 16, run: kernel6x16AVX2}
	}
	return goKernel
}

// selectRowsKernel picks SgemmRows's kernel with a rows variant: the 8×32
// AVX-512 one, whose 8-row tile also fits the 16, 32 and 64 output channels
// of small convolutions better than 12 rows do.
func selectRowsKernel() gemmKernel {
	if supports("sgemmKernel8x32AVX512", "sgemmKernel8x32RowsAVX512") {
		return avx512Kernel8x32
	}
	return gemmKernel{}
}

var avx512Kernel8x32 = gemmKernel{name: "avx512-8x32", mr: 8, nr: 32, run: kernel8x32AVX512, rows: kernel8x32RowsAVX512}

// sgemmKernel8x32AVX512 is the 8×32 AVX-512 micro-kernel: the loop of
// sgemmKernel6x16AVX2 with 8 and 32 in place of 6 and 16.
//
//go:noescape
func sgemmKernel8x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// sgemmKernel8x32RowsAVX512 is its rows variant, the loop of
// microKernelRowsGo for mr=8, nr=32:
//
//	for i := range 8 { for j := range 32 {
//		var acc float32
//		for p := range kc { acc += a[p*8+i] * b[off[p]+j] }   // fused multiply-add
//		c[i*ldc+j] = alpha*acc + beta*c[i*ldc+j]   // c not read when beta == 0
//	}}
//
//go:noescape
func sgemmKernel8x32RowsAVX512(kc int, a, b *float32, off *int, c *float32, ldc int, alpha, beta float32)

func kernel8x32AVX512(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[kc*8-1]
	_ = b[kc*32-1]
	_ = c[7*ldc+31]
	sgemmKernel8x32AVX512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// kernel8x32RowsAVX512 relies on its caller (SgemmRows) for
// off[p]+32 <= len(b), which it checked once for all panels.
func kernel8x32RowsAVX512(kc int, a, b []float32, off []int, c []float32, ldc int, alpha, beta float32) {
	_ = a[kc*8-1]
	_ = off[kc-1]
	_ = c[7*ldc+31]
	sgemmKernel8x32RowsAVX512(kc, &a[0], &b[0], &off[0], &c[0], ldc, alpha, beta)
}

// useAsm says whether the assembly vector kernels (vec, vec_fused,
// vec_stride) and packing's transposition run. They are one path, taken
// where the CPU has what all of them need together: AVX, FMA3 (axpyAsm,
// dotAsm, the fused reductions) and AVX2 (vec_stride's lane permutes and
// integer ops). The fused kernels give the bits of the vector-kernel
// sequences only because both run in assembly or both in Go.
var useAsm = selectVectorAsm()

func selectVectorAsm() bool {
	return supports(
		"axpyAsm", "dotAsm", "scaleAsm", "addAsm", "mulAsm", "sumAsm", "maxAsm", "reluAsm", "reluBackwardAsm",
		"sumSqDevAsm", "sumDotDevAsm", "scaleShiftAsm", "scaleShiftReluAsm", "scaleShiftAddReluAsm", "addAffine2Asm", "momentumStepAsm",
		"gatherEvenAsm", "addToEvenAsm", "deinterleaveAsm", "addInterleavedAsm",
		"transpose8StripAVX2",
	)
}

// sgemmKernel6x16AVX2 is the AVX+FMA micro-kernel of Sgemm (the avx2-fma
// path's). It computes exactly what microKernelGo does for mr=6, nr=16:
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
	if supports("sgemmKernel6x16AVX2") {
		ks = append(ks, gemmKernel{name: "avx2-fma", mr: 6, nr: 16, run: kernel6x16AVX2})
	}
	if supports("sgemmKernel12x32AVX512") {
		ks = append(ks, gemmKernel{name: "avx512", mr: 12, nr: 32, run: kernel12x32AVX512})
	}
	if supports("sgemmKernel8x32AVX512", "sgemmKernel8x32RowsAVX512") {
		ks = append(ks, avx512Kernel8x32)
	}
	return ks
}

// transpose8StripAVX2 is the AVX2 twin of transposeStripGo for 8 rows and
// k = 8·blocks columns:
//
//	for r := range 8 { for p := range 8 * blocks { dst[p*ldd+r] = src[r*lds+p] } }
//
//go:noescape
func transpose8StripAVX2(blocks int, src *float32, lds int, dst *float32, ldd int)

// transposeRows writes dst[p*ldd+r] = src[r*lds+p] for r < rows, p < k:
// packing's transposition, eight rows at a time in assembly where it can.
func transposeRows(rows, k int, src []float32, lds int, dst []float32, ldd int) {
	if !useAsm || k < 8 {
		transposeRowsGo(rows, k, src, lds, dst, ldd)
		return
	}
	k8 := k &^ 7
	r := 0
	for ; r+8 <= rows; r += 8 {
		// Bounds the assembly relies on.
		_ = src[(r+7)*lds+k8-1]
		_ = dst[(k8-1)*ldd+r+7]
		transpose8StripAVX2(k8/8, &src[r*lds], lds, &dst[r], ldd)
		if k8 < k {
			transposeRowsGo(8, k-k8, src[r*lds+k8:], lds, dst[k8*ldd+r:], ldd)
		}
	}
	if r < rows {
		transposeRowsGo(rows-r, k, src[r*lds:], lds, dst[r:], ldd)
	}
}
