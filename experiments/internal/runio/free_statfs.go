//go:build linux || darwin || freebsd || dragonfly

package runio

import "golang.org/x/sys/unix"

// freeBytes is the space available to an unprivileged user on dir's file
// system: statfs's available blocks times its block size. The field types
// differ between these systems (FreeBSD's and DragonFly's counts are
// signed, and may go negative into the reserve), hence the conversions.
func freeBytes(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	if int64(st.Bavail) < 0 {
		return 0, nil
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
