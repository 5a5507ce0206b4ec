//go:build !purego && unix

package main

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/brainreg/brainreg/nn/checkpoint"
)

// buildCifarReg compiles this command into dir and returns the binary.
func buildCifarReg(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "cifar_reg")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// trainArgs is a training run long enough (hundreds of steps) to be
// interrupted in the middle.
func trainArgs(out string) []string {
	return []string{"train", "-preset", "smoke", "-train-limit", "12000", "-epochs", "2", "-batch", "16",
		"-test-limit", "100", "-threads", "2", "-out", out}
}

// modelDir is the one training directory under out.
func modelDir(t *testing.T, out string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(out, "train-*"))
	if len(m) != 1 {
		t.Fatalf("%d training directories under %s, want 1", len(m), out)
	}
	return m[0]
}

func sameWeights(t *testing.T, a, b string) {
	t.Helper()
	fa, err := checkpoint.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := checkpoint.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range fa.Tensors {
		y := fb.Tensors[name]
		for i := range x.F32 {
			if math.Float32bits(x.F32[i]) != math.Float32bits(y.F32[i]) {
				t.Fatalf("%s[%d]: %v in %s, %v in %s", name, i, x.F32[i], a, y.F32[i], b)
			}
		}
	}
}

// SIGTERM in the middle of training saves a checkpoint and exits with 130;
// kill -9 at random moments never leaves a checkpoint that does not load;
// resuming after both ends with weights bit-identical to an uninterrupted
// run with the same seed and threads.
func TestInterruptAndResume(t *testing.T) {
	data := cifarOptions(t)
	tmp := t.TempDir()
	bin := buildCifarReg(t, tmp)
	run := func(out string) *exec.Cmd {
		cmd := exec.Command(bin, append(trainArgs(out), "-data", data.Dir)...)
		return cmd
	}

	refOut := filepath.Join(tmp, "ref")
	if out, err := run(refOut).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	ref := filepath.Join(modelDir(t, refOut), "model.safetensors")

	out := filepath.Join(tmp, "interrupted")
	// SIGTERM two seconds into the run.
	cmd := run(out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("after SIGTERM: %v (want exit status 130)\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "checkpoint was saved") {
		t.Fatalf("no word of the checkpoint after SIGTERM:\n%s", stderr.String())
	}
	ck := filepath.Join(modelDir(t, out), "checkpoint.safetensors")
	if _, err := checkpoint.Load(ck); err != nil {
		t.Fatalf("checkpoint after SIGTERM: %v", err)
	}

	// kill -9 at random moments: whatever checkpoint exists always loads.
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3 {
		cmd := run(out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(500+r.IntN(2500)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if _, err := os.Stat(ck); err == nil {
			if _, err := checkpoint.Load(ck); err != nil {
				t.Fatalf("checkpoint after kill -9 number %d does not load: %v", i+1, err)
			}
		}
	}

	if out, err := run(out).CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	sameWeights(t, ref, filepath.Join(modelDir(t, out), "model.safetensors"))
}
