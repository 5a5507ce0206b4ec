package buildinfo

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// In a checkout, a test binary (which the go command does not VCS-stamp)
// finds its commit through git, and it is the checkout's HEAD.
func TestCommitOfTheCheckout(t *testing.T) {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout (or no git): %v", err)
	}
	in := Get()
	head := strings.TrimSpace(string(out))
	if in.Commit != head {
		t.Fatalf("commit %q (from %s), git HEAD %q", in.Commit, in.CommitSource, head)
	}
	if in.Modified == nil && in.CommitSource != "ldflags" {
		t.Errorf("modified unknown though the commit came from %s", in.CommitSource)
	}
	if in.GoVersion == "" || in.Platform == "" || in.KernelPath == "" || in.GemmBlocking == "" || in.Threads < 1 {
		t.Errorf("incomplete: %+v", in)
	}
}

// A stamp at link time wins over every other source.
func TestLinkStampWins(t *testing.T) {
	defer func(c string) { Commit = c }(Commit)
	Commit = "0123456789abcdef"
	_, rev, src, mod := commit()
	if rev != Commit || src != "ldflags" || mod != nil {
		t.Fatalf("commit() = %q, %q, %v with Commit set", rev, src, mod)
	}
}

func TestStringAndJSON(t *testing.T) {
	yes := true
	in := Info{Module: "(devel)", Commit: "d2a9d69980c100615f2994bcb16ee68554a58654", CommitSource: "git at run time",
		Modified: &yes, GoVersion: "go1.26.8", Platform: "linux/amd64", CPU: "Some CPU", KernelPath: "avx2", GemmBlocking: "256,120,3072", Threads: 2}
	want := "brainreg (devel), commit d2a9d69980c1 (modified; git at run time), go1.26.8 linux/amd64; Some CPU; kernel path avx2; gemm blocking 256,120,3072; 2 threads"
	if s := in.String(); s != want {
		t.Errorf("String() = %q\nwant       %q", s, want)
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"commit":"d2a9d69980c100615f2994bcb16ee68554a58654"`, `"modified":true`, `"kernel_path":"avx2"`, `"go_version":"go1.26.8"`, `"gemm_blocking":"256,120,3072"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON %s lacks %s", b, k)
		}
	}
}
