package main

// The statistics that decide the report's claims: minimal perturbations
// compared per image over the images every model classifies correctly
// (Wilcoxon signed-rank, bootstrap intervals), and noise robustness
// compared per seed (paired t over seeds).

import (
	"fmt"
	"math"
	"slices"

	"github.com/brainreg/brainreg/experiments/internal/report"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/nn/attack"
)

// Bootstrap settings of every interval in the report.
const (
	bootReps  = 2000
	bootLevel = 0.95
	bootSeed  = 2019
	alphaTest = 0.05 // significance level of the outcome sentences
)

// commonSet is, in one norm, the attacked images that every model of every
// group classifies correctly and for which every model's attacks found an
// adversarial (so that all minimal perturbations are finite).
type commonSet struct {
	Norm     string `json:"norm"`
	Attacked int    `json:"attacked"`
	Images   []int  `json:"images"` // indices into the attacked images
	// Infinite counts the images dropped because some model's attacks
	// found no adversarial (correctly classified everywhere otherwise).
	Infinite int `json:"infinite"`
}

// normResultOf returns a run's ensemble outcome in the norm, or nil.
func normResultOf(r *modelRun, norm string) *robust.NormResult {
	if r.Robustness == nil {
		return nil
	}
	for i := range r.Robustness.Adversarial {
		if r.Robustness.Adversarial[i].Norm.String() == norm {
			return &r.Robustness.Adversarial[i]
		}
	}
	return nil
}

func findCommonSet(gs []*group, norm string) commonSet {
	cs := commonSet{Norm: norm, Attacked: -1}
	var results []*robust.NormResult
	for _, g := range gs {
		for _, r := range g.runs {
			nr := normResultOf(r, norm)
			if nr == nil {
				return commonSet{Norm: norm}
			}
			results = append(results, nr)
			if cs.Attacked < 0 || nr.Images < cs.Attacked {
				cs.Attacked = nr.Images
			}
		}
	}
	if len(results) == 0 {
		return commonSet{Norm: norm}
	}
	for i := range cs.Attacked {
		correct, finite := true, true
		for _, nr := range results {
			correct = correct && nr.Correct[i]
			finite = finite && !math.IsInf(float64(nr.Minimal[i]), 1)
		}
		switch {
		case correct && finite:
			cs.Images = append(cs.Images, i)
		case correct:
			cs.Infinite++
		}
	}
	return cs
}

// perImage returns, for each image of the common set, the median over the
// group's seeds of its minimal perturbation.
func (g *group) perImage(cs commonSet) []float64 {
	out := make([]float64, len(cs.Images))
	vals := make([]float64, len(g.runs))
	for k, i := range cs.Images {
		for s, r := range g.runs {
			vals[s] = float64(normResultOf(r, cs.Norm).Minimal[i])
		}
		out[k] = attack.Median(vals)
	}
	return out
}

// minimalSummary is a group's median minimal perturbation over the common
// set, with its bootstrap interval over images.
type minimalSummary struct {
	Group  string  `json:"group"`
	Norm   string  `json:"norm"`
	Images int     `json:"images"`
	Median float64 `json:"median"`
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
}

// robustSummary is a group's ensemble robust accuracy at ε, mean ± SEM over
// seeds, with each attack's.
type robustSummary struct {
	Group   string       `json:"group"`
	Norm    string       `json:"norm"`
	Eps     float64      `json:"eps"`
	Mean    float64      `json:"mean"`
	SEM     float64      `json:"sem"`
	Attacks []attackMean `json:"attacks"` // the running robust accuracy after each attack, in order, mean over seeds
}

type attackMean struct {
	Name     string  `json:"name"`
	Accuracy float64 `json:"accuracy"`
}

// pairedMinimal compares two groups' minimal perturbations per image.
type pairedMinimal struct {
	Norm     string                `json:"norm"`
	Images   int                   `json:"images"`
	Wilcoxon report.WilcoxonResult `json:"wilcoxon"`
	// The difference of the medians (a − b) with its paired bootstrap
	// interval.
	MedianDiff float64 `json:"median_diff"`
	CILow      float64 `json:"ci_low"`
	CIHigh     float64 `json:"ci_high"`
	// PHolm is the Wilcoxon p adjusted by Holm's method over every test
	// the report ran (see adjustFamily); the outcome sentences use it.
	PHolm *float64 `json:"p_holm,omitempty"`
}

