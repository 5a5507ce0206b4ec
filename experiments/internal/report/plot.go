// Package report turns the results of the experiment into files a person
// reads: plots (PNG and SVG, drawn with gonum.org/v1/plot), CSV tables and a
// Markdown summary laid out like the paper's.
package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/brainreg/brainreg/nn/checkpoint"
)

// Series is one line of a line plot: Y (and optionally its error Err, drawn
// as ±Err bars, e.g. the SEM over seeds) against X.
type Series struct {
	Name string
	X, Y []float64
	Err  []float64
}

// LinePlot draws the series and writes base+".png" and base+".svg".
func LinePlot(base, title, xLabel, yLabel string, series []Series) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	for i, s := range series {
		if len(s.X) != len(s.Y) || (s.Err != nil && len(s.Err) != len(s.Y)) {
			return fmt.Errorf("report: series %q has %d x, %d y and %d error values", s.Name, len(s.X), len(s.Y), len(s.Err))
		}
		pts := make(plotter.XYs, len(s.X))
		for j := range s.X {
			pts[j].X, pts[j].Y = s.X[j], s.Y[j]
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("report: series %q: %w", s.Name, err)
		}
		c := plotutil.Color(i)
		line.Color, points.Color = c, c
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(s.Name, line, points)
		if s.Err != nil {
			errs := make(plotter.YErrors, len(s.Err))
			for j, e := range s.Err {
				errs[j].Low, errs[j].High = e, e
			}
			bars, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{pts, errs})
			if err != nil {
				return fmt.Errorf("report: series %q error bars: %w", s.Name, err)
			}
			bars.Color = c
			p.Add(bars)
		}
	}
	return save(p, base, 16*vg.Centimeter, 11*vg.Centimeter)
}

// BoxPlot draws one box per group (median, quartiles, whiskers) of values
// such as minimal adversarial perturbations, on a log scale when logY, and
// writes base+".png" and base+".svg".
func BoxPlot(base, title, yLabel string, names []string, groups [][]float64, logY bool) error {
	if len(names) != len(groups) {
		return fmt.Errorf("report: %d names for %d groups", len(names), len(groups))
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	p.Add(plotter.NewGrid())
	w := vg.Points(20)
	boxes := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, g := range groups {
		vals := make(plotter.Values, 0, len(g))
		for _, v := range g {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && (!logY || v > 0) {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		for _, v := range vals {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		b, err := plotter.NewBoxPlot(w, float64(i), vals)
		if err != nil {
			return fmt.Errorf("report: group %q: %w", names[i], err)
		}
		b.FillColor = color.Transparent
		p.Add(b)
		boxes++
	}
	// A log axis needs positive values; with none (every image already
	// misclassified, say) the empty plot keeps a linear axis.
	if logY && boxes > 0 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		// Explicit limits with a margin: a single value would give an empty
		// range, and padding below it could reach 0.
		p.Y.Min, p.Y.Max = lo/2, hi*2
	}
	p.NominalX(names...)
	return save(p, base, 16*vg.Centimeter, 11*vg.Centimeter)
}

// save writes the plot as PNG and SVG, each atomically.
func save(p *plot.Plot, base string, w, h vg.Length) error {
	for _, ext := range []string{"png", "svg"} {
		wt, err := p.WriterTo(w, h, ext)
		if err != nil {
			return fmt.Errorf("report: %s.%s: %w", base, ext, err)
		}
		var buf bytes.Buffer
		if _, err := wt.WriteTo(&buf); err != nil {
			return fmt.Errorf("report: %s.%s: %w", base, ext, err)
		}
		if err := checkpoint.WriteFileAtomic(base+"."+ext, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
