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
	checkRowsArgs(transB, m, n, k, b, rowOff, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	gemmSerialB(rowsKernelFor(m), m, n, k, alpha, aSource{transA: transA, a: a, lda: lda},
		bSource{transB: transB, b: b, rowOff: rowOff[:rowsOfB(transB, n, k)]}, beta, c, ldc)
}

// checkRowsArgs panics, naming the argument, on a B given by row offsets or
// a C that SgemmRows would read or write out of bounds.
func checkRowsArgs(transB bool, m, n, k int, b []float32, rowOff []int, c []float32, ldc int) {
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
}

// rowsOfB is how many rows of b a product given by row offsets reads: k,
// or n with transB.
func rowsOfB(transB bool, n, k int) int {
	if transB {
		return n
	}
	return k
}

// PackedA is op(A) packed once for SgemmRowsPacked, for many products with
// the same left operand (a convolution's weights, applied to every image of
// a batch): SgemmRows packs A anew on every call. It is a view on the
// buffer given to PackA, which must stay unchanged while it is used.
type PackedA struct {
	m, k int
	kern gemmKernel
	mPad int // m rounded up to the kernel's mr
	kc   int // depth of the slices of k: the blocking's kc when packed
	data []float32
}

// PackedASize is the length of the buffer PackA needs for an m×k op(A).
func PackedASize(m, k int) int {
	mr := rowsKernelFor(m).mr
	return ceilDiv(m, mr) * mr * k
}

// PackA packs the m×k matrix op(A) (A stored as for SgemmRows) into dst,
// which must hold PackedASize(m, k) floats, for the kernel SgemmRows would
// pick: kc-deep slices of k (kc of GemmBlocking) one after another, each as
// mr-tall panels stored column by column (packA's layout), rows past m
// zero. The products keep the kernel and kc it was packed for.
func PackA(dst []float32, transA bool, m, k int, a []float32, lda int) PackedA {
	if m < 0 || k < 0 {
		panic(fmt.Sprintf("simd.PackA: negative dimension m=%d k=%d", m, k))
	}
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	checkMatrix("a", "lda", a, aRows, aCols, lda)
	if need := PackedASize(m, k); len(dst) < need {
		panic(fmt.Sprintf("simd.PackA: len(dst)=%d, need PackedASize(%d, %d)=%d", len(dst), m, k, need))
	}
	kern := rowsKernelFor(m)
	p := PackedA{m: m, k: k, kern: kern, mPad: ceilDiv(m, kern.mr) * kern.mr, kc: blockings.sgemm.kc}
	p.data = dst[:p.mPad*k]
	if m == 0 {
		return p
	}
	for pc := 0; pc < k; pc += p.kc {
		packA(kern.mr, transA, a, lda, 0, pc, m, min(p.kc, k-pc), p.data[pc*p.mPad:])
	}
	return p
}

// SgemmRowsPacked is SgemmRows with op(A) packed beforehand by PackA: C =
// alpha·op(A)·op(B) + beta·C, C m×n, with the same bits as SgemmRows.
func SgemmRowsPacked(a PackedA, transB bool, n int, alpha float32, b []float32, rowOff []int,
	beta float32, c []float32, ldc int) {
	m, k := a.m, a.k
	if n < 0 {
		panic(fmt.Sprintf("simd.SgemmRows: negative dimension n=%d", n))
	}
	checkRowsArgs(transB, m, n, k, b, rowOff, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	gemmSerialB(a.kern, m, n, k, alpha, aSource{packed: a.data, mPad: a.mPad, kc: a.kc},
		bSource{transB: transB, b: b, rowOff: rowOff[:rowsOfB(transB, n, k)]}, beta, c, ldc)
}

// SgemmRowsPackedSegments is SgemmRowsPacked, without transB, for a B whose
// columns come in segments of segLen columns, segStride elements apart:
// B[p][j] = b[rowOff[p] + (j/segLen)·segStride + j%segLen]. segLen must be a
// positive multiple of 32, so that every tile of the 32-wide kernels, which
// read B in place, lies in one segment (narrower kernels pack B). A convolution's output rows are such segments of its padded
// grid (segLen the output width, segStride the padded width): the product
// then writes the output plane directly, without the grid's padding
// columns. The bits are those of SgemmRowsPacked on B materialised.
func SgemmRowsPackedSegments(a PackedA, n, segLen, segStride int, alpha float32, b []float32, rowOff []int,
	beta float32, c []float32, ldc int) {
	m, k := a.m, a.k
	if n < 0 {
		panic(fmt.Sprintf("simd.SgemmRowsPackedSegments: negative dimension n=%d", n))
	}
	if segLen <= 0 || segLen%gemmMaxNR != 0 || segStride < segLen {
		panic(fmt.Sprintf("simd.SgemmRowsPackedSegments: segLen=%d must be a positive multiple of %d and segStride=%d at least segLen",
			segLen, gemmMaxNR, segStride))
	}
	src := bSource{b: b, seg: segLen, segStride: segStride}
	span := 0 // elements of b one row reads from its offset
	if n > 0 {
		span = src.col(n-1) + 1
	}
	checkMatrix("c", "ldc", c, m, n, ldc)
	if len(rowOff) < k {
		panic(fmt.Sprintf("simd.SgemmRowsPackedSegments: len(rowOff)=%d, need k=%d", len(rowOff), k))
	}
	if span > 0 {
		for p, o := range rowOff[:k] {
			if o < 0 || o+span > len(b) {
				panic(fmt.Sprintf("simd.SgemmRowsPackedSegments: row %d of b at rowOff[%d]=%d runs outside len(b)=%d (%d elements)", p, p, o, len(b), span))
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
	src.rowOff = rowOff[:k]
	gemmSerialB(a.kern, m, n, k, alpha, aSource{packed: a.data, mPad: a.mPad, kc: a.kc}, src, beta, c, ldc)
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
