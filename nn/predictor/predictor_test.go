package predictor

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn/checkpoint"
)

// TestReadoutGradient checks the readout's gradients with respect to the
// core's output, the positions, features, bias and shift against finite
// differences. Positions plus shifts stay away from pixel centres, where
// bilinear sampling has a kink (on a 5-pixel axis with aligned corners the
// pixel centres are at multiples of 0.5).
func TestReadoutGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randn := func(shape ...int) *autograd.Tensor {
		x := autograd.Zeros(shape...)
		for i := range x.Data {
			x.Data[i] = float32(r.NormFloat64())
		}
		return x
	}
	core := randn(2, 3, 5, 5)
	pos := autograd.New([]float32{0.13, -0.37, -0.61, 0.22, 0.4, 0.71, -0.12, -0.88}, 4, 2)
	shift := autograd.New([]float32{0.05, -0.04, -0.07, 0.09}, 2, 2)
	f := func(xs ...*autograd.Tensor) *autograd.Tensor {
		ro := &Readout{Positions: xs[1], Features: xs[2], Bias: xs[3]}
		return ro.Apply(xs[0], xs[4])
	}
	xs := []*autograd.Tensor{core, pos, randn(4, 3), randn(4), shift}
	if err := autograd.CheckGrad(f, xs, autograd.CheckOptions{Step: 1e-3}); err != nil {
		t.Fatal(err)
	}
	// Without a shift every image reads the same positions.
	g := func(xs ...*autograd.Tensor) *autograd.Tensor {
		return (&Readout{Positions: xs[1], Features: xs[2], Bias: xs[3]}).Apply(xs[0], nil)
	}
	if err := autograd.CheckGrad(g, xs[:4], autograd.CheckOptions{Step: 1e-3}); err != nil {
		t.Fatal(err)
	}
}

// TestReadoutValue checks one sampled value by hand: at a pixel centre the
// readout is bias + Σ_c w_c·core[c] there.
func TestReadoutValue(t *testing.T) {
	core := autograd.Zeros(1, 2, 3, 3)
	core.Data[4], core.Data[9+4] = 2, 5 // centre pixel of each channel
	ro := &Readout{Positions: autograd.New([]float32{0, 0}, 1, 2),
		Features: autograd.New([]float32{3, -1}, 1, 2), Bias: autograd.New([]float32{0.5}, 1)}
	got := ro.Apply(core, nil).Data[0]
	if want := float32(0.5 + 3*2 - 5); got != want {
		t.Fatalf("readout at the centre: %v, want %v", got, want)
	}
}

func TestLaplacePenalty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	w := autograd.Zeros(2, 3, 5, 5)
	for i := range w.Data {
		w.Data[i] = float32(0.1 * r.NormFloat64()) // kernel-sized values: the sum stays small enough for float32 differences
	}
	// The penalty is quadratic, so central differences are exact up to
	// rounding whatever the step.
	if err := autograd.CheckGrad(func(xs ...*autograd.Tensor) *autograd.Tensor { return LaplacePenalty(xs[0]) },
		[]*autograd.Tensor{w}, autograd.CheckOptions{Step: 0.05}); err != nil {
		t.Fatal(err)
	}
	// A kernel of ones, zero padded: the Laplacian is 0 at the centre, 1 on
	// the edges (4 − 3 neighbours), 2 at the corners: 4·1² + 4·2² = 20.
	c := autograd.Full(1, 1, 1, 3, 3)
	if got, want := LaplacePenalty(c).Item(), float32(20); got != want {
		t.Fatalf("penalty of a constant kernel: %v, want %v", got, want)
	}
}

