package simd

import "fmt"

// SgemmRowsDot computes C = A·Bᵀ, overwriting C (m×n, leading dimension
// ldc), for A m×k (row-major, leading dimension lda) and B n×k whose row j
// is b[rowOff[j]:rowOff[j]+k]: every element of C is the dot product of a
// row of A and a row of B, both read in place. It is what
// SgemmRows(false, true, m, n, k, 1, a, lda, b, rowOff, 0, c, ldc) computes,
// for the case where packing B would cost as much as the product: few rows
// of A (m up to a few dozen) and long rows (large k), as in the weight
// gradient of a convolution with few output channels.
//
// The sums run in a different order from Sgemm's: with the AVX-512 kernel
// (and its Go twin under the purego tag) element (i, j) adds the products
// p ≡ l (mod 16) into sixteen partial sums, adds those pairwise as a tree
// (l and l+8, then l and l+4, l+2, l+1) and then the products of the last
// k mod 16 indices in order. Elsewhere it is
// SgemmRows. The order depends on nothing but k, so results do not depend
// on how callers split the work.
// It runs on the calling goroutine only, and panics, naming the argument,
// when a dimension is negative or an operand is too short.
func SgemmRowsDot(m, n, k int, a []float32, lda int, b []float32, rowOff []int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("simd.SgemmRowsDot: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	checkMatrix("a", "lda", a, m, k, lda)
	checkRowsArgs(true, m, n, k, b, rowOff, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if !dotKernel.ok {
		SgemmRows(false, true, m, n, k, 1, a, lda, b, rowOff, 0, c, ldc)
		return
	}
	dotRows(dotKernel, m, n, k, a, lda, b, rowOff, c, ldc)
}

// dotKernelT is a micro-kernel of SgemmRowsDot: for the mr×nr tile at a, b
// (rows off[0…nr−1]) and c it sets c[i·ldc+j] to the tree-added sixteen
// partial sums over the first 16·n16 indices (see dotTileGo). Each tile
// runs over all of k at once: cutting k into L1-sized chunks, each ending
// in the 24 tree additions, measured slower.
type dotKernelT struct {
	ok     bool // whether SgemmRowsDot uses its own loop on this build
	mr, nr int
	run    func(n16 int, a []float32, lda int, b []float32, off []int, c []float32, ldc int)
}

// dotRows runs kern over the full tiles of C and the Go twin over the edge
// tiles, then adds the last k mod 16 products.
func dotRows(kern dotKernelT, m, n, k int, a []float32, lda int, b []float32, rowOff []int, c []float32, ldc int) {
	k16 := k &^ 15
	for i0 := 0; i0 < m; i0 += kern.mr {
		mr := min(kern.mr, m-i0)
		for j0 := 0; j0 < n; j0 += kern.nr {
			nr := min(kern.nr, n-j0)
			ct := c[i0*ldc+j0:]
			if mr == kern.mr && nr == kern.nr && k16 > 0 {
				kern.run(k16/16, a[i0*lda:], lda, b, rowOff[j0:j0+nr], ct, ldc)
			} else {
				dotTileGo(mr, nr, k16/16, a[i0*lda:], lda, b, rowOff[j0:j0+nr], ct, ldc)
			}
		}
	}
	if k == k16 {
		return
	}
	for i := range m {
		ar := a[i*lda+k16 : i*lda+k]
		for j, o := range rowOff[:n] {
			br := b[o+k16 : o+k]
			s := c[i*ldc+j]
			for p, v := range ar {
				s += v * br[p]
			}
			c[i*ldc+j] = s
		}
	}
}

// dotTileGo is the Go twin of the dot micro-kernels, for any tile mr×nr:
//
//	for i := range mr { for j := range nr {
//		var s [16]float32
//		for p := range 16 * n16 { s[p%16] += a[i*lda+p] * b[off[j]+p] }   // fused multiply-add
//		for h := 8; h >= 1; h /= 2 { for l := range h { s[l] += s[l+h] } }
//		c[i*ldc+j] = s[0]
//	}}
func dotTileGo(mr, nr, n16 int, a []float32, lda int, b []float32, off []int, c []float32, ldc int) {
	for i := range mr {
		ar := a[i*lda:][:16*n16]
		for j, o := range off[:nr] {
			br := b[o:][:16*n16]
			var s [16]float32
			for p := 0; p < len(ar); p += 16 {
				av, bv := (*[16]float32)(ar[p:]), (*[16]float32)(br[p:])
				for l := range s {
					s[l] += av[l] * bv[l]
				}
			}
			for h := 8; h >= 1; h /= 2 {
				for l := range h {
					s[l] += s[l+h]
				}
			}
			c[i*ldc+j] = s[0]
		}
	}
}

func dotTileGo4x6(n16 int, a []float32, lda int, b []float32, off []int, c []float32, ldc int) {
	dotTileGo(4, 6, n16, a, lda, b, off, c, ldc)
}
