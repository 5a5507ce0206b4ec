package runio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStageDirKeyedByConfig(t *testing.T) {
	root := t.TempDir()
	type cfg struct {
		Epochs int
		Alpha  float64
	}
	a, err := StageDir(root, "train", cfg{3, 20})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := StageDir(root, "train", cfg{3, 20})
	c, _ := StageDir(root, "train", cfg{4, 20})
	if a != b || a == c {
		t.Fatalf("same config gave %s and %s; different config gave %s", a, b, c)
	}
	if Done(a) {
		t.Fatal("a new stage is done")
	}
	if err := MarkDone(a); err != nil {
		t.Fatal(err)
	}
	if !Done(a) || Done(c) {
		t.Fatal("MarkDone marked the wrong stage")
	}
	var back cfg
	if err := ReadJSON(filepath.Join(a, "config.json"), &back); err != nil || back != (cfg{3, 20}) {
		t.Fatalf("config.json reads back as %+v, %v", back, err)
	}
}

func TestAppendJSONLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "metrics.jsonl")
	for i := range 3 {
		if err := AppendJSONLine(p, map[string]int{"epoch": i}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(p)
	if got := string(b); got != "{\"epoch\":0}\n{\"epoch\":1}\n{\"epoch\":2}\n" {
		t.Fatalf("metrics file:\n%s", got)
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := CheckWritable(filepath.Join(dir, "new", "sub"), 1); err != nil {
		t.Fatal(err)
	}
	if err := CheckWritable(filepath.Join(dir, "new"), 1<<62); err == nil || !strings.Contains(err.Error(), "MiB free") {
		t.Fatalf("impossible free-space demand: %v", err)
	}
	if os.Geteuid() != 0 { // root writes anywhere, so only check as a user
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		if err := CheckWritable(ro, 0); err == nil || !strings.Contains(err.Error(), "not writable") {
			t.Fatalf("read-only directory: %v", err)
		}
	}
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o644)
	if err := CheckWritable(filepath.Join(f, "sub"), 0); err == nil || !strings.Contains(err.Error(), f) {
		t.Fatalf("directory under a file: %v", err)
	}
}
