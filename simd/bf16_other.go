//go:build purego || !amd64

package simd

// selectBF16Kernel: without AVX-512 BF16 assembly, the Go twin.
func selectBF16Kernel() bf16Kernel { return goBF16Kernel }

// availableBF16Kernels lists every BF16 micro-kernel this build can run.
func availableBF16Kernels() []bf16Kernel { return []bf16Kernel{goBF16Kernel} }

func toBF16Row(d []uint32, s []float32) { toBF16RowGo(d, s) }
