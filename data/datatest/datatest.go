// Package datatest finds the real data sets that tests and benchmarks read:
// CIFAR-10 in its binary layout and the mouse V1 recordings (antolik2016/,
// allen2016/). Every test that reads one asks here, and one rule says where
// it comes from:
//
//  1. The environment variable, when set: CIFAR10_DIR (a
//     cifar-10-batches-bin directory) or BRAINREG_NEURAL_DIR (the directory
//     holding antolik2016/ and allen2016/). A directory without the data
//     fails the test, naming the variable.
//  2. Else the shared copy beside the repository, when it is there:
//     ../shared/data/cifar-10-batches-bin or ../shared/data/neural next to
//     the directory holding go.mod.
//  3. Else, when CI is true (CI=true, or any other true value of
//     strconv.ParseBool), the test fails, saying where it looked: CI never
//     passes for want of data, and downloads nothing.
//  4. Else (a clone elsewhere, outside CI) CIFAR-10 comes from package
//     cifar's download cache, cifar.DefaultCacheDir()/cifar-10-batches-bin
//     (on Linux ~/.cache/brainreg/cifar-10-batches-bin): cifar.Download
//     fetches the official archive there once and moves it into place only
//     after checking the MD5s of the archive and of every file. The test
//     logs that it reads the cached copy. If the download fails, the test
//     fails, naming CIFAR10_DIR, the cache and the download's error. The
//     neural sets cannot be downloaded: their tests are skipped with a
//     message saying to set BRAINREG_NEURAL_DIR.
//
// The rule never skips CIFAR-10 and never skips anything under CI; make
// test may set the variables to the shared copies, nothing else needs them.
// Package cifar's own tests use the same rule (CIFAR10Dir) through a hook
// that an external test file of that package sets, since they cannot import
// this package, which imports cifar.
package datatest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/brainreg/brainreg/data/cifar"
)

// CIFAR10Dir returns the directory holding CIFAR-10's data_batch_*.bin and
// test_batch.bin, found by the package's rule, or fails tb saying where it
// looked.
func CIFAR10Dir(tb testing.TB) string {
	tb.Helper()
	return std.cifar10(tb)
}

// NeuralDir returns the directory holding the real neural data sets
// (antolik2016/ and allen2016/), found by the package's rule; when they are
// not there it fails tb (under CI) or skips it, saying where it looked and
// naming BRAINREG_NEURAL_DIR.
func NeuralDir(tb testing.TB) string {
	tb.Helper()
	return std.neural(tb)
}

// A dataset is one data set and the names the rule looks it up by.
type dataset struct {
	what    string // "CIFAR-10", for messages
	env     string // the variable naming its directory
	shared  string // its directory under ../shared/data
	probe   string // a path inside the directory that must exist
	pointAt string // what env must name, for messages
}

var neuralSets = dataset{
	what:    "the real neural data",
	env:     "BRAINREG_NEURAL_DIR",
	shared:  "neural",
	probe:   filepath.Join("antolik2016", "region1"),
	pointAt: "the directory holding antolik2016/ and allen2016/",
}

func cifarSet(l cifar.Layout) dataset {
	return dataset{what: l.Name, env: l.EnvVar, shared: l.Dir, probe: l.Train[0].Name, pointAt: "a " + l.Dir + " directory"}
}

// A locator applies the rule. Its fields are what the rule depends on
// besides the environment, so that the tests of the rule can replace the
// repository root and the download.
type locator struct {
	root   func() (string, error) // the repository root (repoRoot)
	layout cifar.Layout           // what is downloaded (cifar.CIFAR10())
	opt    cifar.Options          // for cifar.Find and cifar.Download; CacheDir "" is cifar.DefaultCacheDir()

	mu         sync.Mutex // guards what follows: the cache is looked at, and downloaded into, once a test binary
	tried      bool
	dir        string // the cached copy, or
	err        error  // why there is none
	downloaded bool   // by this locator, rather than found there
}

var std = &locator{root: repoRoot, layout: cifar.CIFAR10()}

