package attack

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/brainreg/brainreg/autograd"
)

// fabProjectionFixture is testdata/fab_projections.json, written by
// testdata/fab_ref.py: AutoAttack's projection_linf and projection_l2
// (autoattack/fab_projections.py) on random rows, in float64 and float32.
type fabProjectionFixture struct {
	Cases []struct {
		T      []float64 `json:"t"`
		W      []float64 `json:"w"`
		B      float64   `json:"b"`
		B32    float64   `json:"b32"` // b rounded to float32, the hyperplane of the float32 run
		Linf   []float64 `json:"linf"`
		Linf32 []float64 `json:"linf32"`
		L2     []float64 `json:"l2"`
		L2_32  []float64 `json:"l2_32"`
	} `json:"cases"`
}

// The projections agree with the reference's: to 10⁻¹² with its float64
// run (the same arithmetic up to the order of a few sums), and with its
// float32 run (on the float32-rounded b) to 10⁻⁵ in L∞ and 10⁻⁴ in L2,
// which says that both take the same branches of the case analysis and
// stop the bisection on the same piece. The float32 tolerance is the
// reference's own rounding: its L2 step length comes from float32
// cumulative sums over the D coordinates, and its float32 run is up to
// 5·10⁻⁵ away from its float64 run at D = 200 (the test logs the largest
// such difference). The steps keep the point in the box, and when the
// hyperplane is within reach they land on it.
func TestFABProjectionsMatchReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/fab_projections.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fabProjectionFixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 50 {
		t.Fatalf("%d cases in the fixture", len(f.Cases))
	}
	var sc fabScratch
	worst := map[string]float64{}
	onPlane := 0
	for ci, c := range f.Cases {
		for i := range c.T {
			worst["reference l2 float32 vs float64"] = max(worst["reference l2 float32 vs float64"], math.Abs(c.L2_32[i]-c.L2[i]))
			worst["reference linf float32 vs float64"] = max(worst["reference linf float32 vs float64"], math.Abs(c.Linf32[i]-c.Linf[i]))
		}
		for _, v := range []struct {
			name   string
			norm   Norm
			b      float64
			want   []float64
			tol    float64
			single bool
		}{
			{"linf", Linf, c.B, c.Linf, 1e-12, false},
			{"l2", L2, c.B, c.L2, 1e-12, false},
			{"linf32", Linf, c.B32, c.Linf32, 1e-5, true},
			{"l2_32", L2, c.B32, c.L2_32, 1e-4, true},
		} {
			d := make([]float64, len(c.T))
			fabProjection(v.norm, c.T, c.W, v.b, d, &sc)
			diff := 0.0
			for i := range d {
				diff = max(diff, math.Abs(d[i]-v.want[i]))
			}
			worst[v.name] = max(worst[v.name], diff)
			if diff > v.tol {
				t.Errorf("case %d (D = %d) %s: step differs from the reference's by %.3g\n got %v\nwant %v",
					ci, len(c.T), v.name, diff, d, v.want)
			}
			if v.single {
				continue
			}
			wx, scale := 0.0, 0.0
			for i, di := range d {
				x := c.T[i] + di
				if x < -1e-12 || x > 1+1e-12 {
					t.Errorf("case %d %s: coordinate %d leaves the box: %v", ci, v.name, i, x)
				}
				wx += c.W[i] * x
				scale += math.Abs(c.W[i] * x)
			}
			// The reachable part of w·x over the box.
			lo, hi := 0.0, 0.0
			for _, w := range c.W {
				if v.norm == L2 && math.Abs(w) < 1e-8 || w == 0 {
					continue
				}
				lo, hi = lo+min(w, 0), hi+max(w, 0)
			}
			if c.B > lo+1e-9 && c.B < hi-1e-9 {
				onPlane++
				if math.Abs(wx-c.B) > 1e-9*(1+scale) {
					t.Errorf("case %d %s: the hyperplane is reachable but w·(t + d) − b = %.3g", ci, v.name, wx-c.B)
				}
			}
		}
	}
	t.Logf("%d cases (%d projections onto a reachable hyperplane); largest differences from the reference: %v",
		len(f.Cases), onPlane, worst)
}

// fabTrajectoryFixture is testdata/fab_trajectory.json, written by
// testdata/fab_ref.py: AutoAttack's FABAttack_PT.attack_single_run (first
// restart, deterministic) on a fixed MLP, with the best norm after every
// iteration.
type fabTrajectoryFixture struct {
	W1     [][]float32 `json:"w1"` // [32][64], PyTorch's nn.Linear layout [out][in]
	B1     []float32   `json:"b1"`
	W2     [][]float32 `json:"w2"` // [10][32]
	B2     []float32   `json:"b2"`
	X      [][]float32 `json:"x"` // [12][64]
	Labels []int       `json:"labels"`
	Runs   []struct {
		Norm        string      `json:"norm"`
		TargetClass int         `json:"target_class"` // 0 untargeted; k: the k-th most likely class
		NIter       int         `json:"n_iter"`
		Best        [][]float64 `json:"best"` // [n_iter][12]; 1e10 before the first adversarial
		Dist        []float64   `json:"dist"` // [12]
	} `json:"runs"`
}

