package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/data/sensorium"
	"github.com/brainreg/brainreg/experiments/internal/runio"
)

// sensScan describes a synthetic SENSORIUM scan in the neuralpredictors
// file-tree layout: single-trial images (train and validation tiers),
// test images shown repeats times and final_test images shown repeats
// times with zero responses (withheld, as in the competition scans).
type sensScan struct {
	name                       string
	imageSet                   uint64 // the images' content: scans of one set show the same pixels for the same image number
	idOffset                   int    // added to frame_image_id (ids need not agree between scans)
	train, validation          int
	test, finalTest, repeats   int
	neurons, height, width     int
	seed                       uint64 // responses, behaviour and trial order
	oracleSet                  uint64 // the test images' content (imageSet unless set)
	responseScale              float32
	trialImage                 []int // per trial: the image number (singles first, then test, then final_test)
	tiers                      []string
	singleImages, oracleImages int
}

// shape of most synthetic scans: 72 single-trial images, 6 test images × 5,
// 3 withheld final_test images × 5, 40 neurons, 72×128 images (9:16 like
// SENSORIUM's 144×256).
func newSensScan(name string, imageSet, seed uint64) *sensScan {
	return &sensScan{name: name, imageSet: imageSet, oracleSet: imageSet, train: 60, validation: 12, test: 6, finalTest: 3, repeats: 5,
		neurons: 40, height: 72, width: 128, seed: seed, responseScale: 1}
}

// pixels of image number k: gratings with coefficients drawn from the
// image set and k, plus a little noise.
func (s *sensScan) pixels(k int) []uint8 {
	set := s.imageSet
	if k >= s.train+s.validation {
		set = s.oracleSet
	}
	rng := rand.New(rand.NewPCG(set, uint64(k)))
	var a [4]float64
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	px := make([]uint8, s.height*s.width)
	for y := range s.height {
		for x := range s.width {
			fx, fy := float64(x), float64(y)
			v := 128 + 25*(a[0]*math.Sin(2*math.Pi*fx/16)+a[1]*math.Cos(2*math.Pi*fy/12)+
				a[2]*math.Sin(2*math.Pi*(fx+fy)/20)+a[3]*math.Cos(2*math.Pi*(fx-fy)/10)) + 5*rng.NormFloat64()
			px[y*s.width+x] = uint8(min(max(math.Round(v), 0), 255))
		}
	}
	return px
}

// files builds the scan's files (path under the root → bytes).
func (s *sensScan) files(t testing.TB) map[string][]byte {
	t.Helper()
	f := map[string][]byte{}
	s.emit(t, func(rel string, b []byte) { f[rel] = b })
	return f
}

// emit makes the scan's files one at a time, passing each to out.
func (s *sensScan) emit(t testing.TB, out func(rel string, b []byte)) {
	t.Helper()
	s.trialImage, s.tiers = nil, nil
	add := func(tier string, first, n, showings int) {
		for k := range n {
			for range showings {
				s.trialImage = append(s.trialImage, first+k)
				s.tiers = append(s.tiers, tier)
			}
		}
	}
	add("train", 0, s.train, 1)
	add("validation", s.train, s.validation, 1)
	add("test", s.train+s.validation, s.test, s.repeats)
	add("final_test", s.train+s.validation+s.test, s.finalTest, s.repeats)
	s.singleImages, s.oracleImages = s.train+s.validation, s.test
	rng := rand.New(rand.NewPCG(s.seed, 1))
	rng.Shuffle(len(s.tiers), func(i, j int) {
		s.tiers[i], s.tiers[j] = s.tiers[j], s.tiers[i]
		s.trialImage[i], s.trialImage[j] = s.trialImage[j], s.trialImage[i]
	})
	w := make([][4]float64, s.neurons)
	for n := range w {
		for k := range w[n] {
			w[n][k] = rng.NormFloat64()
		}
	}
	images := map[int][]uint8{}
	put := func(rel string, shape []int, data any) {
		var b bytes.Buffer
		if err := npy.Write(&b, shape, data); err != nil {
			t.Fatal(err)
		}
		out(rel, b.Bytes())
	}
	ids := make([]int64, len(s.tiers))
	for i, k := range s.trialImage {
		if images[k] == nil {
			images[k] = s.pixels(k)
		}
		ids[i] = int64(s.idOffset + 1000 + k)
		put("data/images/"+strconv.Itoa(i)+".npy", []int{1, s.height, s.width}, images[k])
		a := coefficients(s, k)
		r := make([]float32, s.neurons)
		if s.tiers[i] != "final_test" {
			for n := range r {
				drive := 0.0
				for j := range a {
					drive += w[n][j] * a[j]
				}
				r[n] = s.responseScale * float32(math.Exp(0.4*drive)*(1+0.3*math.Abs(rng.NormFloat64())))
			}
		}
		put("data/responses/"+strconv.Itoa(i)+".npy", []int{s.neurons}, r)
		put("data/behavior/"+strconv.Itoa(i)+".npy", []int{3}, []float32{float32(rng.Float64()), float32(rng.NormFloat64()), float32(5 * rng.Float64())})
		put("data/pupil_center/"+strconv.Itoa(i)+".npy", []int{2}, []float32{float32(rng.NormFloat64()), float32(rng.NormFloat64())})
	}
	var b bytes.Buffer
	if err := npy.WriteStrings(&b, []int{len(s.tiers)}, s.tiers); err != nil {
		t.Fatal(err)
	}
	out("meta/trials/tiers.npy", b.Bytes())
	put("meta/trials/frame_image_id.npy", []int{len(ids)}, ids)
	units := make([]int64, s.neurons)
	for n := range units {
		units[n] = int64(n + 1)
	}
	put("meta/neurons/unit_ids.npy", []int{s.neurons}, units)
}

