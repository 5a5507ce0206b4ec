//go:build !unix

package atomicfile

// syncDir does nothing where the system offers no directory fsync: on
// Windows a directory cannot be flushed through the handle os.Open gives
// (NTFS journals the rename itself), and Plan 9, js and wasip1 have no
// equivalent the os package reaches.
func syncDir(dir string) error { return nil }
