// Command cifar_reg runs the experiment of Li et al., "Learning from brains
// how to regularize machines" (NeurIPS 2019): CNNs on grayscale CIFAR-10
// regularised towards a representational-similarity target from mouse V1.
//
// The pipeline stages arrive one issue at a time; today the command reports
// its build and the kernel path this machine selects.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/brainreg/brainreg/simd"
)

func main() {
	fs := flag.NewFlagSet("cifar_reg", flag.ContinueOnError)
	version := fs.Bool("version", false, "print the build, the CPU features found and the kernel path, then exit")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	fmt.Print(versionText())
	if *version {
		return
	}
	fmt.Println("Training stages are not built yet: see the open issues (ResNet training, neural pipeline).")
}

// versionText describes the binary: module version, commit, Go version, CPU
// features and the kernel path.
func versionText() string {
	var b strings.Builder
	mod, commit := "(devel)", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		mod = info.Main.Version
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	fmt.Fprintf(&b, "brainreg cifar_reg %s (commit %s, %s %s/%s)\n", mod, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "cpu: %s; features: %s; kernel path: %s; threads: %d\n",
		simd.CPUName(), strings.Join(simd.CPUFeatures(), " "), simd.Path(), simd.Threads())
	return b.String()
}
