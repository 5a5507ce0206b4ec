package simd

import "fmt"

// SgemmRows computes C = alpha·op(A)·B + beta·C like Sgemm, for a k×n matrix
// B whose rows are runs of one slice at arbitrary, possibly overlapping,
// offsets: B[p][j] = b[rowOff[p]+j]. The im2col matrix of a stride-1
// convolution is of this form over a zero-padded image (row (ci, ky, kx)
// starts at ci·Hp·Wp + ky·Wp + kx, see autograd's Conv2d), so the
// convolution runs as one product without building that matrix: packing B
// reads the image directly.
//
// Unlike Sgemm it runs on the calling goroutine only: callers run many such
// products (one per image) in parallel. The result is exactly what Sgemm
// gives for B stored as a matrix. It panics, naming the argument, when a
// dimension is negative, rowOff is shorter than k, or a row runs outside b.
func SgemmRows(transA bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, rowOff []int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("simd.SgemmRows: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	checkMatrix("a", "lda", a, aRows, aCols, lda)
	checkMatrix("c", "ldc", c, m, n, ldc)
	if len(rowOff) < k {
		panic(fmt.Sprintf("simd.SgemmRows: len(rowOff)=%d, need k=%d", len(rowOff), k))
	}
	if n > 0 {
		for p, o := range rowOff[:k] {
			if o < 0 || o+n > len(b) {
				panic(fmt.Sprintf("simd.SgemmRows: row %d of b at rowOff[%d]=%d runs outside len(b)=%d (n=%d)", p, p, o, len(b), n))
			}
		}
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	gemmSerialB(kernel, transA, m, n, k, alpha, a, lda, bSource{b: b, rowOff: rowOff[:k]}, beta, c, ldc)
}
