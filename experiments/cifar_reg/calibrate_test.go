package main

import (
	"os"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/simd"
)

// The tests keep the blocking the cache model derives (unless the caller
// chose otherwise): measuring would make their bits depend on the
// machine's load, and write to the user's cache directory.
func TestMain(m *testing.M) {
	if _, set := os.LookupEnv(simd.CalibrateEnv); !set {
		os.Setenv(simd.CalibrateEnv, "off")
	}
	os.Exit(m.Run())
}

// version says which blocking is in force and why.
func TestVersionGivesBlocking(t *testing.T) {
	setThreads(0)
	v := versionText()
	kc, mc, nc, why := simd.GemmBlocking()
	if !strings.Contains(v, "gemm blocking: kc=") || !strings.Contains(v, why) || kc < 1 || mc < 1 || nc < 1 {
		t.Errorf("version text %q lacks the blocking %d,%d,%d (%s)", v, kc, mc, nc, why)
	}
}
