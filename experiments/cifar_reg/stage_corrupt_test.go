package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/corrupt"
	"github.com/brainreg/brainreg/data/datatest"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/experiments/internal/runio"
)

// cifar_reg corrupt on the first 3 test images: every corruption at every
// severity in its own (3, 32, 32) uint8 file, equal to data/corrupt's
// ApplyBatch over the grayscale images with the presets' seed (which is
// what robust.CorruptionAccuracy classifies: its tests hold it to
// ApplyBatch), the clean images, the labels, and a manifest with the
// build. A second run with other corruptions and another seed writes
// those, with other noise.
func TestCorruptCommand(t *testing.T) {
	dataDir := datatest.CIFAR10Dir(t)
	d, err := cifar.Open(cifar.CIFAR10(), dataDir, true)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	gray := d.Test.GrayBytes([]int{0, 1, 2})
	out := filepath.Join(t.TempDir(), "c10c")
	if err := runCorrupt(context.Background(), []string{"-out", out, "-images", "3", "-data", dataDir, "-threads", "2"}); err != nil {
		t.Fatal(err)
	}
	read := func(name string) *npy.Array {
		t.Helper()
		a, err := npy.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, c := range corrupt.All() {
		for s := 1; s <= corrupt.Severities; s++ {
			name := c.Name + "_s" + string(rune('0'+s)) + ".npy"
			a := read(name)
			want, err := c.ApplyBatch(gray, s, robust.DefaultCorruptSeed)
			if err != nil {
				t.Fatal(err)
			}
			if a.Dtype != "u1" || !slices.Equal(a.Shape, []int{n, 32, 32}) || !bytes.Equal(a.Data, want) {
				t.Errorf("%s: dtype %s, shape %v; data equal to ApplyBatch's: %v", name, a.Dtype, a.Shape, bytes.Equal(a.Data, want))
			}
		}
	}
	if a := read(corruptCleanFile); a.Dtype != "u1" || !slices.Equal(a.Shape, []int{n, 32, 32}) || !bytes.Equal(a.Data, gray) {
		t.Errorf("clean.npy: %s %v", a.Dtype, a.Shape)
	}
	labels, err := read(corruptLabelsFile).Int()
	if err != nil || !slices.Equal(labels, d.Test.Labels[:n]) {
		t.Errorf("labels.npy: %v (%v), want %v", labels, err, d.Test.Labels[:n])
	}
	var m corruptManifest
	if err := runio.ReadJSON(filepath.Join(out, corruptManifestFile), &m); err != nil {
		t.Fatal(err)
	}
	if m.Images != n || m.Seed != robust.DefaultCorruptSeed || len(m.Corruptions) != 15 || !slices.Equal(m.Severities, []int{1, 2, 3, 4, 5}) ||
		m.Corruptions[14].Name != "jpeg_compression" || m.Corruptions[14].Files[4] != "jpeg_compression_s5.npy" || m.Build.GoVersion == "" {
		t.Errorf("manifest %+v", m)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(files) != 15*5+3 {
		t.Errorf("%d files in the output, want 78 (no temporary ones left): %v", len(files), files)
	}

	other := t.TempDir()
	if err := runCorrupt(context.Background(), []string{"-out", other, "-images", "2", "-corruptions", "fog, contrast", "-seed", "7", "-data", dataDir}); err != nil {
		t.Fatal(err)
	}
	m = corruptManifest{}
	if err := runio.ReadJSON(filepath.Join(other, corruptManifestFile), &m); err != nil || m.Seed != 7 || len(m.Corruptions) != 2 || m.Corruptions[0].Name != "fog" {
		t.Fatalf("manifest %+v (%v)", m, err)
	}
	fog, _ := corrupt.ByName("fog")
	for s := 1; s <= corrupt.Severities; s++ {
		a, err := npy.ReadFile(filepath.Join(other, m.Corruptions[0].Files[s-1]))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := fog.ApplyBatch(gray[:2*corrupt.Size], s, 7)
		def, _ := fog.ApplyBatch(gray[:2*corrupt.Size], s, robust.DefaultCorruptSeed)
		if !slices.Equal(a.Shape, []int{2, 32, 32}) || !bytes.Equal(a.Data, want) || bytes.Equal(a.Data, def) {
			t.Errorf("fog severity %d with seed 7: shape %v, equal to seed 7's %v, to the default seed's %v", s, a.Shape, bytes.Equal(a.Data, want), bytes.Equal(a.Data, def))
		}
	}
	if _, err := os.Stat(filepath.Join(other, "snow_s1.npy")); err == nil {
		t.Error("snow written though not asked for")
	}
}

// Bad command lines are refused with an error naming the problem, before
// any file is written; unknown flags and stray arguments are usage errors.
func TestCorruptBadFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "-out DIR is required"},
		{[]string{"-out", out, "-images", "-4"}, "-images -4: want a number of test images ≥ 0"},
		{[]string{"-out", out, "-corruptions", "fog,saturate"}, "saturate changes HSV saturation"},
		{[]string{"-out", out, "-corruptions", "fogg"}, `unknown corruption "fogg"`},
		{[]string{"-out", out, "-corruptions", "fog,fog"}, `"fog" listed twice`},
		{[]string{"-out", out, "-images", "many"}, "usage"},
		{[]string{"-out", out, "-severity", "3"}, "usage"},
		{[]string{"-out", out, "stray"}, "usage"},
	} {
		err := runCorrupt(context.Background(), c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("corrupt %q: error %v, want one mentioning %q", c.args, err, c.want)
		}
		if c.want == "usage" && !errors.Is(err, errUsage) {
			t.Errorf("corrupt %q: %v is not a usage error", c.args, err)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command line created %s", out)
	}
	// More images than the test set has, found once the data is read.
	err := runCorrupt(context.Background(), []string{"-out", out, "-images", "10001", "-data", datatest.CIFAR10Dir(t)})
	if err == nil || !strings.Contains(err.Error(), "-images 10001: the test set has only 10000 images") {
		t.Errorf("-images 10001: %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*.npy")); len(files) > 0 {
		t.Errorf("files written for a refused request: %v", files)
	}
}
