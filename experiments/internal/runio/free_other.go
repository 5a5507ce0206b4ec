//go:build !unix

package runio

import "errors"

// freeBytes is not measured on this system; CheckWritable then checks only
// that the directory is writable.
func freeBytes(string) (uint64, error) { return 0, errors.New("free space unknown") }
