package sensorium

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// read opens path and reads it with opts, failing the test on an error.
func read(t *testing.T, path string, opts ReadOptions) *Recording {
	t.Helper()
	tree, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	rec, err := tree.Read(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestReadForms reads the standard scan as a folder, as the folder's
// parent, and as zips with and without a top folder (entries shuffled,
// directory entries, stored and deflated), checks that all four give the
// same recording, and that every value lands where it should.
func TestReadForms(t *testing.T) {
	s := newSynth(t, standard)
	dir := t.TempDir()
	folder := s.writeFolder(t, filepath.Join(dir, "unzipped"))
	forms := map[string]string{
		"folder":        folder,
		"parent folder": filepath.Dir(folder),
		"zip with top":  s.writeZip(t, t.TempDir(), true, 1, false),
		"zip, no top":   s.writeZip(t, t.TempDir(), false, 2, false),
	}
	var calls [][2]int
	want := read(t, folder, ReadOptions{Workers: 3, Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	for i, c := range calls {
		if c != [2]int{i + 1, s.trials} {
			t.Fatalf("progress call %d = %v, want (%d, %d)", i, c, i+1, s.trials)
		}
	}
	if len(calls) != s.trials {
		t.Errorf("%d progress calls, want %d", len(calls), s.trials)
	}
	checkRecording(t, s, want)
	for name, path := range forms {
		got := read(t, path, ReadOptions{Workers: 2})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s (%s) reads differently from the folder", name, path)
		}
	}
}

// checkRecording checks rec against the synthetic scan it was read from,
// the withheld final_test tier dropped.
func checkRecording(t *testing.T, s *synth, rec *Recording) {
	t.Helper()
	if rec.Name != scanName || rec.Key != "12345-6-7" {
		t.Errorf("Name %q Key %q", rec.Name, rec.Key)
	}
	kept := s.trials - s.finalTest*s.repeats
	if rec.Trials != kept || rec.Neurons != s.neurons || rec.Height != s.h || rec.Width != s.w {
		t.Fatalf("trials %d neurons %d size %d×%d, want %d %d %d×%d", rec.Trials, rec.Neurons, rec.Height, rec.Width, kept, s.neurons, s.h, s.w)
	}
	var ids []int
	for k := range s.train {
		ids = append(ids, 100+k)
	}
	for k := range s.validation {
		ids = append(ids, 200+k)
	}
	for k := range s.test {
		ids = append(ids, 300+k)
	}
	if !reflect.DeepEqual(rec.ImageID, ids) || rec.NumImages != len(ids) || len(rec.Images) != len(ids)*s.h*s.w {
		t.Errorf("ImageID = %v (%d images), want %v", rec.ImageID, rec.NumImages, ids)
	}
	if !reflect.DeepEqual(rec.Withheld, []string{"final_test"}) {
		t.Errorf("Withheld = %q", rec.Withheld)
	}
	if len(rec.Warnings) != 1 || !strings.Contains(rec.Warnings[0], `tier "final_test" is withheld`) ||
		!strings.Contains(rec.Warnings[0], "target will not use it") || !strings.Contains(rec.Warnings[0], strconv.Itoa(s.finalTest*s.repeats)+" trials") {
		t.Errorf("Warnings = %q", rec.Warnings)
	}

	hw := s.h * s.w
	prev := -1
	for j := range rec.Trials {
		i := rec.TrialFile[j]
		if i <= prev {
			t.Fatalf("TrialFile not increasing: %v", rec.TrialFile)
		}
		prev = i
		if rec.Tier[j] != s.tiers[i] || s.tiers[i] == "final_test" {
			t.Errorf("trial %d (file %d): tier %q, want %q", j, i, rec.Tier[j], s.tiers[i])
		}
		if rec.TrialIdx[j] != strconv.Itoa(s.trialIdx[i]) {
			t.Errorf("trial %d: TrialIdx %q, want %d", j, rec.TrialIdx[j], s.trialIdx[i])
		}
		k := rec.TrialImage[j]
		if rec.ImageID[k] != s.imageID[i] {
			t.Errorf("trial %d: image id %d, want %d", j, rec.ImageID[k], s.imageID[i])
		}
		if !slices.Equal(rec.Images[k*hw:(k+1)*hw], s.image(i)) {
			t.Errorf("trial %d: pixels differ", j)
		}
		for n := range s.neurons {
			if got := rec.Responses[j*s.neurons+n]; got != s.response(i, n) {
				t.Errorf("trial %d neuron %d: response %v, want %v", j, n, got, s.response(i, n))
			}
		}
		if !slices.Equal(rec.Behavior[3*j:3*j+3], behaviorOf(i)) || !slices.Equal(rec.PupilCenter[2*j:2*j+2], pupilOf(i)) {
			t.Errorf("trial %d: behaviour %v pupil %v, want %v %v", j, rec.Behavior[3*j:3*j+3], rec.PupilCenter[2*j:2*j+2], behaviorOf(i), pupilOf(i))
		}
	}
	if len(rec.UnitIDs) != s.neurons || rec.UnitIDs[3] != 1003 || len(rec.CellMotorCoordinates) != 3*s.neurons || rec.CellMotorCoordinates[3*2+1] != 4 {
		t.Errorf("UnitIDs %v coordinates %v", rec.UnitIDs, rec.CellMotorCoordinates)
	}
}

// TestReadKeepWithheld keeps the withheld tier's trials and their images;
// Convert still leaves them out, without changing the recording.
func TestReadKeepWithheld(t *testing.T) {
	s := newSynth(t, standard)
	folder := s.writeFolder(t, t.TempDir())
	rec := read(t, folder, ReadOptions{KeepWithheld: true})
	kept, err := Convert(rec, ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dropped, err := Convert(read(t, folder, ReadOptions{}), ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept.Scan, dropped.Scan) || !reflect.DeepEqual(kept.Manifest, dropped.Manifest) || !reflect.DeepEqual(kept.Info, dropped.Info) {
		t.Error("converting with the withheld trials kept differs from converting without them")
	}
	if w := kept.Warnings[len(kept.Warnings)-1]; !strings.Contains(w, "8 trials of the withheld tiers (final_test)") {
		t.Errorf("last warning %q", w)
	}
	if rec.Trials != s.trials || rec.NumImages != 16+4+3+2 || !reflect.DeepEqual(rec.Withheld, []string{"final_test"}) {
		t.Fatalf("trials %d images %d withheld %q", rec.Trials, rec.NumImages, rec.Withheld)
	}
	if !strings.Contains(rec.Warnings[0], "kept") {
		t.Errorf("warning %q does not say the trials are kept", rec.Warnings[0])
	}
	for i := range rec.Trials {
		if rec.TrialFile[i] != i {
			t.Fatalf("TrialFile[%d] = %d", i, rec.TrialFile[i])
		}
		zero := !slices.ContainsFunc(rec.Responses[i*s.neurons:(i+1)*s.neurons], func(v float32) bool { return v != 0 })
		if zero != (s.tiers[i] == "final_test") {
			t.Errorf("trial %d (%s): responses all zero = %v", i, s.tiers[i], zero)
		}
	}
}

// TestReadNoBehavior: without data/behavior the error names the folder and
// the option; with ReadOptions.NoBehavior the scan reads without it.
func TestReadNoBehavior(t *testing.T) {
	s := newSynth(t, standard)
	s.removeDir(behaviorDir)
	s.removeDir(pupilDir)
	folder := s.writeFolder(t, t.TempDir())
	tree, err := Open(folder)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tree.Read(context.Background(), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "data/behavior: missing folder") || !strings.Contains(err.Error(), "NoBehavior") {
		t.Fatalf("error %v, want one naming data/behavior and NoBehavior", err)
	}
	rec := read(t, folder, ReadOptions{NoBehavior: true})
	if rec.Behavior != nil || rec.PupilCenter != nil || rec.Trials != 32 {
		t.Errorf("Behavior %v PupilCenter %v trials %d", rec.Behavior, rec.PupilCenter, rec.Trials)
	}
	c, err := Convert(rec, ConvertOptions{})
	if err != nil || c.Scan.Behavior != nil || c.Info.Behavior != nil {
		t.Errorf("Convert: %v, behaviour %v", err, c.Scan.Behavior)
	}
}

// TestRepeatPixelsDiffer: a repeat whose pixels differ from the image's
// first showing gives a warning naming both files, not an error.
func TestRepeatPixelsDiffer(t *testing.T) {
	s := newSynth(t, standard)
	var trials []int
	for i, id := range s.imageID {
		if id == 301 {
			trials = append(trials, i)
		}
	}
	px := s.image(trials[2])
	px[5] += 3
	s.setImage(t, trials[2], px)
	rec := read(t, s.writeFolder(t, t.TempDir()), ReadOptions{})
	w := strings.Join(rec.Warnings, "\n")
	for _, want := range []string{"1 trials", trialFile(imagesDir, trials[2]), trialFile(imagesDir, trials[0]), "up to 3", "id 301"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
}

// TestReadCancelled: a cancelled context stops Read with its error.
func TestReadCancelled(t *testing.T) {
	s := newSynth(t, standard)
	tree, err := Open(s.writeFolder(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tree.Read(ctx, ReadOptions{}); err != context.Canceled {
		t.Errorf("error %v, want context.Canceled", err)
	}
}
