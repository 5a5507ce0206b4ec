//go:build purego || !(amd64 || arm64)

package simd

// Only the Go twins exist in this build.
var buildPaths = []string{"purego"}

func reselectPlatform() {}
