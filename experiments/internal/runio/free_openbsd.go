//go:build openbsd

package runio

import "golang.org/x/sys/unix"

// freeBytes is the space available to an unprivileged user on dir's file
// system; OpenBSD's statfs names its fields f_bavail and f_bsize.
func freeBytes(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	if st.F_bavail < 0 {
		return 0, nil
	}
	return uint64(st.F_bavail) * uint64(st.F_bsize), nil
}
