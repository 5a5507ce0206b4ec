// Package runio keeps a run's files: a directory per stage keyed by a hash
// of the stage's configuration (so a rerun with the same settings finds its
// earlier results and a changed setting starts afresh), completion markers,
// JSON results written atomically, and metrics appended as JSON lines.
package runio

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/experiments/internal/buildinfo"
	"github.com/brainreg/brainreg/nn/checkpoint"
)

// Hash returns a short stable hash of v's JSON encoding (struct fields in
// declaration order, map keys sorted): 12 hex digits.
func Hash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("runio.Hash: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// StageDir returns root/stage-<hash of cfg>, creating it, and writes the
// configuration beside the results as config.json so a reader knows what a
// directory holds.
func StageDir(root, stage string, cfg any) (string, error) {
	dir := filepath.Join(root, stage+"-"+Hash(cfg))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create run directory: %w", err)
	}
	if err := WriteJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
		return "", err
	}
	return dir, nil
}

// doneMarker is the file whose presence says a stage finished.
const doneMarker = "DONE"

// Done reports whether the stage in dir has finished.
func Done(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, doneMarker))
	return err == nil
}

// doneRecord is the DONE marker's content: when the stage finished and the
// build that finished it. Markers from before it held "done\n".
type doneRecord struct {
	Finished string         `json:"finished"`
	Build    buildinfo.Info `json:"build"`
}

// MarkDone records that the stage in dir finished, after all its outputs
// were written, with the build that wrote them.
func MarkDone(dir string) error {
	b, err := json.MarshalIndent(doneRecord{time.Now().UTC().Format(time.RFC3339), buildinfo.Get()}, "", "  ")
	if err != nil {
		return err
	}
	return checkpoint.WriteFileAtomic(filepath.Join(dir, doneMarker), append(b, '\n'))
}

// StageBuild returns the build that finished the stage in dir, or nil when
// it has not finished or its marker predates the record.
func StageBuild(dir string) *buildinfo.Info {
	b, err := os.ReadFile(filepath.Join(dir, doneMarker))
	if err != nil {
		return nil
	}
	var r doneRecord
	if json.Unmarshal(b, &r) != nil || r.Build.Commit == "" {
		return nil
	}
	return &r.Build
}

// WriteJSON writes v as indented JSON to path atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return checkpoint.WriteFileAtomic(path, append(b, '\n'))
}

// ReadJSON reads path into v; errors name the file.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// AppendJSONLine appends v as one line of JSON to path (created if absent)
// and syncs it, so a kill loses at most the line being written.
func AppendJSONLine(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding a line of %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("appending to %s: %w", path, err)
	}
	return errors.Join(f.Sync(), f.Close())
}

// CheckWritable makes sure dir exists and a file can be created in it, and
// that the file system has at least minFree bytes free, before hours of work
// start.
func CheckWritable(dir string, minFree uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	free, err := freeBytes(dir)
	if err == nil && free < minFree {
		return fmt.Errorf("output directory %s: only %d MiB free, need at least %d MiB", dir, free>>20, minFree>>20)
	}
	return nil
}
