package runio

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/brainreg/brainreg/experiments/internal/buildinfo"
)

// The DONE marker names the build that finished the stage; a marker from
// before the record still counts as done but has no build.
func TestDoneRecordsTheBuild(t *testing.T) {
	dir := t.TempDir()
	if StageBuild(dir) != nil {
		t.Fatal("a stage that has not finished has a build")
	}
	if err := MarkDone(dir); err != nil {
		t.Fatal(err)
	}
	in := StageBuild(dir)
	if !Done(dir) || in == nil {
		t.Fatalf("after MarkDone: done %v, build %v", Done(dir), in)
	}
	if want := buildinfo.Get(); in.Commit != want.Commit || in.KernelPath != want.KernelPath || in.GoVersion != want.GoVersion {
		t.Errorf("recorded %+v, running %+v", *in, want)
	}
	if err := os.WriteFile(filepath.Join(dir, doneMarker), []byte("done\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !Done(dir) || StageBuild(dir) != nil {
		t.Errorf("old marker: done %v, build %v; want done and no build", Done(dir), StageBuild(dir))
	}
}
