package sensorium

import (
	"archive/zip"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/npy"
)

// scanName is the name the synthetic trees get, formed like a real one.
const scanName = "static12345-6-7-GrayImageNet-0123456789abcdef0123456789abcdef"

// shape of a synthetic scan: images per tier, showings of each repeated
// image, neurons and image size.
type shape struct {
	train, validation, test, finalTest, repeats int
	neurons, h, w                               int
}

// standard is the scan most tests use: 16 train and 4 validation images
// shown once, 3 test images shown 4 times, 2 final_test images shown 4
// times with zero responses (withheld): 40 trials, 7 neurons, 16×32 images.
var standard = shape{train: 16, validation: 4, test: 3, finalTest: 2, repeats: 4, neurons: 7, h: 16, w: 32}

// synth is a scan in the SENSORIUM layout as files (path under the root →
// bytes), with what each trial holds, so tests can mutate files and check
// where every value lands.
type synth struct {
	shape
	trials   int
	tiers    []string // per trial
	imageID  []int    // per trial
	trialIdx []int    // per trial
	files    map[string][]byte
}

// Values of the synthetic scan, exact in float32.
func pixel(id, y, x int) float32 { return float32((id*7 + y*3 + x*5) % 256) }
func (s *synth) response(i, n int) float32 {
	if s.tiers[i] == "final_test" {
		return 0
	}
	return float32(1+i) + float32(n)/8
}
func behaviorOf(i int) []float32 {
	return []float32{10 + float32(i), -0.5 * float32(i), 2 * float32(i)}
}
func pupilOf(i int) []float32 { return []float32{100 + float32(i), 200 - float32(i)} }

// newSynth builds the scan; trials are shuffled over the tiers with a
// fixed seed, and dtypes and shapes vary between trials as the format allows.
func newSynth(t testing.TB, sh shape) *synth {
	t.Helper()
	s := &synth{shape: sh, files: map[string][]byte{}}
	add := func(tier string, first, images, showings int) {
		for k := range images {
			for range showings {
				s.tiers = append(s.tiers, tier)
				s.imageID = append(s.imageID, first+k)
			}
		}
	}
	add("train", 100, sh.train, 1)
	add("validation", 200, sh.validation, 1)
	add("test", 300, sh.test, sh.repeats)
	add("final_test", 400, sh.finalTest, sh.repeats)
	s.trials = len(s.tiers)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(s.trials, func(i, j int) {
		s.tiers[i], s.tiers[j] = s.tiers[j], s.tiers[i]
		s.imageID[i], s.imageID[j] = s.imageID[j], s.imageID[i]
	})
	s.trialIdx = rng.Perm(s.trials)

	for i := range s.trials {
		s.setImage(t, i, s.image(i))
		resp := make([]float32, sh.neurons)
		for n := range resp {
			resp[n] = s.response(i, n)
		}
		if i%2 == 0 {
			s.put(t, trialFile(responsesDir, i), []int{sh.neurons}, resp)
			s.put(t, trialFile(behaviorDir, i), []int{3}, f64(behaviorOf(i)))
		} else {
			s.put(t, trialFile(responsesDir, i), []int{1, sh.neurons}, f64(resp))
			s.put(t, trialFile(behaviorDir, i), []int{1, 3}, behaviorOf(i))
		}
		s.put(t, trialFile(pupilDir, i), []int{2}, pupilOf(i))
	}
	s.putStrings(t, tiersFile, s.tiers)
	s.put(t, imageIDFile, []int{s.trials}, s.imageID)
	s.put(t, trialIdxFile, []int{s.trials}, s.trialIdx)
	units := make([]int, sh.neurons)
	coords := make([]float32, 3*sh.neurons)
	for n := range units {
		units[n] = 1000 + n
		coords[3*n], coords[3*n+1], coords[3*n+2] = float32(n), float32(2*n), -float32(n)
	}
	s.put(t, unitIDsFile, []int{sh.neurons}, units)
	s.put(t, coordsFile, []int{sh.neurons, 3}, coords)
	s.putStrings(t, "meta/neurons/area.npy", slices.Repeat([]string{"V1"}, sh.neurons))
	s.put(t, "meta/statistics/responses/all/mean.npy", []int{sh.neurons}, make([]float32, sh.neurons))
	s.files["config.json"] = []byte(`{"links": {}}`)
	return s
}

// image is trial i's pixels.
func (s *synth) image(i int) []float32 {
	px := make([]float32, s.h*s.w)
	for y := range s.h {
		for x := range s.w {
			px[y*s.w+x] = pixel(s.imageID[i], y, x)
		}
	}
	return px
}

// setImage writes trial i's image file: uint8 (1, H, W), float32 (1, H, W)
// or float64 (H, W) by turns.
func (s *synth) setImage(t testing.TB, i int, px []float32) {
	switch i % 3 {
	case 0:
		u := make([]uint8, len(px))
		for j, v := range px {
			u[j] = uint8(v)
		}
		s.put(t, trialFile(imagesDir, i), []int{1, s.h, s.w}, u)
	case 1:
		s.put(t, trialFile(imagesDir, i), []int{1, s.h, s.w}, px)
	default:
		s.put(t, trialFile(imagesDir, i), []int{s.h, s.w}, f64(px))
	}
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// npyBytes is an .npy file holding data.
func npyBytes(t testing.TB, shape []int, data any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := npy.Write(&b, shape, data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (s *synth) put(t testing.TB, rel string, shape []int, data any) {
	t.Helper()
	s.files[rel] = npyBytes(t, shape, data)
}

func (s *synth) putStrings(t testing.TB, rel string, values []string) {
	t.Helper()
	var b bytes.Buffer
	if err := npy.WriteStrings(&b, []int{len(values)}, values); err != nil {
		t.Fatal(err)
	}
	s.files[rel] = b.Bytes()
}

// removeDir deletes every file under dir.
func (s *synth) removeDir(dir string) {
	for rel := range s.files {
		if strings.HasPrefix(rel, dir+"/") {
			delete(s.files, rel)
		}
	}
}

// writeFolder writes the tree under parent/scanName and returns that folder.
func (s *synth) writeFolder(t testing.TB, parent string) string {
	t.Helper()
	root := filepath.Join(parent, scanName)
	for rel, b := range s.files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// writeZip writes the tree as dir/scanName.zip, under a top folder named
// like the zip (as neuralpredictors' zip_dir does, directory entries
// included) or without one; entries are shuffled with seed, and stored
// or deflated by turns unless store forces every entry to be stored.
func (s *synth) writeZip(t testing.TB, dir string, top bool, seed uint64, store bool) string {
	t.Helper()
	prefix := ""
	if top {
		prefix = scanName + "/"
	}
	names := slices.Sorted(func(yield func(string) bool) {
		dirs := map[string]bool{}
		for rel := range s.files {
			if !yield(rel) {
				return
			}
			for d := filepath.ToSlash(filepath.Dir(rel)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
				if !dirs[d] {
					dirs[d] = true
					if !yield(d + "/") {
						return
					}
				}
			}
		}
	})
	rand.New(rand.NewPCG(seed, 7)).Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	path := filepath.Join(dir, scanName+".zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for k, name := range names {
		method := zip.Deflate
		if store || k%2 == 0 {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: prefix + name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(name, "/") {
			if _, err := w.Write(s.files[name]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
