package predictor

import (
	"math"
	"slices"
)

// Metrics describe a fitted predictor (see the package documentation for
// the definitions). Per-neuron slices are indexed by neuron.
type Metrics struct {
	Epochs    int     // epochs run
	BestEpoch int     // the epoch whose parameters were kept (1-based)
	ValCorr   float64 // mean over neurons of the validation correlation at BestEpoch

	TestCorr       []float64 // single-trial test correlation on the oracle trials
	OracleCorr     []float64 // leave-one-out oracle correlation (the ceiling)
	OracleMeanCorr []float64 // prediction vs repeat mean, over the oracle images

	MeanTestCorr, MeanOracleCorr, MeanOracleMeanCorr float64
	// FractionOracle is Σ t·o / Σ o² over neurons with o > 0 (slope through
	// the origin of test against oracle correlation); MedianRatio the median
	// of t/o over the same neurons; OracleNeurons how many there were.
	FractionOracle, MedianRatio float64
	OracleNeurons               int
}

// pearson is the correlation of x and y (0 if either is constant).
func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var sx, sy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
	}
	mx, my := sx/n, sy/n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx <= 0 || syy <= 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// columnCorr is, for every neuron, the correlation over rows of pred and
// obs (rows×neurons each).
func columnCorr(pred, obs []float32, rows, neurons int) []float64 {
	out := make([]float64, neurons)
	x, y := make([]float64, rows), make([]float64, rows)
	for a := range neurons {
		for r := range rows {
			x[r], y[r] = float64(pred[r*neurons+a]), float64(obs[r*neurons+a])
		}
		out[a] = pearson(x, y)
	}
	return out
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// testMetrics fills the test fields from the predictions on the oracle
// trials (pred and the observed responses, both test×N, trial order as
// test).
func (mt *Metrics) testMetrics(pred []float32, d *dataset, test []int) {
	n := d.neurons
	if len(test) == 0 {
		return
	}
	obs := make([]float32, len(test)*n)
	for k, t := range test {
		copy(obs[k*n:(k+1)*n], d.resp[t*n:(t+1)*n])
	}
	mt.TestCorr = columnCorr(pred, obs, len(test), n)

	// Group the test trials by image.
	byImage := map[int][]int{} // image → positions in test
	var images []int
	for k, t := range test {
		i := d.trialImage[t]
		if _, ok := byImage[i]; !ok {
			images = append(images, i)
		}
		byImage[i] = append(byImage[i], k)
	}
	// Leave-one-out oracle: each trial's response against the mean of the
	// other repeats of its image (images shown once are skipped).
	loo := make([]float32, len(test)*n)
	var used []int
	for _, i := range images {
		ks := byImage[i]
		if len(ks) < 2 {
			continue
		}
		sum := make([]float64, n)
		for _, k := range ks {
			for a := range n {
				sum[a] += float64(obs[k*n+a])
			}
		}
		for _, k := range ks {
			for a := range n {
				loo[k*n+a] = float32((sum[a] - float64(obs[k*n+a])) / float64(len(ks)-1))
			}
			used = append(used, k)
		}
	}
	if len(used) > 2 {
		o, l := make([]float32, len(used)*n), make([]float32, len(used)*n)
		for j, k := range used {
			copy(o[j*n:(j+1)*n], obs[k*n:(k+1)*n])
			copy(l[j*n:(j+1)*n], loo[k*n:(k+1)*n])
		}
		mt.OracleCorr = columnCorr(o, l, len(used), n)
	}
	// Prediction averaged over an image's trials against the repeat mean.
	if len(images) > 2 {
		pm, om := make([]float32, len(images)*n), make([]float32, len(images)*n)
		for j, i := range images {
			ks := byImage[i]
			for a := range n {
				var sp, so float64
				for _, k := range ks {
					sp += float64(pred[k*n+a])
					so += float64(obs[k*n+a])
				}
				pm[j*n+a] = float32(sp / float64(len(ks)))
				om[j*n+a] = float32(so / float64(len(ks)))
			}
		}
		mt.OracleMeanCorr = columnCorr(pm, om, len(images), n)
	}
	mt.MeanTestCorr, mt.MeanOracleCorr, mt.MeanOracleMeanCorr = mean(mt.TestCorr), mean(mt.OracleCorr), mean(mt.OracleMeanCorr)
	if mt.OracleCorr != nil {
		var sto, soo float64
		var ratios []float64
		for a, o := range mt.OracleCorr {
			if o > 0 {
				sto += mt.TestCorr[a] * o
				soo += o * o
				ratios = append(ratios, mt.TestCorr[a]/o)
			}
		}
		mt.OracleNeurons = len(ratios)
		if soo > 0 {
			mt.FractionOracle = sto / soo
			mt.MedianRatio = median(ratios)
		}
	}
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
