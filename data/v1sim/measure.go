package v1sim

import (
	"fmt"
	"slices"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/internal/stats"
)

// Stats are the calibration figures of one simulated scan: how noisy single
// trials are relative to the noise-free responses, at the population level
// (similarity matrices, off-diagonal Pearson r) and per neuron.
type Stats struct {
	// Over the images shown once: single-trial similarity vs noise-free
	// similarity (the paper's "single trial" figure is 0.39, against repeat
	// averages).
	SingleVsTruth float64
	// Over the oracle images: one repeat's similarity vs the noise-free one
	// (mean over repeats), the repeat-averaged similarity vs the noise-free
	// one, and the leave-one-out single repeat vs mean of the other repeats
	// (what can be measured on real data).
	OracleSingleVsTruth, OracleMeanVsTruth, OracleLeaveOneOut float64
	// Per neuron, over the images shown once: correlation of single-trial
	// and noise-free responses; median and 10th/90th percentiles (the rules
	// of internal/stats: Median averages the middle two of an even count,
	// Quantile is the smallest value with at least 10 % / 90 % of the
	// neurons at or below it).
	NeuronR, NeuronR10, NeuronR90 float64
	// Median over neurons of the reliability w = σ/η from the oracle
	// repeats (the real Antolik regions give 0.57–0.62).
	Reliability float64
}

func (s Stats) String() string {
	return fmt.Sprintf("single-trial vs truth similarity r %.3f (oracle images: single %.3f, repeat mean %.3f, leave-one-out %.3f); "+
		"neuron single-trial vs truth r median %.3f (10th %.3f, 90th %.3f); reliability w median %.3f",
		s.SingleVsTruth, s.OracleSingleVsTruth, s.OracleMeanVsTruth, s.OracleLeaveOneOut, s.NeuronR, s.NeuronR10, s.NeuronR90, s.Reliability)
}

// Measure computes the Stats of a simulated scan (it needs Truth) whose
// oracle images are listed in oracle.
func Measure(sc *neural.Scan, oracle []int) (Stats, error) {
	if sc.Truth == nil {
		return Stats{}, fmt.Errorf("v1sim.Measure: scan %s has no noise-free responses", sc.Name)
	}
	n := sc.Neurons
	isOracle := map[int]bool{}
	for _, i := range oracle {
		isOracle[i] = true
	}
	var single []int
	for i := range sc.NumImages {
		if !isOracle[i] {
			single = append(single, i)
		}
	}
	rows := func(x []float32, idx []int) []float32 {
		out := make([]float32, 0, len(idx)*n)
		for _, i := range idx {
			out = append(out, x[i*n:(i+1)*n]...)
		}
		return out
	}
	var st Stats
	if len(single) >= 3 {
		obs, err := sc.MeanResponses(single) // one trial each: the single trial
		if err != nil {
			return st, err
		}
		tru := rows(sc.Truth, single)
		st.SingleVsTruth = rsa.OffDiagonalR(rsa.Similarity(obs, len(single), n), rsa.Similarity(tru, len(single), n), len(single))
		r := rsa.Correlations(obs, tru, len(single), n)
		slices.Sort(r)
		st.NeuronR = stats.MedianSorted(r)
		st.NeuronR10, st.NeuronR90 = stats.QuantileSorted(0.1, r), stats.QuantileSorted(0.9, r)
	}
	if len(oracle) >= 3 {
		rep, reps, err := sc.Repeats(oracle)
		if err != nil {
			return st, err
		}
		m := len(oracle)
		tru := rsa.Similarity(rows(sc.Truth, oracle), m, n)
		for k := range reps {
			st.OracleSingleVsTruth += rsa.OffDiagonalR(rsa.Similarity(rep[k*m*n:(k+1)*m*n], m, n), tru, m) / float64(reps)
		}
		mean, err := sc.MeanResponses(oracle)
		if err != nil {
			return st, err
		}
		st.OracleMeanVsTruth = rsa.OffDiagonalR(rsa.Similarity(mean, m, n), tru, m)
		for _, r := range rsa.LeaveOneOut(rep, reps, m, n) {
			st.OracleLeaveOneOut += r / float64(reps)
		}
		w, _, _ := rsa.Reliability(rep, reps, m, n)
		st.Reliability = stats.Median(w)
	}
	return st, nil
}
