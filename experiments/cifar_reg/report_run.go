package main

// The report of cifar_reg run: results.json, results.csv, plots (PNG and
// SVG) and summary.md, laid out like the paper's figures and table.

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/brainreg/brainreg/data/corrupt"
	"github.com/brainreg/brainreg/experiments/internal/buildinfo"
	"github.com/brainreg/brainreg/experiments/internal/report"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/nn/attack"
	"github.com/brainreg/brainreg/nn/checkpoint"
)

// group is every seed of one (kind, α).
type group struct {
	name  string // "neural α=20"
	kind  string
	alpha float64 // 0 for the baseline
	runs  []*modelRun
}

func groupRuns(runs []*modelRun) []*group {
	var gs []*group
	byName := map[string]*group{}
	for _, r := range runs {
		name := r.Kind
		if !alphaFree(r.Kind) { // the baseline and baseline-pairs: α = 0, no label
			name = fmt.Sprintf("%s α=%g", r.Kind, r.Alpha)
		}
		g := byName[name]
		if g == nil {
			g = &group{name: name, kind: r.Kind, alpha: r.Alpha}
			byName[name] = g
			gs = append(gs, g)
		}
		g.runs = append(g.runs, r)
	}
	return gs
}

// noiseAt returns, for every seed of g, the accuracy curve of one noise kind.
func (g *group) noise(kind robust.NoiseKind) (levels []float64, accs [][]float64) {
	for _, r := range g.runs {
		for _, c := range r.Robustness.Noise {
			if c.Kind == kind {
				levels = c.Levels
				accs = append(accs, c.Accuracy)
			}
		}
	}
	return levels, accs
}

// medians returns the per-seed median minimal perturbation in the norm
// over each model's correctly classified attacked images.
func (g *group) medians(norm string) []float64 {
	var out []float64
	for _, r := range g.runs {
		if nr := normResultOf(r, norm); nr != nil {
			out = append(out, float64(nr.MedianCorrect))
		}
	}
	return out
}

// noiseAtLevel returns the mean and SEM over seeds of the accuracy at level
// index i of one noise kind (NaN when g has no such curve).
func (g *group) noiseAtLevel(kind robust.NoiseKind, i int) (mean, sem float64) {
	_, accs := g.noise(kind)
	var at []float64
	for _, a := range accs {
		if i < len(a) {
			at = append(at, a[i])
		}
	}
	return report.MeanSEM(at)
}

func (g *group) clean() []float64 {
	var xs []float64
	for _, r := range g.runs {
		xs = append(xs, r.CleanAcc)
	}
	return xs
}

var noiseKinds = []robust.NoiseKind{robust.Gaussian, robust.Uniform, robust.SaltPepper}

func writeReport(dir string, cfg pipelineConfig, tsum *targetSummary, runs []*modelRun) error {
	gs := groupRuns(runs)
	cmp := compareGroups(gs)
	if err := runio.WriteJSON(filepath.Join(dir, "results.json"), map[string]any{
		"config": cfg, "target": tsum, "models": runs, "statistics": cmp, "written": time.Now().UTC().Format(time.RFC3339),
		"build": buildinfo.Get(),
	}); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, "results.csv"), runs); err != nil {
		return err
	}
	plots := filepath.Join(dir, "plots")
	if err := os.MkdirAll(plots, 0o755); err != nil {
		return err
	}
	for _, nk := range noiseKinds {
		var series []report.Series
		for _, g := range gs {
			levels, accs := g.noise(nk)
			if len(accs) == 0 {
				continue
			}
			s := report.Series{Name: g.name, X: levels}
			for i := range levels {
				col := make([]float64, len(accs))
				for k := range accs {
					col[k] = accs[k][i]
				}
				m, e := report.MeanSEM(col)
				s.Y, s.Err = append(s.Y, m), append(s.Err, e)
			}
			series = append(series, s)
		}
		if len(series) == 0 {
			continue
		}
		xl := "noise standard deviation (pixels in [0,1])"
		if nk == robust.SaltPepper {
			xl = "fraction of pixels set to 0 or 1"
		}
		if err := report.LinePlot(filepath.Join(plots, "noise_"+string(nk)), fmt.Sprintf("%s noise (mean ± SEM over seeds)", nk),
			xl, "test accuracy", series); err != nil {
			return err
		}
	}
	for _, cs := range cmp.Common {
		var names []string
		var groups [][]float64
		for _, g := range gs {
			names, groups = append(names, g.name), append(groups, g.perImage(cs))
		}
		if err := report.BoxPlot(filepath.Join(plots, "minimal_"+cs.Norm),
			fmt.Sprintf("minimal %s perturbation, attack ensemble (%d images every model gets right)",
				strings.ToUpper(cs.Norm), len(cs.Images)), "size (pixels in [0,1])", names, groups, true); err != nil {
			return err
		}
	}
	for _, norm := range attackNorms {
		var series []report.Series
		for _, g := range gs {
			var curves [][]float64
			var eps []float64
			for _, r := range g.runs {
				if nr := normResultOf(r, norm); nr != nil && len(nr.CurveEps) > 0 {
					eps, curves = nr.CurveEps, append(curves, nr.CurveAccuracy)
				}
			}
			if len(curves) == 0 {
				continue
			}
			sr := report.Series{Name: g.name, X: eps}
			for i := range eps {
				col := make([]float64, len(curves))
				for k := range curves {
					col[k] = curves[k][i]
				}
				m, e := report.MeanSEM(col)
				sr.Y, sr.Err = append(sr.Y, m), append(sr.Err, e)
			}
			series = append(series, sr)
		}
		if len(series) == 0 {
			continue
		}
		if err := report.LinePlot(filepath.Join(plots, "robust_"+norm), fmt.Sprintf("robust accuracy against %s size (attack ensemble; mean ± SEM over seeds)", strings.ToUpper(norm)),
			"ε (pixels in [0,1])", "robust accuracy", series); err != nil {
			return err
		}
	}
	if err := corruptionPlots(plots, gs, cmp.Corruption); err != nil {
		return err
	}
	trade, series := alphaTrade(gs)
	if series != nil {
		if err := report.LinePlot(filepath.Join(plots, "alpha_trade"), "what α trades (mean ± SEM over seeds)",
			"α (weight of the similarity penalty)", "test accuracy", series); err != nil {
			return err
		}
	}
	return checkpoint.WriteFileAtomic(filepath.Join(dir, "summary.md"), []byte(summaryMarkdown(cfg, tsum, gs, trade, cmp)))
}

