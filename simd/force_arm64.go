//go:build !purego

package simd

var buildPaths = []string{"neon", "purego"}

// reselectPlatform chooses arm64's other gates again.
func reselectPlatform() { useAsm = selectVectorAsm() }
