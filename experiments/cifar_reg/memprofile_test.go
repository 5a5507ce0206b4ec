package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/brainreg/brainreg/autograd"
)

// With -memprofile, every endStage appends one line to memory.jsonl and
// writes a non-empty heap profile named by the stage; the free list that a
// stage left is counted before the trim and empty after it.
func TestMemProfileStages(t *testing.T) {
	dir := t.TempDir()
	if err := startMemProfile(dir); err != nil {
		t.Fatal(err)
	}
	defer stopMemProfile()
	// A released tape leaves its buffers on the free list.
	w := autograd.Param(make([]float32, 4096), 64, 64)
	tp := autograd.NewTape(autograd.Record)
	x := tp.Attach(autograd.Param(make([]float32, 64*64), 64, 64))
	autograd.Backward(autograd.Sum(autograd.MatMul(x, w)))
	tp.Release()
	endStage("train small α=20 seed 1")
	endStage("report")

	f, err := os.Open(filepath.Join(dir, "memory.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []memRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r memRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("memory.jsonl line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 2 {
		t.Fatalf("%d lines in memory.jsonl, want 2", len(recs))
	}
	for i, want := range []struct{ stage, profile string }{
		{"train small α=20 seed 1", "01-train-small-a=20-seed-1.pb.gz"},
		{"report", "02-report.pb.gz"},
	} {
		r := recs[i]
		if r.Seq != i+1 || r.Stage != want.stage || r.Profile != want.profile {
			t.Errorf("line %d: seq %d stage %q profile %q, want %d %q %q", i, r.Seq, r.Stage, r.Profile, i+1, want.stage, want.profile)
		}
		if st, err := os.Stat(filepath.Join(dir, r.Profile)); err != nil || st.Size() == 0 {
			t.Errorf("profile %s: %v", r.Profile, err)
		}
		if r.After.FreeListBuffers != 0 || r.After.FreeListBytes != 0 {
			t.Errorf("%s: %d buffers (%d bytes) on the free list after the trim", r.Stage, r.After.FreeListBuffers, r.After.FreeListBytes)
		}
		if r.Before.HeapAlloc == 0 || r.Seconds < 0 || r.ElapsedSeconds < r.Seconds {
			t.Errorf("%s: heap %d bytes, %v s of %v s", r.Stage, r.Before.HeapAlloc, r.Seconds, r.ElapsedSeconds)
		}
	}
	if recs[0].Before.FreeListBytes < 64*64*4 {
		t.Errorf("the first stage left %d bytes on the free list before the trim, want the released tape's (≥ %d)", recs[0].Before.FreeListBytes, 64*64*4)
	}
}

func TestFileSlug(t *testing.T) {
	for in, want := range map[string]string{
		"train small α=20 seed 1": "train-small-a=20-seed-1",
		"predictor scan0":         "predictor-scan0",
		"load CIFAR-10":           "load-CIFAR-10",
		"  odd//name  ":           "odd-name",
	} {
		if got := fileSlug(in); got != want {
			t.Errorf("fileSlug(%q) = %q, want %q", in, got, want)
		}
	}
}
