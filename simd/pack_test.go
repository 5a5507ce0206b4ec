package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkPack measures the packing routines on one kc×nc (B) or mc×kc (A)
// block in each storage order, in floats packed per second.
func BenchmarkPack(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const ld = 4096
	src := randSlice(r, ld*ld)
	dst := make([]float32, gemmKC*gemmNC)
	for _, k := range availableKernels() {
		for _, trans := range []bool{false, true} {
			b.Run(fmt.Sprintf("B/%s/trans=%v", k.name, trans), func(b *testing.B) {
				for b.Loop() {
					packB(k.nr, trans, src, ld, 0, 0, gemmKC, gemmNC, dst)
				}
				b.ReportMetric(float64(gemmKC*gemmNC)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloats/s")
			})
			b.Run(fmt.Sprintf("A/%s/trans=%v", k.name, trans), func(b *testing.B) {
				for b.Loop() {
					packA(k.mr, trans, src, ld, 0, 0, gemmMC, gemmKC, dst)
				}
				b.ReportMetric(float64(gemmKC*gemmMC)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloats/s")
			})
		}
	}
}
