package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// SgemmRows must give what Sgemm gives on the materialised B, to the bit,
// and match the naive reference, for random shapes and overlapping rows.
func TestSgemmRowsConformance(t *testing.T) {
	saved := rowsKernel
	defer func() { rowsKernel = saved }()
	goRows := gemmKernel{name: "purego-8x32-rows", mr: 8, nr: 32,
		run: func(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
			microKernelGo(8, 32, kc, a, b, c, ldc, alpha, beta)
		},
		rows: func(kc int, a, b []float32, off []int, c []float32, ldc int, alpha, beta float32) {
			microKernelRowsGo(8, 32, kc, a, b, off, c, ldc, alpha, beta)
		}}
	for _, rk := range []gemmKernel{{}, goRows, saved} {
		rowsKernel = rk
		t.Run("rows="+rk.name, func(t *testing.T) {
			forEachBlocking(t, func(t *testing.T) { forEachKernel(t, testSgemmRowsConformance) })
		})
	}
}

func testSgemmRowsConformance(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	defer SetThreads(SetThreads(1))
	sizes := []int{1, 2, 5, 7, 8, 12, 13, 16, 17, 31, 32, 33, 64, 100, 255, 256, 257, 700}
	for trial := range 100 {
		m, n, k := sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))]
		if trial == 0 {
			// More than one kc block, and more than one nc block under
			// the small blocking (and a large nc's where it is small).
			b := blockings.sgemm
			m, n, k = 20, min(b.nc, 3072)+45, b.kc+44
		}
		transA, transB := trial%2 == 1, trial%4 >= 2
		alpha, beta := float32(1), float32(trial%3)*0.5
		pad := trial % 3
		lda := k + pad
		aRows := m
		if transA {
			lda, aRows = m+pad, k
		}
		a := randSlice(r, aRows*lda)
		// B materialised as stored (k×n, or n×k with transB), ldb wide;
		// with transB, some runs of rows are equally spaced.
		rows, rowLen := k, n
		if transB {
			rows, rowLen = n, k
		}
		b := randSlice(r, rowLen+3*rows+r.IntN(50))
		rowOff := make([]int, rows)
		bm := make([]float32, rows*rowLen)
		step := 1 + r.IntN(3)
		for p := range rowOff {
			rowOff[p] = r.IntN(len(b) - rowLen + 1)
			if transB && p > 0 && p%11 != 0 && rowOff[p-1]+step+rowLen <= len(b) {
				rowOff[p] = rowOff[p-1] + step
			}
			copy(bm[p*rowLen:], b[rowOff[p]:rowOff[p]+rowLen])
		}
		ldc := n + pad
		c := randSlice(r, m*ldc)
		c2 := append([]float32(nil), c...)
		c3 := append([]float32(nil), c...)
		want := naiveGemm(transA, transB, m, n, k, alpha, a, lda, bm, rowLen, beta, c, ldc)
		SgemmRows(transA, transB, m, n, k, alpha, a, lda, b, rowOff, beta, c, ldc)
		// So does SgemmRowsPacked, over a packing buffer with stale contents.
		pbuf := randSlice(r, PackedASize(m, k)+r.IntN(5))
		SgemmRowsPacked(PackA(pbuf, transA, m, k, a, lda), transB, n, alpha, b, rowOff, beta, c3, ldc)
		// Sgemm with the kernel SgemmRows picks gives the same bits.
		saved := kernel
		kernel = rowsKernelFor(m)
		Sgemm(transA, transB, m, n, k, alpha, a, lda, bm, rowLen, beta, c2, ldc)
		kernel = saved
		tol := 1e-5 * float64(k+4)
		for i := range m {
			for j := range ldc {
				got := c[i*ldc+j]
				if math.Float32bits(got) != math.Float32bits(c3[i*ldc+j]) {
					t.Fatalf("m=%d n=%d k=%d tA=%v tB=%v: C[%d][%d]=%v, SgemmRowsPacked gives %v", m, n, k, transA, transB, i, j, got, c3[i*ldc+j])
				}
				if math.Float32bits(got) != math.Float32bits(c2[i*ldc+j]) {
					t.Fatalf("m=%d n=%d k=%d tA=%v tB=%v: C[%d][%d]=%v, Sgemm gives %v", m, n, k, transA, transB, i, j, got, c2[i*ldc+j])
				}
				if j < n {
					if w := want[i*ldc+j]; math.Abs(float64(got)-w) > tol*(1+math.Abs(w)) {
						t.Fatalf("m=%d n=%d k=%d tA=%v tB=%v: C[%d][%d]=%v, want %v", m, n, k, transA, transB, i, j, got, w)
					}
				}
			}
		}
	}
}