// tradeStats are the figures of one group in the α trade: mean and SEM
// over seeds of the clean accuracy and of the accuracy at two Gaussian
// levels, and the mean median minimal L∞.
type tradeStats struct {
	clean, cleanErr, mid, midErr, last, lastErr, medLinf float64
}

func (g *group) tradeStats(mid, last int) tradeStats {
	var t tradeStats
	t.clean, t.cleanErr = report.MeanSEM(g.clean())
	t.mid, t.midErr = g.noiseAtLevel(robust.Gaussian, mid)
	t.last, t.lastErr = g.noiseAtLevel(robust.Gaussian, last)
	t.medLinf, _ = report.MeanSEM(g.medians("linf"))
	return t
}

// alphaTrade describes, when a penalised kind was trained at more than one
// α, what each α costs in clean accuracy and buys under Gaussian noise,
// against the baseline: a Markdown section and the series of its plot
// (clean and noisy accuracy against α per kind, and the baseline's as flat
// lines). The noise levels are the middle and the last of the Gaussian
// levels. It returns "" and nil when no kind has two α values.
func alphaTrade(gs []*group) (string, []report.Series) {
	byKind := map[string][]*group{}
	var kinds []string
	var base *group
	for _, g := range gs {
		if g.kind == kindBaseline {
			base = g
			continue
		}
		if byKind[g.kind] == nil {
			kinds = append(kinds, g.kind)
		}
		byKind[g.kind] = append(byKind[g.kind], g)
	}
	var levels []float64
	for _, g := range gs {
		if l, _ := g.noise(robust.Gaussian); len(l) > 0 {
			levels = l
			break
		}
	}
	if len(levels) == 0 {
		return "", nil
	}
	mid, last := len(levels)/2, len(levels)-1
	var bs tradeStats
	if base != nil {
		bs = base.tradeStats(mid, last)
	}
	// row formats one group's figures and, for a penalised group with a
	// baseline to compare with, their differences from the baseline's.
	row := func(g *group, t tradeStats) string {
		n := len(g.runs)
		delta := func(m, ref float64) string {
			if base == nil || g == base {
				return "–"
			}
			return fmt.Sprintf("%+.1f", 100*(m-ref))
		}
		return fmt.Sprintf("| %s | %d | %s | %s | %s | %s | %s | %s | %.4g |\n", g.name, n,
			pct(t.clean, t.cleanErr, n), delta(t.clean, bs.clean),
			pct(t.mid, t.midErr, n), delta(t.mid, bs.mid),
			pct(t.last, t.lastErr, n), delta(t.last, bs.last), t.medLinf)
	}
	var b strings.Builder
	var series []report.Series
	for _, kind := range kinds {
		gk := byKind[kind]
		if len(gk) < 2 {
			continue
		}
		slices.SortFunc(gk, func(a, c *group) int { return cmp.Compare(a.alpha, c.alpha) })
		if b.Len() == 0 {
			b.WriteString("## The trade set by α\n\nMean ± SEM over seeds; Δ is the difference from the baseline's mean, in points. Plot: plots/alpha_trade.png.\n\n")
			fmt.Fprintf(&b, "| model | seeds | clean | Δ clean | Gaussian σ = %g | Δ | Gaussian σ = %g | Δ | median minimal L∞ (correct images) |\n", levels[mid], levels[last])
			b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
			if base != nil {
				b.WriteString(row(base, bs))
			}
		}
		clean := report.Series{Name: "clean, " + kind}
		noisy := report.Series{Name: fmt.Sprintf("Gaussian σ = %g, %s", levels[mid], kind)}
		for _, g := range gk {
			t := g.tradeStats(mid, last)
			b.WriteString(row(g, t))
			clean.X, clean.Y, clean.Err = append(clean.X, g.alpha), append(clean.Y, t.clean), append(clean.Err, t.cleanErr)
			noisy.X, noisy.Y, noisy.Err = append(noisy.X, g.alpha), append(noisy.Y, t.mid), append(noisy.Err, t.midErr)
		}
		series = append(series, clean, noisy)
	}
	if series == nil {
		return "", nil
	}
	if base != nil {
		// The baseline's two accuracies as flat lines across the α range,
		// for reference.
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, sr := range series {
			lo, hi = min(lo, slices.Min(sr.X)), max(hi, slices.Max(sr.X))
		}
		series = append(series,
			report.Series{Name: "clean, baseline", X: []float64{lo, hi}, Y: []float64{bs.clean, bs.clean}},
			report.Series{Name: fmt.Sprintf("Gaussian σ = %g, baseline", levels[mid]), X: []float64{lo, hi}, Y: []float64{bs.mid, bs.mid}})
	}
	b.WriteString("\n")
	return b.String(), series
}

