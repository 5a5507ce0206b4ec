//go:build netbsd || solaris || illumos

package runio

import "golang.org/x/sys/unix"

// freeBytes is the space available to an unprivileged user on dir's file
// system. These systems have statvfs (POSIX) rather than statfs: available
// blocks times the fragment size, the unit statvfs counts blocks in.
func freeBytes(dir string) (uint64, error) {
	var st unix.Statvfs_t
	if err := unix.Statvfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Frsize), nil
}
