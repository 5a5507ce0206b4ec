package main

// The controls of issue 15 ("the experiment without confounds"):
// baseline-pairs, raw-weighted and a shuffled target per training seed;
// and that the existing kinds keep their stage hashes.

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/experiments/internal/trainer"
)

// The training configurations of the existing kinds are byte for byte
// those the code made before the controls existed (recorded from it), so
// finished run directories are found again. The shuffled control's
// changes, as intended: it names its seed's permutation.
func TestExistingKindsKeepTheirHashes(t *testing.T) {
	const id = "target-0123456789ab"
	want := []struct {
		preset string
		u      unit
		json   string
		hash   string
	}{
		{"quick", unit{Kind: kindBaseline}, `{"model":"small","epochs":3,"batch":64,"schedule":"cosine","lr":0.1,"momentum":0.9,"weight_decay":0.0005,"nesterov":true,"seed":1,"validation":0,"stimuli":5100,"train_limit":0,"test_limit":0,"eval_batch":500}`, "a1b0b4a8b9d1"},
		{"quick", unit{Kind: kindNeural, Alpha: 20, Seed: 1}, `{"model":"small","epochs":3,"batch":64,"schedule":"cosine","lr":0.1,"momentum":0.9,"weight_decay":0.0005,"nesterov":true,"seed":2,"validation":0,"stimuli":5100,"train_limit":0,"test_limit":0,"eval_batch":500,"reg":{"alpha":20,"pairs":16,"eps":0.0001,"momentum":0.9,"target":"neural:target-0123456789ab"}}`, "623773d2e558"},
		{"quick", unit{Kind: kindRaw, Alpha: 20}, `{"model":"small","epochs":3,"batch":64,"schedule":"cosine","lr":0.1,"momentum":0.9,"weight_decay":0.0005,"nesterov":true,"seed":1,"validation":0,"stimuli":5100,"train_limit":0,"test_limit":0,"eval_batch":500,"reg":{"alpha":20,"pairs":16,"eps":0.0001,"momentum":0.9,"target":"raw:target-0123456789ab"}}`, "c329a269d78f"},
		{"paper", unit{Kind: kindBaseline}, `{"model":"resnet18","epochs":40,"batch":64,"schedule":"paper","lr":0.1,"momentum":0.9,"weight_decay":0.0005,"nesterov":false,"seed":1,"validation":5000,"stimuli":5100,"train_limit":0,"test_limit":0,"eval_batch":500}`, "f5f1bed83d88"},
		{"paper", unit{Kind: kindNeural, Alpha: 20, Seed: 1}, `{"model":"resnet18","epochs":40,"batch":64,"schedule":"paper","lr":0.1,"momentum":0.9,"weight_decay":0.0005,"nesterov":false,"seed":2,"validation":5000,"stimuli":5100,"train_limit":0,"test_limit":0,"eval_batch":500,"reg":{"alpha":20,"pairs":16,"eps":0.0001,"momentum":0.9,"target":"neural:target-0123456789ab"}}`, "8194e587d273"},
		{"paper", unit{Kind: kindRaw, Alpha: 20}, `{"model":"resnet18","epochs":40,"batch":64,"schedule":"paper","lr":0.1,"momentum":0.9,"weight_decay":0.0005,"nesterov":false,"seed":1,"validation":5000,"stimuli":5100,"train_limit":0,"test_limit":0,"eval_batch":500,"reg":{"alpha":20,"pairs":16,"eps":0.0001,"momentum":0.9,"target":"raw:target-0123456789ab"}}`, "87d7f5528366"},
	}
	// The shuffled control's configuration before: one target for every seed.
	const oldShuffledQuickSeed2 = "14994147d1f2"
	for _, w := range want {
		cfg, err := pipelinePreset(w.preset)
		if err != nil {
			t.Fatal(err)
		}
		// The identities prepare gives these kinds (loadTargets).
		p := &prepared{cfg: cfg, targetIDs: map[string]string{kindNeural: "neural:" + id, kindRaw: "raw:" + id}}
		tc := p.trainConfig(w.u)
		b, err := json.Marshal(tc)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != w.json || runio.Hash(tc) != w.hash {
			t.Errorf("%s %s seed %d: config %s (hash %s), before the controls %s (hash %s)", w.preset, w.u.Kind, w.u.Seed, b, runio.Hash(tc), w.json, w.hash)
		}
	}
	cfg, _ := pipelinePreset("quick")
	p := &prepared{cfg: cfg, targetIDs: map[string]string{}}
	u := unit{Kind: kindShuffled, Alpha: 20, Seed: 2}
	p.targetIDs[p.simKey(u)] = "shuffled:" + id + "/shuffled/seed-3"
	if tc := p.trainConfig(u); runio.Hash(tc) == oldShuffledQuickSeed2 || tc.Reg.Target != "shuffled:"+id+"/shuffled/seed-3" {
		t.Errorf("shuffled seed 3: target %q, hash %s; want its permutation named and a new hash", tc.Reg.Target, runio.Hash(tc))
	}
	// The smoke and quick presets keep their kinds, so their report
	// directories keep their names; paper trains every kind.
	for _, name := range []string{"smoke", "quick"} {
		c, _ := pipelinePreset(name)
		if !slices.Equal(c.Kinds, []string{"baseline", "neural", "shuffled", "raw", "other", "truth"}) {
			t.Errorf("%s kinds %v", name, c.Kinds)
		}
	}
	if c, _ := pipelinePreset("paper"); !slices.Equal(c.Kinds, allKinds) || !contains(c.Kinds, kindBaselinePairs) || !contains(c.Kinds, kindRawWeighted) {
		t.Errorf("paper kinds %v, want %v", c.Kinds, allKinds)
	}
}

