package v1sim

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/neural"
)

// small is a scan small enough for a test: 1,000 neurons, 300 single
// images, 30 oracle images × 10, 16×16 pixels.
func small() Config {
	c := Paper()
	c.Scans, c.Neurons, c.SingleImages, c.OracleImages = 1, 1000, 300, 30
	return c
}

func TestDeterministic(t *testing.T) {
	c := small()
	c.Neurons, c.SingleImages, c.OracleImages = 200, 50, 5
	imgs := DeadLeaves(c.Images(), 16, 16, 1)
	a, err := GenerateScan(c, imgs, 16, 16, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateScan(c, imgs, 16, 16, 0)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different scans")
	}
	other, _ := GenerateScan(c, imgs, 16, 16, 1)
	if reflect.DeepEqual(a.Responses, other.Responses) || reflect.DeepEqual(a.Truth, other.Truth) {
		t.Error("scans 0 and 1 are identical")
	}
	c.Seed++
	d, _ := GenerateScan(c, imgs, 16, 16, 0)
	if reflect.DeepEqual(a.Responses, d.Responses) {
		t.Error("a different seed gave the same responses")
	}
}

// The tiny preset writes a data set that package neural loads and checks.
func TestTinyDataSet(t *testing.T) {
	c := Tiny()
	dir := t.TempDir()
	imgs := DeadLeaves(c.Images(), 32, 32, 2)
	scans := 0
	if err := Write(context.Background(), dir, c, imgs, 32, 32, func(int) { scans++ }); err != nil {
		t.Fatal(err)
	}
	d, err := neural.Load(filepath.Join(dir, neural.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if scans != 2 || len(d.Scans) != 2 || len(d.Manifest.OracleImages) != 20 || len(d.SingleImages()) != 400 {
		t.Fatalf("data set: %d scans written, %d read, %d oracle, %d single images", scans, len(d.Scans), len(d.Manifest.OracleImages), len(d.SingleImages()))
	}
	s := d.Scans[0]
	if s.Trials != 600 || s.Neurons != 500 || s.NumImages != 420 || s.Behavior == nil || s.Truth == nil {
		t.Errorf("scan0: %d trials, %d neurons, %d images, behaviour %v, truth %v", s.Trials, s.Neurons, s.NumImages, s.Behavior != nil, s.Truth != nil)
	}
	shown := s.ImageTrials()
	for i, tr := range shown {
		want := 1
		if i >= 400 {
			want = 10
		}
		if len(tr) != want {
			t.Fatalf("image %d shown %d times, want %d", i, len(tr), want)
		}
	}
}

// On a small scan: the repeat-averaged similarity is closer to the
// noise-free one than single trials are; single trials correlate with the
// truth in a plausible range; single-neuron correlations are low, as in real
// recordings. And the reason the simulator has shared variability: without
// it, single trials improve steadily with more neurons (independent noise
// averages out); with it they stay far from the truth.
func TestDenoisingGain(t *testing.T) {
	c := small()
	imgs := DeadLeaves(c.Images(), 16, 16, 3)
	oracle := Manifest(c, "").OracleImages
	measure := func(c Config) Stats {
		t.Helper()
		sc, err := GenerateScan(c, imgs, 16, 16, 0)
		if err != nil {
			t.Fatal(err)
		}
		st, err := Measure(sc, oracle)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := measure(c)
	t.Logf("default noise, %d neurons: %v", c.Neurons, st)
	if st.OracleMeanVsTruth <= st.OracleSingleVsTruth+0.2 {
		t.Errorf("repeat mean vs truth r %.3f, single trial %.3f: averaging should help", st.OracleMeanVsTruth, st.OracleSingleVsTruth)
	}
	if st.SingleVsTruth < 0.1 || st.SingleVsTruth > 0.7 {
		t.Errorf("single-trial vs truth similarity r %.3f outside (0.1, 0.7)", st.SingleVsTruth)
	}
	if st.NeuronR < 0.1 || st.NeuronR > 0.45 {
		t.Errorf("median single-neuron r %.3f outside (0.1, 0.45)", st.NeuronR)
	}

	big := c
	big.Neurons = 6000
	shared := measure(big)
	big.AddSD, big.MultSD = 0, 0
	indep := measure(big)
	t.Logf("%d neurons: with shared variability %v", big.Neurons, shared)
	t.Logf("%d neurons: independent noise only %v", big.Neurons, indep)
	if indep.SingleVsTruth < shared.SingleVsTruth+0.1 {
		t.Errorf("%d neurons: single-trial r %.3f without shared variability, %.3f with: shared variability should keep single trials noisy",
			big.Neurons, indep.SingleVsTruth, shared.SingleVsTruth)
	}
}

// Behaviour modulates responses: with positive mean gain coefficients the
// population response rises with running speed and pupil size.
func TestBehaviourGain(t *testing.T) {
	c := small()
	c.Neurons, c.BehaviorMean, c.AddSD, c.MultSD = 300, 0.3, 0, 0
	imgs := DeadLeaves(c.Images(), 16, 16, 4)
	sc, err := GenerateScan(c, imgs, 16, 16, 0)
	if err != nil {
		t.Fatal(err)
	}
	pop := make([]float64, sc.Trials)
	run, pupil := make([]float64, sc.Trials), make([]float64, sc.Trials)
	for tr := range sc.Trials {
		for _, v := range sc.Responses[tr*sc.Neurons : (tr+1)*sc.Neurons] {
			pop[tr] += float64(v)
		}
		pupil[tr], run[tr] = float64(sc.Behavior[4*tr+2]), float64(sc.Behavior[4*tr+3])
	}
	if r := pearson(pop, run); r < 0.2 {
		t.Errorf("population response vs running r = %.3f, want > 0.2", r)
	}
	if r := pearson(pop, pupil); r < 0.2 {
		t.Errorf("population response vs pupil r = %.3f, want > 0.2", r)
	}
}

func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestShift(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6} // 2×3
	dst := make([]float32, 6)
	shift(dst, src, 2, 3, 1, 0) // content moves one pixel right
	if !reflect.DeepEqual(dst, []float32{0, 1, 2, 0, 4, 5}) {
		t.Errorf("shift right: %v", dst)
	}
	shift(dst, src, 2, 3, 0, -1) // one pixel up
	if !reflect.DeepEqual(dst, []float32{4, 5, 6, 0, 0, 0}) {
		t.Errorf("shift up: %v", dst)
	}
	shift(dst, src, 2, 3, 0.5, 0)
	if !reflect.DeepEqual(dst, []float32{0.5, 1.5, 2.5, 2, 4.5, 5.5}) {
		t.Errorf("half-pixel shift: %v", dst)
	}
}

func TestConfigErrors(t *testing.T) {
	c := small()
	if _, err := GenerateScan(c, DeadLeaves(10, 8, 8, 1), 8, 8, 0); err == nil || !strings.Contains(err.Error(), "10 images given, the configuration shows 330") {
		t.Errorf("too few images: %v", err)
	}
	c.PoorFraction = 2
	if _, err := GenerateScan(c, nil, 8, 8, 0); err == nil || !strings.Contains(err.Error(), "PoorFraction 2") {
		t.Errorf("bad fraction: %v", err)
	}
	if _, err := Preset("huge"); err == nil {
		t.Error("unknown preset accepted")
	}
	imgs := DeadLeaves(330, 8, 8, 1)
	imgs[3] = imgs[3][:10]
	if _, err := GenerateScan(small(), imgs, 8, 8, 0); err == nil || !strings.Contains(err.Error(), "image 3 has 10 pixels") {
		t.Errorf("ragged images: %v", err)
	}
}