func TestSgemmRowsPanics(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	cases := []panicCase{
		{"short rowOff", func() { SgemmRows(false, false, 2, 2, 3, 1, a, 3, b, []int{0, 1}, 0, c, 2) }, "len(rowOff)=2"},
		{"row outside", func() { SgemmRows(false, false, 2, 2, 3, 1, a, 3, b, []int{0, 1, 5}, 0, c, 2) }, "rowOff[2]=5"},
		{"negative row", func() { SgemmRows(false, false, 2, 2, 3, 1, a, 3, b, []int{0, -1, 2}, 0, c, 2) }, "rowOff[1]=-1"},
		{"short rowOff transposed", func() { SgemmRows(false, true, 2, 2, 3, 1, a, 3, b, []int{0}, 0, c, 2) }, "need n=2"},
		{"short c", func() { SgemmRows(false, false, 2, 2, 3, 1, a, 3, b, []int{0, 1, 2}, 0, c[:3], 2) }, "len(c)=3"},
		{"short packing buffer", func() { PackA(make([]float32, 5), false, 2, 3, a, 3) }, "len(dst)=5"},
		{"short a to pack", func() { PackA(make([]float32, 100), false, 2, 3, a[:5], 3) }, "len(a)=5"},
		{"packed, row outside", func() {
			SgemmRowsPacked(PackA(make([]float32, 100), false, 2, 3, a, 3), false, 2, 1, b, []int{0, 1, 5}, 0, c, 2)
		}, "rowOff[2]=5"},
	}
	checkPanics(t, cases)
}

// BenchmarkSgemmRows: the products of a small ResNet's first-stage 3×3
// convolution (16 channels, 32×32 planes, one image padded to 34×34) on the
// padded path: forward [16, 144]·rows [144, 32·34], and the weight gradient
// over eight images [16, 8·34·34]·(rows)ᵀ.
func BenchmarkSgemmRows(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const c, wp, plane = 16, 34, 34 * 34
	k := c * 9
	off := make([]int, 0, k)
	for ci := range c {
		for t := range 9 {
			off = append(off, ci*plane+t/3*wp+t%3)
		}
	}
	x := randSlice(r, c*plane+2)
	w := randSlice(r, c*k)
	out := make([]float32, c*32*wp)
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			SgemmRows(false, false, c, 32*wp, k, 1, w, k, x, off, 0, out, 32*wp)
		}
		b.ReportMetric(2*float64(c*k*32*wp)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	const imgs = 8
	span := imgs * plane
	xs := randSlice(r, c*span+2*wp+2)
	gg := randSlice(r, c*span)
	offT := make([]int, 0, k)
	for t := range 9 {
		for ci := range c {
			offT = append(offT, ci*span+t/3*wp+t%3)
		}
	}
	gw := make([]float32, c*k)
	b.Run("weight-grad", func(b *testing.B) {
		for b.Loop() {
			SgemmRows(false, true, c, k, span, 1, gg, span, xs, offT, 0, gw, k)
		}
		b.ReportMetric(2*float64(c*k*span)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// SgemmRowsPackedSegments gives the bits of SgemmRowsPacked on B with its
// segments laid end to end, for shapes that take the rows kernel and the
// packed one, more than one nc block, and a partial last segment.
func TestSgemmRowsPackedSegments(t *testing.T) {
	forEachBlocking(t, testSgemmRowsPackedSegments)
	testSgemmRowsPackedSegmentsPanics(t)
}

func testSgemmRowsPackedSegments(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	bnc := min(blockings.sgemm.nc, 3072)
	for trial := range 40 {
		m := []int{1, 5, 16, 32, 64, 130}[trial%6]
		k := []int{1, 9, 144, 300}[r.IntN(4)]
		segLen := []int{32, 64, 96}[r.IntN(3)]
		segStride := segLen + r.IntN(5)
		n := []int{segLen, 3 * segLen, 5*segLen - 7, bnc + 2*segLen + 3}[r.IntN(4)]
		span := n/segLen*segStride + n%segLen
		b := randSlice(r, span+4*k+r.IntN(20))
		rowOff := make([]int, k)
		bc := make([]float32, len(b)+k*n) // the rows with segments end to end, after b
		copy(bc, b)
		rowOffC := make([]int, k)
		for p := range rowOff {
			rowOff[p] = r.IntN(len(b) - span + 1)
			rowOffC[p] = len(b) + p*n
			for j := range n {
				bc[rowOffC[p]+j] = b[rowOff[p]+j/segLen*segStride+j%segLen]
			}
		}
		a := randSlice(r, m*k)
		pa := PackA(make([]float32, PackedASize(m, k)), false, m, k, a, k)
		beta := float32(trial % 2)
		c := randSlice(r, m*n)
		c2 := append([]float32(nil), c...)
		SgemmRowsPackedSegments(pa, n, segLen, segStride, 1, b, rowOff, beta, c, n)
		SgemmRowsPacked(pa, false, n, 1, bc, rowOffC, beta, c2, n)
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(c2[i]) {
				t.Fatalf("m=%d n=%d k=%d seg=%d/%d: C[%d]=%v, on B laid out plainly %v", m, n, k, segLen, segStride, i, c[i], c2[i])
			}
		}
	}
}

// SgemmRowsPackedSegments refuses bad segments and rows by name.
func testSgemmRowsPackedSegmentsPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"segment not a multiple of 32", func() {
			SgemmRowsPackedSegments(PackA(make([]float32, 100), false, 2, 3, make([]float32, 6), 3), 2, 16, 20, 1, make([]float32, 100), []int{0, 1, 2}, 0, make([]float32, 4), 2)
		}, "segLen=16"},
		{"row outside", func() {
			SgemmRowsPackedSegments(PackA(make([]float32, 100), false, 2, 3, make([]float32, 6), 3), 40, 32, 40, 1, make([]float32, 60), []int{0, 1, 13}, 0, make([]float32, 80), 40)
		}, "rowOff[2]=13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if msg := fmt.Sprint(recover()); !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %q, want it to mention %q", msg, tc.want)
				}
			}()
			tc.call()
		})
	}
}
