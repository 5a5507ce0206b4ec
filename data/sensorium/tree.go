package sensorium

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/brainreg/brainreg/data/npy"
)

// tiersFile marks a tree's root: every SENSORIUM tree has it.
const tiersFile = "meta/trials/tiers.npy"

// Tree is one scan's file tree, opened from its zip file or its folder.
// Its methods may be called from several goroutines; Close it when done.
type Tree struct {
	Path string // the zip file or folder given to Open
	Name string // the scan's name: the zip's base name without .zip, or the root folder's name
	Root string // where data/ and meta/ are: "" or "<top>/" inside a zip, a directory for a folder

	fsys fs.FS
	// budget bounds the array elements the tree can plausibly hold (from
	// the zip's size and deflate's largest ratio), so that a corrupt header
	// cannot make Read allocate more than the file could ever fill.
	budget int
	zipped bool
	closer io.Closer
}

// Open opens the zip file or folder at path and finds its root.
func Open(path string) (*Tree, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return openFolder(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	t, err := openZip(f, info.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.closer = f
	return t, nil
}

// Close releases the zip file; for a folder it does nothing.
func (t *Tree) Close() error {
	if t.closer == nil {
		return nil
	}
	return t.closer.Close()
}

// maxDeflateRatio bounds what one byte of a zip can decompress to
// (deflate's limit is 1032:1), with room for headers.
const maxDeflateRatio = 1100

// openZip reads the zip's central directory (not its contents) and finds the
// root: the folder, at the top or one level down, holding meta/trials/tiers.npy.
func openZip(r io.ReaderAt, size int64, path string) (*Tree, error) {
	zr, err := zip.NewReader(r, size)
	if errors.Is(err, zip.ErrInsecurePath) && zr != nil {
		err = nil // names such as ../x: the fs.FS view used below cleans them
	}
	if err != nil {
		return nil, fmt.Errorf("%s: reading the zip directory: %w", path, err)
	}
	var roots []string
	for _, f := range zr.File {
		name := strings.TrimPrefix(pathClean(f.Name), "/")
		prefix, ok := strings.CutSuffix(name, tiersFile)
		if !ok || strings.HasPrefix(prefix, "__MACOSX/") {
			continue
		}
		if prefix == "" || (strings.Count(prefix, "/") == 1 && strings.HasSuffix(prefix, "/") && prefix != "/") {
			roots = append(roots, prefix)
		}
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("%s: no %s at the top or in a top folder: not a SENSORIUM file tree", path, tiersFile)
	}
	if len(roots) > 1 {
		return nil, fmt.Errorf("%s: %d file trees (%s%s, %s%s); want one scan per zip", path, len(roots), roots[0], tiersFile, roots[1], tiersFile)
	}
	t := &Tree{Path: path, Name: strings.TrimSuffix(filepath.Base(path), ".zip"), Root: roots[0], fsys: zr, zipped: true}
	if t.Root != "" {
		if t.fsys, err = fs.Sub(zr, strings.TrimSuffix(t.Root, "/")); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	t.budget = math.MaxInt
	if size < math.MaxInt/maxDeflateRatio {
		t.budget = int(size)*maxDeflateRatio + 1<<20
	}
	return t, nil
}

// pathClean cleans a zip entry name as archive/zip's fs.FS view does.
func pathClean(name string) string {
	return path.Clean(strings.ReplaceAll(name, `\`, "/"))
}

// openFolder finds the root in a folder: the folder itself or its one
// subfolder holding meta/trials/tiers.npy.
func openFolder(dir string) (*Tree, error) {
	root := dir
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(tiersFile))); err != nil {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, e := range entries {
			sub := filepath.Join(dir, e.Name())
			if _, err := os.Stat(filepath.Join(sub, filepath.FromSlash(tiersFile))); err == nil && e.IsDir() {
				found = append(found, sub)
			}
		}
		switch len(found) {
		case 0:
			return nil, fmt.Errorf("%s: no %s in it or in a subfolder: not a SENSORIUM file tree", dir, tiersFile)
		case 1:
			root = found[0]
		default:
			return nil, fmt.Errorf("%s: %d file trees (%s, %s); open one", dir, len(found), found[0], found[1])
		}
	}
	return &Tree{Path: dir, Name: filepath.Base(filepath.Clean(root)), Root: root, fsys: os.DirFS(root), budget: math.MaxInt}, nil
}

// where names the file rel (relative to the root) for a message: the zip
// and the entry's name in it, or the file's path in the folder.
func (t *Tree) where(rel string) string {
	if t.zipped {
		return t.Path + ": " + t.Root + rel
	}
	return filepath.Join(t.Root, filepath.FromSlash(rel))
}

// errorf returns an error naming the file rel (relative to the root).
func (t *Tree) errorf(rel, format string, args ...any) error {
	return fmt.Errorf("%s: %w", t.where(rel), fmt.Errorf(format, args...))
}

// exists reports whether the root holds rel.
func (t *Tree) exists(rel string) bool {
	_, err := fs.Stat(t.fsys, rel)
	return err == nil
}

// open opens rel, reads it with read, and then reads on to the end, so that
// a zip entry's checksum is verified and bytes after the array are caught.
func (t *Tree) open(rel string, read func(io.Reader) error) error {
	f, err := t.fsys.Open(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return t.errorf(rel, "missing: %w", fs.ErrNotExist)
	}
	if err != nil {
		return t.errorf(rel, "%w", err)
	}
	defer f.Close()
	if err := read(f); err != nil {
		return t.errorf(rel, "%w", err)
	}
	n, err := io.Copy(io.Discard, f)
	if err != nil {
		return t.errorf(rel, "%w", err)
	}
	if n > 0 {
		return t.errorf(rel, "%d bytes after the array's data (corrupt file?)", n)
	}
	return nil
}

// readArray reads the numeric array in rel.
func (t *Tree) readArray(rel string) (*npy.Array, error) {
	var a *npy.Array
	err := t.open(rel, func(r io.Reader) (err error) {
		a, err = npy.Read(r)
		return err
	})
	return a, err
}

// readStrings reads the string array in rel.
func (t *Tree) readStrings(rel string) (*npy.Strings, error) {
	var s *npy.Strings
	err := t.open(rel, func(r io.Reader) (err error) {
		s, err = npy.ReadStrings(r)
		return err
	})
	return s, err
}

// HasBehavior reports whether the tree has data/behavior or
// data/pupil_center; without either, read it with ReadOptions.NoBehavior
// (with one of them only, Read reports the missing one).
func (t *Tree) HasBehavior() bool {
	return t.exists(behaviorDir) || t.exists(pupilDir)
}