// synthetic makes a small recording a predictor must be able to learn:
// smooth random images, rectified-linear neurons with Gabor receptive
// fields at random places, Poisson responses; images oracle.. are shown
// repeats times.
func synthetic(seed uint64, neurons, single, oracle, repeats int, behavior bool) (*Recording, []float32) {
	const h, w = 16, 16
	r := rand.New(rand.NewPCG(seed, 99))
	n := single + oracle
	img := make([]float32, n*h*w)
	noise := make([]float32, h*w)
	for i := range n {
		for p := range noise {
			noise[p] = float32(r.NormFloat64())
		}
		boxBlur(img[i*h*w:(i+1)*h*w], noise, h, w)
	}
	// Filters: Gabors of random orientation and phase, σ 2 pixels, centres
	// in the middle 60% of the image.
	filt := make([]float32, neurons*h*w)
	for a := range neurons {
		cx, cy := 3+r.Float64()*10, 3+r.Float64()*10
		th, ph := r.Float64()*math.Pi, r.Float64()*2*math.Pi
		for y := range h {
			for x := range w {
				dx, dy := float64(x)-cx, float64(y)-cy
				u := dx*math.Cos(th) + dy*math.Sin(th)
				filt[a*h*w+y*w+x] = float32(math.Exp(-(dx*dx+dy*dy)/8) * math.Cos(2*math.Pi*u/6+ph))
			}
		}
	}
	truth := make([]float32, n*neurons)
	for i := range n {
		for a := range neurons {
			var s float64
			for p := range h * w {
				s += float64(img[i*h*w+p] * filt[a*h*w+p])
			}
			truth[i*neurons+a] = float32(0.3 + 1.5*max(0, s))
		}
	}
	var trialImage []int
	for i := range single {
		trialImage = append(trialImage, i)
	}
	for range repeats {
		for i := single; i < n; i++ {
			trialImage = append(trialImage, i)
		}
	}
	T := len(trialImage)
	rec := &Recording{Images: img, NumImages: n, Height: h, Width: w, Trials: T, Neurons: neurons,
		TrialImage: trialImage, Responses: make([]float32, T*neurons)}
	if behavior {
		rec.Behavior = make([]float32, T*4)
		for i := range rec.Behavior {
			rec.Behavior[i] = float32(r.NormFloat64())
		}
	}
	for t, i := range trialImage {
		for a := range neurons {
			rec.Responses[t*neurons+a] = float32(poisson(r, float64(truth[i*neurons+a])))
		}
	}
	for i := single; i < n; i++ {
		rec.Oracle = append(rec.Oracle, i)
	}
	return rec, truth
}

