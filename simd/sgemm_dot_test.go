package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// SgemmRowsDot must match the naive product for random shapes (edge tiles
// and k mod 16 tails included) and overlapping rows of B, and the kernel
// this build uses must match the Go twin's order of summation closely.
func TestSgemmRowsDotConformance(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	sizes := []int{1, 2, 3, 4, 5, 6, 7, 12, 13, 15, 16, 17, 31, 32, 33, 64, 100, 255, 700}
	for trial := range 200 {
		m, n, k := sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))]
		lda := k + trial%3
		a := randSlice(r, m*lda)
		b := randSlice(r, k+3*n+r.IntN(50))
		rowOff := make([]int, n)
		bm := make([]float32, n*k)
		for j := range rowOff {
			rowOff[j] = r.IntN(len(b) - k + 1)
			if j > 0 && j%5 != 0 && rowOff[j-1]+2+k <= len(b) {
				rowOff[j] = rowOff[j-1] + 2
			}
			copy(bm[j*k:], b[rowOff[j]:rowOff[j]+k])
		}
		ldc := n + trial%2
		c := randSlice(r, m*ldc)
		before := append([]float32(nil), c...)
		SgemmRowsDot(m, n, k, a, lda, b, rowOff, c, ldc)
		twin := append([]float32(nil), before...)
		dotRows(dotKernelT{ok: true, mr: 4, nr: 6, run: dotTileGo4x6}, m, n, k, a, lda, b, rowOff, twin, ldc)
		want := naiveGemm(false, true, m, n, k, 1, a, lda, bm, k, 0, before, ldc)
		tol := 1e-5 * float64(k+4)
		for i := range m {
			for j := range ldc {
				got := c[i*ldc+j]
				if j >= n {
					if math.Float32bits(got) != math.Float32bits(before[i*ldc+j]) {
						t.Fatalf("m=%d n=%d k=%d: C[%d][%d] past n changed", m, n, k, i, j)
					}
					continue
				}
				if w := want[i*ldc+j]; math.Abs(float64(got)-w) > tol*(1+math.Abs(w)) {
					t.Fatalf("m=%d n=%d k=%d: C[%d][%d]=%v, want %v", m, n, k, i, j, got, w)
				}
				// The kernel fuses multiply and add where the twin rounds
				// twice; the order of the sums is the same.
				if tw := twin[i*ldc+j]; math.Abs(float64(got-tw)) > 1e-6*float64(k)*(1+math.Abs(float64(tw))) {
					t.Fatalf("m=%d n=%d k=%d: C[%d][%d]=%v, the Go twin gives %v", m, n, k, i, j, got, tw)
				}
			}
		}
	}
}

// The twin's order of summation, spelt out on a case whose partial sums
// are exact: sixteen lanes, then the tree, then the tail in order.
func TestSgemmRowsDotOrder(t *testing.T) {
	const k = 35
	a := make([]float32, 4*k)
	b := make([]float32, 6*k)
	for p := range k {
		for i := range 4 {
			a[i*k+p] = float32(p + 1)
		}
		for j := range 6 {
			b[j*k+p] = float32(j + 1)
		}
	}
	off := []int{0, k, 2 * k, 3 * k, 4 * k, 5 * k}
	c := make([]float32, 4*6)
	SgemmRowsDot(4, 6, k, a, k, b, off, c, 6)
	for i := range 4 {
		for j := range 6 {
			if want := float32((j + 1) * k * (k + 1) / 2); c[i*6+j] != want {
				t.Fatalf("C[%d][%d]=%v, want %v", i, j, c[i*6+j], want)
			}
		}
	}
}

func TestSgemmRowsDotPanics(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	cases := []panicCase{
		{"negative", func() { SgemmRowsDot(-1, 2, 3, a, 3, b, []int{0, 1}, c, 2) }, "negative dimension"},
		{"short a", func() { SgemmRowsDot(2, 2, 3, a[:5], 3, b, []int{0, 1}, c, 2) }, "len(a)=5"},
		{"short rowOff", func() { SgemmRowsDot(2, 2, 3, a, 3, b, []int{0}, c, 2) }, "len(rowOff)=1"},
		{"row outside", func() { SgemmRowsDot(2, 2, 3, a, 3, b, []int{0, 4}, c, 2) }, "rowOff[1]=4"},
		{"short c", func() { SgemmRowsDot(2, 2, 3, a, 3, b, []int{0, 1}, c[:3], 2) }, "len(c)=3"},
	}
	checkPanics(t, cases)
}

// BenchmarkSgemmRowsDot: the weight gradient of BenchmarkSgemmRows, the
// product gg: [16, 8·34·34] · (rows)ᵀ, as dot products.
func BenchmarkSgemmRowsDot(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const c, wp, plane, imgs = 16, 34, 34 * 34, 8
	k := c * 9
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
	for b.Loop() {
		SgemmRowsDot(c, k, span, gg, span, xs, offT, gw, k)
	}
	b.ReportMetric(2*float64(c*k*span)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
