package sensorium

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/neural"
)

// TestConvert converts the standard scan: the scan validates, round-trips
// through neural.WriteScan/ReadScan and neural.Write/Load, the test images
// are the oracle images with their 4 repeats, behaviour lands in the
// documented columns, and the conversion manifest encodes to JSON.
func TestConvert(t *testing.T) {
	s := newSynth(t, standard)
	rec := read(t, s.writeZip(t, t.TempDir(), true, 3, false), ReadOptions{})
	c, err := Convert(rec, ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc := c.Scan
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	if sc.Height != 36 || sc.Width != 64 || sc.NumImages != 23 || len(c.CNNImages) != 23*32*32 {
		t.Errorf("scan images %d×%d×%d, CNN images %d values", sc.NumImages, sc.Height, sc.Width, len(c.CNNImages))
	}

	dir := filepath.Join(t.TempDir(), sc.Name)
	if err := neural.WriteScan(dir, sc); err != nil {
		t.Fatal(err)
	}
	back, err := neural.ReadScan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sc) {
		t.Error("the scan reads back differently from neural.ReadScan")
	}

	// Oracle images: the 3 test images (ids 300–302, the last three
	// indices), each with its 4 repeats in trial order.
	if !reflect.DeepEqual(c.Manifest.OracleImages, []int{20, 21, 22}) {
		t.Fatalf("oracle images %v", c.Manifest.OracleImages)
	}
	rep, n, err := sc.Repeats(c.Manifest.OracleImages)
	if err != nil || n != 4 {
		t.Fatalf("Repeats: %d, %v", n, err)
	}
	for k, img := range c.Manifest.OracleImages {
		var files []int
		for j, i := range rec.TrialFile {
			if sc.TrialImage[j] == img {
				files = append(files, i)
			}
		}
		for r, i := range files {
			got := rep[(r*3+k)*s.neurons : (r*3+k+1)*s.neurons]
			if got[0] != s.response(i, 0) || got[6] != s.response(i, 6) || s.imageID[i] != 300+k {
				t.Errorf("oracle image %d repeat %d: %v, want trial file %d's responses", img, r, got, i)
			}
		}
	}
	for j, i := range rec.TrialFile {
		b, p := behaviorOf(i), pupilOf(i)
		if want := []float32{p[0], p[1], b[0], b[2]}; !slices.Equal(sc.Behavior[4*j:4*j+4], want) {
			t.Errorf("trial %d: behaviour %v, want %v (%v)", j, sc.Behavior[4*j:4*j+4], want, neural.BehaviorColumns)
		}
	}

	set := t.TempDir()
	if err := neural.Write(set, c.Manifest, []*neural.Scan{sc}); err != nil {
		t.Fatal(err)
	}
	d, err := neural.Load(filepath.Join(set, neural.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.SingleImages(); len(got) != 20 || got[19] != 19 {
		t.Errorf("SingleImages = %v, want the 16 train and 4 validation images 0…19", got)
	}

	raw, err := json.Marshal(c.Info)
	if err != nil {
		t.Fatal(err)
	}
	var info ConversionManifest
	if err := json.Unmarshal(raw, &info); err != nil || !reflect.DeepEqual(info, c.Info) {
		t.Fatalf("manifest JSON %s does not round-trip: %v", raw, err)
	}
	want := ConversionManifest{
		Source: scanName, Trials: 32, Neurons: 7, Images: 23, SingleImages: 20, OracleImages: 3, OracleRepeats: 4,
		TierTrials:    map[string]int{"train": 16, "validation": 4, "test": 12},
		WithheldTiers: []string{"final_test"}, ImageIDs: rec.ImageID, SourceSize: Size{16, 32},
		Predictor: ImageRule{Size: Size{36, 64}, Crop: Rect{Top: 0, Left: 2, Height: 16, Width: 28}, Rule: ResizeRule},
		CNN:       ImageRule{Size: Size{32, 32}, Crop: Rect{Top: 0, Left: 8, Height: 16, Width: 16}, Rule: ResizeRule},
		Behavior:  behaviorSources[:],
	}
	if !reflect.DeepEqual(c.Info, want) {
		t.Errorf("Info = %+v\nwant   %+v", c.Info, want)
	}
	for _, key := range []string{`"predictor_images":{"size":{"height":36,"width":64}`, `"cnn_images":{"size":{"height":32,"width":32},"crop":{"top":0,"left":8,"height":16,"width":16}`, `"oracle_repeats":4`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("JSON %s lacks %s", raw, key)
		}
	}
	if len(c.Warnings) != 1 || c.Warnings[0] != rec.Warnings[0] {
		t.Errorf("Warnings = %q", c.Warnings)
	}
}

// TestConvertImages: with sizes that halve the 16×32 images, the scan's
// images are the means of 2×2 blocks, and the square CNN images those of
// the central 16×16 crop.
func TestConvertImages(t *testing.T) {
	s := newSynth(t, standard)
	rec := read(t, s.writeFolder(t, t.TempDir()), ReadOptions{})
	c, err := Convert(rec, ConvertOptions{Predictor: Size{8, 16}, CNN: Size{8, 8}})
	if err != nil {
		t.Fatal(err)
	}
	for k := range rec.NumImages {
		src := rec.Images[k*16*32 : (k+1)*16*32]
		at := func(y, x int) float64 { return float64(src[y*32+x]) }
		for i := range 8 {
			for j := range 16 {
				want := float32((at(2*i, 2*j) + at(2*i+1, 2*j) + at(2*i, 2*j+1) + at(2*i+1, 2*j+1)) / 4)
				if got := c.Scan.Images[(k*8+i)*16+j]; got != want {
					t.Fatalf("image %d pixel (%d, %d) = %v, want %v", k, i, j, got, want)
				}
				if j < 8 {
					want := float32((at(2*i, 8+2*j) + at(2*i+1, 8+2*j) + at(2*i, 9+2*j) + at(2*i+1, 9+2*j)) / 4)
					if got := c.CNNImages[(k*8+i)*8+j]; got != want {
						t.Fatalf("CNN image %d pixel (%d, %d) = %v, want %v", k, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestConvertNoOracle: a scan without repeated images converts with a
// warning and no oracle images.
func TestConvertNoOracle(t *testing.T) {
	s := newSynth(t, shape{train: 5, validation: 2, neurons: 3, h: 4, w: 4})
	rec := read(t, s.writeFolder(t, t.TempDir()), ReadOptions{})
	c, err := Convert(rec, ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Manifest.OracleImages) != 0 || c.Info.OracleRepeats != 0 || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "no oracle images") {
		t.Errorf("oracle %v, warnings %q", c.Manifest.OracleImages, c.Warnings)
	}
}
