package simd

import (
	"runtime"
	"sync/atomic"

	"github.com/klauspost/cpuid/v2"
)

// Path names the Sgemm micro-kernel chosen at start-up: "avx512" or
// "avx2-fma" on amd64, "neon" on arm64, or "purego" (the Go twin). The
// vector kernels use AVX2 and FMA (amd64) or NEON (arm64) whenever the CPU
// has them and the purego tag is absent.
func Path() string { return kernel.name }

// CPUFeatures lists the CPU features that decide the kernel path, as cpuid
// reports them, for -version output and logs.
func CPUFeatures() []string {
	var out []string
	for _, f := range []struct {
		name string
		id   cpuid.FeatureID
	}{
		{"SSE2", cpuid.SSE2}, {"AVX", cpuid.AVX}, {"AVX2", cpuid.AVX2},
		{"FMA3", cpuid.FMA3}, {"AVX512F", cpuid.AVX512F}, {"AVX512VL", cpuid.AVX512VL},
		{"AVX512BF16", cpuid.AVX512BF16},
		{"ASIMD", cpuid.ASIMD},
	} {
		if cpuid.CPU.Supports(f.id) {
			out = append(out, f.name)
		}
	}
	return out
}

// CPUName is the processor's brand string as cpuid reports it.
func CPUName() string { return cpuid.CPU.BrandName }

// threads is the number of goroutines one Sgemm call may use; 0 means
// runtime.GOMAXPROCS(0) at the time of the call.
var threads atomic.Int64

// SetThreads sets how many goroutines one large Sgemm call splits its output
// over; n < 1 restores the default, GOMAXPROCS. Results do not depend on n.
// It returns the previous setting as Threads would have reported it.
func SetThreads(n int) int {
	prev := Threads()
	threads.Store(int64(max(n, 0)))
	return prev
}

// Threads reports how many goroutines one large Sgemm call uses.
func Threads() int {
	if n := threads.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}
