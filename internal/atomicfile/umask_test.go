//go:build unix

package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The mode is set with chmod, so the umask does not change it: not a
// restrictive one (077 would give 0600 through open's mode argument), nor
// a permissive one (0 gives exactly the mode asked for, not 0644).
func TestModeIgnoresUmask(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		umask int
		perm  os.FileMode
	}{
		{0o077, 0o644},
		{0o027, 0o644},
		{0o000, 0o644},
		{0o000, 0o640},
		{0o077, 0o444},
	} {
		old := syscall.Umask(tc.umask)
		path := filepath.Join(dir, "r.npy")
		err := Write(path, tc.perm, func(w io.Writer) error {
			_, err := io.WriteString(w, "data")
			return err
		})
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		checkFile(t, path, "data", tc.perm)
	}
}