// coefficients are the grating coefficients of image k (as pixels draws them).
func coefficients(s *sensScan, k int) [4]float64 {
	set := s.imageSet
	if k >= s.train+s.validation {
		set = s.oracleSet
	}
	rng := rand.New(rand.NewPCG(set, uint64(k)))
	var a [4]float64
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	return a
}

// writeSensZip writes files as dir/<name>.zip under a top folder named like
// the zip (as neuralpredictors' zip_dir does), deflated, and returns it.
func writeSensZip(t testing.TB, dir, name string, files map[string][]byte) string {
	t.Helper()
	path := filepath.Join(dir, name+".zip")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, rel := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name + "/" + rel, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[rel]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeSensFolder writes files under parent/<name> and returns that folder.
func writeSensFolder(t testing.TB, parent, name string, files map[string][]byte) string {
	t.Helper()
	root := filepath.Join(parent, name)
	for rel, b := range files {
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

// stageDirs lists the sensorium stage directories under out.
func stageDirs(t *testing.T, out string) []string {
	t.Helper()
	d, err := filepath.Glob(filepath.Join(out, "sensorium-*"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSensoriumStage runs the tiny preset's neural stages on a synthetic
// SENSORIUM scan given as a zip: the conversion stage's files, the
// target's size (the single-trial images, withheld tier dropped), that the
// target's stimuli are the scan's 32×32 CNN images /255 (through the run's
// prepareRun too), that a rerun reuses every stage, that a rewritten but
// identical zip is reused and a changed one converted again; then the same
// scan as an unzipped folder: the same recordings, reused on a rerun,
// converted again when a file changes.
func TestSensoriumStage(t *testing.T) {
	s := newSensScan("static11111-2-3-GrayImageNet-0123456789abcdef0123456789abcdef", 1, 7)
	files := s.files(t)
	zipPath := writeSensZip(t, t.TempDir(), s.name, files)
	out := t.TempDir()
	var log bytes.Buffer
	o := &neuralOptions{Preset: "tiny", Out: out, Neural: zipPath, Log: &log}
	start := time.Now()
	targetDir, sum, err := buildTarget(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Logf("zip: tiny target in %s; predictor test r %.3f", time.Since(start).Round(time.Millisecond), sum.MeanTestCorr)
	if sum.Scans != 1 || sum.Images != s.singleImages || sum.Simulated || sum.TargetVsTruthR != nil {
		t.Errorf("target: %d scans, %d images, simulated %v; want 1 scan of %d single-trial images, real", sum.Scans, sum.Images, sum.Simulated, s.singleImages)
	}
	all := s.singleImages + (s.test+s.finalTest)*s.repeats
	for _, want := range []string{"sensorium " + s.name + ": reading " + zipPath, "sensorium " + s.name + " " + strconv.Itoa(all) + "/" + strconv.Itoa(all) + " trials (100.0%)", "trials/s",
		`tier "final_test" is withheld`, "withheld tiers: final_test (dropped)", "1 scan(s) converted"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	dirs := stageDirs(t, out)
	if len(dirs) != 1 || o.sensoriumDir != dirs[0] {
		t.Fatalf("sensorium stages %v, options say %q", dirs, o.sensoriumDir)
	}
	stage := dirs[0]
	for _, f := range []string{neural.ManifestFile, "config.json", "DONE", cnnImagesFile, conversionFile, warningsFile,
		filepath.Join(s.name, neural.ImagesFile), filepath.Join(s.name, neural.ResponsesFile), filepath.Join(s.name, neural.TrialImageFile), filepath.Join(s.name, neural.BehaviorFile)} {
		if _, err := os.Stat(filepath.Join(stage, f)); err != nil {
			t.Errorf("stage file: %v", err)
		}
	}
	ds, err := neural.Load(filepath.Join(stage, neural.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	sc := ds.Scans[0]
	if sc.Height != 36 || sc.Width != 64 || sc.NumImages != s.singleImages+s.oracleImages || sc.Trials != all-s.finalTest*s.repeats || len(ds.Manifest.OracleImages) != s.test {
		t.Errorf("scan: %d images of %d×%d, %d trials, oracle %v", sc.NumImages, sc.Height, sc.Width, sc.Trials, ds.Manifest.OracleImages)
	}
	var conv sensoriumRecord
	if err := runio.ReadJSON(filepath.Join(stage, conversionFile), &conv); err != nil {
		t.Fatal(err)
	}
	if len(conv.Scans) != 1 || conv.Scans[0].Source != s.name || !slices.Equal(conv.Scans[0].WithheldTiers, []string{"final_test"}) || conv.Sources[0].Path != zipPath {
		t.Errorf("conversion.json: %+v", conv)
	}
	warn, _ := os.ReadFile(filepath.Join(stage, warningsFile))
	if !strings.Contains(string(warn), s.name+`: tier "final_test" is withheld`) {
		t.Errorf("warnings.txt:\n%s", warn)
	}

	// The target's stimuli: row k is the 32×32 image (centre crop, area
	// averaging) of the k-th single-trial image, /255.
	stim, n, err := neuralStimuli(targetDir, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := ds.SingleImages()
	if n != s.singleImages || len(stim) != n*1024 || len(rows) != n {
		t.Fatalf("stimuli: %d images (%d values), want %d", n, len(stim), s.singleImages)
	}
	for k, i := range rows {
		id := conv.Scans[0].ImageIDs[i] - 1000 // the image number
		src := s.pixels(id)
		f := make([]float32, len(src))
		for j, v := range src {
			f[j] = float32(v)
		}
		want, _ := sensorium.Resize(f, 1, sensorium.Size{Height: s.height, Width: s.width}, sensorium.CNNSize)
		for j, v := range want {
			if stim[k*1024+j] != v/255 {
				t.Fatalf("stimulus %d (image %d) pixel %d = %v, want %v/255", k, id, j, stim[k*1024+j], v)
			}
		}
	}
	// prepareRun (cifar_reg run) hands the same stimuli to the trainer.
	cfg, err := pipelinePreset("smoke")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Kinds = []string{kindNeural}
	log.Reset()
	p, err := prepareRun(context.Background(), cfg, out, zipPath, cifarOptions(t), &log, false, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if p.images != n || !slices.Equal(p.stimuli, stim) || p.sims[kindNeural] == nil || p.sims[kindNeural].N != n {
		t.Errorf("prepareRun: %d stimuli, same as neuralStimuli %v", p.images, slices.Equal(p.stimuli, stim))
	}
	for _, want := range []string{"sensorium: reusing " + stage, "predictor: reusing", "target: reusing"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("rerun through prepareRun: no %q in the log:\n%s", want, log.String())
		}
	}

	// The same zip written again (new file, same entries) is reused; a
	// changed response is converted again into another stage.
	writeSensZip(t, filepath.Dir(zipPath), s.name, files)
	log.Reset()
	o2 := &neuralOptions{Preset: "tiny", Out: out, Neural: zipPath, Log: &log}
	if dir, _, _, err := recordings(context.Background(), o2); err != nil || dir != stage || !strings.Contains(log.String(), "sensorium: reusing") {
		t.Errorf("identical zip: %s, %v; log:\n%s", dir, err, log.String())
	}
	changed := map[string][]byte{}
	for k, v := range files {
		changed[k] = v
	}
	b := slices.Clone(changed["data/responses/3.npy"])
	b[len(b)-1] ^= 0x10
	changed["data/responses/3.npy"] = b
	writeSensZip(t, filepath.Dir(zipPath), s.name, changed)
	log.Reset()
	dir2, _, _, err := recordings(context.Background(), &neuralOptions{Preset: "tiny", Out: out, Neural: zipPath, Log: &log})
	if err != nil || dir2 == stage || !strings.Contains(log.String(), "reading "+zipPath) || len(stageDirs(t, out)) != 2 {
		t.Errorf("changed zip: %s (first %s), %v; log:\n%s", dir2, stage, err, log.String())
	}

	// The unzipped folder: the same recordings as from the zip.
	folder := writeSensFolder(t, t.TempDir(), s.name, files)
	log.Reset()
	of := &neuralOptions{Preset: "tiny", Out: out, Neural: folder, Log: &log}
	_, fsum, err := buildTarget(context.Background(), of)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if fsum.Scans != 1 || fsum.Images != s.singleImages || of.sensoriumDir == stage || !strings.Contains(log.String(), "("+formFolder+")") {
		t.Errorf("folder: %d scans, %d images, stage %s; log:\n%s", fsum.Scans, fsum.Images, of.sensoriumDir, log.String())
	}
	for _, f := range []string{cnnImagesFile, neural.ManifestFile, filepath.Join(s.name, neural.ImagesFile), filepath.Join(s.name, neural.ResponsesFile),
		filepath.Join(s.name, neural.TrialImageFile), filepath.Join(s.name, neural.BehaviorFile)} {
		a, _ := os.ReadFile(filepath.Join(stage, f))
		b, _ := os.ReadFile(filepath.Join(of.sensoriumDir, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the zip's stage and the folder's", f)
		}
	}
	log.Reset()
	if dir, _, _, err := recordings(context.Background(), &neuralOptions{Out: out, Neural: folder, Log: &log}); err != nil || dir != of.sensoriumDir ||
		!strings.Contains(log.String(), "sensorium: reusing") {
		t.Errorf("folder rerun: %s, %v; log:\n%s", dir, err, log.String())
	}
	// A file changed in place (same size, later time) is converted again.
	p3 := filepath.Join(folder, "data", "responses", "3.npy")
	if err := os.WriteFile(p3, b, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	os.Chtimes(p3, later, later)
	log.Reset()
	if dir, _, _, err := recordings(context.Background(), &neuralOptions{Out: out, Neural: folder, Log: &log}); err != nil || dir == of.sensoriumDir ||
		!strings.Contains(log.String(), "reading "+folder) {
		t.Errorf("changed folder: %s, %v; log:\n%s", dir, err, log.String())
	}
}

// TestSensoriumScans: several SENSORIUM scans make one data set when their
// images coincide by content (other trial order, frame_image_ids, neurons
// and responses), the later scans' images put in the first's order; scans
// of different single-trial or oracle images are an error naming both that
// says they are run one per run, and leave no stage behind.
func TestSensoriumScans(t *testing.T) {
	src := t.TempDir()
	a := newSensScan("static11111-1-1-GrayImageNet-aaaa", 1, 1)
	same := newSensScan("static22222-2-2-GrayImageNet-bbbb", 1, 2)
	same.idOffset, same.neurons, same.responseScale = 5000, 30, 2
	other := newSensScan("static33333-3-3-GrayImageNet-cccc", 2, 3)
	otherOracle := newSensScan("static44444-4-4-GrayImageNet-dddd", 1, 4)
	otherOracle.oracleSet = 9
	za := writeSensZip(t, src, a.name, a.files(t))
	fsame := writeSensFolder(t, src, same.name, same.files(t))
	zother := writeSensZip(t, src, other.name, other.files(t))
	zoo := writeSensZip(t, src, otherOracle.name, otherOracle.files(t))
	out := t.TempDir()
	var log bytes.Buffer

	for _, c := range []struct {
		with *sensScan
		path string
		want []string
	}{
		{other, zother, []string{"do not show the same single-trial images", "72 of " + other.name + "'s 72"}},
		{otherOracle, zoo, []string{"not the same repeated (oracle) images", "6 of " + otherOracle.name + "'s 6"}},
	} {
		log.Reset()
		_, _, _, err := recordings(context.Background(), &neuralOptions{Out: out, Neural: za + "," + c.path, Log: &log})
		if err == nil {
			t.Fatalf("%s with %s: no error", a.name, c.with.name)
		}
		for _, w := range append(c.want, a.name, c.with.name, "averages the similarity matrices of the scans of one image set", "one per run",
			"cifar_reg run -neural "+za+", then cifar_reg run -neural "+c.path) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error lacks %q: %v", w, err)
			}
		}
		if d := stageDirs(t, out); len(d) != 0 {
			t.Errorf("a failed combination left %v", d)
		}
	}

	log.Reset()
	o := &neuralOptions{Preset: "tiny", Out: out, Neural: za + ", " + fsame, Log: &log}
	_, sum, err := buildTarget(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if sum.Scans != 2 || sum.Images != a.singleImages || !slices.Equal(sum.Neurons, []int{40, 30}) {
		t.Errorf("combined target: %d scans, %d images, neurons %v", sum.Scans, sum.Images, sum.Neurons)
	}
	ds, err := neural.Load(filepath.Join(o.sensoriumDir, neural.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	s0, s1 := ds.Scans[0], ds.Scans[1]
	if !slices.Equal(s0.Images, s1.Images) {
		t.Error("the combined scans' images.npy differ")
	}
	// Every trial of the second scan shows, in the common order, the
	// image its own files hold.
	var conv sensoriumRecord
	if err := runio.ReadJSON(filepath.Join(o.sensoriumDir, conversionFile), &conv); err != nil {
		t.Fatal(err)
	}
	for k := range s1.NumImages {
		if conv.Scans[1].ImageIDs[k]-5000 != conv.Scans[0].ImageIDs[k] {
			t.Fatalf("image %d: frame_image_id %d in %s, %d in %s: not the same image", k, conv.Scans[1].ImageIDs[k], same.name, conv.Scans[0].ImageIDs[k], a.name)
		}
	}
	j := 0 // the scan's trials: the files' order, final_test dropped
	for i, num := range same.trialImage {
		if same.tiers[i] == "final_test" {
			continue
		}
		if got := conv.Scans[1].ImageIDs[s1.TrialImage[j]] - 6000; got != num {
			t.Fatalf("%s trial file %d: image number %d, want %d", same.name, i, got, num)
		}
		j++
	}
	if j != s1.Trials {
		t.Errorf("%d kept trials, the scan has %d", j, s1.Trials)
	}
}

// TestNeuralPaths: how -neural is split and classified.
func TestNeuralPaths(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "a,b")
	os.MkdirAll(rec, 0o755)
	if err := os.WriteFile(filepath.Join(rec, neural.ManifestFile), []byte(`{"format":"brainreg-neural-1","scans":["s"],"oracle_images":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	rec2 := filepath.Join(dir, "rec")
	os.MkdirAll(rec2, 0o755)
	os.WriteFile(filepath.Join(rec2, neural.ManifestFile), []byte("{}"), 0o644)
	s := newSensScan("static1-2-3-GrayImageNet-x", 1, 1)
	s.train, s.validation, s.test, s.finalTest, s.neurons, s.height, s.width = 3, 1, 1, 0, 2, 9, 16
	z := writeSensZip(t, dir, s.name, s.files(t))
	p, err := neuralPaths(rec)
	if err != nil || len(p) != 1 || p[0].Form != formRecordings || p[0].Path != rec {
		t.Errorf("a recordings directory with a comma in its name: %+v, %v", p, err)
	}
	for _, c := range []struct{ arg, want string }{
		{filepath.Join(dir, "none"), "-neural " + filepath.Join(dir, "none") + ": no such file or directory; want a recordings directory (with " + filepath.Join(dir, "none", "manifest.json")},
		{z + "," + filepath.Dir(rec), "neither a recordings directory"},
		{z + "," + rec2, "is a recordings directory, a data set of its own: give it alone"},
		{z + "," + z, "give each scan once"},
		{z + ",", "an empty path"},
		{t.TempDir(), "neither a recordings directory"},
		{filepath.Join(rec, neural.ManifestFile), "not a SENSORIUM zip file"},
	} {
		if _, err := neuralPaths(c.arg); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "-neural") {
			t.Errorf("-neural %s: %v, want %q", c.arg, err, c.want)
		}
	}
	folder := writeSensFolder(t, filepath.Join(dir, "unzipped"), s.name, s.files(t))
	p, err = neuralPaths(z + "," + filepath.Dir(folder))
	if err == nil {
		t.Errorf("the same scan as zip and folder: %+v", p)
	}
	p, err = neuralPaths(filepath.Dir(folder))
	if err != nil || p[0].Form != formFolder || p[0].Path != folder || p[0].Scan != s.name {
		t.Errorf("a folder holding the tree: %+v, %v", p, err)
	}
}

// TestSensoriumWithheldTest: a scan whose repeated images all belong to
// withheld tiers (the competition scans 26872-17-20 and 27204-5-13, whose
// test and final_test responses are zero) has no oracle repeats: the
// conversion stage refuses it, before any predictor is trained, saying
// why, and leaves no stage behind.
func TestSensoriumWithheldTest(t *testing.T) {
	s := newSensScan("static26872-17-20-GrayImageNet-x", 1, 7)
	s.train, s.validation, s.neurons, s.height, s.width = 8, 2, 5, 18, 32
	files := s.files(t)
	zero := make([]float32, s.neurons)
	for i, tier := range s.tiers {
		if tier == "test" {
			var b bytes.Buffer
			if err := npy.Write(&b, []int{s.neurons}, zero); err != nil {
				t.Fatal(err)
			}
			files["data/responses/"+strconv.Itoa(i)+".npy"] = b.Bytes()
		}
	}
	z := writeSensZip(t, t.TempDir(), s.name, files)
	out := t.TempDir()
	var log bytes.Buffer
	_, err := buildPredictions(context.Background(), &neuralOptions{Preset: "tiny", Out: out, Neural: z, Log: &log})
	if err == nil || !strings.Contains(err.Error(), "no image with responses shown more than once (the responses of its tiers test, final_test are withheld") ||
		!strings.Contains(err.Error(), "cannot give a similarity target") {
		t.Errorf("a scan without oracle repeats: %v", err)
	}
	if d, _ := filepath.Glob(filepath.Join(out, "*-*")); len(d) != 0 || strings.Contains(log.String(), "predictor ") {
		t.Errorf("left %v; log:\n%s", d, log.String())
	}
}

// TestSensoriumMeasure times the sensorium stage on a scan of realistic
// size; it runs only when asked, in two steps (so that the second
// process's peak memory is the stage's):
//
//	BRAINREG_SENSORIUM_SYNTH=/tmp/sens go test ./experiments/cifar_reg -run SensoriumMeasure -v
//	    writes /tmp/sens/static99999-1-1-GrayImageNet-synthetic.zip: 6,000 trials (4,500 train,
//	    500 validation, 100 test images × 10) × 8,000 neurons, 144×256 uint8 images, deflated
//	BRAINREG_SENSORIUM_MEASURE=/tmp/sens/static99999-1-1-GrayImageNet-synthetic.zip go test ./experiments/cifar_reg -run SensoriumMeasure -v
//	    converts it (BRAINREG_SENSORIUM_MEASURE_OUT, or a temporary directory) and reports the time and the peak RSS
func TestSensoriumMeasure(t *testing.T) {
	synth, scan := os.Getenv("BRAINREG_SENSORIUM_SYNTH"), os.Getenv("BRAINREG_SENSORIUM_MEASURE")
	if synth == "" && scan == "" {
		t.Skip("set BRAINREG_SENSORIUM_SYNTH or BRAINREG_SENSORIUM_MEASURE")
	}
	if synth != "" {
		s := newSensScan("static99999-1-1-GrayImageNet-synthetic", 1, 1)
		s.train, s.validation, s.test, s.finalTest, s.repeats, s.neurons, s.height, s.width = 4500, 500, 100, 0, 10, 8000, 144, 256
		start := time.Now()
		if err := os.MkdirAll(synth, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(synth, s.name+".zip")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		zw := zip.NewWriter(bw)
		s.emit(t, func(rel string, b []byte) {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: s.name + "/" + rel, Method: zip.Deflate})
			if err == nil {
				_, err = w.Write(b)
			}
			if err != nil {
				t.Fatal(err)
			}
		})
		if err := errors.Join(zw.Close(), bw.Flush(), f.Close()); err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat(path)
		t.Logf("wrote %s (%.0f MB) in %s", path, float64(info.Size())/1e6, time.Since(start).Round(time.Second))
	}
	if scan != "" {
		out := os.Getenv("BRAINREG_SENSORIUM_MEASURE_OUT")
		if out == "" {
			out = t.TempDir()
		}
		start := time.Now()
		dir, _, _, err := recordings(context.Background(), &neuralOptions{Out: out, Neural: scan, Log: os.Stderr})
		if err != nil {
			t.Fatal(err)
		}
		_, hwm := procStatus()
		t.Logf("sensorium stage %s in %s; peak RSS (VmHWM) %.0f MB; GOMAXPROCS %d", dir, time.Since(start).Round(100*time.Millisecond), float64(hwm)/1e6, runtime.GOMAXPROCS(0))
	}
}
