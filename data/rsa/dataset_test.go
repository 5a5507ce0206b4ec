package rsa_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/data/v1sim"
)

// On a tiny simulated data set: the raw (single-trial) target averaged over
// scans correlates with the noise-free target but is far from it; and the
// target from the noise-free responses weighted by w·v (a perfect
// predictor, v = 1) stays close to the unweighted truth.
func TestSimulatedTargets(t *testing.T) {
	c := v1sim.Tiny()
	dir := t.TempDir()
	if err := v1sim.Write(context.Background(), dir, c, v1sim.DeadLeaves(c.Images(), 32, 32, 5), 32, 32, nil); err != nil {
		t.Fatal(err)
	}
	d, err := neural.Load(filepath.Join(dir, neural.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rsa.RawTarget(d)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := rsa.TruthTarget(d)
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.SingleImages())
	r := rsa.OffDiagonalR(raw, truth, n)
	t.Logf("tiny preset (%d scans × %d neurons, %d images): raw vs truth target r = %.3f", c.Scans, c.Neurons, n, r)
	if r < 0.05 || r > 0.8 {
		t.Errorf("raw vs truth target r = %.3f, want within (0.05, 0.8)", r)
	}

	s := d.Scans[0]
	w, err := rsa.ScanReliability(s, d.Manifest.OracleImages)
	if err != nil {
		t.Fatal(err)
	}
	one := make([]float64, s.Neurons)
	for i := range one {
		one[i] = 1
	}
	images := d.SingleImages()
	pred := make([]float32, 0, n*s.Neurons)
	for _, i := range images {
		pred = append(pred, s.Truth[i*s.Neurons:(i+1)*s.Neurons]...)
	}
	weighted := rsa.Target(pred, n, s.Neurons, w, one)
	plain := rsa.Similarity(pred, n, s.Neurons)
	if r := rsa.OffDiagonalR(weighted, plain, n); r < 0.8 {
		t.Errorf("w-weighted vs unweighted noise-free similarity r = %.3f, want > 0.8", r)
	}
}
