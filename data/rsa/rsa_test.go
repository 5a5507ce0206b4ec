package rsa

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Two repeats of four images; neuron 0's repeat means are 0, 2, 4, 6
// (variance 20/3 with n−1) and its repeats sit ±1 around them (within-image
// variance 2 with n−1); neuron 1 is the same scaled by 3, so its w is equal;
// neuron 2 never varies across repeats (w = 0 by convention).
func TestReliabilityKnownVariances(t *testing.T) {
	means := []float64{0, 2, 4, 6}
	rep := make([]float32, 2*4*3)
	for r, d := range []float64{1, -1} {
		for i, m := range means {
			rep[(r*4+i)*3+0] = float32(m + d)
			rep[(r*4+i)*3+1] = float32(3 * (m + d))
			rep[(r*4+i)*3+2] = float32(m)
		}
	}
	w, sigma, eta := Reliability(rep, 2, 4, 3)
	want := math.Sqrt((20.0 / 3) / 2)
	if !near(sigma[0], math.Sqrt(20.0/3), 1e-9) || !near(eta[0], math.Sqrt(2), 1e-9) || !near(w[0], want, 1e-9) {
		t.Errorf("neuron 0: σ %v η %v w %v, want %v %v %v", sigma[0], eta[0], w[0], math.Sqrt(20.0/3), math.Sqrt(2), want)
	}
	if !near(w[1], want, 1e-9) || !near(sigma[1], 3*math.Sqrt(20.0/3), 1e-9) {
		t.Errorf("neuron 1: w %v σ %v", w[1], sigma[1])
	}
	if w[2] != 0 || eta[2] != 0 {
		t.Errorf("neuron 2 (no repeat variance): w %v η %v, want 0 0", w[2], eta[2])
	}
}

func TestCorrelations(t *testing.T) {
	x := []float32{1, 5, 2, 5, 3, 5}
	y := []float32{2, 1, 4, 2, 6, 3}
	got := Correlations(x, y, 3, 2)
	if !near(got[0], 1, 1e-12) || got[1] != 0 {
		t.Errorf("Correlations = %v, want [1 0] (column 1 of x is constant)", got)
	}
	got = Correlations([]float32{1, 2, 3}, []float32{3, 2, 1}, 3, 1)
	if !near(got[0], -1, 1e-12) {
		t.Errorf("anti-correlated: %v", got)
	}
}

// The target on a small example worked by hand:
//
//	ρ̂ = [[1 0] [0 1] [2 2]] (3 images × 2 neurons), w = [2 1], v = [0.5 1]
//	r̂ = w·v·ρ̂ = ρ̂ (the scales are 1); centred columns (means 1, 1):
//	[[0 −1] [−1 0] [1 1]]; unit rows: [0 −1], [−1 0], [1/√2 1/√2];
//	S = [[1 0 −1/√2] [0 1 −1/√2] [−1/√2 −1/√2 1]].
func TestTargetByHand(t *testing.T) {
	pred := []float32{1, 0, 0, 1, 2, 2}
	h := 1 / math.Sqrt2
	want := []float64{1, 0, -h, 0, 1, -h, -h, -h, 1}
	got := Target(pred, 3, 2, []float64{2, 1}, []float64{0.5, 1})
	for i := range want {
		if !near(float64(got[i]), want[i], 1e-6) {
			t.Fatalf("S = %v, want %v", got, want)
		}
	}
	// Scaling neuron 1 by 3 (w·v = 3) weights it more: image 2's vector
	// (1, 3) after centring and scaling is (1, 3)/√10.
	got = Target(pred, 3, 2, []float64{1, 3}, []float64{1, 1})
	if want := float64(-3 / math.Sqrt(10)); !near(float64(got[0*3+2]), want, 1e-6) {
		t.Errorf("S[0][2] = %v, want %v", got[2], want)
	}
	// The sign of w·v does not matter.
	neg := Target(pred, 3, 2, []float64{1, 3}, []float64{-1, 1})
	if !slices.Equal(neg, got) {
		t.Errorf("negative v changed S: %v vs %v", neg, got)
	}
	// The input is left unchanged.
	if !slices.Equal(pred, []float32{1, 0, 0, 1, 2, 2}) {
		t.Errorf("Target changed its input: %v", pred)
	}
}

