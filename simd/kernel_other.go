//go:build purego || !(amd64 || arm64)

package simd

// useAsm is false where no assembly path exists or the purego tag forces the
// Go twins.
const useAsm = false

func selectKernel() gemmKernel { return goKernel }

// selectRowsKernel: SgemmRows packs B for the Go kernel like Sgemm.
func selectRowsKernel() gemmKernel { return gemmKernel{} }

// availableKernels lists every micro-kernel this build can run.
func availableKernels() []gemmKernel { return []gemmKernel{goKernel} }

func transposeRows(rows, k int, src []float32, lds int, dst []float32, ldd int) {
	transposeRowsGo(rows, k, src, lds, dst, ldd)
}
