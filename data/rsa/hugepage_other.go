//go:build !linux

package rsa

// adviseHugePages does nothing outside Linux (see hugepage_linux.go).
func adviseHugePages[T any](x []T) {}
