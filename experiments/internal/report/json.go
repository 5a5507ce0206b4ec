package report

import (
	"encoding/json"
	"math"
)

// MarshalJSON writes the result with its non-finite figures (±Inf for a
// constant nonzero difference) as null, which encoding/json cannot write.
func (r PairedTResult) MarshalJSON() ([]byte, error) {
	f := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		N        int      `json:"n"`
		MeanDiff *float64 `json:"mean_diff"`
		SE       *float64 `json:"se"`
		T        *float64 `json:"t"`
		DF       int      `json:"df"`
		P        *float64 `json:"p"`
		CILow    *float64 `json:"ci_low"`
		CIHigh   *float64 `json:"ci_high"`
		CohenDz  *float64 `json:"cohen_dz"`
	}{r.N, f(r.MeanDiff), f(r.SE), f(r.T), r.DF, f(r.P), f(r.CILow), f(r.CIHigh), f(r.CohenDz)})
}