func (lo *locator) cifar10(tb testing.TB) string {
	tb.Helper()
	s := cifarSet(lo.layout)
	dir, miss := lo.local(tb, s)
	if dir != "" {
		return dir
	}
	if ci() {
		tb.Fatalf("%s is needed: %s; CI=%s, so neither the download cache nor a download is tried", s.what, miss, os.Getenv("CI"))
	}
	return lo.cached(tb, s, miss)
}

func (lo *locator) neural(tb testing.TB) string {
	tb.Helper()
	s := neuralSets
	dir, miss := lo.local(tb, s)
	if dir != "" {
		return dir
	}
	if ci() {
		tb.Fatalf("%s is needed: %s; CI=%s, so the test fails instead of skipping", s.what, miss, os.Getenv("CI"))
	}
	tb.Skipf("%s is not here (%s): set %s to %s to run this test (with CI=true it fails)", s.what, miss, s.env, s.pointAt)
	return ""
}

// local applies steps 1 and 2 of the rule: it returns the directory $env
// names, failing tb when the data is not in it, else the shared copy. When
// $env is not set and there is no shared copy it returns "" and says where
// it looked.
func (lo *locator) local(tb testing.TB, s dataset) (dir, miss string) {
	tb.Helper()
	if dir := os.Getenv(s.env); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, s.probe)); err != nil {
			tb.Fatalf("%s is needed: looked for %s in %s, from $%s: %v; set %s to %s", s.what, s.probe, dir, s.env, err, s.env, s.pointAt)
		}
		return dir, ""
	}
	root, err := lo.root()
	if err != nil {
		return "", fmt.Sprintf("%s is not set and the repository root, beside which the shared copy would be, was not found: %v", s.env, err)
	}
	dir = filepath.Join(root, "..", "shared", "data", s.shared)
	if _, err := os.Stat(filepath.Join(dir, s.probe)); err != nil {
		return "", fmt.Sprintf("looked for %s in %s, from the shared copy beside the repository (%s not set): %v", s.probe, dir, s.env, err)
	}
	return dir, ""
}

// cached applies step 4 for CIFAR-10: the copy in the download cache,
// downloaded there (and checked) by cifar.Download when it is not there
// yet. Found or not, the answer is kept for the rest of the test binary, so
// that a failing download is tried once.
func (lo *locator) cached(tb testing.TB, s dataset, miss string) string {
	tb.Helper()
	opt := lo.opt
	if opt.CacheDir == "" {
		d, err := cifar.DefaultCacheDir()
		if err != nil {
			tb.Fatalf("%s is needed: %s, and there is no download cache: %v; set %s to %s", s.what, miss, err, s.env, s.pointAt)
		}
		opt.CacheDir = d
	}
	target := filepath.Join(opt.CacheDir, lo.layout.Dir)
	lo.mu.Lock()
	defer lo.mu.Unlock()
	if !lo.tried {
		lo.tried = true
		// $CIFAR10_DIR is not set (step 1), so Find looks in the cache.
		lo.dir, lo.err = cifar.Find(lo.layout, opt)
		if errors.Is(lo.err, cifar.ErrNotFound) {
			tb.Logf("%s: %s; downloading it into the cache %s (once; the MD5s are checked)", s.what, miss, opt.CacheDir)
			lo.downloaded = true
			lo.dir, lo.err = cifar.Download(tb.Context(), lo.layout, opt)
		}
		if lo.err == nil {
			if _, err := os.Stat(filepath.Join(lo.dir, s.probe)); err != nil {
				lo.err = fmt.Errorf("the cached copy is incomplete (remove %s to download it again): %w", lo.dir, err)
			}
		}
	}
	if lo.err != nil {
		tb.Fatalf("%s is needed: %s, and it is not in the download cache %s either: %v; set %s to %s, or let the download succeed",
			s.what, miss, target, lo.err, s.env, s.pointAt)
	}
	how := "found there; cifar.Download puts only a copy whose MD5s it checked"
	if lo.downloaded {
		how = "downloaded there in this test binary by cifar.Download, which checked the MD5s"
	}
	tb.Logf("%s from the download cache: %s (%s not set, no shared copy; %s)", s.what, lo.dir, s.env, how)
	return lo.dir
}

// ci reports whether $CI says the tests run under continuous integration.
func ci() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
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
