package report

import (
	"math"
	"sort"
)

// Holm adjusts the p-values of a family of tests for multiple comparisons
// by Holm's step-down method (Holm 1979): with the m finite p-values sorted
// ascending, p₍ᵢ₎ becomes max over j ≤ i of min(1, (m−j+1)·p₍ⱼ₎). Rejecting
// where the adjusted value is below α keeps the chance of any false
// rejection in the family at most α, whatever the tests' dependence: the
// report runs one test per comparison and measure, and a claim must
// survive all of them being tried.
//
// NaN entries (tests that could not run) stay NaN and are not counted in m.
// The result has the input's order; the input is not changed.
func Holm(ps []float64) []float64 {
	out := make([]float64, len(ps))
	var idx []int
	for i, p := range ps {
		out[i] = math.NaN()
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	// Stable, so that tied p-values keep their order and the result does
	// not depend on the sort's choices.
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		adj := math.Min(1, float64(m-rank)*ps[i])
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}