func writeCSV(path string, runs []*modelRun) error {
	var b strings.Builder
	header := []string{"kind", "alpha", "seed", "clean_test_accuracy"}
	if len(runs) > 0 && runs[0].Robustness != nil {
		for _, c := range runs[0].Robustness.Noise {
			for _, l := range c.Levels {
				header = append(header, fmt.Sprintf("%s_%g", c.Kind, l))
			}
		}
		for _, nr := range runs[0].Robustness.Adversarial {
			header = append(header, fmt.Sprintf("robust_accuracy_%s_%g", nr.Norm, nr.Eps), fmt.Sprintf("median_minimal_%s_correct", nr.Norm))
		}
	}
	// The corruption columns, by name, from the first run evaluated on them
	// (empty for a run that was not).
	var corr []robust.CorruptionCurve
	for _, r := range runs {
		if r.Robustness != nil && r.Robustness.Corruption != nil {
			corr = r.Robustness.Corruption.Curves
			header = append(header, "corruption_clean_accuracy")
			for _, c := range corr {
				for s := range c.Accuracy {
					header = append(header, fmt.Sprintf("%s_s%d", c.Name, s+1))
				}
			}
			break
		}
	}
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range runs {
		row := []string{r.Kind, fmt.Sprint(r.Alpha), fmt.Sprint(r.Seed), fmt.Sprintf("%.4f", r.CleanAcc)}
		if r.Robustness != nil {
			for _, c := range r.Robustness.Noise {
				for _, a := range c.Accuracy {
					row = append(row, fmt.Sprintf("%.4f", a))
				}
			}
			for _, nr := range r.Robustness.Adversarial {
				row = append(row, fmt.Sprintf("%.4f", nr.RobustAccuracy), fmt.Sprintf("%.6g", float64(nr.MedianCorrect)))
			}
		}
		if corr != nil {
			var cr *robust.CorruptionResult
			if r.Robustness != nil {
				cr = r.Robustness.Corruption
			}
			if cr != nil {
				row = append(row, fmt.Sprintf("%.4f", cr.CleanAccuracy))
			} else {
				row = append(row, "")
			}
			for _, want := range corr {
				var acc []float64
				if cr != nil {
					for _, c := range cr.Curves {
						if c.Name == want.Name {
							acc = c.Accuracy
						}
					}
				}
				for s := range want.Accuracy {
					if s < len(acc) {
						row = append(row, fmt.Sprintf("%.4f", acc[s]))
					} else {
						row = append(row, "")
					}
				}
			}
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	return checkpoint.WriteFileAtomic(path, []byte(b.String()))
}

// summaryMarkdown writes the tables and plain statements of the outcome;
// trade is alphaTrade's section ("" for none), cmp the statistics.
func summaryMarkdown(cfg pipelineConfig, tsum *targetSummary, gs []*group, trade string, cmp *comparisons) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# cifar_reg run, preset %s\n\n", cfg.Preset)
	b.WriteString(buildText(gs))
	fmt.Fprintf(&b, "Model %s, %d epochs, batch %d, %d seed(s); similarity penalty with %d pairs a step, α ∈ %v; target preset %s.\n\n",
		cfg.Train.Model, cfg.Train.Epochs, cfg.Train.Batch, cfg.Seeds, cfg.Pairs, cfg.Alphas, cfg.TargetPreset)
	if tsum != nil {
		fmt.Fprintf(&b, "## Neural target\n\n%d scan(s), %d images; mean predictor test correlation %.3f, fraction of oracle %.3f.\n",
			tsum.Scans, tsum.Images, tsum.MeanTestCorr, tsum.FractionOracle)
		if tsum.TargetVsTruthR != nil {
			fmt.Fprintf(&b, "Off-diagonal r with the noise-free similarity: denoised target %.3f, raw single-trial target %.3f, shuffled %.3f.\n",
				*tsum.TargetVsTruthR, *tsum.RawVsTruthR, *tsum.ShuffledVsTruthR)
		}
		fmt.Fprintf(&b, "On the oracle images: prediction vs repeat-mean similarity r = %.3f, single trial vs mean of the other repeats r = %.3f (the paper reports 0.73 and 0.39 on real mouse V1).\n\n",
			tsum.OraclePredVsRepeatMeanR, tsum.OracleSingleVsOtherMeansR)
	}

	b.WriteString(evaluationText(cfg.Robust))
	b.WriteString(timingText(gs))
	b.WriteString("## Accuracy and noise robustness (mean ± SEM over seeds)\n\n")
	b.WriteString("Mean accuracy over levels is the area under the accuracy-against-level curve divided by the range of levels.\n\n")
	header := "| model | seeds | clean | "
	type col struct {
		kind  robust.NoiseKind
		level int // -1: mean over levels
	}
	var cols []col
	for _, nk := range noiseKinds {
		var levels []float64
		for _, g := range gs {
			if l, _ := g.noise(nk); len(l) > 0 {
				levels = l
				break
			}
		}
		if len(levels) == 0 {
			continue
		}
		cols = append(cols, col{nk, -1})
		header += fmt.Sprintf("%s mean over 0–%g | ", nk, levels[len(levels)-1])
		if nk == robust.Gaussian {
			for k, l := range levels {
				if l == 0.05 || l == 0.1 {
					cols = append(cols, col{nk, k})
					header += fmt.Sprintf("Gaussian σ = %g (Δ clean) | ", l)
				}
			}
		}
	}
	b.WriteString(header + "\n|" + strings.Repeat("---|", strings.Count(header, "|")-1) + "\n")
	for _, g := range gs {
		m, e := report.MeanSEM(g.clean())
		fmt.Fprintf(&b, "| %s | %d | %s | ", g.name, len(g.runs), pct(m, e, len(g.runs)))
		for _, c := range cols {
			levels, accs := g.noise(c.kind)
			var v, off []float64
			for si, a := range accs {
				if c.level < 0 {
					v = append(v, report.MeanOverRange(levels, a))
				} else {
					v = append(v, a[c.level])
					off = append(off, a[c.level]-g.runs[si].Robustness.CleanAccuracy)
				}
			}
			m, e := report.MeanSEM(v)
			if c.level < 0 {
				fmt.Fprintf(&b, "%s | ", pct(m, e, len(v)))
			} else {
				o, _ := report.MeanSEM(off)
				fmt.Fprintf(&b, "%s (%+.1f) | ", pct(m, e, len(v)), 100*o)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")

	b.WriteString(corruptionText(cmp.Corruption))

	if len(cmp.Robust) > 0 {
		b.WriteString("## Adversarial robustness (attack ensemble)\n\n")
		b.WriteString("Robust accuracy: an image counts as robust only if every attack fails within ε (mean ± SEM over seeds); \"after each attack\" is the running figure as the attacks follow one another, AutoAttack's way. ")
		b.WriteString("Minimal perturbation: per image the smallest adversarial perturbation any attack found; medians over the images every model classifies correctly, with bootstrap 95 % intervals over images.\n\n")
		for _, norm := range attackNorms {
			var cs *commonSet
			for i := range cmp.Common {
				if cmp.Common[i].Norm == norm {
					cs = &cmp.Common[i]
				}
			}
			first := true
			for _, rs := range cmp.Robust {
				if rs.Norm != norm {
					continue
				}
				if first {
					fmt.Fprintf(&b, "**%s**", strings.ToUpper(norm))
					if cs != nil {
						fmt.Fprintf(&b, " (common set: %d of %d attacked images", len(cs.Images), cs.Attacked)
						if cs.Infinite > 0 {
							fmt.Fprintf(&b, "; %d more dropped because some model's attacks found no adversarial", cs.Infinite)
						}
						b.WriteString(")")
					}
					fmt.Fprintf(&b, "\n\n| model | robust accuracy at ε = %g | after each attack | median minimal %s [95 %% CI] |\n|---|---|---|---|\n", rs.Eps, strings.ToUpper(norm))
					first = false
				}
				var parts []string
				for _, a := range rs.Attacks {
					parts = append(parts, fmt.Sprintf("%s %.1f%%", a.Name, 100*a.Accuracy))
				}
				med := "–"
				for _, ms := range cmp.Minimal {
					if ms.Group == rs.Group && ms.Norm == norm {
						med = fmt.Sprintf("%.4g [%.4g, %.4g]", ms.Median, ms.CILow, ms.CIHigh)
					}
				}
				n := 0
				for _, g := range gs {
					if g.name == rs.Group {
						n = len(g.runs)
					}
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", rs.Group, pct(rs.Mean, rs.SEM, n), strings.Join(parts, ", "), med)
			}
			if !first {
				b.WriteString("\n")
			}
		}
		b.WriteString("The paper's table (median minimal perturbation over 1,000 test images, ResNet-18, real mouse V1, its own attacks): neural 0.0034 / 0.13, shuffled 0.0030 / 0.11, other network 0.0028 / 0.11, baseline 0.0025 / 0.09 (L∞ / L2).\n\n")
	}
	b.WriteString(checksText(gs))
	b.WriteString(trade) // "" unless a target was trained at several α
	b.WriteString("## Paired tests\n\n")
	b.WriteString(testsText(cmp))
	b.WriteString("## Outcome\n\n")
	b.WriteString(outcome(gs, cmp))
	b.WriteString("\nPlots: plots/noise_*.png (accuracy against noise level), ")
	if cmp.Corruption != nil {
		b.WriteString("plots/corruption_<family>.png (accuracy against corruption severity), ")
		if cmp.Corruption.Baseline != "" {
			b.WriteString("plots/corruption_ce.png (corruption error per corruption), ")
		}
	}
	b.WriteString("plots/minimal_*.png (minimal perturbations over the common image set), plots/robust_*.png (robust accuracy against ε). Numbers: results.csv, results.json (statistics under \"statistics\").\n")
	return b.String()
}

// evaluationText says which evaluation the figures come from.
func evaluationText(c robust.Config) string {
	var b strings.Builder
	b.WriteString("## Evaluation\n\n")
	fmt.Fprintf(&b, "Noise on the first %s test images. ", countOrAll(c.NoiseImages))
	if c.CorruptImages > 0 {
		names := c.Corruptions
		what := fmt.Sprintf("%d corruptions", len(names))
		if len(names) == 0 || slices.Equal(names, corrupt.Names()) {
			what = fmt.Sprintf("all %d corruptions", len(corrupt.Names()))
		}
		fmt.Fprintf(&b, "Common corruptions (CIFAR-10-C, data/corrupt; %s at severities 1–%d) on the first %d test images, seed %d. ",
			what, corrupt.Severities, c.CorruptImages, c.CorruptSeed)
	}
	if c.AttackImages > 0 {
		fmt.Fprintf(&b, "Attacks on the first %d test images, in each norm in this order (AutoAttack's protocol): ", c.AttackImages)
		for _, e := range []attack.EnsembleConfig{c.Linf, c.L2} {
			var parts []string
			if e.APGDCE != nil {
				parts = append(parts, fmt.Sprintf("APGD-CE (%d steps, %d run)", e.APGDCE.Steps, max(e.APGDCE.Restarts, 1)))
			}
			if e.APGDT != nil {
				parts = append(parts, fmt.Sprintf("APGD-T (%d steps, top %d classes)", e.APGDT.Steps, e.APGDT.Targets))
			}
			if e.FMN != nil {
				parts = append(parts, fmt.Sprintf("FMN (%d steps)", e.FMN.Steps))
			}
			if e.FAB != nil {
				what := "untargeted"
				if e.FAB.Targets > 0 {
					what = fmt.Sprintf("top %d classes", e.FAB.Targets)
				}
				parts = append(parts, fmt.Sprintf("%s (%d steps, %s)", strings.ToUpper(e.FAB.Name()), e.FAB.Steps, what))
			}
			if e.Square != nil {
				parts = append(parts, fmt.Sprintf("Square (%d queries)", e.Square.Queries))
			}
			if e.Boundary != nil {
				parts = append(parts, fmt.Sprintf("the Boundary attack from the best point found (at most %d steps, stopping when %d steps gain less than %g)",
					e.Boundary.Steps, e.Boundary.ConvergeWindow, max(e.Boundary.ConvergeTol, 1e-3)))
			}
			fmt.Fprintf(&b, "%s at ε = %g: %s. ", strings.ToUpper(e.Norm.String()), e.Eps, strings.Join(parts, ", "))
		}
	}
	b.WriteString("\n\n")
	return b.String()
}

// timingText gives each part's wall time per model, as the runs measured
// it (median over models; 0 s parts left out).
func timingText(gs []*group) string {
	per := map[string][]float64{}
	var parts []string
	for _, g := range gs {
		for _, r := range g.runs {
			if r.Robustness == nil {
				continue
			}
			for k, v := range r.Robustness.Seconds {
				if per[k] == nil {
					parts = append(parts, k)
				}
				per[k] = append(per[k], v)
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	slices.Sort(parts)
	var items []string
	for _, k := range parts {
		if m := report.Median(per[k]); m >= 0.5 {
			items = append(items, fmt.Sprintf("%s %.0f s", k, m))
		}
	}
	return "Wall time per model (median over models): " + strings.Join(items, ", ") + ".\n\n"
}

func countOrAll(n int) string {
	if n <= 0 {
		return "all"
	}
	return fmt.Sprint(n)
}

// checksText lists the soundness checks of every model, with a warning
// line for each failure.
func checksText(gs []*group) string {
	var b strings.Builder
	type tally struct{ pass, all int }
	counts := map[string]*tally{}
	var order []string
	var warnings []string
	for _, g := range gs {
		for _, r := range g.runs {
			if r.Robustness == nil {
				continue
			}
			for _, c := range r.Robustness.Checks {
				key := c.Name + " (" + c.Norm + ")"
				if counts[key] == nil {
					counts[key] = &tally{}
					order = append(order, key)
				}
				counts[key].all++
				if c.Passed {
					counts[key].pass++
				} else {
					warnings = append(warnings, fmt.Sprintf("- **WARNING** %s seed %d, %s: %s", g.name, r.Seed, key, c.Detail))
				}
			}
		}
	}
	if len(order) == 0 {
		return ""
	}
	b.WriteString("## Soundness checks (Carlini et al. 2019)\n\n")
	b.WriteString("zero_at_large_eps: accuracy reaches 0 at a large ε; doubled_budget: twice the APGD steps and restarts lower robust accuracy by at most 1 point; black_box_no_better: Square fools at most 1 % of the images the white-box attacks left robust; transfer_weaker: examples transferred from the baseline are weaker than the model's own white-box attacks.\n\n")
	for _, k := range order {
		fmt.Fprintf(&b, "- %s: passed for %d of %d models\n", k, counts[k].pass, counts[k].all)
	}
	for _, w := range warnings {
		b.WriteString(w + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// testsText is the table of paired tests.
func testsText(cmp *comparisons) string {
	if len(cmp.Comparisons) == 0 {
		return "No neural model and comparison group in this run.\n\n"
	}
	var b strings.Builder
	b.WriteString("Per image (minimal perturbations over the common set): Wilcoxon signed-rank test, the difference of medians with a paired bootstrap 95 % interval, the rank-biserial correlation r and the share of images where the first model needs the larger perturbation. ")
	b.WriteString("Per seed (noise): paired t-test over seeds, mean difference with its 95 % interval. ")
	if slices.ContainsFunc(cmp.Comparisons, func(c comparison) bool { return len(c.Corruption) > 0 }) {
		b.WriteString("Per seed (corruptions): the same on the mean accuracy over the severities, per corruption and over all of them. ")
	}
	fmt.Fprintf(&b, "Holm's p adjusts each p-value for the %d tests of this table taken together; the outcome below uses it, at the %g level.\n\n", familySize(cmp), alphaTest)
	b.WriteString("| comparison | measure | difference | test | p | p (Holm) | effect |\n|---|---|---|---|---|---|---|\n")
	for _, c := range cmp.Comparisons {
		name := c.A + " vs " + c.B
		for _, m := range c.Minimal {
			fmt.Fprintf(&b, "| %s | median minimal %s (%d images) | %+.3g [%.3g, %.3g] | Wilcoxon | %.3g | %.3g | r = %+.2f, larger on %.0f%% |\n",
				name, strings.ToUpper(m.Norm), m.Images, m.MedianDiff, m.CILow, m.CIHigh, m.Wilcoxon.P, holmP(m.PHolm), m.Wilcoxon.RankBiserial, 100*m.Wilcoxon.FractionGreater)
		}
		for _, n := range slices.Concat(c.Noise, c.Corruption) {
			if n.Test == nil {
				fmt.Fprintf(&b, "| %s | %s, %s | %+.1f points | – | – | – | %s |\n", name, n.Kind, n.Measure, 100*(n.A-n.B), n.Note)
				continue
			}
			fmt.Fprintf(&b, "| %s | %s, %s | %+.1f [%+.1f, %+.1f] points | paired t (%d seeds) | %.3g | %.3g | dz = %+.2f |\n",
				name, n.Kind, n.Measure, 100*n.Test.MeanDiff, 100*n.Test.CILow, 100*n.Test.CIHigh, n.Seeds, n.Test.P, holmP(n.PHolm), n.Test.CohenDz)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// outcome states plainly, per comparison of the neural target with the
// baseline and with each control, what the paired tests say at the 5 %
// level after Holm's adjustment over all of them: larger, smaller, or no
// significant difference, and where no test was possible.
func outcome(gs []*group, cmp *comparisons) string {
	if len(cmp.Comparisons) == 0 {
		return "Not both a neural and a comparison model in this run: no comparison.\n"
	}
	var b strings.Builder
	for _, c := range cmp.Comparisons {
		fmt.Fprintf(&b, "**%s against %s:**\n\n", c.A, c.B)
		for _, m := range c.Minimal {
			norm := strings.ToUpper(m.Norm)
			evidence := fmt.Sprintf("Wilcoxon p = %.3g, Holm %.3g, over %d images; difference of medians %+.3g [%.3g, %.3g]",
				m.Wilcoxon.P, holmP(m.PHolm), m.Images, m.MedianDiff, m.CILow, m.CIHigh)
			// The signed-rank test is about the paired differences; the
			// interval is about the medians themselves. Say so when they
			// disagree rather than let one speak for both.
			caveat := ""
			if m.CILow <= 0 && m.CIHigh >= 0 {
				caveat = ", though the interval for the difference of medians includes 0"
			}
			switch verdict(holmP(m.PHolm), m.Wilcoxon.RankBiserial) {
			case "larger":
				fmt.Fprintf(&b, "- Minimal %s perturbations: the neural target's are larger per image (more robust; %s)%s.\n", norm, evidence, caveat)
			case "smaller":
				fmt.Fprintf(&b, "- Minimal %s perturbations: the neural target's are smaller per image (less robust; %s)%s.\n", norm, evidence, caveat)
			default:
				fmt.Fprintf(&b, "- Minimal %s perturbations: no significant difference (%s).\n", norm, evidence)
			}
		}
		for _, n := range c.Noise {
			if n.Test == nil {
				fmt.Fprintf(&b, "- %s noise, %s: %.1f%% against %.1f%%; %s, so no claim.\n", n.Kind, n.Measure, 100*n.A, 100*n.B, n.Note)
				continue
			}
			v := verdict(holmP(n.PHolm), n.Test.MeanDiff)
			word := map[string]string{"larger": "higher", "smaller": "lower", "no significant difference": "no significant difference", "untested": "untested"}[v]
			if v == "larger" || v == "smaller" {
				fmt.Fprintf(&b, "- %s noise, %s: %s with the neural target (%+.1f points [%+.1f, %+.1f], paired t over %d seeds, p = %.3g, Holm %.3g).\n",
					n.Kind, n.Measure, word, 100*n.Test.MeanDiff, 100*n.Test.CILow, 100*n.Test.CIHigh, n.Seeds, n.Test.P, holmP(n.PHolm))
			} else {
				fmt.Fprintf(&b, "- %s noise, %s: %s (%+.1f points [%+.1f, %+.1f], paired t over %d seeds, p = %.3g, Holm %.3g).\n",
					n.Kind, n.Measure, word, 100*n.Test.MeanDiff, 100*n.Test.CILow, 100*n.Test.CIHigh, n.Seeds, n.Test.P, holmP(n.PHolm))
			}
		}
		b.WriteString(corruptionOutcome(c, cmp.Corruption))
		b.WriteString("\n")
	}
	for _, n := range gs {
		if n.kind != kindNeural {
			continue
		}
		for _, base := range gs {
			if base.kind == kindBaseline {
				nc, _ := report.MeanSEM(n.clean())
				bc, _ := report.MeanSEM(base.clean())
				fmt.Fprintf(&b, "- Clean accuracy: %s %.2f%%, baseline %.2f%% (cost %.2f points).\n", n.name, 100*nc, 100*bc, 100*(bc-nc))
			}
		}
	}
	return b.String()
}

// pct formats a mean accuracy over n seeds, with its SEM when n > 1.
func pct(m, e float64, n int) string {
	switch {
	case math.IsNaN(m):
		return "–"
	case n < 2:
		return fmt.Sprintf("%.1f%%", 100*m)
	}
	return fmt.Sprintf("%.1f ± %.1f%%", 100*m, 100*e)
}

// buildText says which code wrote the report and which trained and
// evaluated its models (each distinct build, with how many stages it
// finished), so that a summary read alone names its code.
func buildText(gs []*group) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Report written by %s.\n", buildinfo.Get())
	for _, part := range []struct {
		what string
		of   func(*modelRun) *buildinfo.Info
	}{
		{"Models trained by", func(r *modelRun) *buildinfo.Info { return r.TrainedBy }},
		{"Evaluated by", func(r *modelRun) *buildinfo.Info { return r.EvaluatedBy }},
	} {
		count := map[string]int{}
		var order []string
		for _, g := range gs {
			for _, r := range g.runs {
				s := "a build from before builds were recorded"
				if in := part.of(r); in != nil {
					s = in.String()
				}
				if count[s] == 0 {
					order = append(order, s)
				}
				count[s]++
			}
		}
		for i, s := range order {
			order[i] = fmt.Sprintf("%s (%d)", s, count[s])
		}
		if len(order) > 0 {
			fmt.Fprintf(&b, "%s: %s.\n", part.what, strings.Join(order, "; "))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// ceText formats a corruption error ("–" where undefined).
func ceText(ce *float64) string {
	if ce == nil {
		return "–"
	}
	return fmt.Sprintf("%.3f", *ce)
}

// corruptionText is the section on the common corruptions: accuracy per
// corruption and model, the corruption error relative to the baseline with
// the mCE, and the figures per family ("" when no model was evaluated on
// the corruptions).
func corruptionText(cs *corruptionStats) string {
	if cs == nil || len(cs.Groups) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Common corruptions (CIFAR-10-C)\n\n")
	fmt.Fprintf(&b, "The corruptions of Hendrycks & Dietterich (2019) applied to the 8-bit grayscale images (data/corrupt), severities 1–%d, on the first %d test images, seed %d: every model sees the same corrupted images. ",
		corrupt.Severities, cs.Images, cs.Seed)
	b.WriteString("Accuracy is the mean over the severities (mean ± SEM over seeds). ")
	if cs.Baseline != "" {
		fmt.Fprintf(&b, "The corruption error CE_c = Σ_s err(model, c, s) / Σ_s err(%s, c, s), errors averaged over seeds, is relative to this run's %s (whose CE is 1); mCE is the mean of CE over the corruptions (Hendrycks & Dietterich normalise by AlexNet instead). ",
			cs.Baseline, cs.Baseline)
	} else {
		b.WriteString("No baseline in this run: no corruption error. ")
	}
	b.WriteString("Plots: plots/corruption_<family>.png (accuracy against severity, severity 0 the clean images)")
	if cs.Baseline != "" {
		b.WriteString(", plots/corruption_ce.png (CE per corruption)")
	}
	b.WriteString(".\n\n")

	header := func(first string) {
		b.WriteString("| " + first + " |")
		for _, g := range cs.Groups {
			b.WriteString(" " + g.Group + " |")
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(cs.Groups)) + "\n")
	}
	header("accuracy, mean over severities")
	b.WriteString("| clean (these images) |")
	for _, g := range cs.Groups {
		fmt.Fprintf(&b, " %s |", pct(g.Clean, 0, 1))
	}
	b.WriteString("\n")
	for k, name := range cs.Names {
		fmt.Fprintf(&b, "| %s (%s) |", name, cs.Families[k])
		for _, g := range cs.Groups {
			fmt.Fprintf(&b, " %s |", pct(g.Accuracy[k], g.SEM[k], g.Seeds))
		}
		b.WriteString("\n")
	}
	b.WriteString("| **mean over corruptions** |")
	for _, g := range cs.Groups {
		m, _ := report.MeanSEM(g.Accuracy)
		fmt.Fprintf(&b, " %s |", pct(m, 0, 1))
	}
	b.WriteString("\n\n")

	if cs.Baseline != "" {
		header("corruption error CE")
		for k, name := range cs.Names {
			fmt.Fprintf(&b, "| %s |", name)
			for _, g := range cs.Groups {
				fmt.Fprintf(&b, " %s |", ceText(g.CE[k]))
			}
			b.WriteString("\n")
		}
		b.WriteString("| **mCE** |")
		for _, g := range cs.Groups {
			fmt.Fprintf(&b, " **%s** |", ceText(g.MCE))
		}
		b.WriteString("\n\n")
	}

	what := "family: mean accuracy over its corruptions"
	if cs.Baseline != "" {
		what += " (mean CE)"
	}
	header(what)
	for fi, f := range cs.Groups[0].Families {
		fmt.Fprintf(&b, "| %s |", f.Family)
		for _, g := range cs.Groups {
			ff := g.Families[fi]
			fmt.Fprintf(&b, " %s", pct(ff.Accuracy, ff.SEM, g.Seeds))
			if cs.Baseline != "" {
				fmt.Fprintf(&b, " (%s)", ceText(ff.CE))
			}
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// corruptionOutcome states what the paired tests say about the corruptions
// for one comparison, as for noise: the mean over every corruption, then
// the corruptions where the neural target is significantly more or less
// accurate after Holm's adjustment, and how many show no significant
// difference ("" without corruption tests).
func corruptionOutcome(c comparison, cs *corruptionStats) string {
	if len(c.Corruption) == 0 {
		return ""
	}
	var b strings.Builder
	mce := func(name string) string {
		if cs == nil || cs.Baseline == "" {
			return ""
		}
		for _, g := range cs.Groups {
			if g.Group == name {
				return ceText(g.MCE)
			}
		}
		return "–"
	}
	var per []pairedNoise
	for _, n := range c.Corruption {
		if n.Kind != allCorruptions {
			per = append(per, n)
			continue
		}
		ce := ""
		if m := mce(c.A); m != "" {
			ce = fmt.Sprintf("; mCE %s against %s", m, mce(c.B))
		}
		if n.Test == nil {
			fmt.Fprintf(&b, "- Common corruptions, %s: %.1f%% against %.1f%%%s; %s, so no claim.\n", n.Measure, 100*n.A, 100*n.B, ce, n.Note)
			continue
		}
		v := verdict(holmP(n.PHolm), n.Test.MeanDiff)
		word := map[string]string{"larger": "higher with the neural target", "smaller": "lower with the neural target",
			"no significant difference": "no significant difference", "untested": "untested"}[v]
		fmt.Fprintf(&b, "- Common corruptions, %s: %s (%+.1f points [%+.1f, %+.1f], paired t over %d seeds, p = %.3g, Holm %.3g%s).\n",
			n.Measure, word, 100*n.Test.MeanDiff, 100*n.Test.CILow, 100*n.Test.CIHigh, n.Seeds, n.Test.P, holmP(n.PHolm), ce)
	}
	if len(per) == 0 {
		return b.String()
	}
	var higher, lower []string
	var none, untested int
	note := ""
	for _, n := range per {
		if n.Test == nil {
			untested++
			note = n.Note
			continue
		}
		item := fmt.Sprintf("%s (%+.1f points, Holm %.3g)", n.Kind, 100*n.Test.MeanDiff, holmP(n.PHolm))
		switch verdict(holmP(n.PHolm), n.Test.MeanDiff) {
		case "larger":
			higher = append(higher, item)
		case "smaller":
			lower = append(lower, item)
		default:
			none++
		}
	}
	if untested == len(per) {
		fmt.Fprintf(&b, "- Each corruption, %s: %s, so no claim.\n", corruptionMeasure, note)
		return b.String()
	}
	var parts []string
	if len(higher) > 0 {
		parts = append(parts, "higher with the neural target on "+strings.Join(higher, ", "))
	}
	if len(lower) > 0 {
		parts = append(parts, "lower on "+strings.Join(lower, ", "))
	}
	if none > 0 {
		parts = append(parts, fmt.Sprintf("no significant difference on %d of the %d", none, len(per)))
	}
	if untested > 0 {
		parts = append(parts, fmt.Sprintf("%d untested (%s)", untested, note))
	}
	fmt.Fprintf(&b, "- Each corruption, %s (paired t over seeds, Holm): %s.\n", corruptionMeasure, strings.Join(parts, "; "))
	return b.String()
}

// corruptionPlots draws the accuracy against severity per family (severity
// 0 the clean accuracy on the same images; mean over the family's
// corruptions, mean ± SEM over seeds), one file per family, and the CE of
// every corruption for each model other than the baseline, with the mCE.
func corruptionPlots(dir string, gs []*group, cs *corruptionStats) error {
	if cs == nil || len(cs.Groups) == 0 {
		return nil
	}
	for _, f := range cs.Groups[0].Families {
		var members []string
		for k, fk := range cs.Families {
			if fk == f.Family {
				members = append(members, cs.Names[k])
			}
		}
		var series []report.Series
		for _, g := range gs {
			perSeed, clean := g.corruptionCurves(members)
			if len(perSeed) == 0 {
				continue
			}
			sr := report.Series{Name: g.name}
			for sev := 0; sev <= corrupt.Severities; sev++ {
				var col []float64
				for s, row := range perSeed {
					if sev == 0 {
						col = append(col, clean[s])
						continue
					}
					var xs []float64
					for _, acc := range row {
						if sev <= len(acc) {
							xs = append(xs, acc[sev-1])
						}
					}
					if len(xs) > 0 {
						m, _ := report.MeanSEM(xs)
						col = append(col, m)
					}
				}
				if len(col) == 0 {
					continue
				}
				m, e := report.MeanSEM(col)
				sr.X, sr.Y, sr.Err = append(sr.X, float64(sev)), append(sr.Y, m), append(sr.Err, e)
			}
			series = append(series, sr)
		}
		if len(series) == 0 {
			continue
		}
		sev := make([]float64, corrupt.Severities+1)
		for i := range sev {
			sev[i] = float64(i)
		}
		if err := report.LinePlotTicks(filepath.Join(dir, "corruption_"+f.Family),
			fmt.Sprintf("%s: %s (mean ± SEM over seeds)", f.Family, strings.Join(members, ", ")),
			"severity (0: the clean images)", "test accuracy, mean over the corruptions", sev, series); err != nil {
			return err
		}
	}
	if cs.Baseline == "" {
		return nil
	}
	var bars []report.Bars
	for _, g := range cs.Groups {
		if g.Group == cs.Baseline {
			continue
		}
		v := make([]float64, 0, len(cs.Names)+1)
		for _, ce := range append(slices.Clone(g.CE), g.MCE) {
			if ce == nil {
				v = append(v, math.NaN())
			} else {
				v = append(v, *ce)
			}
		}
		bars = append(bars, report.Bars{Name: g.Group, Values: v})
	}
	if len(bars) == 0 {
		return nil
	}
	return report.BarChart(filepath.Join(dir, "corruption_ce"),
		fmt.Sprintf("corruption error relative to the %s (mCE: mean over corruptions)", cs.Baseline),
		"CE", append(slices.Clone(cs.Names), "mCE"), bars, 1, cs.Baseline+" (CE = 1)")
}
