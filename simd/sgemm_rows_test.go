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
func TestSgemmRowsConformance(t *testing.T) { forEachKernel(t, testSgemmRowsConformance) }

func testSgemmRowsConformance(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	defer SetThreads(SetThreads(1))
	sizes := []int{1, 2, 5, 7, 12, 13, 16, 17, 31, 32, 33, 100, 255, 256, 257, 700}
	for trial := range 60 {
		m, n, k := sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))]
		if trial == 0 {
			m, n, k = 20, gemmNC+45, 300 // more than one nc and kc block
		}
		transA := trial%2 == 1
		alpha, beta := float32(1), float32(trial%3)*0.5
		pad := trial % 3
		lda := k + pad
		aRows := m
		if transA {
			lda, aRows = m+pad, k
		}
		a := randSlice(r, aRows*lda)
		b := randSlice(r, n+3*k+r.IntN(50))
		rowOff := make([]int, k)
		bm := make([]float32, k*n) // B materialised
		for p := range rowOff {
			rowOff[p] = r.IntN(len(b) - n + 1)
			copy(bm[p*n:], b[rowOff[p]:rowOff[p]+n])
		}
		ldc := n + pad
		c := randSlice(r, m*ldc)
		c2 := append([]float32(nil), c...)
		want := naiveGemm(transA, false, m, n, k, alpha, a, lda, bm, n, beta, c, ldc)
		SgemmRows(transA, m, n, k, alpha, a, lda, b, rowOff, beta, c, ldc)
		Sgemm(transA, false, m, n, k, alpha, a, lda, bm, n, beta, c2, ldc)
		tol := 1e-5 * float64(k+4)
		for i := range m {
			for j := range ldc {
				got := c[i*ldc+j]
				if math.Float32bits(got) != math.Float32bits(c2[i*ldc+j]) {
					t.Fatalf("m=%d n=%d k=%d tA=%v: C[%d][%d]=%v, Sgemm gives %v", m, n, k, transA, i, j, got, c2[i*ldc+j])
				}
				if j < n {
					if w := want[i*ldc+j]; math.Abs(float64(got)-w) > tol*(1+math.Abs(w)) {
						t.Fatalf("m=%d n=%d k=%d tA=%v: C[%d][%d]=%v, want %v", m, n, k, transA, i, j, got, w)
					}
				}
			}
		}
	}
}

func TestSgemmRowsPanics(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	cases := []struct {
		name string
		call func()
		want string
	}{
		{"short rowOff", func() { SgemmRows(false, 2, 2, 3, 1, a, 3, b, []int{0, 1}, 0, c, 2) }, "len(rowOff)=2"},
		{"row outside", func() { SgemmRows(false, 2, 2, 3, 1, a, 3, b, []int{0, 1, 5}, 0, c, 2) }, "rowOff[2]=5"},
		{"negative row", func() { SgemmRows(false, 2, 2, 3, 1, a, 3, b, []int{0, -1, 2}, 0, c, 2) }, "rowOff[1]=-1"},
		{"short c", func() { SgemmRows(false, 2, 2, 3, 1, a, 3, b, []int{0, 1, 2}, 0, c[:3], 2) }, "len(c)=3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %q, want it to mention %q", msg, tc.want)
				}
			}()
			tc.call()
		})
	}
}