// fakeTarget writes a finished-looking target stage of n images under
// root: config.json with the shuffle seed, and random symmetric matrices
// as the denoised target and its raw, raw-weighted and noise-free
// controls. It returns the directory.
func fakeTarget(t *testing.T, root string, n int, shuffleSeed uint64) string {
	t.Helper()
	dir, err := runio.StageDir(root, "target", targetConfig{Stage: "target", ShuffleSeed: shuffleSeed, Predictions: "predictor-x", Recordings: "sim:y", Rule: targetRule})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(shuffleSeed, 9))
	for _, sub := range []string{"", rawSubdir, rawWeightedSubdir, truthSubdir} {
		s := make([]float32, n*n)
		for i := range n {
			s[i*n+i] = 1
			for j := range i {
				v := float32(r.Float64()*2 - 1)
				s[i*n+j], s[j*n+i] = v, v
			}
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := rsa.WriteTarget(filepath.Join(dir, sub), s, n, nil); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakePrepared is prepare's state for cfg over a fake target of n images
// (no CIFAR-10, no training).
func fakePrepared(t *testing.T, cfg pipelineConfig, dir string, n int) *prepared {
	t.Helper()
	p := &prepared{cfg: cfg, targetDir: dir, tsum: &targetSummary{Simulated: true, Images: n}, sims: map[string]*trainer.SimilarityData{},
		targetIDs: map[string]string{}}
	stimuli := make([]float32, n*1024)
	for i := range stimuli {
		stimuli[i] = float32(i%1024) / 1024
	}
	if err := p.loadTargets(stimuli, n); err != nil {
		t.Fatal(err)
	}
	return p
}

func readMatrix(t *testing.T, path string) []float32 {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a.Float32()
}

// baseline-pairs: once per seed at α = 0 whatever the α sweep; the neural
// model's stimuli and, step by step, its pair draws for the same seed
// (and others for another seed); pairs only, no penalty; a stage hash and
// a report label of its own.
func TestBaselinePairsControl(t *testing.T) {
	const n = 30
	cfg, _ := pipelinePreset("quick")
	cfg.Kinds, cfg.Seeds, cfg.Alphas = []string{kindBaseline, kindBaselinePairs, kindNeural}, 3, []float64{5, 20}
	p := fakePrepared(t, cfg, fakeTarget(t, t.TempDir(), n, 1), n)

	var got []unit
	for _, u := range units(cfg) {
		if u.Kind == kindBaselinePairs {
			got = append(got, u)
		}
	}
	if !slices.Equal(got, []unit{{kindBaselinePairs, 0, 0}, {kindBaselinePairs, 0, 1}, {kindBaselinePairs, 0, 2}}) {
		t.Fatalf("baseline-pairs units %v, want one per seed at α = 0", got)
	}
	hashes := map[string]string{}
	for s := range cfg.Seeds {
		bu := unit{Kind: kindBaselinePairs, Seed: s}
		tb := p.trainConfig(bu)
		if err := tb.Validate(); err != nil {
			t.Fatal(err)
		}
		if tb.Reg == nil || !tb.Reg.PairsOnly || tb.Reg.Alpha != 0 || tb.Reg.Pairs != cfg.Pairs || !strings.HasPrefix(tb.Reg.Target, "pairs:target-") {
			t.Fatalf("baseline-pairs seed %d: Reg %+v, want pairs only, α = 0, %d pairs, the stimulus set named", s, tb.Reg, cfg.Pairs)
		}
		for _, other := range []unit{{Kind: kindBaseline, Seed: s}, bu, {Kind: kindNeural, Alpha: 20, Seed: s}} {
			h := runio.Hash(p.trainConfig(other))
			if prev, ok := hashes[h]; ok {
				t.Fatalf("%s seed %d hashes as %s", other.Kind, s, prev)
			}
			hashes[h] = other.Kind
		}
		simB, err := p.simFor(bu)
		if err != nil {
			t.Fatal(err)
		}
		for _, alpha := range cfg.Alphas {
			nu := unit{Kind: kindNeural, Alpha: alpha, Seed: s}
			tn := p.trainConfig(nu)
			simN, err := p.simFor(nu)
			if err != nil {
				t.Fatal(err)
			}
			if simB.N != simN.N || &simB.Stimuli[0] != &simN.Stimuli[0] || tb.Seed != tn.Seed {
				t.Fatalf("seed %d: baseline-pairs over %d stimuli (seed %d), neural over %d (seed %d)", s, simB.N, tb.Seed, simN.N, tn.Seed)
			}
			for epoch := range 2 {
				for step := range 50 {
					a, b := trainer.PairDraws(tb, simB.N, epoch, step)
					an, bn := trainer.PairDraws(tn, simN.N, epoch, step)
					if len(a) != cfg.Pairs || !slices.Equal(a, an) || !slices.Equal(b, bn) {
						t.Fatalf("seed %d epoch %d step %d: baseline-pairs draws %v %v, neural α=%g %v %v", s, epoch, step, a, b, alpha, an, bn)
					}
				}
			}
		}
	}
	a0, _ := trainer.PairDraws(p.trainConfig(unit{Kind: kindBaselinePairs, Seed: 0}), n, 0, 0)
	a1, _ := trainer.PairDraws(p.trainConfig(unit{Kind: kindBaselinePairs, Seed: 1}), n, 0, 0)
	if slices.Equal(a0, a1) {
		t.Errorf("seeds 0 and 1 draw the same pairs %v", a0)
	}
	if a, _ := trainer.PairDraws(p.trainConfig(unit{Kind: kindBaseline}), n, 0, 0); a != nil {
		t.Errorf("the baseline draws pairs %v", a)
	}
	if k := trainKind(cfg, unit{Kind: kindBaselinePairs}); k != "train small with the pairs" {
		t.Errorf("baseline-pairs train kind %q", k)
	}
	gs := groupRuns([]*modelRun{fakeRun(kindBaseline, 0, 1, .8, .3, .1, .002), fakeRun(kindBaselinePairs, 0, 1, .8, .3, .1, .002),
		fakeRun(kindBaselinePairs, 0, 2, .8, .3, .1, .002)})
	if len(gs) != 2 || gs[0].name != "baseline" || gs[1].name != "baseline-pairs" || len(gs[1].runs) != 2 {
		t.Errorf("report groups %v", gs)
	}
}

// raw-weighted: the raw single-trial responses scaled by exactly the
// weights that scale the predictions for the neural target (so the two
// agree when the responses do), equal to raw with every weight 1; and
// prepare trains towards raw-weighted/target.npy.
func TestRawWeightedControl(t *testing.T) {
	const images, neurons = 12, 9
	r := rand.New(rand.NewPCG(3, 4))
	raw, pred := make([]float32, images*neurons), make([]float32, images*neurons)
	for i := range raw {
		raw[i], pred[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	ones := slices.Repeat([]float64{1}, neurons)
	w, v := make([]float64, neurons), make([]float64, neurons)
	for a := range w {
		w[a], v[a] = 0.2+r.Float64(), max(r.Float64()-0.2, 0)
	}
	_, rw := weightedResponses(pred, raw, images, neurons, ones, ones)
	if !slices.Equal(rw, raw) || !slices.Equal(rsa.Similarity(rw, images, neurons), rsa.Similarity(raw, images, neurons)) {
		t.Error("with all weights 1 the raw-weighted responses (or their similarity) differ from the raw ones")
	}
	den, rw := weightedResponses(pred, raw, images, neurons, w, v)
	if !slices.Equal(den, rsa.Weighted(pred, images, neurons, w, v)) || !slices.Equal(rw, rsa.Weighted(raw, images, neurons, w, v)) {
		t.Error("the responses are not the predictions and the raw responses weighted by w·v")
	}
	if same, _ := weightedResponses(raw, raw, images, neurons, w, v); !slices.Equal(same, rw) {
		t.Error("the same responses weighted for the neural target and for raw-weighted differ: not the same weights")
	}
	if slices.Equal(rw, raw) {
		t.Error("uneven weights left the raw responses unchanged")
	}

	const n = 20
	cfg, _ := pipelinePreset("quick")
	cfg.Kinds = []string{kindRawWeighted}
	dir := fakeTarget(t, t.TempDir(), n, 1)
	p := fakePrepared(t, cfg, dir, n)
	sim, err := p.simFor(unit{Kind: kindRawWeighted, Alpha: 20})
	if err != nil || sim == nil {
		t.Fatalf("raw-weighted target: %v, %v", sim, err)
	}
	if !slices.Equal(sim.Target, readMatrix(t, filepath.Join(dir, rawWeightedSubdir, targetFile))) {
		t.Error("raw-weighted trains towards another matrix than raw-weighted/target.npy")
	}
	if tc := p.trainConfig(unit{Kind: kindRawWeighted, Alpha: 20}); tc.Reg.Target != "raw-weighted:"+filepath.Base(dir) {
		t.Errorf("raw-weighted target identity %q", tc.Reg.Target)
	}
	if _, ok := p.sims[kindNeural]; ok {
		t.Error("the neural target is held without a kind that needs it")
	}
}

// shuffled: a permutation per training seed, drawn from (the target's
// shuffle seed, the training seed), saved beside the target, named in the
// unit's configuration; each a permutation of 0…N−1 and the target the
// neural one with rows and columns permuted by it; kept on a rerun.
func TestShuffledPerSeed(t *testing.T) {
	const n, seeds = 40, 3
	cfg, _ := pipelinePreset("quick")
	cfg.Kinds, cfg.Seeds = []string{kindShuffled}, seeds
	root := t.TempDir()
	dir := fakeTarget(t, root, n, 1)
	p := fakePrepared(t, cfg, dir, n)
	den := readMatrix(t, filepath.Join(dir, targetFile))
	var perms [][]int
	targets := map[string]bool{}
	for s := range seeds {
		u := unit{Kind: kindShuffled, Alpha: 20, Seed: s}
		k := cfg.Train.Seed + uint64(s)
		sub := filepath.Join(dir, shuffleSubdir, "seed-"+strconv.FormatUint(k, 10))
		a, err := npy.ReadFile(filepath.Join(sub, rsa.PermFile))
		if err != nil {
			t.Fatal(err)
		}
		perm, err := a.Int()
		if err != nil {
			t.Fatal(err)
		}
		sorted := slices.Sorted(slices.Values(perm))
		for i, v := range sorted {
			if v != i {
				t.Fatalf("seed %d: perm.npy %v is not a permutation of 0…%d", k, perm, n-1)
			}
		}
		if _, want := rsa.ShuffleSeeds(den, n, 1, k); !slices.Equal(perm, want) {
			t.Fatalf("seed %d: perm.npy is not the permutation of (shuffle seed 1, training seed %d)", k, k)
		}
		sim, err := p.simFor(u)
		if err != nil {
			t.Fatal(err)
		}
		disk := readMatrix(t, filepath.Join(sub, rsa.TargetFile))
		for i := range n {
			for j := range n {
				if sim.Target[i*n+j] != den[perm[i]*n+perm[j]] || disk[i*n+j] != sim.Target[i*n+j] {
					t.Fatalf("seed %d: shuffled[%d][%d] = %v (on disk %v), want the neural target's [%d][%d] = %v",
						k, i, j, sim.Target[i*n+j], disk[i*n+j], perm[i], perm[j], den[perm[i]*n+perm[j]])
				}
			}
		}
		for q, prev := range perms {
			if slices.Equal(prev, perm) {
				t.Errorf("training seeds %d and %d share a permutation", cfg.Train.Seed+uint64(q), k)
			}
		}
		perms = append(perms, perm)
		tc := p.trainConfig(u)
		if want := "shuffled:" + filepath.Base(dir) + "/shuffled/seed-" + strconv.FormatUint(k, 10); tc.Reg.Target != want || tc.Seed != k {
			t.Errorf("seed %d: Reg.Target %q (training seed %d), want %q", k, tc.Reg.Target, tc.Seed, want)
		}
		targets[tc.Reg.Target] = true
		held := 0
		for key := range p.sims {
			if strings.HasPrefix(key, shuffleSubdir) {
				held++
			}
		}
		if held != 1 {
			t.Errorf("%d shuffled targets held at once, want 1", held)
		}
	}
	if len(targets) != seeds {
		t.Errorf("%d target identities for %d seeds", len(targets), seeds)
	}
	if _, err := p.simFor(unit{Kind: kindShuffled, Alpha: 20, Seed: seeds}); err == nil || !strings.Contains(err.Error(), "no permutation") {
		t.Errorf("a seed beyond the plan: %v", err)
	}

	// A rerun keeps the files; another shuffle seed draws other permutations.
	path := filepath.Join(dir, shuffleSubdir, "seed-1", rsa.PermFile)
	before, _ := os.Stat(path)
	fakePrepared(t, cfg, dir, n)
	after, _ := os.Stat(path)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("a rerun rewrote the permutation")
	}
	dir2 := fakeTarget(t, root, n, 2)
	fakePrepared(t, cfg, dir2, n)
	a, err := npy.ReadFile(filepath.Join(dir2, shuffleSubdir, "seed-1", rsa.PermFile))
	if err != nil {
		t.Fatal(err)
	}
	if p2, _ := a.Int(); slices.Equal(p2, perms[0]) {
		t.Error("shuffle seeds 1 and 2 draw the same permutation for training seed 1")
	}
}

// -models takes the new kinds by name, and an unknown one is refused with
// the list of known kinds.
func TestModelsFlagKnowsTheControls(t *testing.T) {
	parse := func(args ...string) (pipelineConfig, error) {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f := addRunFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return f.config()
	}
	c, err := parse("-preset", "quick", "-models", "baseline-pairs, raw-weighted,shuffled")
	if err != nil || !slices.Equal(c.Kinds, []string{kindBaselinePairs, kindRawWeighted, kindShuffled}) {
		t.Fatalf("-models baseline-pairs,raw-weighted,shuffled: %v, %v", c.Kinds, err)
	}
	_, err = parse("-preset", "quick", "-models", "baseline,raw_weighted")
	if err == nil || !strings.Contains(err.Error(), "-models") || !strings.Contains(err.Error(), `"raw_weighted"`) {
		t.Fatalf("unknown kind: %v, want an error naming -models and the kind", err)
	}
	for _, k := range allKinds {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("the error %q does not list %s", err, k)
		}
	}
}

// The neural model is compared with both α = 0 controls and with the
// controls of its own α only.
func TestComparedPairsIncludeBaselinePairs(t *testing.T) {
	g := func(kind string, alpha float64) *group {
		return &group{name: fmt.Sprintf("%s %g", kind, alpha), kind: kind, alpha: alpha}
	}
	base, bp, n20, s20, s10 := g(kindBaseline, 0), g(kindBaselinePairs, 0), g(kindNeural, 20), g(kindShuffled, 20), g(kindShuffled, 10)
	got := comparedPairs([]*group{n20, s10, bp, s20, base})
	want := [][2]*group{{n20, base}, {n20, bp}, {n20, s20}}
	if len(got) != len(want) {
		t.Fatalf("%d pairs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pair %d: %s against %s, want %s against %s", i, got[i][0].name, got[i][1].name, want[i][0].name, want[i][1].name)
		}
	}
}
