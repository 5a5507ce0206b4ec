// Package datatest finds the real data sets that tests and benchmarks read:
// CIFAR-10 in its binary layout and the mouse V1 recordings (antolik2016/,
// allen2016/). Each is taken from its environment variable when set
// (CIFAR10_DIR, BRAINREG_NEURAL_DIR; the Makefile points them at
// ../shared/data), else from the shared copy beside the repository. A data
// set that is not there fails the test with the places looked at: tests
// never skip silently for want of data.
package datatest

import (
	"os"
	"path/filepath"
	"testing"
)

// CIFAR10Dir returns the directory holding CIFAR-10's data_batch_*.bin and
// test_batch.bin, or fails tb naming where it looked.
func CIFAR10Dir(tb testing.TB) string {
	tb.Helper()
	return find(tb, "CIFAR-10", "CIFAR10_DIR", "cifar-10-batches-bin", "data_batch_1.bin")
}

// NeuralDir returns the directory holding the real neural data sets
// (antolik2016/ and allen2016/), or fails tb naming where it looked.
func NeuralDir(tb testing.TB) string {
	tb.Helper()
	return find(tb, "the real neural data", "BRAINREG_NEURAL_DIR", "neural", filepath.Join("antolik2016", "region1"))
}

// find returns $env when set, else ../shared/data/<shared> beside the
// repository root, after checking that probe exists inside it.
func find(tb testing.TB, what, env, shared, probe string) string {
	tb.Helper()
	dir := os.Getenv(env)
	from := "$" + env
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			tb.Fatalf("%s is needed: %s is not set and the repository root was not found: %v", what, env, err)
		}
		dir = filepath.Join(root, "..", "shared", "data", shared)
		from = "the shared copy beside the repository (" + env + " not set)"
	}
	if _, err := os.Stat(filepath.Join(dir, probe)); err != nil {
		tb.Fatalf("%s is needed: looked for %s in %s, from %s: %v", what, probe, dir, from, err)
	}
	return dir
}

// repoRoot walks up from the working directory (a package's directory
// under go test) to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
