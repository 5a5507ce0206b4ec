//go:build !purego && unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/npy"
)

// copyCIFAR makes a writable copy of the CIFAR-10 directory (symlinks to
// the real files) in which one file can be replaced.
func copyCIFAR(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

// replaceFile swaps a symlinked file for a real one with the given bytes.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	os.Remove(path)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeRecordings writes a small valid recordings directory (one scan of
// four 2×2 images, six trials, three neurons) and returns it.
func writeRecordings(t *testing.T, dir string) string {
	t.Helper()
	s := &neural.Scan{Name: "scan0", NumImages: 4, Height: 2, Width: 2, Images: make([]float32, 16),
		Trials: 6, Neurons: 3, Responses: make([]float32, 18), TrialImage: []int{0, 1, 2, 3, 0, 0}}
	m := &neural.Manifest{Format: "brainreg-neural-1", Scans: []string{"scan0"}, OracleImages: []int{0}}
	if err := neural.Write(dir, m, []*neural.Scan{s}); err != nil {
		t.Fatal(err)
	}
	return dir
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestBadInputs: every bad input a user can give gets an error that names
// the file or flag and what was expected, and a non-zero exit status.
func TestBadInputs(t *testing.T) {
	data := cifarOptions(t)
	tmp := t.TempDir()
	bin := buildCifarReg(t, tmp)
	cifarDir := func(name string) string { return filepath.Join(tmp, name) }
	rec := func(name string) string { return writeRecordings(t, filepath.Join(tmp, name)) }

	cases := []struct {
		name  string
		setup func() []string // the command line
		code  int
		want  []string // every one must appear in the output
	}{
		{"unknown subcommand", func() []string { return []string{"tarin"} }, 2,
			[]string{`cifar_reg: unknown subcommand "tarin"`}},
		{"unknown flag", func() []string { return []string{"train", "-epoch", "3"} }, 2,
			[]string{"flag provided but not defined: -epoch"}},
		{"stray argument", func() []string { return []string{"train", "extra"} }, 2,
			[]string{`cifar_reg train: unexpected argument "extra"`}},
		{"bad flag value", func() []string { return []string{"train", "-epochs", "x"} }, 2,
			[]string{`invalid value "x" for flag -epochs`}},
		{"unknown kernel path", func() []string { return []string{"train", "-kernel", "sse9"} }, 2,
			[]string{`cifar_reg train: -kernel: simd: kernel path "sse9" (from -kernel): this build has `}},
		{"zero epochs", func() []string { return []string{"train", "-epochs", "0"} }, 1,
			[]string{"cifar_reg train: -epochs 0: want at least 1"}},
		{"batch of one", func() []string { return []string{"train", "-batch", "1"} }, 1,
			[]string{"cifar_reg train: -batch 1: want at least 2 (batch norm needs two images)"}},
		{"unknown model", func() []string { return []string{"train", "-model", "vgg19"} }, 1,
			[]string{`cifar_reg train: -model "vgg19": want small, resnet18, resnet34 or tiny`}},
		{"unknown train preset", func() []string { return []string{"train", "-preset", "fast"} }, 1,
			[]string{`-preset: unknown preset "fast" (known: quick, paper, smoke)`}},
		{"unknown run preset", func() []string { return []string{"run", "-preset", "fast"} }, 1,
			[]string{`cifar_reg run: -preset: unknown preset "fast" (want smoke, quick or paper)`}},
		{"negative alpha", func() []string { return []string{"run", "-preset", "smoke", "-alpha", "20,-1"} }, 1,
			[]string{`cifar_reg run: -alpha: "-1" is not a weight ≥ 0`}},
		{"unknown model kind", func() []string { return []string{"run", "-models", "baseline,vgg"} }, 1,
			[]string{`cifar_reg run: -models: unknown kind "vgg"`}},
		{"output under a file", func() []string {
			f := filepath.Join(tmp, "afile")
			os.WriteFile(f, nil, 0o644)
			return []string{"train", "-preset", "smoke", "-out", filepath.Join(f, "runs")}
		}, 1, []string{"output directory " + filepath.Join(tmp, "afile", "runs")}},
		{"CIFAR missing", func() []string {
			return []string{"train", "-preset", "smoke", "-download=false", "-data", filepath.Join(tmp, "nowhere"), "-out", filepath.Join(tmp, "o1")}
		}, 1, []string{filepath.Join(tmp, "nowhere", "data_batch_1.bin"), "no such file"}},
		{"CIFAR truncated", func() []string {
			d := cifarDir("truncated")
			copyCIFAR(t, data.Dir, d)
			b, _ := os.ReadFile(filepath.Join(data.Dir, "data_batch_2.bin"))
			replaceFile(t, filepath.Join(d, "data_batch_2.bin"), b[:len(b)-100])
			return []string{"train", "-preset", "smoke", "-data", d, "-out", filepath.Join(tmp, "o2")}
		}, 1, []string{filepath.Join(tmp, "truncated", "data_batch_2.bin"), "30729900 bytes", "30730000"}},
		{"CIFAR corrupt", func() []string {
			d := cifarDir("corrupt")
			copyCIFAR(t, data.Dir, d)
			b, _ := os.ReadFile(filepath.Join(data.Dir, "test_batch.bin"))
			b = append([]byte(nil), b...)
			b[5000] ^= 0xff
			replaceFile(t, filepath.Join(d, "test_batch.bin"), b)
			return []string{"train", "-preset", "smoke", "-data", d, "-out", filepath.Join(tmp, "o3")}
		}, 1, []string{filepath.Join(tmp, "corrupt", "test_batch.bin"), "MD5", "want MD5 803d5f7f4d78ea53de84dbe85f74fb6d", "-skip-verify loads another copy"}},
		{"CIFAR foreign file", func() []string {
			d := cifarDir("foreign")
			copyCIFAR(t, data.Dir, d)
			replaceFile(t, filepath.Join(d, "data_batch_1.bin"), []byte("this is not CIFAR-10\n"))
			return []string{"train", "-preset", "smoke", "-data", d, "-out", filepath.Join(tmp, "o4")}
		}, 1, []string{filepath.Join(tmp, "foreign", "data_batch_1.bin"), "21 bytes"}},
		{"CIFAR bad label with -skip-verify", func() []string {
			d := cifarDir("badlabel")
			copyCIFAR(t, data.Dir, d)
			b, _ := os.ReadFile(filepath.Join(data.Dir, "data_batch_3.bin"))
			b = append([]byte(nil), b...)
			b[3073*7] = 12
			replaceFile(t, filepath.Join(d, "data_batch_3.bin"), b)
			return []string{"train", "-preset", "smoke", "-skip-verify", "-data", d, "-out", filepath.Join(tmp, "o5")}
		}, 1, []string{filepath.Join(tmp, "badlabel", "data_batch_3.bin"), "record 7", "label 12"}},
		{"recordings without manifest", func() []string {
			return []string{"predictor", "-preset", "tiny", "-neural", filepath.Join(tmp, "empty-rec"), "-data", data.Dir, "-out", filepath.Join(tmp, "o6")}
		}, 1, []string{"-neural", filepath.Join(tmp, "empty-rec", "manifest.json")}},
		{"manifest with an unknown field", func() []string {
			d := rec("rec-unknown")
			os.WriteFile(filepath.Join(d, "manifest.json"), []byte(`{"format":"brainreg-neural-1","scans":["scan0"],"oracle_images":[0],"sessions":2}`), 0o644)
			return []string{"predictor", "-preset", "tiny", "-neural", d, "-data", data.Dir, "-out", filepath.Join(tmp, "o7")}
		}, 1, []string{filepath.Join(tmp, "rec-unknown", "manifest.json"), `unknown field "sessions"`}},
		{"responses with NaN", func() []string {
			d := rec("rec-nan")
			r := make([]float32, 18)
			r[4] = float32(nanValue())
			npy.WriteFile(filepath.Join(d, "scan0", "responses.npy"), []int{6, 3}, r)
			return []string{"predictor", "-preset", "tiny", "-neural", d, "-data", data.Dir, "-out", filepath.Join(tmp, "o8")}
		}, 1, []string{"responses.npy", "NaN"}},
		{"trial index out of range", func() []string {
			d := rec("rec-index")
			npy.WriteFile(filepath.Join(d, "scan0", "trial_image.npy"), []int{6}, []int64{0, 1, 2, 3, 9, 0})
			return []string{"predictor", "-preset", "tiny", "-neural", d, "-data", data.Dir, "-out", filepath.Join(tmp, "o9")}
		}, 1, []string{"trial_image.npy", "image 9", "out of range"}},
		{"responses of the wrong shape", func() []string {
			d := rec("rec-shape")
			npy.WriteFile(filepath.Join(d, "scan0", "responses.npy"), []int{5, 3}, make([]float32, 15))
			return []string{"predictor", "-preset", "tiny", "-neural", d, "-data", data.Dir, "-out", filepath.Join(tmp, "o10")}
		}, 1, []string{"scan scan0: trial_image.npy has 6 trials, responses.npy has 5"}},
		{"responses missing", func() []string {
			d := rec("rec-missing")
			os.Remove(filepath.Join(d, "scan0", "responses.npy"))
			return []string{"predictor", "-preset", "tiny", "-neural", d, "-data", data.Dir, "-out", filepath.Join(tmp, "o11")}
		}, 1, []string{"scan scan0: missing responses.npy (looked for " + filepath.Join(tmp, "rec-missing", "scan0", "responses.npy") + ")"}},
		{"truncated NPY", func() []string {
			d := rec("rec-trunc")
			p := filepath.Join(d, "scan0", "images.npy")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-7], 0o644)
			return []string{"predictor", "-preset", "tiny", "-neural", d, "-data", data.Dir, "-out", filepath.Join(tmp, "o12")}
		}, 1, []string{"images.npy"}},
		{"corrupt checkpoint", func() []string {
			out := filepath.Join(tmp, "o13")
			args := []string{"train", "-preset", "smoke", "-data", data.Dir, "-out", out}
			// Find the directory this configuration trains in, then spoil its checkpoint.
			exec.Command(bin, append(args, "-epochs", "1")...).Run()
			dirs, _ := filepath.Glob(filepath.Join(out, "train-*"))
			for _, d := range dirs {
				os.Remove(filepath.Join(d, "DONE"))
				os.WriteFile(filepath.Join(d, "checkpoint.safetensors"), []byte("garbage that is not safetensors"), 0o644)
			}
			return args
		}, 1, []string{"checkpoint.safetensors", "not a valid safetensors file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.setup()
			cmd := exec.Command(bin, args...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			text := out.String()
			if code != c.code {
				t.Fatalf("cifar_reg %s: exit status %d, want %d\n%s", strings.Join(args, " "), code, c.code, text)
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Fatalf("cifar_reg %s: output lacks %q:\n%s", strings.Join(args, " "), w, text)
				}
			}
		})
	}
	if len(cases) < 20 {
		t.Fatalf("%d cases; the issue asks for at least 20", len(cases))
	}

	// A full disk while writing an NPY file: the error reaches the caller.
	if err := npy.Write(failingWriter{}, []int{2}, []float32{1, 2}); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("write to a full disk: %v", err)
	}
}

func nanValue() float64 { var z float64; return z / z }