// poisson draws a Poisson count with mean mu (Knuth; mu is small here).
func poisson(r *rand.Rand, mu float64) int {
	l, k, p := math.Exp(-mu), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func testConfig() Config {
	c := Tiny()
	c.Downsample = 1
	return c
}

// TestLearnsSynthetic fits a small synthetic scan: the predictions must
// correlate with single test trials and with the noise-free responses far
// above chance (0 ± about 0.05 for this many test trials).
func TestLearnsSynthetic(t *testing.T) {
	rec, truth := synthetic(1, 24, 300, 20, 5, true)
	c := testConfig()
	c.MaxEpochs = 15
	m, mt, err := Fit(context.Background(), c, rec, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pred := m.Predict(rec.Images, rec.NumImages)
	tr := mean(columnCorr(pred, truth, rec.NumImages, rec.Neurons))
	t.Logf("epochs %d (best %d), validation r %.3f, test r %.3f, oracle r %.3f, r with oracle means %.3f, fraction of oracle %.2f, r with truth %.3f",
		mt.Epochs, mt.BestEpoch, mt.ValCorr, mt.MeanTestCorr, mt.MeanOracleCorr, mt.MeanOracleMeanCorr, mt.FractionOracle, tr)
	if mt.MeanTestCorr < 0.25 || mt.MeanOracleMeanCorr < 0.5 || tr < 0.6 {
		t.Fatalf("the predictor did not learn: test r %.3f (want ≥ 0.25), r with oracle means %.3f (want ≥ 0.5), r with truth %.3f (want ≥ 0.6)",
			mt.MeanTestCorr, mt.MeanOracleMeanCorr, tr)
	}
	if len(mt.TestCorr) != rec.Neurons || len(mt.OracleCorr) != rec.Neurons || mt.OracleNeurons == 0 {
		t.Fatalf("metrics for %d, %d neurons (%d with an oracle), want %d", len(mt.TestCorr), len(mt.OracleCorr), mt.OracleNeurons, rec.Neurons)
	}
}

// TestDeterministic: the same seed gives bit-identical models; another
// seed another model.
func TestDeterministic(t *testing.T) {
	rec, _ := synthetic(2, 10, 120, 6, 3, true)
	c := testConfig()
	c.MaxEpochs = 3
	fit := func(c Config) ([]float32, *Metrics) {
		m, mt, err := Fit(context.Background(), c, rec, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return m.Predict(rec.Images, rec.NumImages), mt
	}
	a, ma := fit(c)
	b, mb := fit(c)
	if !slices.Equal(a, b) || ma.ValCorr != mb.ValCorr || !slices.Equal(ma.TestCorr, mb.TestCorr) {
		t.Fatal("two fits with the same seed differ")
	}
	c.Seed = 2
	if d, _ := fit(c); slices.Equal(a, d) {
		t.Fatal("fits with seeds 1 and 2 are identical")
	}
}

func TestSaveLoad(t *testing.T) {
	rec, _ := synthetic(3, 8, 100, 5, 3, true)
	c := testConfig()
	c.MaxEpochs = 2
	m, _, err := Fit(context.Background(), c, rec, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := m.Predict(rec.Images, rec.NumImages), l.Predict(rec.Images, rec.NumImages); !slices.Equal(a, b) {
		t.Fatal("the loaded model predicts differently")
	}
	f, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"core.layer0.conv.weight", "core.layer2.bn.running_var", "readout.positions",
		"readout.features", "readout.bias", "shifter.hidden.weight", "modulator.out.bias", "norm.response_scale"} {
		if _, ok := f.Tensors[name]; !ok {
			t.Errorf("%s: no tensor %q (have %v)", path, name, f.Names())
		}
	}
	// A file that is not a predictor is refused with its name.
	other := filepath.Join(t.TempDir(), "other.safetensors")
	if err := checkpoint.Save(other, checkpoint.File{Tensors: map[string]checkpoint.Tensor{"x": {Shape: []int{1}, F32: []float32{1}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(other); err == nil {
		t.Fatal("Load accepted a file without predictor metadata")
	}
}

// TestFractionOfOracle checks the metrics on a constructed test set: two
// images shown twice, predictions equal to the truth.
func TestFractionOfOracle(t *testing.T) {
	// One neuron; images 0, 1, 2 with repeat responses (1, 3), (4, 6), (7, 9).
	pred := []float32{2, 2, 5, 5, 8, 8} // the repeat means
	mt := Score(pred, []float32{1, 3, 4, 6, 7, 9}, []int{0, 0, 1, 1, 2, 2}, 1)
	// Leave-one-out: each trial against the other repeat: (1,3),(3,1),(4,6),(6,4),(7,9),(9,7).
	wantOracle := pearson([]float64{1, 3, 4, 6, 7, 9}, []float64{3, 1, 6, 4, 9, 7})
	wantTest := pearson([]float64{2, 2, 5, 5, 8, 8}, []float64{1, 3, 4, 6, 7, 9})
	if math.Abs(mt.OracleCorr[0]-wantOracle) > 1e-12 || math.Abs(mt.TestCorr[0]-wantTest) > 1e-12 {
		t.Fatalf("oracle %v test %v, want %v %v", mt.OracleCorr[0], mt.TestCorr[0], wantOracle, wantTest)
	}
	if mt.OracleMeanCorr[0] != 1 && math.Abs(mt.OracleMeanCorr[0]-1) > 1e-12 {
		t.Fatalf("correlation with the repeat means %v, want 1", mt.OracleMeanCorr[0])
	}
	if f := wantTest / wantOracle; math.Abs(mt.FractionOracle-f) > 1e-12 {
		t.Fatalf("fraction of oracle %v, want %v", mt.FractionOracle, f)
	}
}

// TestModelGradient checks the gradient of the whole model's rates (core
// in training mode, readout, shifter, modulator) with respect to a sample
// of its parameters against finite differences, on a small model.
func TestModelGradient(t *testing.T) {
	c := Tiny()
	c.Layers, c.Channels, c.InputKernel, c.HiddenKernel, c.Downsample, c.BehaviorHide = 2, 2, 3, 3, 1, 3
	m, err := New(c, 3, 6, 6, true)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	fill := func(x *autograd.Tensor, sd float64) {
		for i := range x.Data {
			x.Data[i] = float32(sd * r.NormFloat64())
		}
	}
	// The output layers start at zero; give them values so every path counts.
	fill(m.Shifter.net.out.Weight, 0.3)
	fill(m.Modulator.net.out.Weight, 0.3)
	fill(m.Readout.Features, 0.5)
	x, beh := autograd.Zeros(4, 1, 6, 6), autograd.Zeros(4, 4)
	fill(x, 1)
	fill(beh, 1)
	params := []*autograd.Tensor{m.Readout.Positions, m.Readout.Features, m.Shifter.net.hidden.Weight,
		m.Shifter.net.out.Weight, m.Modulator.net.hidden.Weight, m.Modulator.net.out.Bias, m.Core.layers[1].conv.Weight}
	m.Core.layers[0].bn.Stats.Momentum = 0 // repeated forward passes must not move the running statistics
	m.Core.layers[1].bn.Stats.Momentum = 0
	f := func(...*autograd.Tensor) *autograd.Tensor { return m.Rates(x, beh) }
	if err := autograd.CheckGrad(f, params, autograd.CheckOptions{Step: 1e-3, AbsTol: 3e-3, RelTol: 2e-2}); err != nil {
		t.Fatal(err)
	}
}
