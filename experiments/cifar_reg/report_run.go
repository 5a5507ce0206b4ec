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

	"github.com/brainreg/brainreg/experiments/internal/report"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/experiments/internal/runio"
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
		if r.Kind != kindBaseline {
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

// minimal returns the per-seed medians and the pooled per-image distances of
// one method and norm.
func (g *group) minimal(method, norm string) (medians, pooled []float64) {
	for _, r := range g.runs {
		for _, m := range r.Robustness.Minimal {
			if m.Method == method && m.Norm.String() == norm {
				medians = append(medians, float64(m.Median))
				for _, d := range m.Dist {
					pooled = append(pooled, float64(d))
				}
			}
		}
	}
	return medians, pooled
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
	if err := runio.WriteJSON(filepath.Join(dir, "results.json"), map[string]any{
		"config": cfg, "target": tsum, "models": runs, "written": time.Now().UTC().Format(time.RFC3339),
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
	for _, method := range []string{"pgd_search", "boundary"} {
		for _, norm := range []string{"linf", "l2"} {
			var names []string
			var groups [][]float64
			for _, g := range gs {
				if _, pooled := g.minimal(method, norm); len(pooled) > 0 {
					names, groups = append(names, g.name), append(groups, pooled)
				}
			}
			if len(groups) == 0 {
				continue
			}
			if err := report.BoxPlot(filepath.Join(plots, "minimal_"+norm+"_"+method),
				fmt.Sprintf("minimal adversarial %s perturbation (%s)", strings.ToUpper(norm), method), "size (pixels in [0,1])",
				names, groups, true); err != nil {
				return err
			}
		}
	}
	trade, series := alphaTrade(gs)
	if series != nil {
		if err := report.LinePlot(filepath.Join(plots, "alpha_trade"), "what α trades (mean ± SEM over seeds)",
			"α (weight of the similarity penalty)", "test accuracy", series); err != nil {
			return err
		}
	}
	return checkpoint.WriteFileAtomic(filepath.Join(dir, "summary.md"), []byte(summaryMarkdown(cfg, tsum, gs, trade)))
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
	meds, _ := g.minimal("pgd_search", "linf")
	t.medLinf, _ = report.MeanSEM(meds)
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
			fmt.Fprintf(&b, "| model | seeds | clean | Δ clean | Gaussian σ = %g | Δ | Gaussian σ = %g | Δ | median L∞ (PGD search) |\n", levels[mid], levels[last])
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
		for _, m := range runs[0].Robustness.Minimal {
			header = append(header, fmt.Sprintf("median_%s_%s", m.Norm, m.Method))
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
			for _, m := range r.Robustness.Minimal {
				row = append(row, fmt.Sprintf("%.6g", float64(m.Median)))
			}
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	return checkpoint.WriteFileAtomic(path, []byte(b.String()))
}

// summaryMarkdown writes the tables and plain statements of the outcome;
// trade is alphaTrade's section ("" for none).
func summaryMarkdown(cfg pipelineConfig, tsum *targetSummary, gs []*group, trade string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# cifar_reg run, preset %s\n\n", cfg.Preset)
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

	b.WriteString("## Accuracy and robustness (mean ± SEM over seeds)\n\n")
	maxLevel := map[robust.NoiseKind]float64{}
	header := "| model | seeds | clean | "
	for _, nk := range noiseKinds {
		for _, g := range gs {
			if levels, _ := g.noise(nk); len(levels) > 0 {
				maxLevel[nk] = levels[len(levels)-1]
				break
			}
		}
		if l, ok := maxLevel[nk]; ok {
			header += fmt.Sprintf("%s %g | ", nk, l)
		}
	}
	header += "median L∞ (PGD search) | median L2 (PGD search) | median L∞ (boundary) | median L2 (boundary) | γ (stem, stages) |"
	b.WriteString(header + "\n|" + strings.Repeat("---|", strings.Count(header, "|")-1) + "\n")
	for _, g := range gs {
		m, e := report.MeanSEM(g.clean())
		fmt.Fprintf(&b, "| %s | %d | %s | ", g.name, len(g.runs), pct(m, e, len(g.runs)))
		for _, nk := range noiseKinds {
			if _, ok := maxLevel[nk]; !ok {
				continue
			}
			_, accs := g.noise(nk)
			var last []float64
			for _, a := range accs {
				last = append(last, a[len(a)-1])
			}
			m, e := report.MeanSEM(last)
			fmt.Fprintf(&b, "%s | ", pct(m, e, len(last)))
		}
		for _, mn := range [][2]string{{"pgd_search", "linf"}, {"pgd_search", "l2"}, {"boundary", "linf"}, {"boundary", "l2"}} {
			meds, _ := g.minimal(mn[0], mn[1])
			m, e := report.MeanSEM(meds)
			switch len(meds) {
			case 0:
				b.WriteString("– | ")
			case 1:
				fmt.Fprintf(&b, "%.4g | ", m)
			default:
				fmt.Fprintf(&b, "%.4g ± %.2g | ", m, e)
			}
		}
		if len(g.runs[0].Gamma) > 0 {
			var gm []string
			for _, v := range g.runs[0].Gamma {
				gm = append(gm, fmt.Sprintf("%.2f", v))
			}
			fmt.Fprintf(&b, "%s |\n", strings.Join(gm, " "))
		} else {
			b.WriteString("– |\n")
		}
	}
	b.WriteString("\nThe paper's table (median minimal perturbation over 1,000 test images, ResNet-18, real mouse V1): neural 0.0034 / 0.13, shuffled 0.0030 / 0.11, other network 0.0028 / 0.11, baseline 0.0025 / 0.09 (L∞ / L2).\n\n")

	b.WriteString(trade) // "" unless a target was trained at several α
	b.WriteString("## Outcome\n\n")
	b.WriteString(outcome(gs, maxLevel))
	b.WriteString("\nPlots: plots/noise_*.png (accuracy against noise level), plots/minimal_*.png (distributions of minimal perturbations). Numbers: results.csv, results.json.\n")
	return b.String()
}

// outcome states plainly whether the neural target beat the baseline and
// the shuffled control (at the same α) under the strongest Gaussian noise
// and under attack, for every α the neural target was trained at.
func outcome(gs []*group, maxLevel map[robust.NoiseKind]float64) string {
	var neurals []*group
	var base *group
	shuffled := map[float64]*group{}
	for _, g := range gs {
		switch g.kind {
		case kindNeural:
			neurals = append(neurals, g)
		case kindBaseline:
			base = g
		case kindShuffled:
			shuffled[g.alpha] = g
		}
	}
	if len(neurals) == 0 || base == nil {
		return "Not both a neural and a baseline model in this run: no comparison.\n"
	}
	var b strings.Builder
	at := func(g *group) float64 {
		_, accs := g.noise(robust.Gaussian)
		var last []float64
		for _, a := range accs {
			last = append(last, a[len(a)-1])
		}
		m, _ := report.MeanSEM(last)
		return m
	}
	med := func(g *group) float64 {
		meds, _ := g.minimal("pgd_search", "linf")
		m, _ := report.MeanSEM(meds)
		return m
	}
	compare := func(what string, n, o float64, other string, asPercent bool) {
		verdict := "does not beat"
		if n > o {
			verdict = "beats"
		}
		f := func(v float64) string { return fmt.Sprintf("%.4g", v) }
		if asPercent {
			f = func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }
		}
		fmt.Fprintf(&b, "- %s: the neural target (%s) %s %s (%s).\n", what, f(n), verdict, other, f(o))
	}
	for _, neural := range neurals {
		if len(neurals) > 1 {
			fmt.Fprintf(&b, "At α = %g:\n\n", neural.alpha)
		}
		shuf := shuffled[neural.alpha]
		if l, ok := maxLevel[robust.Gaussian]; ok {
			compare(fmt.Sprintf("Gaussian noise σ = %g, accuracy", l), at(neural), at(base), "the baseline", true)
			if shuf != nil {
				compare(fmt.Sprintf("Gaussian noise σ = %g, accuracy", l), at(neural), at(shuf), "the shuffled control", true)
			}
		}
		compare("Median minimal L∞ perturbation (PGD search; larger is more robust)", med(neural), med(base), "the baseline", false)
		if shuf != nil {
			compare("Median minimal L∞ perturbation (PGD search; larger is more robust)", med(neural), med(shuf), "the shuffled control", false)
		}
		nc, _ := report.MeanSEM(neural.clean())
		bc, _ := report.MeanSEM(base.clean())
		fmt.Fprintf(&b, "- Clean accuracy: neural %.2f%%, baseline %.2f%% (cost %.2f points).\n", 100*nc, 100*bc, 100*(bc-nc))
		if len(neurals) > 1 {
			b.WriteString("\n")
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
