package report

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestMeanSEMAndMedian(t *testing.T) {
	m, s := MeanSEM([]float64{1, 2, 3, 4})
	if m != 2.5 || math.Abs(s-math.Sqrt(5.0/3)/2) > 1e-12 {
		t.Fatalf("MeanSEM = %v, %v", m, s)
	}
	if _, s := MeanSEM([]float64{7}); s != 0 {
		t.Fatalf("SEM of one value %v", s)
	}
	if Median([]float64{3, 1, 2}) != 2 || Median([]float64{4, 1, 3, 2}) != 2.5 || !math.IsNaN(Median(nil)) {
		t.Fatal("Median")
	}
}

func TestPlotsWritePNGAndSVG(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "noise")
	err := LinePlot(base, "Gaussian noise", "σ", "accuracy", []Series{
		{Name: "baseline", X: []float64{0, 0.05, 0.1}, Y: []float64{0.8, 0.5, 0.2}, Err: []float64{0.01, 0.02, 0.03}},
		{Name: "neural", X: []float64{0, 0.05, 0.1}, Y: []float64{0.78, 0.6, 0.45}},
	})
	if err != nil {
		t.Fatal(err)
	}
	png, _ := os.ReadFile(base + ".png")
	svg, _ := os.ReadFile(base + ".svg")
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("neural")) {
		t.Fatalf("plot files: %d bytes PNG, %d bytes SVG", len(png), len(svg))
	}
	if err := BoxPlot(filepath.Join(dir, "minpert"), "minimal L∞", "ε", []string{"a", "b"},
		[][]float64{{0.001, 0.002, 0.004}, {0.002, 0.003, 0.01}}, true); err != nil {
		t.Fatal(err)
	}
	// No positive value at all: a log axis is impossible, the plot is still written.
	if err := BoxPlot(filepath.Join(dir, "zeros"), "all zero", "ε", []string{"a"}, [][]float64{{0, 0}}, true); err != nil {
		t.Fatal(err)
	}
	// One positive value among zeros: a one-point box on a log axis.
	if err := BoxPlot(filepath.Join(dir, "one"), "one value", "ε", []string{"a", "b"}, [][]float64{{0, 0.0017}, {0}}, true); err != nil {
		t.Fatal(err)
	}
	if err := LinePlot(base, "bad", "x", "y", []Series{{Name: "s", X: []float64{1}, Y: []float64{1, 2}}}); err == nil {
		t.Fatal("mismatched series plotted")
	}
}

// A grouped bar chart with a reference line, a value left out (NaN), and
// long category names, written as PNG and SVG; a series of the wrong
// length is refused.
func TestBarChart(t *testing.T) {
	base := filepath.Join(t.TempDir(), "ce")
	cats := []string{"gaussian_noise", "elastic_transform", "jpeg_compression", "mCE"}
	err := BarChart(base, "corruption error", "CE", cats, []Bars{
		{Name: "neural", Values: []float64{0.9, 1.1, math.NaN(), 1}},
		{Name: "shuffled", Values: []float64{1.05, 0.97, 1.2, 1.07}},
	}, 1, "baseline")
	if err != nil {
		t.Fatal(err)
	}
	png, _ := os.ReadFile(base + ".png")
	svg, _ := os.ReadFile(base + ".svg")
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || !bytes.Contains(svg, []byte("shuffled")) || !bytes.Contains(svg, []byte("elastic_transform")) {
		t.Fatalf("bar chart files: %d bytes PNG, %d bytes SVG", len(png), len(svg))
	}
	if err := BarChart(base, "bad", "CE", cats, []Bars{{Name: "s", Values: []float64{1}}}, math.NaN(), ""); err == nil {
		t.Fatal("a series of 1 value for 4 categories plotted")
	}
}
