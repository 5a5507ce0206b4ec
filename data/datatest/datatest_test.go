package datatest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder captures Fatalf instead of stopping the test.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(r)
}

func failure(fn func(testing.TB) string) (msg string) {
	r := &recorder{}
	defer func() {
		if p := recover(); p != nil {
			if p != r {
				panic(p)
			}
			msg = r.msg
		}
	}()
	fn(r)
	return ""
}

// An environment variable pointing at an empty directory fails, naming the
// directory and the file looked for.
func TestMissingDataFails(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("CIFAR10_DIR", empty)
	msg := failure(CIFAR10Dir)
	if !strings.Contains(msg, empty) || !strings.Contains(msg, "data_batch_1.bin") || !strings.Contains(msg, "$CIFAR10_DIR") {
		t.Errorf("CIFAR10Dir on an empty directory: message %q does not name the place and the file", msg)
	}
	t.Setenv("BRAINREG_NEURAL_DIR", empty)
	msg = failure(NeuralDir)
	if !strings.Contains(msg, empty) || !strings.Contains(msg, "antolik2016") {
		t.Errorf("NeuralDir on an empty directory: message %q does not name the place and the file", msg)
	}
}

// A directory laid out like the data is accepted.
func TestFoundDataIsReturned(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "data_batch_1.bin"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CIFAR10_DIR", dir)
	if got := CIFAR10Dir(t); got != dir {
		t.Errorf("CIFAR10Dir = %q, want %q", got, dir)
	}
}

// Without the environment variable the shared copy beside the repository
// root is where it looks.
func TestDefaultIsBesideRepository(t *testing.T) {
	t.Setenv("CIFAR10_DIR", "")
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repoRoot %s has no go.mod", root)
	}
	want := filepath.Join(root, "..", "shared", "data", "cifar-10-batches-bin")
	if _, err := os.Stat(filepath.Join(want, "data_batch_1.bin")); err != nil {
		msg := failure(CIFAR10Dir)
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not name %s", msg, want)
		}
		return
	}
	if got := CIFAR10Dir(t); got != want {
		t.Errorf("CIFAR10Dir = %q, want %q", got, want)
	}
}
