//go:build !(linux || darwin || freebsd || dragonfly || openbsd || netbsd || solaris || illumos || windows)

package runio

import "errors"

// freeBytes is not measured on this system (AIX, Plan 9, WebAssembly…);
// CheckWritable then checks only that the directory is writable.
func freeBytes(string) (uint64, error) { return 0, errors.New("free space unknown") }
