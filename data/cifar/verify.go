package cifar

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Errors wrapped by the checks, for errors.Is; a missing file wraps fs.ErrNotExist.
var (
	ErrSize     = errors.New("wrong size")
	ErrChecksum = errors.New("checksum mismatch")
	ErrLabel    = errors.New("label out of range")
)

// openError reports a file that cannot be opened, with what the file should have been.
func openError(l Layout, path string, f FileSpec, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in the message
	}
	return fmt.Errorf("cifar: %s: %w (%s)", path, err, l.want(f))
}

// checkSize: a file must hold exactly f.Records records. Any other size is a truncated file
// or one from another data set (CIFAR-100 records are one byte longer, the Python version is pickled).
func checkSize(l Layout, path string, f FileSpec, size int64) error {
	want := int64(f.Records) * int64(l.RecordSize())
	if size == want {
		return nil
	}
	what := "truncated or not"
	if size > want {
		what = "not"
	}
	return fmt.Errorf("cifar: %s: %w: %d bytes, %s: %s the official %s file",
		path, ErrSize, size, l.want(f), what, l.Name)
}

// checkMD5 compares a file's MD5 with the published one; a file without a published MD5 passes.
func checkMD5(l Layout, path string, f FileSpec, sum []byte, size int64) error {
	got := hex.EncodeToString(sum)
	if f.MD5 == "" || got == f.MD5 {
		return nil
	}
	return fmt.Errorf("cifar: %s: %w: MD5 %s (%d bytes), want MD5 %s: corrupt or not the official %s file "+
		"(-skip-verify loads another copy)", path, ErrChecksum, got, size, f.MD5, l.Name)
}

// checkLabels checks the label bytes of every record in data (whole records, as in the file).
func checkLabels(l Layout, path string, data []byte) error {
	rs := l.RecordSize()
	for r := 0; r*rs < len(data); r++ {
		rec := data[r*rs:]
		if l.CoarseClasses > 0 {
			if c := int(rec[0]); c >= l.CoarseClasses {
				return fmt.Errorf("cifar: %s: record %d: %w: coarse label %d, want 0..%d",
					path, r, ErrLabel, c, l.CoarseClasses-1)
			}
		}
		if c := int(rec[l.LabelBytes-1]); c >= l.Classes {
			kind := "label"
			if l.CoarseClasses > 0 {
				kind = "fine label"
			}
			return fmt.Errorf("cifar: %s: record %d: %w: %s %d, want 0..%d",
				path, r, ErrLabel, kind, c, l.Classes-1)
		}
	}
	return nil
}

// Verify checks the size and MD5 of every file of the layout in dir without keeping the data.
// Files without a published MD5 are checked by size only.
func Verify(l Layout, dir string) error {
	for _, f := range l.files() {
		if err := verifyFile(l, filepath.Join(dir, f.Name), f); err != nil {
			return err
		}
	}
	return nil
}

func verifyFile(l Layout, path string, f FileSpec) error {
	r, err := os.Open(path)
	if err != nil {
		return openError(l, path, f, err)
	}
	defer r.Close()
	st, err := r.Stat()
	if err != nil {
		return openError(l, path, f, err)
	}
	if err := checkSize(l, path, f, st.Size()); err != nil {
		return err
	}
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return fmt.Errorf("cifar: %s: %w", path, err)
	}
	return checkMD5(l, path, f, h.Sum(nil), st.Size())
}