// pairedNoise compares two groups' noise robustness per seed (seed s of
// one with seed s of the other: the same initialisation and data order).
type pairedNoise struct {
	Kind    string                `json:"kind"`
	Measure string                `json:"measure"` // "mean accuracy over levels" or "accuracy at σ = …"
	Seeds   int                   `json:"seeds"`
	A       float64               `json:"a_mean"` // means over seeds
	B       float64               `json:"b_mean"`
	Test    *report.PairedTResult `json:"paired_t,omitempty"`
	PHolm   *float64              `json:"p_holm,omitempty"` // Test.P adjusted as pairedMinimal.PHolm
	Note    string                `json:"note,omitempty"`
}

// comparison is group A (the neural target) against group B.
type comparison struct {
	A       string          `json:"a"`
	B       string          `json:"b"`
	Minimal []pairedMinimal `json:"minimal"`
	Noise   []pairedNoise   `json:"noise"`
	// The common corruptions, per seed as the noise: Kind is the
	// corruption (or allCorruptions), Measure corruptionMeasure (or
	// allMeasure).
	Corruption []pairedNoise `json:"corruption,omitempty"`
}

// comparisons is everything the report's claims rest on.
type comparisons struct {
	Common      []commonSet      `json:"common_sets"`
	Minimal     []minimalSummary `json:"minimal"`
	Robust      []robustSummary  `json:"robust_accuracy"`
	Comparisons []comparison     `json:"comparisons"`
	// Accuracy under the common corruptions and the corruption error
	// relative to the baseline; nil when no model was evaluated on them.
	Corruption *corruptionStats `json:"corruption,omitempty"`
}

var attackNorms = []string{"linf", "l2"}

// noiseMeasures are the per-seed noise figures compared: the mean accuracy
// over the levels (the normalised area under the curve) and the accuracy at
// the Gaussian levels 0.05 and 0.1, where models still differ.
func noiseMeasures(r *modelRun) map[string]float64 {
	out := map[string]float64{}
	if r.Robustness == nil {
		return out
	}
	for _, c := range r.Robustness.Noise {
		if len(c.Levels) > 1 {
			out[string(c.Kind)+"|mean accuracy over levels"] = report.MeanOverRange(c.Levels, c.Accuracy)
		}
		if c.Kind == robust.Gaussian {
			for k, l := range c.Levels {
				if l == 0.05 || l == 0.1 {
					out[fmt.Sprintf("%s|accuracy at σ = %g", c.Kind, l)] = c.Accuracy[k]
				}
			}
		}
	}
	return out
}

// The per-seed corruption figures compared: the mean accuracy over the
// severities of each corruption, and over every corruption and severity.
const (
	corruptionMeasure = "mean accuracy over severities 1–5"
	allCorruptions    = "all corruptions"
	allMeasure        = "mean accuracy over corruptions and severities"
)

// corruptionMeasures are a run's per-seed corruption figures, keyed
// "corruption|measure", and the keys in the order of its results (the
// mean over all of them first).
func corruptionMeasures(r *modelRun) (map[string]float64, []string) {
	out := map[string]float64{}
	if r.Robustness == nil || r.Robustness.Corruption == nil {
		return out, nil
	}
	var keys []string
	var all []float64
	for _, c := range r.Robustness.Corruption.Curves {
		k := c.Name + "|" + corruptionMeasure
		out[k], keys = c.MeanAccuracy(), append(keys, k)
		all = append(all, c.MeanAccuracy())
	}
	if len(all) > 1 {
		k := allCorruptions + "|" + allMeasure
		out[k], _ = report.MeanSEM(all)
		keys = append([]string{k}, keys...)
	}
	return out, keys
}

// pairSeeds compares the figures measures gives for the runs of a and b
// seed by seed (seed s of one with seed s of the other): a paired t-test
// over the seeds both have, for each key (in the order given).
func pairSeeds(a, b *group, measures func(*modelRun) map[string]float64, keys []string) []pairedNoise {
	bySeedA, bySeedB := map[uint64]map[string]float64{}, map[uint64]map[string]float64{}
	for _, r := range a.runs {
		bySeedA[r.Seed] = measures(r)
	}
	for _, r := range b.runs {
		bySeedB[r.Seed] = measures(r)
	}
	var seeds []uint64
	for seed := range bySeedA {
		seeds = append(seeds, seed)
	}
	slices.Sort(seeds)
	var out []pairedNoise
	for _, key := range keys {
		var xa, xb []float64
		for _, seed := range seeds {
			va, okA := bySeedA[seed][key]
			vb, okB := bySeedB[seed][key]
			if okA && okB {
				xa, xb = append(xa, va), append(xb, vb)
			}
		}
		kind, measure := splitKey(key)
		pn := pairedNoise{Kind: kind, Measure: measure, Seeds: len(xa)}
		pn.A, _ = report.MeanSEM(xa)
		pn.B, _ = report.MeanSEM(xb)
		if len(xa) >= 2 {
			if t, err := report.PairedT(xa, xb); err == nil {
				pn.Test = &t
			}
		} else {
			pn.Note = fmt.Sprintf("%d paired seed(s): no test", len(xa))
		}
		out = append(out, pn)
	}
	return out
}

