//go:build !purego

package simd

import "github.com/klauspost/cpuid/v2"

var buildPaths = []string{"avx512", "avx2-fma", "purego"}

// forcedAllows reports whether the forced path lets a routine needing the
// features fs run: "purego" none, "avx2-fma" none that needs AVX-512.
func forcedAllows(fs []cpuid.FeatureID) bool {
	switch forcedPath {
	case "purego":
		return false
	case "avx2-fma":
		for _, f := range fs {
			switch f {
			case cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512BF16:
				return false
			}
		}
	}
	return true
}

// reselectPlatform chooses amd64's other gates again.
func reselectPlatform() {
	useAsm = selectVectorAsm()
	dotKernel = selectDotKernel()
	hasConv3x3AVX512 = selectConv3x3()
	useBF16Asm = selectToBF16()
}
