//go:build !purego

package simd

// dotKernel is SgemmRowsDot's 4×6 AVX-512 kernel where the CPU has what it
// needs; elsewhere SgemmRowsDot is SgemmRows.
var dotKernel = selectDotKernel()

// selectDotKernel picks dotKernel. The kernel needs AVX512VL besides
// AVX512F: its reduction adds ymm and xmm halves, some in Y16–Y31 and
// X16–X31 (asmFeatures).
func selectDotKernel() dotKernelT {
	if supports("sdotKernel4x6AVX512") {
		return dotKernelAVX512
	}
	return dotKernelT{}
}

var dotKernelAVX512 = dotKernelT{ok: true, mr: 4, nr: 6, run: dotKernel4x6AVX512}

// sdotKernel4x6AVX512 is the loop of dotTileGo for mr=4, nr=6: rows
// a, a+lda, a+2·lda, a+3·lda of A against rows b+off[0] … b+off[5] of B,
// sixteen lanes at a time into 24 accumulators, each then added as a tree
// into c[i·ldc+j]. lda, ldc and off are in elements.
//
//go:noescape
func sdotKernel4x6AVX512(n16 int, a *float32, lda int, b *float32, off *int, c *float32, ldc int)

func dotKernel4x6AVX512(n16 int, a []float32, lda int, b []float32, off []int, c []float32, ldc int) {
	// Bounds the assembly relies on; B's rows were checked by SgemmRowsDot.
	_ = a[3*lda+16*n16-1]
	_ = off[5]
	_ = c[3*ldc+5]
	sdotKernel4x6AVX512(n16, &a[0], lda, &b[0], &off[0], &c[0], ldc)
}