// fabTrajectoryTol is the relative tolerance on the best norms. PyTorch
// itself moves them by up to 2.5·10⁻⁵ under other float32 rounding of the
// same network (a permuted summation order, weights jittered by 10⁻⁷;
// fab_ref.py prints it), and the Go code computes the attack's own
// arithmetic in float64 where the reference uses float32, which is another
// such change; 10⁻⁴ is four times that spread. Every discrete event (the
// iteration of the first adversarial iterate, the images fooled) must
// agree exactly.
const fabTrajectoryTol = 1e-4

// FAB follows the reference's trajectory: on the fixture's MLP, untargeted
// and towards the 2nd and 3rd most likely classes, in both norms, every
// image's best norm after every one of the 100 iterations matches
// PyTorch's within fabTrajectoryTol, and so do the final norms that FAB
// (the public function, one run) returns.
func TestFABMatchesPyTorchReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/fab_trajectory.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fabTrajectoryFixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	w1, b1 := autograd.Param(flat(f.W1), len(f.W1), len(f.W1[0])), autograd.Param(f.B1, len(f.B1))
	w2, b2 := autograd.Param(flat(f.W2), len(f.W2), len(f.W2[0])), autograd.Param(f.B2, len(f.B2))
	m := Model(func(x *autograd.Tensor) *autograd.Tensor {
		h := autograd.ReLU(autograd.Linear(autograd.Reshape(x, x.Shape[0], -1), w1, b1))
		return autograd.Linear(h, w2, b2)
	})
	im := Images{X: flat(f.X), Shape: [3]int{1, 8, 8}, Labels: f.Labels}
	n, classes := im.Len(), len(f.B2)
	w := &worker{grad: autograd.NewTape(autograd.Record), eval: autograd.NewTape(autograd.NoGrad)}
	b := &batcher{m: m, w: w, shape: im.Shape}
	clean, _ := b.logits(im.X, n)
	if len(f.Runs) != 6 {
		t.Fatalf("%d runs in the fixture, want 6", len(f.Runs))
	}
	ctx := context.Background()
	for _, run := range f.Runs {
		var norm Norm
		if err := norm.UnmarshalText([]byte(run.Norm)); err != nil {
			t.Fatal(err)
		}
		cfg := FABConfig{Norm: norm, Steps: run.NIter}.withDefaults()
		var targets []int
		if run.TargetClass > 0 {
			targets = make([]int, n)
			for i := range n {
				targets[i] = rankedClass(clean[i*classes:(i+1)*classes], run.TargetClass-1)
			}
		}
		dist := make([]float64, n)
		for i := range dist {
			dist[i] = math.Inf(1)
		}
		adv := append([]float32(nil), im.X...)
		trace := make([][]float64, run.NIter)
		for s := range trace {
			trace[s] = make([]float64, n)
		}
		if err := fabRun(ctx, b, classes, im.X, im.X, f.Labels, targets, cfg, dist, adv, trace); err != nil {
			t.Fatal(err)
		}
		ref := func(v float64) float64 {
			if v >= 1e10 {
				return math.Inf(1)
			}
			return v
		}
		name := run.Norm + " " + map[bool]string{true: "fab-t", false: "fab"}[run.TargetClass > 0]
		if run.TargetClass > 0 {
			name += map[int]string{2: " (2nd class)", 3: " (3rd class)"}[run.TargetClass]
		}
		worst := 0.0
		for i := range n {
			for s := range run.NIter {
				got, want := trace[s][i], ref(run.Best[s][i])
				if math.IsInf(got, 1) || math.IsInf(want, 1) {
					if got != want {
						t.Errorf("%s image %d iteration %d: best %v, reference %v", name, i, s, got, want)
						break
					}
					continue
				}
				rel := math.Abs(got-want) / want
				worst = max(worst, rel)
				if rel > fabTrajectoryTol {
					t.Errorf("%s image %d iteration %d: best %.7g, reference %.7g", name, i, s, got, want)
					break
				}
			}
		}
		// The public function, one run (towards the 2nd class for FAB-T):
		// the same final norms.
		if run.TargetClass <= 2 {
			cfg := FABConfig{Norm: norm, Steps: run.NIter, Targets: run.TargetClass / 2, Batch: 5}
			r, err := FAB(ctx, m, im, cfg, 2)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if want := ref(run.Dist[i]); r.Dist[i] != dist[i] || math.Abs(r.Dist[i]-want) > fabTrajectoryTol*want {
					t.Errorf("%s image %d: FAB's Dist %.7g, the run's %.7g, reference %.7g", name, i, r.Dist[i], dist[i], want)
				}
			}
		}
		t.Logf("%s: largest relative difference of the best norms over %d iterations %.2g", name, run.NIter, worst)
	}
}
