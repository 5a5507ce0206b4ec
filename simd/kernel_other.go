//go:build purego || !amd64

package simd

// useAsm is false where no assembly path exists or the purego tag forces the
// Go twins.
const useAsm = false

// microKernel multiplies packed panels into a full 6×16 tile of C.
func microKernel(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	microKernelGo(kc, a, b, c, ldc, alpha, beta)
}
