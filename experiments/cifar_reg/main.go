// Command cifar_reg runs the experiment of Li et al., "Learning from brains
// how to regularize machines" (NeurIPS 2019): CNNs on grayscale CIFAR-10
// regularised towards a representational-similarity target from mouse V1.
//
// Each stage of the pipeline is a subcommand, so a cluster needs one static
// binary:
//
//	cifar_reg [run] [flags]     the whole experiment: neural target, baseline and regularised models, robustness, report
//	cifar_reg simulate          simulate mouse-V1 recordings of the neural stimulus images
//	cifar_reg predictor         train one neural predictor (denoiser) per scan
//	cifar_reg target            build the neural similarity target and its controls (raw, raw w-weighted, shuffled per seed, noise-free)
//	cifar_reg train             train one classifier on grayscale CIFAR-10
//	cifar_reg evaluate          the robustness evaluation of one trained model
//	cifar_reg corrupt           write the test set under CIFAR-10-C's 15 corruptions as NPY files
//	cifar_reg realdata          fit predictors on the real mouse V1 sets and report correlations
//	cifar_reg sweep             write a SLURM job-array plan of the experiment
//	cifar_reg prepare           build what every model of a plan shares (a sweep's first job)
//	cifar_reg task              train and evaluate one model of a plan (a sweep's array task)
//	cifar_reg report            aggregate a plan's finished models into results, tables and plots
//	cifar_reg version           build, CPU features and kernel path
//	cifar_reg help              list the subcommands
//
// `cifar_reg CMD -h` gives a subcommand's flags.
// SIGINT and SIGTERM stop a stage cleanly after saving a checkpoint; the
// same command resumes it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/brainreg/brainreg/experiments/internal/buildinfo"
	"github.com/brainreg/brainreg/simd"
)

// command is one subcommand. run parses its own flags from args.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]*command{}

// register adds a subcommand; each stage's file registers its own in init.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("cifar_reg: subcommand " + c.name + " registered twice")
	}
	commands[c.name] = c
}

// errUsage marks errors in the command line: exit status 2, no stack of
// context.
var errUsage = errors.New("usage")

func main() {
	register(&command{name: "version", summary: "print the build, the CPU features found and the kernel path",
		run: func(context.Context, []string) error { setThreads(0); fmt.Print(versionText()); return nil }})
	register(&command{name: "help", summary: "list the subcommands", run: func(context.Context, []string) error { usage(os.Stdout); return nil }})

	args := os.Args[1:]
	name := "run"
	if len(args) > 0 && (args[0] == "-version" || args[0] == "--version") {
		name, args = "version", args[1:]
	} else if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "cifar_reg: unknown subcommand %q\n\n", name)
		usage(os.Stderr)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "cifar_reg %s: %v\n", name, err)
		if ctx.Err() != nil {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

func usage(w *os.File) {
	fmt.Fprintln(w, "usage: cifar_reg [subcommand] [flags]   (no subcommand: run)")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// parseFlags parses args into fs, turning flag errors (already printed by
// the flag package) into errUsage and rejecting stray arguments.
//
// Every subcommand also takes -kernel, which forces a kernel path (as
// $BRAINREG_KERNEL does) before anything runs, and -memprofile DIR, which
// writes a heap profile and a line of memory.jsonl at the end of every
// stage (memprofile.go).
func parseFlags(fs *flag.FlagSet, args []string) error {
	kernel := fs.String("kernel", "", "force a kernel path: "+strings.Join(simd.Paths(), ", ")+
		" or auto (default: $"+simd.KernelEnv+", else the best this CPU has)")
	memprofile := fs.String("memprofile", "", "write a heap profile (pprof) at the end of every stage into this directory, "+
		"named by stage, and the memory statistics and times of each stage to memory.jsonl there")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "cifar_reg %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	if *kernel != "" {
		if err := simd.ForcePath(*kernel, "-kernel"); err != nil {
			fmt.Fprintf(os.Stderr, "cifar_reg %s: -kernel: %v\n", fs.Name(), err)
			return errUsage
		}
	}
	if *memprofile != "" {
		if err := startMemProfile(*memprofile); err != nil {
			return fmt.Errorf("-memprofile: %w", err)
		}
	}
	return nil
}

// setThreads applies -threads to the Go scheduler and the kernels, then
// chooses Sgemm's blocking for that thread count (calibrateKernels).
func setThreads(n int) {
	if n > 0 {
		runtime.GOMAXPROCS(n)
		simd.SetThreads(n)
	}
	calibrateKernels()
}

var calibrated struct {
	sync.Mutex
	done map[string]bool // kernel path and thread count already calibrated
}

// calibrateKernels runs simd.Calibrate once per kernel path and thread
// count: the blocking measured earlier on this kind of CPU (the user cache
// directory's brainreg/calibration.json), or measured now for about a
// second and kept there; $BRAINREG_CALIBRATE=off keeps the blocking the
// cache model derives, and $BRAINREG_GEMM_BLOCKING forces one. A problem
// with the cache is a warning: a usable blocking is always in force.
func calibrateKernels() {
	calibrated.Lock()
	defer calibrated.Unlock()
	key := fmt.Sprint(simd.Path(), "/", simd.Threads())
	if calibrated.done[key] {
		return
	}
	if calibrated.done == nil {
		calibrated.done = map[string]bool{}
	}
	calibrated.done[key] = true
	c, err := simd.Calibrate()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cifar_reg: warning: %v\n", err)
	}
	if c != nil && c.Source == "measured" {
		fmt.Fprintf(os.Stderr, "cifar_reg: measured Sgemm's blocking for this CPU (once; kept for later runs): kc,mc,nc = %s (the cache model's %s)\n",
			c.Chosen, c.Model)
	}
}

// versionText describes the binary: module version, commit, Go version, CPU
// features and the kernel path (buildinfo says where the commit comes from).
func versionText() string {
	in := buildinfo.Get()
	var b strings.Builder
	fmt.Fprintln(&b, in.String())
	fmt.Fprintf(&b, "cpu: %s; features: %s; kernel path: %s; threads: %d\n",
		in.CPU, strings.Join(in.Features, " "), simd.PathChoice(), in.Threads)
	kc, mc, nc, why := simd.GemmBlocking()
	fmt.Fprintf(&b, "gemm blocking: kc=%d mc=%d nc=%d, %s\n", kc, mc, nc, why)
	return b.String()
}
