package sensorium

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestReadResize reads the standard scan with ReadOptions.Resize (zip and
// folder, with and without the withheld tier kept): the full images are
// not held, the resized ones are Resize's of the full images bit for bit,
// every other field is as without the option, and Convert gives the same
// scan and CNN images either way.
func TestReadResize(t *testing.T) {
	s := newSynth(t, standard)
	paths := map[string]string{"folder": s.writeFolder(t, t.TempDir()), "zip": s.writeZip(t, t.TempDir(), true, 5, false)}
	sizes := []Size{{8, 16}, {4, 4}}
	for form, path := range paths {
		for _, keep := range []bool{false, true} {
			full := read(t, path, ReadOptions{KeepWithheld: keep})
			small := read(t, path, ReadOptions{KeepWithheld: keep, Resize: sizes, Workers: 3})
			if small.Images != nil || len(small.Resized) != 2 {
				t.Fatalf("%s keep %v: Images %d values, %d resized sets", form, keep, len(small.Images), len(small.Resized))
			}
			src := Size{Height: full.Height, Width: full.Width}
			for k, z := range small.Resized {
				want, crop := Resize(full.Images, full.NumImages, src, sizes[k])
				if z.Size != sizes[k] || z.Crop != crop || !slices.Equal(z.Images, want) {
					t.Errorf("%s keep %v: images at %s differ from Resize of the full images", form, keep, sizes[k])
				}
			}
			rest := *small
			rest.Images, rest.Resized = full.Images, nil
			if !reflect.DeepEqual(&rest, full) {
				t.Errorf("%s keep %v: the recording read with Resize differs from the full one beyond its images", form, keep)
			}
			opts := ConvertOptions{Predictor: sizes[0], CNN: sizes[1]}
			cf, err := Convert(full, opts)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := Convert(small, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cf.Scan, cs.Scan) || !slices.Equal(cf.CNNImages, cs.CNNImages) || !reflect.DeepEqual(cf.Info, cs.Info) ||
				!reflect.DeepEqual(cf.Manifest, cs.Manifest) || !slices.Equal(cf.Warnings, cs.Warnings) {
				t.Errorf("%s keep %v: Convert of the resized recording differs from that of the full one", form, keep)
			}
			if _, err := Convert(small, ConvertOptions{}); err == nil || !strings.Contains(err.Error(), "36×64") || !strings.Contains(err.Error(), "8×16, 4×4") {
				t.Errorf("Convert at sizes not read: %v", err)
			}
		}
	}
	tree, err := Open(paths["zip"])
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if _, err := tree.Read(t.Context(), ReadOptions{Resize: []Size{{0, 3}}}); err == nil || !strings.Contains(err.Error(), "0×3") {
		t.Errorf("Resize to 0×3: %v", err)
	}
}

// TestImageHash: an image's hash is that of its pixels, whatever the
// dtype of the file it came from, so equal images hash alike across
// scans and different ones do not.
func TestImageHash(t *testing.T) {
	s := newSynth(t, standard)
	rec := read(t, s.writeFolder(t, t.TempDir()), ReadOptions{})
	hw := rec.Height * rec.Width
	for k, h := range rec.ImageHash {
		if h != pixelHash(rec.Images[k*hw:(k+1)*hw]) {
			t.Fatalf("image %d: hash %x is not its pixels'", k, h)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(rec.ImageHash)))) != rec.NumImages {
		t.Error("distinct images share a hash")
	}
	// The same images (pixels are a function of the id) under other
	// trials, files and dtypes hash alike.
	other := newSynth(t, shape{train: 16, validation: 4, test: 3, repeats: 2, neurons: 3, h: 16, w: 32})
	rec2 := read(t, other.writeZip(t, t.TempDir(), false, 9, true), ReadOptions{Resize: []Size{{4, 8}}})
	if !slices.Equal(rec2.ImageHash, rec.ImageHash) {
		t.Errorf("the same images in another scan hash differently:\n%x\n%x", rec2.ImageHash, rec.ImageHash)
	}
}

// TestHasBehavior: a tree without data/behavior and data/pupil_center
// says so.
func TestHasBehavior(t *testing.T) {
	s := newSynth(t, standard)
	tree, err := Open(s.writeZip(t, t.TempDir(), true, 1, false))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if !tree.HasBehavior() {
		t.Error("the standard scan has no behaviour")
	}
	s.removeDir(behaviorDir)
	s.removeDir(pupilDir)
	for _, path := range []string{s.writeZip(t, t.TempDir(), true, 1, false), s.writeFolder(t, t.TempDir())} {
		tr, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if tr.HasBehavior() {
			t.Errorf("%s: HasBehavior without the folders", path)
		}
		tr.Close()
	}
}

// TestRepeatPixelsDifferResized: read with ReadOptions.Resize, a repeat
// whose pixels differ gives the same warning as without it (the first
// showing read again for the comparison).
func TestRepeatPixelsDifferResized(t *testing.T) {
	s := newSynth(t, standard)
	for i, id := range s.imageID {
		if id == 302 {
			px := s.image(i)
			px[7] -= 2
			s.setImage(t, i, px)
			break
		}
	}
	path := s.writeFolder(t, t.TempDir())
	full := read(t, path, ReadOptions{})
	small := read(t, path, ReadOptions{Resize: []Size{{4, 8}}})
	if len(full.Warnings) == 0 || !slices.Equal(full.Warnings, small.Warnings) || !strings.Contains(strings.Join(small.Warnings, " "), "up to 2") {
		t.Errorf("warnings with Resize %q, without %q", small.Warnings, full.Warnings)
	}
}
