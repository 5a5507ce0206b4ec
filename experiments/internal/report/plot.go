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
	"gonum.org/v1/plot/text"
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
	return LinePlotTicks(base, title, xLabel, yLabel, nil, series)
}

// LinePlotTicks is LinePlot with the x axis ticked at xTicks, labelled
// with %g (the default ticks when xTicks is empty): for a few discrete
// levels such as severities 0…5.
func LinePlotTicks(base, title, xLabel, yLabel string, xTicks []float64, series []Series) error {
	p := plot.New()
	if len(xTicks) > 0 {
		var ticks plot.ConstantTicks
		for _, x := range xTicks {
			ticks = append(ticks, plot.Tick{Value: x, Label: fmt.Sprintf("%g", x)})
		}
		p.X.Tick.Marker = ticks
	}
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

// Bars is one series of a grouped bar chart: one value per category.
type Bars struct {
	Name   string
	Values []float64
}

// BarChart draws, for every category, a group of bars, one per series
// (NaN or infinite values are left out), and, when ref is finite, a dashed
// horizontal line at ref named refName in the legend; it writes
// base+".png" and base+".svg". The category names are written at an angle
// so that long ones do not overlap.
func BarChart(base, title, yLabel string, categories []string, series []Bars, ref float64, refName string) error {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	// The groups fill 80 % of each category's width on the 22 cm plot.
	width := vg.Length(22) * vg.Centimeter * 0.8 / vg.Length(max(len(categories), 1)) / vg.Length(max(len(series), 1)) * 0.8
	top := 0.0
	if !math.IsNaN(ref) && !math.IsInf(ref, 0) {
		top = ref
	}
	for i, s := range series {
		if len(s.Values) != len(categories) {
			return fmt.Errorf("report: series %q has %d values for %d categories", s.Name, len(s.Values), len(categories))
		}
		vals := make(plotter.Values, len(s.Values))
		for j, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				vals[j], top = v, max(top, v)
			}
		}
		b, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return fmt.Errorf("report: series %q: %w", s.Name, err)
		}
		b.Color = plotutil.Color(i)
		b.LineStyle.Width = 0
		b.Offset = (vg.Length(i) - vg.Length(len(series)-1)/2) * width
		p.Add(b)
		p.Legend.Add(s.Name, b)
	}
	if !math.IsNaN(ref) && !math.IsInf(ref, 0) {
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: ref}, {X: float64(len(categories)) - 0.5, Y: ref}})
		if err != nil {
			return fmt.Errorf("report: reference line: %w", err)
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		if refName != "" {
			p.Legend.Add(refName, l)
		}
	}
	// Room above the highest bar for the legend, a line per entry.
	if top > 0 {
		p.Y.Min, p.Y.Max = 0, top*(1.1+0.08*float64(len(series)+1))
	}
	p.NominalX(categories...)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = text.XRight, text.YCenter
	return save(p, base, 22*vg.Centimeter, 12*vg.Centimeter)
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
