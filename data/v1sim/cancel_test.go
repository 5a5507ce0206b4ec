package v1sim

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/brainreg/brainreg/data/neural"
)

// A context cancelled during the first scan stops Write before the second:
// the first scan is written whole, the second not begun, and without the
// manifest the directory is no data set; Write again completes it.
func TestWriteCancelled(t *testing.T) {
	c := Tiny()
	if c.Scans < 2 {
		t.Fatalf("the tiny preset has %d scans, the test needs 2", c.Scans)
	}
	dir := t.TempDir()
	imgs := DeadLeaves(c.Images(), 32, 32, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var done []int
	err := Write(ctx, dir, c, imgs, 32, 32, func(s int) {
		done = append(done, s)
		cancel() // as Ctrl-C during the first scan would
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want context.Canceled", err)
	}
	if len(done) != 1 || done[0] != 0 {
		t.Errorf("scans finished: %v, want only scan 0", done)
	}
	if _, err := neural.ReadScan(filepath.Join(dir, ScanName(0))); err != nil {
		t.Errorf("the scan written before the cancel: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ScanName(1))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("scan 1 was begun: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, neural.ManifestFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a manifest was written: %v", err)
	}

	// Run again, the same directory becomes the whole data set.
	if err := Write(context.Background(), dir, c, imgs, 32, 32, nil); err != nil {
		t.Fatal(err)
	}
	if d, err := neural.Load(filepath.Join(dir, neural.ManifestFile)); err != nil || len(d.Scans) != c.Scans {
		t.Fatalf("after the rerun: %v", err)
	}
}

// An already cancelled context writes nothing.
func TestWriteCancelledBefore(t *testing.T) {
	c := Tiny()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Write(ctx, dir, c, DeadLeaves(c.Images(), 32, 32, 2), 32, 32, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("wrote %v", entries)
	}
}
