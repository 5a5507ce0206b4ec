package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// checkOnly fails unless dir holds exactly the files named, so that no
// temporary file was left behind.
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("directory holds %q, want %q", got, names)
	}
}

// checkFile fails unless path holds want with mode perm.
func checkFile(t *testing.T, path, want string, perm os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", path, b, want)
	}
	if runtime.GOOS == "windows" {
		return // only the read-only attribute to check there
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode(); got != perm {
		t.Errorf("%s has mode %v, want %v", path, got, perm)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "result.json")
	if err := WriteFile(path, []byte("{}\n"), ResultPerm); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "{}\n", 0o644)
	// Replacing keeps no trace of the old content.
	if err := WriteFile(path, []byte("[1]\n"), ResultPerm); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "[1]\n", 0o644)
	checkOnly(t, dir, "result.json")
}

func TestWriteStreams(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.npy")
	chunk := strings.Repeat("x", 1000)
	const n = 3000 // 3 MB: more than the buffer
	err := Write(path, ResultPerm, func(w io.Writer) error {
		for range n {
			if _, err := io.WriteString(w, chunk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, strings.Repeat(chunk, n), 0o644)
	checkOnly(t, dir, "big.npy")
}

// A relative path in the working directory works (its directory is ".").
func TestWriteRelative(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteFile("rel.txt", []byte("a"), ResultPerm); err != nil {
		t.Fatal(err)
	}
	checkFile(t, "rel.txt", "a", 0o644)
	checkOnly(t, ".", "rel.txt")
}

// The mode of the file replaced is not kept: a private file becomes 0644.
func TestReplacedFileGetsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), ResultPerm); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "new", 0o644)
}

// A failing writer leaves the old target as it was and no temporary file;
// the error names the path and wraps the writer's.
func TestFailingWriterKeepsTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "targets.npy")
	if err := WriteFile(path, []byte("old content"), ResultPerm); err != nil {
		t.Fatal(err)
	}
	errDisk := errors.New("simulated failure")
	err := Write(path, ResultPerm, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("half-written ", 200000)) // past the buffer, so on disk
		return errDisk
	})
	if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want one naming %s and wrapping %v", err, path, errDisk)
	}
	checkFile(t, path, "old content", 0o644)
	checkOnly(t, dir, "targets.npy")
}

// A panicking writer removes the temporary file too.
func TestPanickingWriterLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.npy")
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		Write(path, ResultPerm, func(w io.Writer) error {
			io.WriteString(w, "partial")
			panic("writer bug")
		})
	}()
	checkOnly(t, dir)
}

func TestMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "no-such-dir", "x.npy")
	for name, err := range map[string]error{
		"WriteFile": WriteFile(path, []byte("x"), ResultPerm),
		"Write":     Write(path, ResultPerm, func(io.Writer) error { t.Error("writer called"); return nil }),
	} {
		if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s into a missing directory: error %v, want a not-exist error naming %s", name, err, path)
		}
	}
	checkOnly(t, dir)
}

// A rename that fails (here over a non-empty directory) removes the
// temporary file and leaves the target.
func TestRenameFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(path, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("x"), ResultPerm); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("write over a directory: error %v, want one naming %s", err, path)
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		t.Errorf("the directory at the target is gone: %v", err)
	}
	checkOnly(t, dir, "out")
}

func TestBadArguments(t *testing.T) {
	dir := t.TempDir()
	for _, perm := range []os.FileMode{os.ModeSetuid | 0o755, os.ModeDir | 0o755} {
		if err := WriteFile(filepath.Join(dir, "x"), []byte("x"), perm); err == nil {
			t.Errorf("mode %v accepted", perm)
		}
	}
	if err := WriteFile(dir+string(filepath.Separator), []byte("x"), ResultPerm); err == nil {
		t.Error("a path ending in a separator accepted")
	}
	checkOnly(t, dir)
}

// A target whose name is near the 255-byte limit still gets a temporary
// file, its name being shortened.
func TestLongName(t *testing.T) {
	dir := t.TempDir()
	name := strings.Repeat("é", 100) + strings.Repeat("n", 40) + ".npy" // 244 bytes
	path := filepath.Join(dir, name)
	if err := WriteFile(path, []byte("x"), ResultPerm); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "x", 0o644)
	checkOnly(t, dir, name)
}

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc"},
		{"aé", 2, "a"}, // é is 2 bytes: not cut in half
		{"éé", 3, "é"},
	} {
		if got := shorten(tc.s, tc.n); got != tc.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
