//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// syncDir fsyncs the directory dir, so that a rename into it is on disk.
//
// A directory that cannot be opened for reading (mode -r, possible on a
// directory one may still write in) cannot be synced; nor can one on a file
// system that does not sync directories (some FUSE and network file
// systems answer EINVAL or ENOTSUP). Neither is an error: the write is as
// durable as the system makes it. A failing sync (EIO) is one.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil
		}
		return err
	}
	err = d.Sync()
	d.Close() // read-only: nothing to lose
	if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EINVAL) {
		return nil
	}
	return err
}