// refSimilarity is the obvious float64 computation.
func refSimilarity(r []float32, n, k int) []float64 {
	x := make([]float64, n*k)
	for a := range k {
		var m float64
		for i := range n {
			m += float64(r[i*k+a])
		}
		m /= float64(n)
		for i := range n {
			x[i*k+a] = float64(r[i*k+a]) - m
		}
	}
	for i := range n {
		var ss float64
		for a := range k {
			ss += x[i*k+a] * x[i*k+a]
		}
		for a := range k {
			x[i*k+a] /= math.Sqrt(ss)
		}
	}
	s := make([]float64, n*n)
	for i := range n {
		for j := range n {
			var d float64
			for a := range k {
				d += x[i*k+a] * x[j*k+a]
			}
			s[i*n+j] = d
		}
	}
	return s
}

// The block-symmetric product agrees with the obvious one on sizes that
// leave partial blocks, is exactly symmetric, and the mean over scans is the
// mean of the per-scan matrices.
func TestSimilarityMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n, k := 2*panelRows+leafRows+37, 29
	scans := make([][]float32, 2)
	var ref []float64
	for s := range scans {
		scans[s] = make([]float32, n*k)
		for i := range scans[s] {
			scans[s][i] = float32(rng.NormFloat64() + 0.3)
		}
		r := refSimilarity(scans[s], n, k)
		if ref == nil {
			ref = r
		} else {
			for i := range ref {
				ref[i] = (ref[i] + r[i]) / 2
			}
		}
	}
	m := NewMean(n)
	for _, r := range scans {
		m.Add(r, k)
	}
	got := m.Result()
	for i := range n {
		for j := range n {
			if !near(float64(got[i*n+j]), ref[i*n+j], 2e-5) {
				t.Fatalf("S[%d][%d] = %v, want %v", i, j, got[i*n+j], ref[i*n+j])
			}
			if got[i*n+j] != got[j*n+i] {
				t.Fatalf("S not symmetric at %d,%d", i, j)
			}
		}
	}
}

func TestOffDiagonalR(t *testing.T) {
	// Off-diagonal pairs of a: 1, 2, 3; of b: 2, 4, 7 (diagonals differ and must not count).
	a := []float32{9, 1, 2, 1, 0, 3, 2, 3, -5}
	b := []float32{1, 2, 4, 2, 1, 7, 4, 7, 1}
	// r of (1,2,3) with (2,4,7): cov 2.5, var 1 and 6.333… (n−1): 2.5/√6.333.
	if got, want := OffDiagonalR(a, b, 3), 2.5/math.Sqrt(19.0/3); !near(got, want, 1e-12) {
		t.Errorf("OffDiagonalR = %v, want %v", got, want)
	}
}

func TestShuffle(t *testing.T) {
	n := 5
	s := make([]float32, n*n)
	for i := range s {
		s[i] = float32(i)
	}
	out, perm := Shuffle(s, n, 7)
	out2, perm2 := Shuffle(s, n, 7)
	if !slices.Equal(out, out2) || !slices.Equal(perm, perm2) {
		t.Error("Shuffle is not deterministic in its seed")
	}
	sorted := slices.Clone(perm)
	slices.Sort(sorted)
	if !slices.Equal(sorted, []int{0, 1, 2, 3, 4}) || slices.Equal(perm, []int{0, 1, 2, 3, 4}) {
		t.Errorf("perm %v is not a non-trivial permutation", perm)
	}
	for i := range n {
		for j := range n {
			if out[i*n+j] != s[perm[i]*n+perm[j]] {
				t.Fatalf("out[%d][%d] = %v, want s[%d][%d]", i, j, out[i*n+j], perm[i], perm[j])
			}
		}
	}
	dir := t.TempDir()
	if err := WriteTarget(dir, out, n, perm); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{TargetFile, PermFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// Identical repeats give r = 1; independent noise on a common signal gives
// r between 0 and 1.
func TestLeaveOneOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	reps, n, k := 4, 30, 50
	signal := make([]float32, n*k)
	for i := range signal {
		signal[i] = float32(rng.NormFloat64())
	}
	same := make([]float32, 0, reps*n*k)
	noisy := make([]float32, 0, reps*n*k)
	for range reps {
		same = append(same, signal...)
		for _, v := range signal {
			noisy = append(noisy, v+float32(0.7*rng.NormFloat64()))
		}
	}
	for _, r := range LeaveOneOut(same, reps, n, k) {
		if !near(r, 1, 1e-5) {
			t.Errorf("identical repeats: r = %v, want 1", r)
		}
	}
	for _, r := range LeaveOneOut(noisy, reps, n, k) {
		if r <= 0.05 || r >= 0.9 {
			t.Errorf("noisy repeats: r = %v, want in (0.05, 0.9)", r)
		}
	}
}
