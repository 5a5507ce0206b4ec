package rsa

import (
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/brainreg/brainreg/simd"
)

// BenchmarkFullScaleSimilarity times the neural target's big step at the
// paper's scale: for each of 8 scans, normalise a 5,000×8,000 float32
// response matrix and add R̃·R̃ᵀ (5,000×5,000) to the running sum; then the
// mean. Sub-benchmarks fp32 and bf16 are the two precisions of Mean. Compare
// with testdata/rrt_ref.py (NumPy/OpenBLAS) in the same sitting:
//
//	go test -run '^$' -bench FullScale/fp32 -benchtime 1x ./data/rsa/
//	go test -run '^$' -bench FullScale/bf16 -benchtime 1x ./data/rsa/
//	OPENBLAS_NUM_THREADS=2 /usr/bin/python3 data/rsa/testdata/rrt_ref.py
//
// BRAINREG_RRT="scans images neurons" changes the size.
func BenchmarkFullScaleSimilarity(b *testing.B) {
	scans, images, neurons := fullScaleSize(b)
	rng := rand.New(rand.NewPCG(1, 1))
	r := make([]float32, images*neurons)
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	for _, p := range []Precision{FP32, BF16} {
		b.Run(p.String(), func(b *testing.B) {
			for range b.N {
				start := time.Now()
				m := NewMeanPrecision(images, p)
				fastest := math.Inf(1) // the least disturbed scan, on a shared machine
				for range scans {
					t := time.Now()
					m.Add(r, neurons)
					fastest = min(fastest, time.Since(t).Seconds())
				}
				m.Result()
				sec := time.Since(start).Seconds()
				b.ReportMetric(sec, "s/target")
				b.Logf("%v: %d scans × %d images × %d neurons: %.2f s (fastest scan %.2f s)", p, scans, images, neurons, sec, fastest)
			}
		})
	}
}

// fullScaleSize is 8 scans × 5,000 images × 8,000 neurons, or what
// BRAINREG_RRT="scans images neurons" says.
func fullScaleSize(b *testing.B) (scans, images, neurons int) {
	env := os.Getenv("BRAINREG_RRT")
	if env == "" {
		return 8, 5000, 8000
	}
	var f []int
	for _, s := range splitFields(env) {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("BRAINREG_RRT=%q: %v", env, err)
		}
		f = append(f, v)
	}
	if len(f) != 3 {
		b.Fatalf("BRAINREG_RRT=%q: want three numbers, scans images neurons", env)
	}
	return f[0], f[1], f[2]
}

// BenchmarkFullScaleBF16Error measures what BF16 changes in the mean
// similarity at the full scale (or BRAINREG_RRT's): each scan is a
// different low-rank-plus-noise response matrix (see lowRankScans), added
// to an FP32 and a BF16 Mean; it reports the largest |ΔS| off the
// diagonal, the rms |ΔS| over all entries, the largest |S_ii − 1| and the
// off-diagonal r of the two.
//
//	go test -run '^$' -bench FullScaleBF16Error -benchtime 1x ./data/rsa/
func BenchmarkFullScaleBF16Error(b *testing.B) {
	scans, images, neurons := fullScaleSize(b)
	for range b.N {
		rng := rand.New(rand.NewPCG(2, 16))
		mf, mb := NewMean(images), NewMeanPrecision(images, BF16)
		gen := newLowRank(rng, images)
		for range scans {
			r := gen.scan(rng, neurons)
			mf.Add(r, neurons)
			mb.Add(r, neurons)
		}
		sf, sb := mf.Result(), mb.Result()
		var maxOff, sumSq, maxDiag float64
		for i := range images {
			for j := range images {
				d := math.Abs(float64(sb[i*images+j]) - float64(sf[i*images+j]))
				sumSq += d * d
				if i != j {
					maxOff = max(maxOff, d)
				}
			}
			maxDiag = max(maxDiag, math.Abs(float64(sb[i*images+i])-1))
		}
		rms := math.Sqrt(sumSq / float64(len(sb)))
		r := OffDiagonalR(sb, sf, images)
		b.ReportMetric(maxOff, "max|ΔS_ij|")
		b.ReportMetric(rms, "rms|ΔS|")
		b.ReportMetric(maxDiag, "max|S_ii-1|")
		b.Logf("%d scans × %d images × %d neurons: BF16 vs FP32 off the diagonal max |ΔS| %.3g, rms over all entries %.3g; max |S_ii − 1| %.3g (FP32 %.3g); off-diagonal r %.8f",
			scans, images, neurons, maxOff, rms, maxDiag, maxDiagDev(sf, images), r)
	}
}

func maxDiagDev(s []float32, n int) float64 {
	var m float64
	for i := range n {
		m = max(m, math.Abs(float64(s[i*n+i])-1))
	}
	return m
}

func splitFields(s string) []string {
	var out []string
	cur := ""
	for _, c := range s + " " {
		if c == ' ' || c == ',' || c == 'x' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		cur += string(c)
	}
	return out
}

// BenchmarkPlainVsSymmetric times one scan's product both ways, to show
// what computing only the block upper triangle saves: the plain product is
// one Sgemm of the whole 5,000×5,000 matrix.
func BenchmarkPlainVsSymmetric(b *testing.B) {
	images, neurons := 5000, 8000
	rng := rand.New(rand.NewPCG(1, 1))
	r := make([]float32, images*neurons)
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	Normalize(r, images, neurons)
	s := make([]float32, images*images)
	b.Run("plain", func(b *testing.B) {
		for range b.N {
			simd.Sgemm(false, true, images, images, neurons, 1, r, neurons, r, neurons, 0, s, images)
		}
	})
	b.Run("symmetric", func(b *testing.B) {
		for range b.N {
			m := NewMean(images)
			m.Add(r, neurons)
			m.Result()
		}
	})
}
