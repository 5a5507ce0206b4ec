package simd

import (
	"math/rand/v2"
	"strings"
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

// TestTranspose: the exported wrapper on slices cut to the exact length it
// needs, and its refusals, which name the short slice or small stride.
func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, c := range [][4]int{{8, 16, 16, 8}, {16, 8, 20, 17}, {5, 9, 9, 5}, {64, 8, 64, 64}} {
		rows, cols, lds, ldd := c[0], c[1], c[2], c[3]
		src := randSlice(r, (rows-1)*lds+cols)
		dst := make([]float32, (cols-1)*ldd+rows)
		Transpose(rows, cols, src, lds, dst, ldd)
		for i := range rows {
			for p := range cols {
				if dst[p*ldd+i] != src[i*lds+p] {
					t.Fatalf("%v: dst[%d] = %v, want src[%d] = %v", c, p*ldd+i, dst[p*ldd+i], i*lds+p, src[i*lds+p])
				}
			}
		}
	}
	for _, c := range []struct {
		want string
		run  func()
	}{
		{"len(src)=10", func() { Transpose(2, 8, make([]float32, 10), 8, make([]float32, 64), 8) }},
		{"len(dst)=9", func() { Transpose(2, 8, make([]float32, 16), 8, make([]float32, 9), 2) }},
		{"lds=4", func() { Transpose(2, 8, make([]float32, 16), 4, make([]float32, 16), 2) }},
	} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, "simd.Transpose") || !strings.Contains(msg, c.want) {
					t.Errorf("panic %q, want one naming %q", msg, c.want)
				}
			}()
			c.run()
		}()
	}
}
