// Command gemmbench times simd.Sgemm on the shapes that matter to this
// project and, with -ref, OpenBLAS (through NumPy) on the same shapes in the
// same sitting, printing medians and their ratio.
//
//	go run ./experiments/gemmbench -threads 1,2 -reps 5 -ref
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brainreg/brainreg/simd"
)

type shape struct {
	m, n, k        int
	transA, transB bool
	what           string
}

// The shapes of BenchmarkSgemm: square products and the three products of a
// ResNet-18 stage-1 3×3 convolution at batch 64 as im2col.
var shapes = []shape{
	{256, 256, 256, false, false, "square"},
	{1024, 1024, 1024, false, false, "square"},
	{2048, 2048, 2048, false, false, "square"},
	{64, 65536, 576, false, false, "conv forward W·cols"},
	{64, 576, 65536, false, true, "conv weight gradient dY·colsᵀ"},
	{576, 65536, 64, true, false, "conv input gradient Wᵀ·dY"},
}

func (s shape) name() string  { return fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k) }
func (s shape) trans() string { return tchar(s.transA) + tchar(s.transB) }

func tchar(t bool) string {
	if t {
		return "T"
	}
	return "N"
}

func main() {
	threadList := flag.String("threads", "1,2", "comma-separated thread counts to measure")
	reps := flag.Int("reps", 5, "timed repetitions per shape; the median is reported")
	ref := flag.Bool("ref", false, "also time OpenBLAS through NumPy (/usr/bin/python3) in the same sitting")
	python := flag.String("python", "/usr/bin/python3", "Python interpreter with NumPy, for -ref")
	kernel := flag.String("kernel", "", "force a kernel path: "+strings.Join(simd.Paths(), ", ")+" or auto (default: $"+simd.KernelEnv+", else the CPU's best)")
	flag.Parse()
	if *kernel != "" {
		if err := simd.ForcePath(*kernel, "-kernel"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gemmbench: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	var threads []int
	for _, f := range strings.Split(*threadList, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || t < 1 {
			fmt.Fprintf(os.Stderr, "gemmbench: -threads: %q is not a positive whole number\n", f)
			os.Exit(2)
		}
		threads = append(threads, t)
	}
	if *reps < 1 {
		fmt.Fprintln(os.Stderr, "gemmbench: -reps must be at least 1")
		os.Exit(2)
	}

	fmt.Printf("cpu: %s; kernel: %s; GOMAXPROCS %d; median of %d runs\n", simd.CPUName(), simd.PathChoice(), runtime.GOMAXPROCS(0), *reps)
	fmt.Printf("%-7s %-16s %-5s %12s %12s %7s  %s\n", "threads", "MxNxK", "op", "brainreg", "OpenBLAS", "ratio", "what")
	for _, t := range threads {
		var refs map[string]float64
		if *ref {
			var err error
			if refs, err = numpyRef(*python, t, *reps); err != nil {
				fmt.Fprintf(os.Stderr, "gemmbench: OpenBLAS reference: %v\n", err)
				os.Exit(1)
			}
		}
		simd.SetThreads(t)
		// The blocking cifar_reg would use with t threads.
		if _, err := simd.Calibrate(); err != nil {
			fmt.Fprintln(os.Stderr, "gemmbench: warning:", err)
		}
		kc, mc, nc, _ := simd.GemmBlocking()
		fmt.Printf("# %d threads: gemm blocking kc=%d mc=%d nc=%d\n", t, kc, mc, nc)
		for _, s := range shapes {
			g := measure(s, *reps)
			r, ratio := "-", "-"
			if v, ok := refs[s.name()+":"+s.trans()]; ok {
				r, ratio = fmt.Sprintf("%.1f", v), fmt.Sprintf("%.2f", g/v)
			}
			fmt.Printf("%-7d %-16s %-5s %12.1f %12s %7s  %s\n", t, s.name(), s.trans(), g, r, ratio, s.what)
		}
	}
}

// measure returns the median GFLOP/s of reps timings, each long enough
// (at least 50 ms) to be above the timer's noise.
func measure(s shape, reps int) float64 {
	r := rand.New(rand.NewPCG(1, 2))
	a, b, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
	for i := range a {
		a[i] = r.Float32()
	}
	for i := range b {
		b[i] = r.Float32()
	}
	lda, ldb := s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	run := func() { simd.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n) }
	run()
	start := time.Now()
	run()
	inner := max(1, int(50*time.Millisecond/max(time.Since(start), time.Microsecond)))
	rates := make([]float64, reps)
	for i := range rates {
		start := time.Now()
		for range inner {
			run()
		}
		rates[i] = 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(inner) / time.Since(start).Seconds() / 1e9
	}
	slices.Sort(rates)
	return rates[reps/2]
}

// numpyRef runs numpy_ref.py (beside this file) with t OpenBLAS threads and
// returns GFLOP/s by "MxNxK:TT". OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are
// removed so OpenBLAS picks its own kernel for this CPU.
func numpyRef(python string, t, reps int) (map[string]float64, error) {
	script, err := refScript()
	if err != nil {
		return nil, err
	}
	args := []string{script, "--reps", strconv.Itoa(reps)}
	for _, s := range shapes {
		args = append(args, s.name()+":"+s.trans())
	}
	cmd := exec.Command(python, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") && !strings.HasPrefix(kv, "OPENBLAS_L2_SIZE=") &&
			!strings.HasPrefix(kv, "OPENBLAS_NUM_THREADS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "OPENBLAS_NUM_THREADS="+strconv.Itoa(t))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", python, script, err)
	}
	res := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var line struct {
			Shape, Trans string
			Gflops       float64
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("numpy_ref.py printed %q: %w", sc.Text(), err)
		}
		res[line.Shape+":"+line.Trans] = line.Gflops
	}
	return res, nil
}

// refScript finds numpy_ref.py next to this command's source.
func refScript() (string, error) {
	for _, p := range []string{"experiments/gemmbench/numpy_ref.py", "numpy_ref.py"} {
		if _, err := os.Stat(p); err == nil {
			return filepath.Abs(p)
		}
	}
	return "", fmt.Errorf("numpy_ref.py not found in experiments/gemmbench/ or the current directory; run from the repository root")
}
