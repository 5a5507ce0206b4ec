package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/corrupt"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/nn/attack"
)

// fakeRun is a finished model with a Gaussian noise curve at σ = 0, 0.05,
// 0.1 and minimal L∞ perturbations of 20 images, all classified correctly,
// spread evenly around the median medLinf.
func fakeRun(kind string, alpha float64, seed uint64, clean, mid, last, medLinf float64) *modelRun {
	nr := robust.NormResult{Norm: attack.Linf, Eps: 0.002, Images: 20, MedianCorrect: robust.Dist(medLinf), RobustAccuracy: 0.5,
		Correct: make([]bool, 20), Robust: make([]bool, 20), Minimal: make([]robust.Dist, 20)}
	for i := range 20 {
		nr.Correct[i] = true
		nr.Minimal[i] = robust.Dist(medLinf * (1 + (float64(i)-9.5)/20))
	}
	return &modelRun{Kind: kind, Alpha: alpha, Seed: seed, CleanAcc: clean, Robustness: &robust.Result{CleanAccuracy: clean,
		Noise:       []robust.NoiseCurve{{Kind: robust.Gaussian, Levels: []float64{0, 0.05, 0.1}, Accuracy: []float64{clean, mid, last}}},
		Adversarial: []robust.NormResult{nr},
	}}
}

// A run with the neural target at two α values reports the trade (clean cost
// and noise gain against the baseline, per α), plots it, and states the
// outcome for each α against the shuffled control of the same α.
func TestReportAlphaTrade(t *testing.T) {
	runs := []*modelRun{
		fakeRun(kindBaseline, 0, 1, 0.80, 0.30, 0.12, 0.0026),
		fakeRun(kindBaseline, 0, 2, 0.78, 0.28, 0.10, 0.0024),
		fakeRun(kindNeural, 5, 1, 0.79, 0.33, 0.13, 0.0027),
		fakeRun(kindNeural, 5, 2, 0.77, 0.31, 0.11, 0.0025),
		fakeRun(kindNeural, 20, 1, 0.75, 0.40, 0.20, 0.0030),
		fakeRun(kindNeural, 20, 2, 0.73, 0.38, 0.18, 0.0028),
		fakeRun(kindShuffled, 20, 1, 0.79, 0.29, 0.11, 0.0025),
	}
	dir := t.TempDir()
	cfg := pipelineConfig{Preset: "test", Seeds: 2, Pairs: 16, Alphas: []float64{5, 20}}
	if err := writeReport(dir, cfg, nil, runs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{
		"## The trade set by α",
		"| model | seeds | clean | Δ clean | Gaussian σ = 0.05 | Δ | Gaussian σ = 0.1 | Δ | median minimal L∞ (correct images) |",
		"| baseline | 2 | 79.0 ± 1.0% | – | 29.0 ± 1.0% | – | 11.0 ± 1.0% | – | 0.0025 |",
		"| neural α=5 | 2 | 78.0 ± 1.0% | -1.0 | 32.0 ± 1.0% | +3.0 | 12.0 ± 1.0% | +1.0 | 0.0026 |",
		"| neural α=20 | 2 | 74.0 ± 1.0% | -5.0 | 39.0 ± 1.0% | +10.0 | 19.0 ± 1.0% | +8.0 | 0.0029 |",
		// Neural α=20 needs larger perturbations on every image than the
		// baseline (0.0029 against 0.0025 per seed): Wilcoxon's exact p for
		// 20 pairs all one way is 2/2²⁰.
		// Holm multiplies the smallest p by at most the family's 9 tests
		// (3 Wilcoxon, 6 paired t; the shuffled control's single seed
		// allows none), so the claim stands.
		"**neural α=20 against baseline:**\n\n- Minimal LINF perturbations: the neural target's are larger per image (more robust; Wilcoxon p = 1.91e-06, Holm ",
		"Holm's p adjusts each p-value for the 9 tests of this table taken together",
		// Two seeds, both 1 point higher at σ = 0.1 for α = 5: a constant
		// difference (up to rounding), so p is 0 or near it.
		"- gaussian noise, accuracy at σ = 0.1: higher with the neural target (+1.0 points [+1.0, +1.0], paired t over 2 seeds, p = ",
		"**neural α=20 against shuffled α=20:**\n\n",
		"- gaussian noise, accuracy at σ = 0.1: 20.0% against 11.0%; 1 paired seed(s): no test, so no claim.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q; it is:\n%s", want, md)
		}
	}
	// The shuffled control was trained at α = 20 only: the α = 5 comparison
	// must not borrow it.
	if strings.Contains(md, "**neural α=5 against shuffled") {
		t.Errorf("the α = 5 outcome compares with a shuffled control of another α:\n%s", md)
	}
	for _, f := range []string{"alpha_trade.png", "alpha_trade.svg"} {
		if st, err := os.Stat(filepath.Join(dir, "plots", f)); err != nil || st.Size() == 0 {
			t.Errorf("plots/%s: %v", f, err)
		}
	}

	// One α per kind: no trade section and no trade plot.
	one := t.TempDir()
	if err := writeReport(one, cfg, nil, []*modelRun{runs[0], runs[4], runs[6]}); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(one, "summary.md"))
	if strings.Contains(string(b), "trade set by α") || strings.Contains(string(b), "neural α=5") {
		t.Errorf("a single-α report has a trade section or per-α outcome:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(one, "plots", "alpha_trade.png")); err == nil {
		t.Error("a single-α report wrote plots/alpha_trade.png")
	}
}

