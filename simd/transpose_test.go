package simd

import (
	"math/rand/v2"
	"testing"
)

// transposeRows (assembly strips where the build has them, the Go twin on
// the edges) must give exactly what transposeRowsGo gives, and write nothing
// outside the rows×k transposition.
func TestTransposeRowsMatchesGoTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, rows := range []int{1, 3, 4, 5, 8, 11, 12} {
		for _, k := range []int{1, 3, 4, 7, 8, 9, 16, 33} {
			lds, ldd := k+r.IntN(3), rows+r.IntN(5)
			src := randSlice(r, rows*lds)
			got := randSlice(r, k*ldd)
			want := append([]float32(nil), got...)
			transposeRows(rows, k, src, lds, got, ldd)
			transposeRowsGo(rows, k, src, lds, want, ldd)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("rows=%d k=%d lds=%d ldd=%d: dst[%d]=%v, want %v", rows, k, lds, ldd, i, got[i], want[i])
				}
			}
		}
	}
}
