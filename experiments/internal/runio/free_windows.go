//go:build windows

package runio

import "golang.org/x/sys/windows"

// freeBytes is the space available to the calling user on dir's volume
// (GetDiskFreeSpaceEx honours disk quotas).
func freeBytes(dir string) (uint64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, err
	}
	return avail, nil
}
