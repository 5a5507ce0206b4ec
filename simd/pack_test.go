package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkPack measures the packing routines on one kc×nc (B) or mc×kc (A)
// block of the blocking in force (nc at most 4096) in each storage order,
// in floats packed per second.
func BenchmarkPack(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const ld = 4096
	src := randSlice(r, ld*ld)
	for _, k := range availableKernels() {
		blk := blockings.sgemm.forTile(k.mr, k.nr)
		kc, mc, nc := blk.kc, blk.mc, min(blk.nc, ld/k.nr*k.nr)
		dst := make([]float32, kc*max(mc, nc))
		for _, trans := range []bool{false, true} {
			b.Run(fmt.Sprintf("B/%s/trans=%v", k.name, trans), func(b *testing.B) {
				for b.Loop() {
					packB(k.nr, trans, src, ld, 0, 0, kc, nc, dst)
				}
				b.ReportMetric(float64(kc*nc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloats/s")
			})
			b.Run(fmt.Sprintf("A/%s/trans=%v", k.name, trans), func(b *testing.B) {
				for b.Loop() {
					packA(k.mr, trans, src, ld, 0, 0, mc, kc, dst)
				}
				b.ReportMetric(float64(kc*mc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloats/s")
			})
		}
	}
}
