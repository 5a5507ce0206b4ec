// Package buildinfo says which code produced a result: the commit (and
// whether the tree held uncommitted changes), the Go toolchain, the platform,
// the CPU and the kernel path the simd package chose. Every stage's DONE
// marker and every report records it, however the binary was built.
//
// Where the commit comes from, in order:
//  1. a stamp at link time (-ldflags "-X …/buildinfo.Commit=…", as `make dist` does);
//  2. the VCS stamp the go command writes into binaries it builds inside a
//     repository (go build, go test);
//  3. `go run` stamps nothing, so for a development build ("(devel)" with no
//     VCS stamp) git is asked at run time in the directory this package was
//     compiled from, which for go run is the checkout being run;
//  4. a module version (go install …@v1.2.3) names the code by itself.
//
// Otherwise the commit is "unknown".
package buildinfo

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/brainreg/brainreg/simd"
)

// Commit is set at link time by `make dist`; empty otherwise.
var Commit string

// Info describes the running binary and machine.
type Info struct {
	Module       string   `json:"module_version"` // "(devel)" for a checkout
	Commit       string   `json:"commit"`         // full hash, or "unknown"
	CommitSource string   `json:"commit_source"`  // ldflags, vcs stamp, git at run time, module version or none
	Modified     *bool    `json:"modified"`       // uncommitted changes in the tree; null when unknown
	GoVersion    string   `json:"go_version"`
	Platform     string   `json:"platform"` // GOOS/GOARCH
	CPU          string   `json:"cpu"`
	Features     []string `json:"cpu_features"`
	KernelPath   string   `json:"kernel_path"`
	KernelForced string   `json:"kernel_forced_by,omitempty"` // -kernel or BRAINREG_KERNEL, when one forced the path
	Threads      int      `json:"threads"`
	// Sgemm's blocking "kc,mc,nc" (simd.GemmBlocking): kc decides the
	// order of the products' sums, so results reproduce to the bit only
	// with the same kernel path and kc.
	GemmBlocking string `json:"gemm_blocking"`
}

var (
	once   sync.Once
	static Info // the parts that do not change while the process runs
)

// Get returns the build and machine description. The thread count and the
// kernel path are read at each call (flags set them after start-up).
func Get() Info {
	once.Do(func() {
		static = Info{GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
			CPU: simd.CPUName(), Features: simd.CPUFeatures()}
		static.Module, static.Commit, static.CommitSource, static.Modified = commit()
	})
	in := static
	in.Threads = simd.Threads()
	in.KernelPath, in.KernelForced = simd.Path(), simd.PathForcedBy()
	kc, mc, nc, _ := simd.GemmBlocking()
	in.GemmBlocking = fmt.Sprintf("%d,%d,%d", kc, mc, nc)
	return in
}

// commit follows the order of the package comment.
func commit() (module, rev, source string, modified *bool) {
	module = "(devel)"
	var stamped string
	var dirty *bool
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			module = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				stamped = s.Value
			case "vcs.modified":
				m := s.Value == "true"
				dirty = &m
			}
		}
	}
	switch {
	case Commit != "":
		return module, Commit, "ldflags", nil
	case stamped != "":
		return module, stamped, "vcs stamp", dirty
	case module == "(devel)":
		if r, m, ok := gitAtSource(); ok {
			return module, r, "git at run time", &m
		}
	default:
		return module, "unknown", "module version", nil
	}
	return module, "unknown", "none", nil
}

// gitAtSource asks git for the checkout this file was compiled from. With
// -trimpath the recorded path is a module path, not a directory, and git
// fails: the commit is then unknown.
func gitAtSource() (rev string, modified, ok bool) {
	_, file, _, found := runtime.Caller(0)
	if !found || !filepath.IsAbs(file) {
		return "", false, false
	}
	dir := filepath.Dir(file)
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false, false
	}
	rev = strings.TrimSpace(string(out))
	// As the go command's own stamp: any change, untracked files included.
	st, err := exec.Command("git", "-C", dir, "status", "--porcelain").Output()
	if err != nil {
		return "", false, false
	}
	return rev, len(strings.TrimSpace(string(st))) > 0, true
}

// String is one line for logs and summaries, e.g.
// "commit 1a2b3c4d5e6f (modified; git at run time), go1.26.8 linux/amd64; Intel(R) Xeon(R) …; kernel path avx512; 2 threads".
func (in Info) String() string {
	rev := in.Commit
	if len(rev) > 12 {
		rev = rev[:12]
	}
	state := in.CommitSource
	if in.Modified != nil {
		if *in.Modified {
			state = "modified; " + state
		} else {
			state = "clean; " + state
		}
	}
	path := in.KernelPath
	if in.KernelForced != "" {
		path += " (forced by " + in.KernelForced + ")"
	}
	return fmt.Sprintf("brainreg %s, commit %s (%s), %s %s; %s; kernel path %s; gemm blocking %s; %d threads",
		in.Module, rev, state, in.GoVersion, in.Platform, in.CPU, path, in.GemmBlocking, in.Threads)
}
