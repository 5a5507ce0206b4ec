package rsa

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// lowRankScans returns scans of images×neurons responses with shared
// structure, as recordings have (see newLowRank).
func lowRankScans(rng *rand.Rand, scans, images, neurons int) [][]float32 {
	g := newLowRank(rng, images)
	out := make([][]float32, scans)
	for s := range out {
		out[s] = g.scan(rng, neurons)
	}
	return out
}

// lowRank makes response matrices with a rank-20 signal common to the
// scans (image factors, here, times neuron loadings drawn per scan), a
// baseline per neuron and independent noise of about the signal's size.
type lowRank struct {
	images int
	f      []float64 // images×rank image factors
}

const lowRankRank = 20

func newLowRank(rng *rand.Rand, images int) *lowRank {
	f := make([]float64, images*lowRankRank)
	for i := range f {
		f[i] = rng.NormFloat64()
	}
	return &lowRank{images: images, f: f}
}

func (g *lowRank) scan(rng *rand.Rand, neurons int) []float32 {
	const rank = lowRankRank
	load := make([]float64, rank*neurons)
	for i := range load {
		load[i] = rng.NormFloat64() / math.Sqrt(rank)
	}
	r := make([]float32, g.images*neurons)
	row := make([]float64, neurons)
	for a := range row {
		row[a] = 2 * rng.Float64() // the baseline, overwritten below
	}
	base := append([]float64(nil), row...)
	for i := range g.images {
		for a := range row {
			row[a] = base[a] + rng.NormFloat64()
		}
		for q, fq := range g.f[i*rank : (i+1)*rank] {
			for a, l := range load[q*neurons : (q+1)*neurons] {
				row[a] += fq * l
			}
		}
		for a, v := range row {
			r[i*neurons+a] = float32(v)
		}
	}
	return r
}

// The BF16 mean against the FP32 one on a realistic example (sizes leaving
// partial panels and leaves): exactly symmetric, diagonal 1 to within bf16
// rounding, every entry within 10⁻³ of FP32 (the measured maximum is
// logged; the typical change is 2⁻⁸·‖r̃ᵢ∘r̃ⱼ‖₂ ≈ 2⁻⁸/√neurons), and the
// off-diagonal correlation with FP32 above 0.9999.
func TestMeanBF16NearFP32(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 16))
	n, k := panelRows+leafRows+45, 3001
	scans := lowRankScans(rng, 2, n, k)
	mf, mb := NewMean(n), NewMeanPrecision(n, BF16)
	for _, r := range scans {
		mf.Add(r, k)
		mb.Add(r, k)
	}
	if mb.Precision() != BF16 || mf.Precision() != FP32 {
		t.Fatalf("Precision() = %v, %v", mb.Precision(), mf.Precision())
	}
	sf, sb := mf.Result(), mb.Result()
	var maxDiff, sumSq, maxDiag float64
	for i := range n {
		maxDiag = max(maxDiag, math.Abs(float64(sb[i*n+i])-1))
		for j := range n {
			if sb[i*n+j] != sb[j*n+i] {
				t.Fatalf("BF16 S not symmetric at %d,%d", i, j)
			}
			d := math.Abs(float64(sb[i*n+j]) - float64(sf[i*n+j]))
			maxDiff = max(maxDiff, d)
			sumSq += d * d
		}
	}
	rms := math.Sqrt(sumSq / float64(n*n))
	r := OffDiagonalR(sb, sf, n)
	t.Logf("%d images × %d neurons × %d scans: BF16 vs FP32 max |ΔS| %.3g, rms %.3g; max |S_ii − 1| %.3g; off-diagonal r %.7f",
		n, k, len(scans), maxDiff, rms, maxDiag, r)
	if maxDiff > 1e-3 {
		t.Errorf("max |S_bf16 − S_fp32| = %.3g, want ≤ 1e-3", maxDiff)
	}
	if typical := 0x1p-8 / math.Sqrt(float64(k)); rms > typical {
		t.Errorf("rms |S_bf16 − S_fp32| = %.3g, want ≤ 2⁻⁸/√neurons = %.3g", rms, typical)
	}
	if maxDiag > 1e-3 {
		t.Errorf("max |S_ii − 1| = %.3g, want ≤ 1e-3", maxDiag)
	}
	if r < 0.9999 {
		t.Errorf("off-diagonal r(BF16, FP32) = %.6f, want ≥ 0.9999", r)
	}
}

func TestParsePrecision(t *testing.T) {
	for _, p := range []Precision{FP32, BF16} {
		got, err := ParsePrecision(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePrecision(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParsePrecision("fp16"); err == nil || !strings.Contains(err.Error(), `"fp16"`) {
		t.Errorf("ParsePrecision(fp16): error %v, want one naming the value", err)
	}
}
