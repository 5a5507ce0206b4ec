package predictor

import (
	"math"

	"github.com/brainreg/brainreg/internal/stats"
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

// Score computes the test metrics of predictions against observed
// responses, row by row: pred and obs are rows×neurons (one row per trial),
// images[k] is the image row k showed. Images shown more than once give the
// oracle (leave-one-out) correlation and the fraction of oracle; images
// shown once count for the test correlation only. Fit and Evaluate use it on
// the oracle trials; callers with their own held-out predictions (cross-
// validation) use it directly.
func Score(pred, obs []float32, images []int, neurons int) *Metrics {
	mt := &Metrics{}
	n, rows := neurons, len(images)
	if rows == 0 {
		return mt
	}
	mt.TestCorr = columnCorr(pred, obs, rows, n)

	// Group the rows by image.
	byImage := map[int][]int{} // image → rows
	var order []int
	for k, i := range images {
		if _, ok := byImage[i]; !ok {
			order = append(order, i)
		}
		byImage[i] = append(byImage[i], k)
	}
	// Leave-one-out oracle: each trial's response against the mean of the
	// other repeats of its image (images shown once are skipped).
	var o, l []float32
	for _, i := range order {
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
			o = append(o, obs[k*n:(k+1)*n]...)
			for a := range n {
				l = append(l, float32((sum[a]-float64(obs[k*n+a]))/float64(len(ks)-1)))
			}
		}
	}
	if len(o) > 2*n {
		mt.OracleCorr = columnCorr(o, l, len(o)/n, n)
	}
	// Prediction averaged over an image's trials against the repeat mean.
	if len(order) > 2 {
		pm, om := make([]float32, len(order)*n), make([]float32, len(order)*n)
		for j, i := range order {
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
		mt.OracleMeanCorr = columnCorr(pm, om, len(order), n)
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
			mt.MedianRatio = stats.Median(ratios) // soo > 0: ratios is not empty
		}
	}
	return mt
}

// testScore scores the predictions on the given trials of d (pred:
// len(trials)×N in fitted units).
func testScore(pred []float32, d *dataset, trials []int) *Metrics {
	images := make([]int, len(trials))
	for k, t := range trials {
		images[k] = d.trialImage[t]
	}
	return Score(pred, observed(d, trials), images, d.neurons)
}
