package sensorium

import (
	"archive/zip"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readErr opens and reads path and returns the error (nil if none).
func readErr(path string, opts ReadOptions) error {
	tree, err := Open(path)
	if err != nil {
		return err
	}
	defer tree.Close()
	_, err = tree.Read(context.Background(), opts)
	return err
}

// TestErrors breaks the standard scan one way at a time and checks, for the
// folder and the zip alike, that reading fails with an error naming the
// file and the problem.
func TestErrors(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(t *testing.T, s *synth)
		want  []string
	}{
		{"behaviour folder missing", func(t *testing.T, s *synth) { s.removeDir(behaviorDir) },
			[]string{"data/behavior: missing folder", "NoBehavior"}},
		{"pupil centre file missing", func(t *testing.T, s *synth) { delete(s.files, trialFile(pupilDir, 5)) },
			[]string{"data/pupil_center/5.npy: missing", "NoBehavior"}},
		{"trial without a response file", func(t *testing.T, s *synth) { delete(s.files, trialFile(responsesDir, 17)) },
			[]string{"data/responses/17.npy: missing", "lists trial 17"}},
		{"file without a trial", func(t *testing.T, s *synth) { s.files[trialFile(imagesDir, 40)] = s.files[trialFile(imagesDir, 0)] },
			[]string{"data/images/40.npy: no such trial", "40 trials"}},
		{"response length differs", func(t *testing.T, s *synth) { s.put(t, trialFile(responsesDir, 7), []int{6}, make([]float32, 6)) },
			[]string{"data/responses/7.npy", "6 neurons, want 7 as in data/responses/0.npy"}},
		{"NaN response", func(t *testing.T, s *synth) {
			r := make([]float64, 7)
			r[2] = math.NaN()
			s.put(t, trialFile(responsesDir, 3), []int{7}, r)
		}, []string{"data/responses/3.npy", "NaN at neuron 2"}},
		{"float64 response too large for float32", func(t *testing.T, s *synth) {
			r := make([]float64, 7)
			r[4] = 1e300
			s.put(t, trialFile(responsesDir, 8), []int{7}, r)
		}, []string{"data/responses/8.npy", "+Inf at neuron 4"}},
		{"Inf pixel", func(t *testing.T, s *synth) {
			px := s.image(4)
			px[1*32+2] = float32(math.Inf(1))
			s.put(t, trialFile(imagesDir, 4), []int{1, 16, 32}, px)
		}, []string{"data/images/4.npy", "+Inf at pixel (1, 2)"}},
		{"NaN behaviour", func(t *testing.T, s *synth) {
			s.put(t, trialFile(behaviorDir, 9), []int{3}, []float32{1, float32(math.NaN()), 2})
		}, []string{"data/behavior/9.npy", "NaN at column 1"}},
		{"image size differs", func(t *testing.T, s *synth) {
			s.put(t, trialFile(imagesDir, 6), []int{1, 16, 31}, make([]uint8, 16*31))
		},
			[]string{"data/images/6.npy", "shape (1, 16, 31), want (1, 16, 32) as in data/images/0.npy"}},
		{"colour image", func(t *testing.T, s *synth) {
			s.put(t, trialFile(imagesDir, 0), []int{3, 16, 32}, make([]uint8, 3*16*32))
		},
			[]string{"data/images/0.npy", "shape (3, 16, 32), want (1, height, width)"}},
		{"truncated npy", func(t *testing.T, s *synth) {
			b := s.files[trialFile(imagesDir, 10)]
			s.files[trialFile(imagesDir, 10)] = b[:len(b)/2]
		}, []string{"data/images/10.npy", "unexpected EOF"}},
		{"not an npy file", func(t *testing.T, s *synth) { s.files[trialFile(responsesDir, 2)] = []byte("garbage, not numpy") },
			[]string{"data/responses/2.npy", "not a .npy file"}},
		{"bytes after the array", func(t *testing.T, s *synth) {
			rel := trialFile(responsesDir, 12)
			s.files[rel] = append(s.files[rel], 1, 2, 3)
		}, []string{"data/responses/12.npy", "3 bytes after the array's data"}},
		{"frame_image_id too short", func(t *testing.T, s *synth) { s.put(t, imageIDFile, []int{39}, s.imageID[:39]) },
			[]string{"meta/trials/frame_image_id.npy", "shape (39,), want (40,)"}},
		{"tiers not strings", func(t *testing.T, s *synth) { s.put(t, tiersFile, []int{40}, make([]int, 40)) },
			[]string{"meta/trials/tiers.npy", "a numeric array, want strings"}},
		{"unit_ids length differs", func(t *testing.T, s *synth) { s.put(t, unitIDsFile, []int{6}, make([]int, 6)) },
			[]string{"meta/neurons/unit_ids.npy", "want (7,)"}},
		{"every tier withheld", func(t *testing.T, s *synth) {
			for i := range s.trials {
				s.put(t, trialFile(responsesDir, i), []int{7}, make([]float32, 7))
			}
		}, []string{"every tier (", "is withheld", "all 40 trials"}},
		{"no tree", func(t *testing.T, s *synth) { delete(s.files, tiersFile) },
			[]string{"meta/trials/tiers.npy", "not a SENSORIUM file tree"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSynth(t, standard)
			c.spoil(t, s)
			for form, path := range map[string]string{
				"folder": s.writeFolder(t, t.TempDir()),
				"zip":    s.writeZip(t, t.TempDir(), true, 4, false),
			} {
				err := readErr(path, ReadOptions{Workers: 2})
				if err == nil {
					t.Fatalf("%s: no error", form)
				}
				t.Logf("%s: %v", form, err)
				for _, want := range c.want {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: error %q lacks %q", form, err, want)
					}
				}
			}
		})
	}
}

// TestZipErrors: a truncated zip and a zip entry whose bytes were changed
// (caught by its CRC-32) are errors naming the zip and the entry.
func TestZipErrors(t *testing.T) {
	s := newSynth(t, standard)

	path := s.writeZip(t, t.TempDir(), true, 5, false)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := readErr(path, ReadOptions{}); err == nil || !strings.Contains(err.Error(), path+": reading the zip directory") {
		t.Errorf("truncated zip: error %v", err)
	}

	path = s.writeZip(t, t.TempDir(), false, 6, true)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var offset int64
	rel := trialFile(responsesDir, 5)
	for _, f := range zr.File {
		if f.Name == rel {
			if offset, err = f.DataOffset(); err != nil {
				t.Fatal(err)
			}
		}
	}
	zr.Close()
	b, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[offset+int64(len(s.files[rel]))-1] ^= 0x40 // the last response, past the header
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := readErr(path, ReadOptions{}); err == nil || !strings.Contains(err.Error(), rel) || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("corrupt entry: error %v", err)
	}
}

// TestOpenErrors: a path that is neither a zip nor a tree folder.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "absent.zip")); err == nil {
		t.Error("opened a missing file")
	}
	p := filepath.Join(dir, "plain.zip")
	if err := os.WriteFile(p, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "plain.zip: reading the zip directory") {
		t.Errorf("error %v", err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a SENSORIUM file tree") {
		t.Errorf("error %v", err)
	}
}
