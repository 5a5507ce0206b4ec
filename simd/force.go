package simd

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// KernelEnv names the environment variable that forces a kernel path at
// start-up, as ForcePath does: BRAINREG_KERNEL=avx2-fma runs the AVX2 path
// on an AVX-512 machine, for instance, to compare the two in one sitting.
const KernelEnv = "BRAINREG_KERNEL"

// forcedPath is the path ForcePath set ("" when the CPU's features decide);
// forcedBy says how ("-kernel", "BRAINREG_KERNEL").
var forcedPath, forcedBy string

func init() {
	if v := os.Getenv(KernelEnv); v != "" {
		if err := ForcePath(v, KernelEnv); err != nil {
			panic(err)
		}
	}
}

// Paths lists the kernel paths this build can run on some CPU, best first
// ("avx512", "avx2-fma", "purego" on amd64; "neon", "purego" on arm64), as
// a copy the caller may keep.
func Paths() []string { return slices.Clone(buildPaths) }

// ForcePath makes the kernels run the named path instead of the best this
// CPU has: "avx512", "avx2" or "avx2-fma" (amd64), "neon" (arm64), "purego"
// (the Go twins, as -tags purego builds them), or "auto" or "" for the
// CPU's choice. by says who asked, for Path's description. Every kernel
// then keeps to that path's instructions: under "avx2-fma" no AVX-512
// kernel runs (products, dot products, the 3×3 weight gradient, bfloat16),
// under "purego" no assembly at all. It fails, changing nothing, for a
// name this build does not know or a path the CPU cannot run. Call it at
// start-up, before any kernel runs: it is not safe beside running kernels.
func ForcePath(name, by string) error {
	want := strings.ToLower(strings.TrimSpace(name))
	if want == "avx2" {
		want = "avx2-fma"
	}
	if want == "auto" {
		want = ""
	}
	if want != "" && !slices.Contains(buildPaths, want) {
		return fmt.Errorf("simd: kernel path %q (from %s): this build has %s, or auto", name, by, strings.Join(buildPaths, ", "))
	}
	prevPath, prevBy := forcedPath, forcedBy
	forcedPath, forcedBy = want, by
	reselect()
	if want != "" && kernel.name != want {
		got := kernel.name
		forcedPath, forcedBy = prevPath, prevBy
		reselect()
		return fmt.Errorf("simd: kernel path %s (from %s): this CPU (%s; features %s) cannot run it; its best path is %s",
			want, by, CPUName(), strings.Join(CPUFeatures(), " "), got)
	}
	if want == "" {
		forcedBy = ""
	}
	return nil
}

// PathForcedBy says who forced the kernel path ("-kernel",
// "BRAINREG_KERNEL"), or "" when the CPU's features chose it.
func PathForcedBy() string { return forcedBy }

// PathChoice describes the path and how it was chosen, for logs and
// reports: "avx512 (the CPU's best)" or "avx2-fma (forced by -kernel)".
func PathChoice() string {
	if forcedPath != "" {
		return kernel.name + " (forced by " + forcedBy + ")"
	}
	return kernel.name + " (the CPU's best)"
}

// reselect chooses every kernel again under forcedPath, and the blocking
// for their tiles. The platform's gates first: arm64's selectKernel reads
// useAsm.
func reselect() {
	reselectPlatform()
	kernel = selectKernel()
	rowsKernel = selectRowsKernel()
	bf16Kern = selectBF16Kernel()
	blockings = currentBlockings()
}