func compareGroups(gs []*group) *comparisons {
	c := &comparisons{}
	sets := map[string]commonSet{}
	for _, norm := range attackNorms {
		cs := findCommonSet(gs, norm)
		if len(cs.Images) == 0 {
			continue
		}
		sets[norm] = cs
		c.Common = append(c.Common, cs)
		for _, g := range gs {
			vals := g.perImage(cs)
			lo, hi := report.BootstrapMedianCI(vals, bootLevel, bootReps, bootSeed)
			c.Minimal = append(c.Minimal, minimalSummary{Group: g.name, Norm: norm, Images: len(vals), Median: attack.Median(vals), CILow: lo, CIHigh: hi})
		}
	}
	for _, norm := range attackNorms {
		for _, g := range gs {
			var accs []float64
			per := map[string][]float64{}
			var order []string
			eps := 0.0
			for _, r := range g.runs {
				if nr := normResultOf(r, norm); nr != nil {
					accs, eps = append(accs, nr.RobustAccuracy), nr.Eps
					for _, a := range nr.Attacks {
						if per[a.Name] == nil {
							order = append(order, a.Name)
						}
						per[a.Name] = append(per[a.Name], a.Accuracy)
					}
				}
			}
			if len(accs) == 0 {
				continue
			}
			m, e := report.MeanSEM(accs)
			rs := robustSummary{Group: g.name, Norm: norm, Eps: eps, Mean: m, SEM: e}
			for _, name := range order {
				mean, _ := report.MeanSEM(per[name])
				rs.Attacks = append(rs.Attacks, attackMean{name, mean})
			}
			c.Robust = append(c.Robust, rs)
		}
	}
	for _, pair := range comparedPairs(gs) {
		a, b := pair[0], pair[1]
		cmp := comparison{A: a.name, B: b.name}
		for _, norm := range attackNorms {
			cs, ok := sets[norm]
			if !ok {
				continue
			}
			va, vb := a.perImage(cs), b.perImage(cs)
			w, err := report.WilcoxonSignedRank(va, vb)
			if err != nil {
				continue
			}
			lo, hi := report.BootstrapMedianDiffCI(va, vb, bootLevel, bootReps, bootSeed)
			cmp.Minimal = append(cmp.Minimal, pairedMinimal{Norm: norm, Images: len(va), Wilcoxon: w,
				MedianDiff: attack.Median(va) - attack.Median(vb), CILow: lo, CIHigh: hi})
		}
		var keys []string
		if len(a.runs) > 0 {
			for k := range noiseMeasures(a.runs[0]) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		cmp.Noise = pairSeeds(a, b, noiseMeasures, keys)
		var ckeys []string
		for _, r := range a.runs {
			if _, ckeys = corruptionMeasures(r); ckeys != nil {
				break
			}
		}
		cmp.Corruption = pairSeeds(a, b, func(r *modelRun) map[string]float64 { m, _ := corruptionMeasures(r); return m }, ckeys)
		c.Comparisons = append(c.Comparisons, cmp)
	}
	adjustFamily(c.Comparisons)
	c.Corruption = corruptionSummary(gs)
	return c
}

// corruptionStats are every group's figures under the common corruptions.
type corruptionStats struct {
	Images   int      `json:"images"`
	Seed     uint64   `json:"seed"`
	Names    []string `json:"names"`
	Families []string `json:"families"` // of each corruption
	// Baseline is the group the corruption errors are relative to, the
	// run's baseline ("" when there is none, and no CE).
	Baseline string            `json:"baseline,omitempty"`
	Groups   []corruptionGroup `json:"groups"`
}

// corruptionGroup is one group's accuracy under the corruptions and its
// corruption error: per corruption CE_c = Σ_s err(c, s) / Σ_s err(baseline,
// c, s) over the severities s, with err = 1 − accuracy averaged over seeds
// (Hendrycks & Dietterich's definition, normalised by the run's baseline
// instead of AlexNet), and mCE their mean over corruptions.
type corruptionGroup struct {
	Group string  `json:"group"`
	Seeds int     `json:"seeds"`
	Clean float64 `json:"clean_accuracy"` // on the corruption images, mean over seeds
	// Per corruption: the mean over seeds of the mean over severities, its
	// SEM over seeds, and the mean over seeds at each severity.
	Accuracy   []float64   `json:"accuracy"`
	SEM        []float64   `json:"accuracy_sem"`
	BySeverity [][]float64 `json:"accuracy_by_severity"`
	// CE per corruption (null where the baseline made no error) and mCE
	// (null unless every CE is defined); absent without a baseline.
	CE       []*float64      `json:"ce,omitempty"`
	MCE      *float64        `json:"mce,omitempty"`
	Families []familyFigures `json:"families"`
}

// familyFigures summarise a group over one family's corruptions: the mean
// accuracy (and its SEM over seeds of the per-seed family means) and the
// mean CE.
type familyFigures struct {
	Family   string   `json:"family"`
	Accuracy float64  `json:"accuracy"`
	SEM      float64  `json:"accuracy_sem"`
	CE       *float64 `json:"ce,omitempty"`
}

// corruptionCurves returns, for every seed of g evaluated on the
// corruptions, the accuracy at each severity of each of names (nil where a
// run lacks one), and the clean accuracies on the corruption images.
func (g *group) corruptionCurves(names []string) (perSeed [][][]float64, clean []float64) {
	for _, r := range g.runs {
		if r.Robustness == nil || r.Robustness.Corruption == nil {
			continue
		}
		cr := r.Robustness.Corruption
		row := make([][]float64, len(names))
		for k, n := range names {
			for _, c := range cr.Curves {
				if c.Name == n {
					row[k] = c.Accuracy
				}
			}
		}
		perSeed, clean = append(perSeed, row), append(clean, cr.CleanAccuracy)
	}
	return perSeed, clean
}

// errorSum is Σ_s (1 − accuracy at s), the numerator or denominator of a CE.
func errorSum(bySeverity []float64) float64 {
	s := 0.0
	for _, a := range bySeverity {
		s += 1 - a
	}
	return s
}

// finite returns &v, or nil for NaN and ±Inf (which JSON cannot hold).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// corruptionSummary computes corruptionStats, or nil when no run was
// evaluated on the corruptions. The corruptions are those of the first
// such run, in its order.
func corruptionSummary(gs []*group) *corruptionStats {
	st := &corruptionStats{}
	found := false
	for _, g := range gs {
		for _, r := range g.runs {
			if r.Robustness != nil && r.Robustness.Corruption != nil && !found {
				cr := r.Robustness.Corruption
				found, st.Images, st.Seed = true, cr.Images, cr.Seed
				for _, c := range cr.Curves {
					st.Names, st.Families = append(st.Names, c.Name), append(st.Families, c.Family)
				}
			}
		}
	}
	if !found {
		return nil
	}
	var families []string
	for _, f := range st.Families {
		if !slices.Contains(families, f) {
			families = append(families, f)
		}
	}
	baseAt := -1 // index of the baseline in st.Groups
	for _, g := range gs {
		perSeed, clean := g.corruptionCurves(st.Names)
		if len(perSeed) == 0 {
			continue
		}
		cg := corruptionGroup{Group: g.name, Seeds: len(perSeed)}
		cg.Clean, _ = report.MeanSEM(clean)
		// means[s][k] is seed s's mean over the severities of corruption k.
		means := make([][]float64, len(perSeed))
		for s, row := range perSeed {
			means[s] = make([]float64, len(st.Names))
			for k, acc := range row {
				means[s][k] = math.NaN()
				if len(acc) > 0 {
					means[s][k] = robust.CorruptionCurve{Accuracy: acc}.MeanAccuracy()
				}
			}
		}
		for k := range st.Names {
			var col []float64
			var sev [][]float64
			for s := range perSeed {
				if !math.IsNaN(means[s][k]) {
					col, sev = append(col, means[s][k]), append(sev, perSeed[s][k])
				}
			}
			m, e := report.MeanSEM(col)
			cg.Accuracy, cg.SEM = append(cg.Accuracy, m), append(cg.SEM, e)
			var bySev []float64
			if len(sev) > 0 {
				bySev = make([]float64, len(sev[0]))
				for i := range bySev {
					col := make([]float64, len(sev))
					for s := range sev {
						col[s] = sev[s][i]
					}
					bySev[i], _ = report.MeanSEM(col)
				}
			}
			cg.BySeverity = append(cg.BySeverity, bySev)
		}
		for _, f := range families {
			var perSeedFam []float64
			for s := range perSeed {
				var xs []float64
				for k, fk := range st.Families {
					if fk == f && !math.IsNaN(means[s][k]) {
						xs = append(xs, means[s][k])
					}
				}
				if len(xs) > 0 {
					m, _ := report.MeanSEM(xs)
					perSeedFam = append(perSeedFam, m)
				}
			}
			ff := familyFigures{Family: f}
			ff.Accuracy, ff.SEM = report.MeanSEM(perSeedFam)
			cg.Families = append(cg.Families, ff)
		}
		st.Groups = append(st.Groups, cg)
		if g.kind == kindBaseline && baseAt < 0 {
			baseAt, st.Baseline = len(st.Groups)-1, g.name
		}
	}
	if baseAt < 0 {
		return st
	}
	base := st.Groups[baseAt]
	baseErr := make([]float64, len(st.Names))
	for k := range st.Names {
		baseErr[k] = errorSum(base.BySeverity[k])
	}
	for gi := range st.Groups {
		cg := &st.Groups[gi]
		var ces []float64
		cg.CE = make([]*float64, len(st.Names))
		for k := range st.Names {
			ce := math.NaN()
			if len(cg.BySeverity[k]) > 0 && len(base.BySeverity[k]) > 0 && baseErr[k] > 0 {
				ce = errorSum(cg.BySeverity[k]) / baseErr[k]
			}
			cg.CE[k] = finite(ce)
			ces = append(ces, ce)
		}
		mce, _ := report.MeanSEM(ces)
		cg.MCE = finite(mce)
		for fi := range cg.Families {
			var xs []float64
			for k, fk := range st.Families {
				if fk == cg.Families[fi].Family {
					xs = append(xs, ces[k])
				}
			}
			m, _ := report.MeanSEM(xs)
			cg.Families[fi].CE = finite(m)
		}
	}
	return st
}

// adjustFamily sets PHolm on every test that ran, adjusting the p-values
// by Holm's method over all of them as one family: every comparison of the
// neural target, in both norms, every noise measure and every corruption. The outcome can then
// claim any one difference while keeping the chance of a false claim
// anywhere in the report at most alphaTest.
func adjustFamily(cs []comparison) {
	var ps []float64
	var dst []**float64
	for i := range cs {
		for j := range cs[i].Minimal {
			m := &cs[i].Minimal[j]
			if !math.IsNaN(m.Wilcoxon.P) {
				ps, dst = append(ps, m.Wilcoxon.P), append(dst, &m.PHolm)
			}
		}
		for _, tests := range [][]pairedNoise{cs[i].Noise, cs[i].Corruption} {
			for j := range tests {
				n := &tests[j]
				if n.Test != nil && !math.IsNaN(n.Test.P) {
					ps, dst = append(ps, n.Test.P), append(dst, &n.PHolm)
				}
			}
		}
	}
	for k, p := range report.Holm(ps) {
		*dst[k] = &p
	}
}

// holmP is an adjusted p-value, NaN where the test did not run.
func holmP(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func splitKey(k string) (string, string) {
	for i := range k {
		if k[i] == '|' {
			return k[:i], k[i+1:]
		}
	}
	return k, ""
}

// comparedPairs are the neural groups against the α = 0 controls (the
// baseline, and the baseline with pairs, whose batch norm sees the pair
// images as the neural model's does) and against every control trained at
// the same α.
func comparedPairs(gs []*group) [][2]*group {
	// The α = 0 controls: the baseline, then the baseline with pairs.
	var zero []*group
	for _, k := range []string{kindBaseline, kindBaselinePairs} {
		for _, g := range gs {
			if g.kind == k {
				zero = append(zero, g)
			}
		}
	}
	var out [][2]*group
	for _, n := range gs {
		if n.kind != kindNeural {
			continue
		}
		for _, z := range zero {
			out = append(out, [2]*group{n, z})
		}
		for _, g := range gs {
			if g.kind != kindNeural && g.kind != kindBaseline && g.kind != kindBaselinePairs && g.alpha == n.alpha {
				out = append(out, [2]*group{n, g})
			}
		}
	}
	return out
}

// verdict states a two-sided test's outcome for "a is larger than b" at
// the report's significance level.
func verdict(p, diff float64) string {
	switch {
	case math.IsNaN(p):
		return "untested"
	case p < alphaTest && diff > 0:
		return "larger"
	case p < alphaTest && diff < 0:
		return "smaller"
	}
	return "no significant difference"
}

// familySize is the number of tests adjustFamily adjusted together.
func familySize(cmp *comparisons) int {
	n := 0
	for _, c := range cmp.Comparisons {
		for _, m := range c.Minimal {
			if m.PHolm != nil {
				n++
			}
		}
		for _, x := range slices.Concat(c.Noise, c.Corruption) {
			if x.PHolm != nil {
				n++
			}
		}
	}
	return n
}
