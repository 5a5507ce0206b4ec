package neural

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/npy"
)

// smallScan: 3 images of 2×2, 5 trials (image 2 shown 3 times), 2 neurons.
func smallScan() *Scan {
	return &Scan{
		Name:   "s0",
		Images: []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, NumImages: 3, Height: 2, Width: 2,
		Responses:  []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		Trials:     5,
		Neurons:    2,
		TrialImage: []int{0, 2, 1, 2, 2},
		Behavior:   make([]float32, 20),
		Truth:      []float32{1, 1, 2, 2, 3, 3},
	}
}

func writeSet(t *testing.T) (string, *Manifest) {
	t.Helper()
	dir := t.TempDir()
	m := &Manifest{Format: FormatVersion, Scans: []string{"s0"}, OracleImages: []int{2}}
	if err := Write(dir, m, []*Scan{smallScan()}); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func TestRoundTrip(t *testing.T) {
	dir, m := writeSet(t)
	d, err := Load(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Manifest, *m) {
		t.Errorf("manifest read back as %+v", d.Manifest)
	}
	if got, want := d.Scans[0], smallScan(); !reflect.DeepEqual(got, want) {
		t.Errorf("scan read back as %+v, want %+v", got, want)
	}
	if got := d.SingleImages(); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Errorf("SingleImages = %v", got)
	}
	mean, err := d.Scans[0].MeanResponses([]int{2, 0})
	if err != nil || !reflect.DeepEqual(mean, []float32{(3 + 7 + 9) / 3., (4 + 8 + 10) / 3., 1, 2}) {
		t.Errorf("MeanResponses = %v, %v", mean, err)
	}
	rep, n, err := d.Scans[0].Repeats([]int{2})
	if err != nil || n != 3 || !reflect.DeepEqual(rep, []float32{3, 4, 7, 8, 9, 10}) {
		t.Errorf("Repeats = %v, %d, %v", rep, n, err)
	}
	if _, _, err := d.Scans[0].Repeats([]int{0, 2}); err == nil || !strings.Contains(err.Error(), "at least 1 times") {
		t.Errorf("Repeats of a single-shown image: %v", err)
	}
}

// Every validation error names the file and the problem.
func TestValidationErrors(t *testing.T) {
	write := func(t *testing.T, dir, file string, shape []int, data any) {
		t.Helper()
		if err := npy.WriteFile(filepath.Join(dir, "s0", file), shape, data); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		modify func(t *testing.T, dir string)
		want   []string
	}{
		{"missing responses", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "s0", ResponsesFile)) },
			[]string{"missing responses.npy", filepath.Join("s0", ResponsesFile)}},
		{"missing images", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "s0", ImagesFile)) },
			[]string{"missing images.npy"}},
		{"images dtype", func(t *testing.T, dir string) { write(t, dir, ImagesFile, []int{3, 2, 2}, make([]float64, 12)) },
			[]string{"images.npy: dtype f8, want uint8 or float32"}},
		{"images 2-D", func(t *testing.T, dir string) { write(t, dir, ImagesFile, []int{3, 4}, make([]float32, 12)) },
			[]string{"images.npy: shape (3, 4), want 3-D (images, height, width)"}},
		{"responses dtype", func(t *testing.T, dir string) { write(t, dir, ResponsesFile, []int{5, 2}, make([]int64, 10)) },
			[]string{"responses.npy: dtype i8, want float32 or float64"}},
		{"trial_image float", func(t *testing.T, dir string) { write(t, dir, TrialImageFile, []int{5}, make([]float32, 5)) },
			[]string{"trial_image.npy: dtype f4, want an integer dtype"}},
		{"trials mismatch", func(t *testing.T, dir string) { write(t, dir, TrialImageFile, []int{4}, []int{0, 1, 2, 2}) },
			[]string{"trial_image.npy has 4 trials, responses.npy has 5"}},
		{"index out of range", func(t *testing.T, dir string) { write(t, dir, TrialImageFile, []int{5}, []int{0, 2, 1, 3, 2}) },
			[]string{"trial_image.npy: trial 3 shows image 3, out of range [0, 3) of images.npy"}},
		{"negative index", func(t *testing.T, dir string) { write(t, dir, TrialImageFile, []int{5}, []int{0, 2, -1, 2, 2}) },
			[]string{"trial 2 shows image -1"}},
		{"NaN response", func(t *testing.T, dir string) {
			r := smallScan().Responses
			r[7] = float32(math.NaN())
			write(t, dir, ResponsesFile, []int{5, 2}, r)
		}, []string{"responses.npy: NaN at trial 3, neuron 1"}},
		{"Inf pixel", func(t *testing.T, dir string) {
			im := smallScan().Images
			im[5] = float32(math.Inf(-1))
			write(t, dir, ImagesFile, []int{3, 2, 2}, im)
		}, []string{"images.npy: -Inf at image 1, pixel 1"}},
		{"behavior shape", func(t *testing.T, dir string) { write(t, dir, BehaviorFile, []int{5, 3}, make([]float32, 15)) },
			[]string{"behavior.npy: shape (5, 3), want (trials, 4) with 4 columns"}},
		{"behavior rows", func(t *testing.T, dir string) { write(t, dir, BehaviorFile, []int{4, 4}, make([]float32, 16)) },
			[]string{"behavior.npy: 16 values, want (5, 4)"}},
		{"truth shape", func(t *testing.T, dir string) { write(t, dir, TruthFile, []int{2, 2}, make([]float32, 4)) },
			[]string{"responses_true.npy: 4 values, want (3, 2) = (images, neurons)"}},
		{"not npy", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "s0", ResponsesFile), []byte("hello, world"), 0o644)
		}, []string{filepath.Join("s0", ResponsesFile), "not a .npy file"}},
		{"unknown manifest field", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format":"brainreg-neural-1","scans":["s0"],"oracle_images":[2],"orcale":[1]}`), 0o644)
		}, []string{ManifestFile, `unknown field "orcale"`}},
		{"manifest format", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format":"v0","scans":["s0"],"oracle_images":[2]}`), 0o644)
		}, []string{ManifestFile, `format "v0", want "brainreg-neural-1"`}},
		{"manifest scan missing", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format":"brainreg-neural-1","scans":["s1"],"oracle_images":[2]}`), 0o644)
		}, []string{"scan s1: missing images.npy"}},
		{"oracle out of range", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format":"brainreg-neural-1","scans":["s0"],"oracle_images":[3]}`), 0o644)
		}, []string{"oracle image 3 out of range [0, 3)"}},
		{"oracle shown once", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format":"brainreg-neural-1","scans":["s0"],"oracle_images":[1]}`), 0o644)
		}, []string{"oracle image 1 was shown 1 times in scan s0, want at least 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := writeSet(t)
			tc.modify(t, dir)
			_, err := Load(filepath.Join(dir, ManifestFile))
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestWriteRejectsInvalidScan(t *testing.T) {
	s := smallScan()
	s.TrialImage[0] = 9
	err := WriteScan(t.TempDir(), s)
	if err == nil || !strings.Contains(err.Error(), "trial 0 shows image 9") {
		t.Errorf("WriteScan error %v", err)
	}
}

func TestImagesUint8(t *testing.T) {
	dir, _ := writeSet(t)
	if err := npy.WriteFile(filepath.Join(dir, "s0", ImagesFile), []int{3, 2, 2}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}); err != nil {
		t.Fatal(err)
	}
	d, err := Load(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if d.Scans[0].Images[11] != 255 {
		t.Errorf("uint8 pixel read as %v", d.Scans[0].Images[11])
	}
}
