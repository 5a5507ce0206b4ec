package simd

import "fmt"

// SgemmRows computes C = alpha·op(A)·op(B) + beta·C like Sgemm, for a
// matrix B whose rows are runs of one slice at arbitrary, possibly
// overlapping, offsets: B[p][j] = b[rowOff[p]+j]. Without transB, B is k×n
// and rowOff has k entries; with transB, op(B) = Bᵀ, B is n×k
// (op(B)[p][j] = b[rowOff[j]+p]) and rowOff has n entries, and packing is
// fastest where runs of 8 consecutive rows are equally spaced. The im2col matrix of a stride-1
// convolution is of this form over a zero-padded image (row (ci, ky, kx)
// starts at ci·Hp·Wp + ky·Wp + kx, see autograd's Conv2d), so the
// convolution runs as one product without building that matrix: packing B
// reads the image directly.
//
// Unlike Sgemm it runs on the calling goroutine only: callers run many such
// products (one per image) in parallel. The result is exactly what Sgemm
// gives for B stored as a matrix. It panics, naming the argument, when a
// dimension is negative, rowOff is shorter than k, or a row runs outside b.
func SgemmRows(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
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
	rows, rowLen, rowsName := k, n, "k"
	if transB {
		rows, rowLen, rowsName = n, k, "n"
	}
	if len(rowOff) < rows {
		panic(fmt.Sprintf("simd.SgemmRows: len(rowOff)=%d, need %s=%d", len(rowOff), rowsName, rows))
	}
	if rowLen > 0 {
		for p, o := range rowOff[:rows] {
			if o < 0 || o+rowLen > len(b) {
				panic(fmt.Sprintf("simd.SgemmRows: row %d of b at rowOff[%d]=%d runs outside len(b)=%d (row length %d)", p, p, o, len(b), rowLen))
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
	gemmSerialB(rowsKernelFor(m), transA, m, n, k, alpha, a, lda, bSource{transB: transB, b: b, rowOff: rowOff[:rows]}, beta, c, ldc)
}

// rowsKernelFor picks SgemmRows's kernel for m rows of C: the rows kernel
// where it pads m to clearly fewer rows than Sgemm's kernel (16, 32 or 64
// rows against 24, 36 or 72), else Sgemm's. Both give the same bits: each
// element of C sums over k in the same order whatever the tile.
func rowsKernelFor(m int) gemmKernel {
	rk, k := rowsKernel, kernel
	if rk.mr == 0 {
		return k
	}
	if ceilDiv(m, rk.mr)*rk.mr+m/16 < ceilDiv(m, k.mr)*k.mr {
		return rk
	}
	return k
}
