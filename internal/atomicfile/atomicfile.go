// Package atomicfile replaces a file so that nothing is lost or half-written:
// every result the project writes (checkpoints, .npy targets and
// recordings, JSON, DONE markers, reports, plots) goes through it.
//
// A write goes to a temporary file beside the target, which is synced,
// given its mode, and renamed over the target; then the directory is
// synced. A reader, or a run resumed after a crash, a kill or a full disk,
// therefore finds either the old file or the whole new one, never a torn
// one, and a file once written stays written.
//
// The package imports only the standard library, so that every package of
// the module, however low, can use it.
//
// # Why each step
//
//   - Same directory: rename is atomic only within one file system, and a
//     temporary file beside the target is on the target's.
//   - Fsync before rename: file systems with delayed allocation (ext4, XFS,
//     btrfs) may write the rename, which is metadata, to disk before the
//     data. Without the fsync a crash soon after the rename can leave the
//     target's name on an empty or partly written file: the old content lost
//     and the new one torn, the very thing the temporary file is for.
//   - Fsync of the directory: the rename is a change to the directory, and
//     it is on disk only once the directory is. Without it a crash after
//     Write returned can bring back the old file, or for a new file no file
//     at all. With it, writes that returned are on disk in the order they
//     were made: a DONE marker written after a stage's outputs is never on
//     disk without them.
//   - A fixed mode, set with chmod: os.CreateTemp creates its file 0600, and
//     a rename keeps the mode of the file renamed, so without the chmod every
//     result is readable by its owner alone (by no collaborator, group,
//     container running as another user, or web server). The mode is set
//     with an explicit chmod, which the umask does not filter, so a result
//     has the same mode whoever wrote it and whatever their shell's umask;
//     and the mode of the file replaced is not kept either, since results
//     are regenerated, not edited. Results use [ResultPerm], 0644.
//
// # Limits
//
//   - A process killed between creating the temporary file and renaming it
//     leaves the temporary file, named "."+base+".tmp-" and digits (base
//     shortened if long), beside the target; it is never mistaken for the
//     target, and Write does not clean up others' temporaries, which may
//     belong to a writer still running.
//   - A symbolic link at path is replaced by the file, not written through.
//   - Windows offers no directory fsync (a directory cannot be flushed with
//     FlushFileBuffers through a handle os.Open gives), so there the step is
//     skipped and the rename's durability rests on NTFS's metadata journal;
//     os.Rename replaces the target in one step (MoveFileEx with
//     MOVEFILE_REPLACE_EXISTING) but fails while another process holds the
//     target open without FILE_SHARE_DELETE. Chmod there sets only the
//     read-only attribute (from the owner write bit), so 0644 gives a
//     normal, writable file. Plan 9, js and wasip1 skip the directory fsync
//     too. Every Unix (Linux, macOS, the BSDs, Solaris, illumos) does it.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// ResultPerm is the mode of every result file: readable by all, writable
// by its owner.
const ResultPerm os.FileMode = 0o644

// bufSize is the buffer Write puts between its callback and the file.
const bufSize = 1 << 20

// maxTempBase bounds how much of the target's name the temporary file's
// name repeats, so that a target whose name is near the file system's limit
// (255 bytes on most) still gets a temporary file.
const maxTempBase = 64

// WriteFile replaces path with data, atomically and durably, and gives it
// mode perm exactly (the umask is not applied; see the package
// documentation). On any error path is untouched and no temporary file is
// left; errors name path.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return write(path, perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// Write replaces path with what fill writes, atomically and durably, and
// gives it mode perm exactly (the umask is not applied). fill streams the
// content into w, which is buffered, so a large array is never built in
// memory just to be written; fill must not keep w after it returns. If fill
// returns an error (or panics) the write is abandoned: path is untouched,
// the temporary file is removed, and the error, wrapped so that it names
// path, is returned (errors.Is and errors.As see through the wrapping).
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) error {
	return write(path, perm, func(f *os.File) error {
		bw := bufio.NewWriterSize(f, bufSize)
		if err := fill(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// write does the work of WriteFile and Write; fill writes the content into
// the open temporary file.
func write(path string, perm os.FileMode, fill func(f *os.File) error) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	if perm&^os.ModePerm != 0 {
		return fmt.Errorf("mode %v has bits other than permissions", perm)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("no file name")
	}
	f, err := os.CreateTemp(dir, "."+shorten(base, maxTempBase)+".tmp-*")
	if err != nil {
		return err
	}
	// Until the rename succeeds the temporary file goes on every way out,
	// a panic in fill included.
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	// Chmod after writing, so that a mode without the owner's write bit does
	// not get in the way (on Windows it sets the read-only attribute), and
	// before the fsync, so that the mode is synced with the data.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	renamed = true
	if err = syncDir(dir); err != nil {
		return fmt.Errorf("the new file is in place, but syncing its directory failed, so a crash may still undo the write: %w", err)
	}
	return nil
}

// shorten returns s cut to at most n bytes, at a character boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
