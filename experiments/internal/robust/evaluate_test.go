package robust

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/attack"
)

// tinyModel is a randomly initialised two-stage ResNet on 8×8 images.
func tinyModel(seed uint64) attack.Model {
	net := nn.NewResNet(rand.New(rand.NewPCG(seed, 3)),
		nn.ResNetConfig{InChannels: 1, Classes: 10, StemKernel: 3, Widths: []int{4, 8}, Blocks: []int{1, 1}})
	return attack.EvalModel(net, 5, 0.5)
}

// gratings returns n 8×8 gratings of random orientation, frequency, phase,
// mean and contrast, labelled with m's predictions.
func gratings(t testing.TB, m attack.Model, n int, seed uint64) attack.Images {
	r := rand.New(rand.NewPCG(seed, 13))
	im := attack.Images{X: make([]float32, n*64), Shape: [3]int{1, 8, 8}, Labels: make([]int, n)}
	for i := range n {
		theta, f, phase := math.Pi*r.Float64(), 0.2+1.5*r.Float64(), 2*math.Pi*r.Float64()
		mean, contrast := r.Float64(), r.Float64()
		for y := range 8 {
			for x := range 8 {
				v := mean + contrast*math.Sin(f*(float64(x)*math.Cos(theta)+float64(y)*math.Sin(theta))+phase)
				im.X[i*64+y*8+x] = float32(min(max(v, 0), 1))
			}
		}
	}
	pred, err := attack.Predict(context.Background(), m, im, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	copy(im.Labels, pred)
	return im
}

// Noise curves start at the clean accuracy, do not depend on the thread
// count, and fall under heavy salt-and-pepper noise.
func TestNoiseCurves(t *testing.T) {
	m := tinyModel(3)
	im := gratings(t, m, 60, 1)
	cfg := WideNoise()
	cfg.Batch = 7 // a last batch that is not full
	ctx := context.Background()
	one, err := NoiseCurves(ctx, m, im, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	three, err := NoiseCurves(ctx, m, im, cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, three) {
		t.Errorf("1 thread: %v\n3 threads: %v", one, three)
	}
	if len(one) != 3 {
		t.Fatalf("%d curves, want 3", len(one))
	}
	for _, c := range one {
		if len(c.Accuracy) != 11 || c.Accuracy[0] != 1 {
			t.Errorf("%s: %d levels, accuracy %v at level 0 (the labels are the predictions: want 1)", c.Kind, len(c.Accuracy), c.Accuracy[0])
		}
	}
	if sp := one[2].Accuracy; sp[10] > 0.8 {
		t.Errorf("salt-and-pepper noise on half of the pixels leaves accuracy %v", sp[10])
	}
	t.Logf("%+v", one)
}

// The smoke preset end to end on the tiny model: every part is there, the
// result survives JSON, every attack ran, the ensemble is never above any
// of its attacks, the soundness checks are reported, and examples
// transferred from the model to itself are exactly as effective as they
// were on it.
func TestEvaluateSmoke(t *testing.T) {
	m := tinyModel(3)
	test := gratings(t, m, 120, 2)
	cfg := Smoke()
	cfg.CorruptImages = 0 // 8×8 images; the corruptions need 32×32 (corruption_test.go)
	ctx := context.Background()
	sets, err := MakeTransferSets(ctx, m, "self", test, cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	var lines int
	res, err := Evaluate(ctx, m, test, sets, cfg, 2, func(string, ...any) { lines++ })
	if err != nil {
		t.Fatal(err)
	}
	if res.CleanAccuracy != 1 || len(res.Noise) != 3 || len(res.Adversarial) != 2 || len(res.Transfer) != 2 || lines < 5 {
		t.Fatalf("clean %v, %d noise curves, %d norms, %d transfer, %d log lines",
			res.CleanAccuracy, len(res.Noise), len(res.Adversarial), len(res.Transfer), lines)
	}
	for _, tp := range res.Transfer {
		if tp.Accuracy != tp.SourceAccuracy || tp.Images != cfg.TransferImages {
			t.Errorf("transfer to the source itself (%v ε=%g): accuracy %v, on the source %v, %d images", tp.Norm, tp.Eps, tp.Accuracy, tp.SourceAccuracy, tp.Images)
		}
	}
	wantAttacks := map[attack.Norm][]string{attack.Linf: {"apgd-ce", "apgd-t", "fmn", "fab-t", "square"},
		attack.L2: {"apgd-ce", "apgd-t", "fmn", "fab-t", "square", "boundary"}}
	for _, nr := range res.Adversarial {
		var names []string
		prev := nr.CleanAccuracy
		for _, a := range nr.Attacks {
			names = append(names, a.Name)
			if a.Accuracy > prev || a.Alone != nil && nr.RobustAccuracy > *a.Alone {
				t.Errorf("%v: %s: running robust accuracy %v after %v; alone %v; ensemble %v", nr.Norm, a.Name, a.Accuracy, prev, a.Alone, nr.RobustAccuracy)
			}
			prev = a.Accuracy
		}
		if prev != nr.RobustAccuracy {
			t.Errorf("%v: last running accuracy %v, ensemble %v", nr.Norm, prev, nr.RobustAccuracy)
		}
		if !reflect.DeepEqual(names, wantAttacks[nr.Norm]) {
			t.Errorf("%v: attacks %v, want %v", nr.Norm, names, wantAttacks[nr.Norm])
		}
		if len(nr.Minimal) != cfg.AttackImages || len(nr.CurveAccuracy) != len(nr.CurveEps) {
			t.Errorf("%v: %d minimal perturbations for %d images; curve %v", nr.Norm, len(nr.Minimal), cfg.AttackImages, nr.CurveAccuracy)
		}
		for i, d := range nr.Minimal {
			if nr.Correct[i] && !(d > 0) {
				t.Errorf("%v image %d: minimal perturbation %v of a correctly classified image", nr.Norm, i, d)
			}
			if nr.Robust[i] && float64(d) <= nr.Eps {
				t.Errorf("%v image %d: robust at ε = %v with an adversarial at %v", nr.Norm, i, nr.Eps, d)
			}
		}
		if nr.Norm == attack.L2 && nr.Boundary == nil {
			t.Error("no summary of the Boundary attack's refinement")
		}
	}
	checks := map[string]int{}
	for _, c := range res.Checks {
		checks[c.Name]++
	}
	for _, name := range []string{"zero_at_large_eps", "doubled_budget", "black_box_no_better", "transfer_weaker"} {
		if checks[name] != 2 {
			t.Errorf("check %s reported %d times, want once per norm; checks %+v", name, checks[name], res.Checks)
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Seconds, res.Seconds = nil, nil
	if !reflect.DeepEqual(&back, res) {
		t.Errorf("JSON round trip changed the result:\n%s", b)
	}
	t.Logf("%s", b)
}

// Dist survives JSON as null for +Inf.
func TestDistJSON(t *testing.T) {
	in := []Dist{0, 0.25, Dist(math.Inf(1))}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[0,0.25,null]" {
		t.Errorf("marshalled %s", b)
	}
	var out []Dist
	if err := json.Unmarshal(b, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("round trip gave %v, %v", out, err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, name := range []string{"paper", "converged", "quick", "smoke"} {
		c, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
	c := Smoke()
	c.Noise.Levels[Gaussian] = []float64{0, 1.5}
	if err := c.Validate(); err == nil {
		t.Error("a noise level of 1.5 accepted")
	}
	c = Smoke()
	c.DoubledImages = c.AttackImages + 1
	if err := c.Validate(); err == nil {
		t.Error("more doubled-check images than attacked images accepted")
	}
	c = Smoke()
	c.Linf.Boundary = c.L2.Boundary
	if err := c.Validate(); err == nil {
		t.Error("a Boundary attack in the L∞ ensemble accepted")
	}
	if _, err := Preset("huge"); err == nil {
		t.Error("unknown preset accepted")
	}
}