// The outcome follows Holm's adjusted p, not the raw one: of Wilcoxon tests
// at p = 0.03, 0.001 and 0.5, Holm gives 0.06 (0.03·2), 0.003 (0.001·3) and
// 0.5, so the first loses its claim. A claim whose difference of medians
// has an interval through 0 says so.
func TestOutcomeUsesHolm(t *testing.T) {
	w := func(p, r float64) pairedMinimal {
		m := pairedMinimal{Norm: "linf", Images: 40, MedianDiff: 0.0004, CILow: 0.0001, CIHigh: 0.0007}
		m.Wilcoxon.P, m.Wilcoxon.RankBiserial = p, r
		return m
	}
	across := w(0.001, 0.5)
	across.Norm, across.CILow = "l2", -0.0001
	cmp := &comparisons{Comparisons: []comparison{
		{A: "neural α=20", B: "baseline", Minimal: []pairedMinimal{w(0.03, 0.3), across}},
		{A: "neural α=20", B: "shuffled α=20", Minimal: []pairedMinimal{w(0.5, 0.1)}},
	}}
	adjustFamily(cmp.Comparisons)
	got := []float64{holmP(cmp.Comparisons[0].Minimal[0].PHolm), holmP(cmp.Comparisons[0].Minimal[1].PHolm), holmP(cmp.Comparisons[1].Minimal[0].PHolm)}
	want := []float64{0.06, 0.003, 0.5}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("Holm p = %v, want %v", got, want)
		}
	}
	if n := familySize(cmp); n != 3 {
		t.Errorf("familySize = %d, want 3", n)
	}
	md := outcome(nil, cmp)
	for _, want := range []string{
		"- Minimal LINF perturbations: no significant difference (Wilcoxon p = 0.03, Holm 0.06, over 40 images",
		"- Minimal L2 perturbations: the neural target's are larger per image (more robust; Wilcoxon p = 0.001, Holm 0.003, over 40 images; difference of medians +0.0004 [-0.0001, 0.0007]), though the interval for the difference of medians includes 0.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("outcome lacks %q; it is:\n%s", want, md)
		}
	}
}

// withCorruption gives a fake run accuracies under three corruptions, one
// of each of three families: curves[name] at severities 1–5.
func withCorruption(r *modelRun, clean float64, curves map[string][]float64) *modelRun {
	cr := &robust.CorruptionResult{Images: 40, Seed: robust.DefaultCorruptSeed, CleanAccuracy: clean}
	for _, name := range []string{"gaussian_noise", "fog", "contrast"} {
		c, _ := corrupt.ByName(name)
		cr.Curves = append(cr.Curves, robust.CorruptionCurve{Name: name, Family: c.Family, Accuracy: curves[name]})
	}
	r.Robustness.Corruption = cr
	return r
}

// halfErrors is the accuracy with half the errors of acc.
func halfErrors(acc []float64) []float64 {
	out := make([]float64, len(acc))
	for i, a := range acc {
		out[i] = 1 - (1-a)/2
	}
	return out
}

