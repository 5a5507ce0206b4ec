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
// mean. Compare with testdata/rrt_ref.py (NumPy/OpenBLAS) in the same sitting:
//
//	go test -run '^$' -bench FullScale -benchtime 1x ./data/rsa/
//	OPENBLAS_NUM_THREADS=2 /usr/bin/python3 data/rsa/testdata/rrt_ref.py
//
// BRAINREG_RRT="scans images neurons" changes the size.
func BenchmarkFullScaleSimilarity(b *testing.B) {
	scans, images, neurons := 8, 5000, 8000
	if env := os.Getenv("BRAINREG_RRT"); env != "" {
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
		scans, images, neurons = f[0], f[1], f[2]
	}
	rng := rand.New(rand.NewPCG(1, 1))
	r := make([]float32, images*neurons)
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		m := NewMean(images)
		fastest := math.Inf(1) // the least disturbed scan, on a shared machine
		for range scans {
			t := time.Now()
			m.Add(r, neurons)
			fastest = min(fastest, time.Since(t).Seconds())
		}
		m.Result()
		sec := time.Since(start).Seconds()
		b.ReportMetric(sec, "s/target")
		b.Logf("%d scans × %d images × %d neurons: %.2f s (fastest scan %.2f s)", scans, images, neurons, sec, fastest)
	}
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