// The corruption error on hand-made results: the baseline's CE is exactly
// 1 for every corruption and its mCE exactly 1; a model with half the
// baseline's errors under a corruption has CE 0.5 there, one with the same
// accuracy 1, one with 1.5 times the errors 1.5. The report's tables, the
// paired tests (two seeds: tested, in the Holm family) and the outcome
// sentence follow, and the plots are written.
func TestReportCorruptionCE(t *testing.T) {
	base := []float64{0.9, 0.7, 0.5, 0.3, 0.1} // errors sum to 2.5
	worse := make([]float64, len(base))
	for i, a := range base {
		worse[i] = 1 - 1.5*(1-a)
	}
	mk := func(kind string, alpha float64, seed uint64, curves map[string][]float64) *modelRun {
		return withCorruption(fakeRun(kind, alpha, seed, 0.8, 0.3, 0.1, 0.0025), 0.8, curves)
	}
	b := map[string][]float64{"gaussian_noise": base, "fog": base, "contrast": base}
	n := map[string][]float64{"gaussian_noise": halfErrors(base), "fog": base, "contrast": worse}
	runs := []*modelRun{
		mk(kindBaseline, 0, 1, b), mk(kindBaseline, 0, 2, b),
		mk(kindNeural, 20, 1, n), mk(kindNeural, 20, 2, n),
		mk(kindShuffled, 20, 1, b),
	}
	cs := corruptionSummary(groupRuns(runs))
	if cs == nil || cs.Baseline != "baseline" || !slices.Equal(cs.Names, []string{"gaussian_noise", "fog", "contrast"}) ||
		!slices.Equal(cs.Families, []string{"noise", "weather", "digital"}) || len(cs.Groups) != 3 {
		t.Fatalf("summary %+v", cs)
	}
	ce := func(g corruptionGroup) []float64 {
		var out []float64
		for _, c := range g.CE {
			out = append(out, *c)
		}
		return out
	}
	bg, ng, sg := cs.Groups[0], cs.Groups[1], cs.Groups[2]
	if got := ce(bg); !slices.Equal(got, []float64{1, 1, 1}) || *bg.MCE != 1 {
		t.Errorf("baseline CE %v, mCE %v: want exactly 1", got, *bg.MCE)
	}
	if got := ce(sg); !slices.Equal(got, []float64{1, 1, 1}) {
		t.Errorf("shuffled (the baseline's accuracies) CE %v", got)
	}
	want := []float64{0.5, 1, 1.5}
	for k, c := range ce(ng) {
		if math.Abs(c-want[k]) > 1e-12 {
			t.Errorf("neural CE %v, want %v", ce(ng), want)
		}
	}
	if math.Abs(*ng.MCE-1) > 1e-12 || math.Abs(*ng.Families[0].CE-0.5) > 1e-12 || ng.Families[0].Family != "noise" {
		t.Errorf("neural mCE %v, families %+v", *ng.MCE, ng.Families)
	}
	if math.Abs(ng.Accuracy[0]-0.75) > 1e-12 || bg.Accuracy[0] != 0.5 || bg.Seeds != 2 || bg.Clean != 0.8 {
		t.Errorf("accuracies: neural %v, baseline %v", ng.Accuracy, bg.Accuracy)
	}

	dir := t.TempDir()
	cfg := pipelineConfig{Preset: "test", Seeds: 2, Pairs: 16, Alphas: []float64{20}}
	cfg.Robust.CorruptImages, cfg.Robust.CorruptSeed = 40, robust.DefaultCorruptSeed
	cfg.Robust.Corruptions = cs.Names
	if err := writeReport(dir, cfg, nil, runs); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(raw)
	for _, want := range []string{
		"Common corruptions (CIFAR-10-C, data/corrupt; 3 corruptions at severities 1–5) on the first 40 test images, seed 2019.",
		"## Common corruptions (CIFAR-10-C)",
		"| accuracy, mean over severities | baseline | neural α=20 | shuffled α=20 |",
		"| gaussian_noise (noise) | 50.0 ± 0.0% | 75.0 ± 0.0% | 50.0% |",
		"| gaussian_noise | 1.000 | 0.500 | 1.000 |",
		"| contrast | 1.000 | 1.500 | 1.000 |",
		"| **mCE** | **1.000** | **1.000** | **1.000** |",
		"| noise | 50.0 ± 0.0% (1.000) | 75.0 ± 0.0% (0.500) | 50.0% (1.000) |",
		"| neural α=20 vs baseline | gaussian_noise, mean accuracy over severities 1–5 | +25.0 [+25.0, +25.0] points | paired t (2 seeds) |",
		// Against the baseline a Wilcoxon test (L∞), 3 paired t of the
		// noise and 4 of the corruptions (the mean over them and each of
		// 3); against the shuffled control, whose single seed allows no
		// paired t, the Wilcoxon test.
		"Holm's p adjusts each p-value for the 9 tests of this table taken together",
		"- Common corruptions, mean accuracy over corruptions and severities: no significant difference (+0.0 points [+0.0, +0.0], paired t over 2 seeds, p = 1, Holm 1; mCE 1.000 against 1.000).",
		"- Each corruption, mean accuracy over severities 1–5 (paired t over seeds, Holm): higher with the neural target on gaussian_noise (+25.0 points, Holm 0); lower on contrast (-25.0 points, Holm 0); no significant difference on 1 of the 3.",
		"**neural α=20 against shuffled α=20:**",
		"- Common corruptions, mean accuracy over corruptions and severities: 50.0% against 50.0%; mCE 1.000 against 1.000; 1 paired seed(s): no test, so no claim.",
		"- Each corruption, mean accuracy over severities 1–5: 1 paired seed(s): no test, so no claim.",
		"plots/corruption_<family>.png",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q; it is:\n%s", want, md)
		}
	}
	for _, f := range []string{"corruption_noise.png", "corruption_weather.svg", "corruption_digital.png", "corruption_ce.png", "corruption_ce.svg"} {
		if st, err := os.Stat(filepath.Join(dir, "plots", f)); err != nil || st.Size() == 0 {
			t.Errorf("plots/%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "plots", "corruption_blur.png")); err == nil {
		t.Error("a plot for the blur family, which has no corruption here")
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	lines := strings.Split(string(csv), "\n")
	if !strings.HasSuffix(lines[0], ",corruption_clean_accuracy,gaussian_noise_s1,gaussian_noise_s2,gaussian_noise_s3,gaussian_noise_s4,gaussian_noise_s5,fog_s1,fog_s2,fog_s3,fog_s4,fog_s5,contrast_s1,contrast_s2,contrast_s3,contrast_s4,contrast_s5") ||
		!strings.HasSuffix(lines[1], ",0.8000,0.9000,0.7000,0.5000,0.3000,0.1000,0.9000,0.7000,0.5000,0.3000,0.1000,0.9000,0.7000,0.5000,0.3000,0.1000") {
		t.Errorf("results.csv:\n%s", csv)
	}
	var res struct {
		Statistics struct {
			Corruption  *corruptionStats `json:"corruption"`
			Comparisons []comparison     `json:"comparisons"`
		} `json:"statistics"`
	}
	if err := runio.ReadJSON(filepath.Join(dir, "results.json"), &res); err != nil {
		t.Fatal(err)
	}
	if c := res.Statistics.Corruption; c == nil || len(c.Groups) != 3 || *c.Groups[0].MCE != 1 || len(res.Statistics.Comparisons[0].Corruption) != 4 {
		t.Errorf("results.json statistics: %+v", res.Statistics)
	}

	// Without a baseline: accuracies, no CE.
	none := corruptionSummary(groupRuns(runs[2:]))
	if none == nil || none.Baseline != "" || none.Groups[0].CE != nil || none.Groups[0].MCE != nil {
		t.Errorf("without a baseline: %+v", none)
	}
	if txt := corruptionText(none); !strings.Contains(txt, "No baseline in this run: no corruption error.") || strings.Contains(txt, "mCE") {
		t.Errorf("without a baseline:\n%s", txt)
	}
	// Runs without corruption results: no section, no statistics.
	if corruptionSummary(groupRuns([]*modelRun{fakeRun(kindBaseline, 0, 1, 0.8, 0.3, 0.1, 0.0025)})) != nil {
		t.Error("a corruption summary for runs without corruptions")
	}
}
