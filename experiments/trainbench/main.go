// Command trainbench measures training throughput: forward, backward and an
// SGD step of a ResNet on random 1×32×32 inputs, the same work as
// ../shared/bench/torch_ref.py, and prints one JSON line: throughput, CPU
// time, peak memory, and the achieved GFLOP/s against this CPU's measured
// FMA peak.
//
//	go run ./experiments/trainbench -model resnet18 -batch 64 -steps 6 -threads 2
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/internal/stats"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/optim"
	"github.com/brainreg/brainreg/nn/simreg"
	"github.com/brainreg/brainreg/simd"
)

type result struct {
	Model           string  `json:"model"`
	Batch           int     `json:"batch"`
	Threads         int     `json:"threads"`
	Steps           int     `json:"steps"`
	ImagesPerSecond float64 `json:"images_per_second"`
	StepSeconds     float64 `json:"median_step_seconds"`
	// CPU time per timed step (all threads): less sensitive than wall time
	// to other work on a shared machine.
	CPUStepSeconds float64 `json:"cpu_seconds_per_step"`
	PeakRSSMB      float64 `json:"peak_rss_mb"`
	Kernel         string  `json:"kernel"`
	Pairs          int     `json:"penalty_pairs"`
	// With -pairs: a plain step (the batch alone) follows each penalised
	// one on the same model, so that the machine's drift reaches both
	// alike; the median plain step and the ratio of the medians. (The peak
	// memory then holds both kinds of step's buffers.)
	PlainStepSeconds float64 `json:"median_plain_step_seconds,omitempty"`
	PenaltyRatio     float64 `json:"penalty_ratio,omitempty"`

	// The physical limit: the step's floating-point operations counted
	// from the layers (2 per multiply-add of the convolutions and the
	// linear layer, forward and backward, for every image of the forward
	// pass: nn.ResNet.MultiplyAdds), the rate the median step achieved,
	// the FMA peak of this CPU on Threads cores (simd.FMAPeak, measured
	// just before the steps by a register-only loop) and the share of it.
	TrainGFLOPPerImage float64 `json:"train_gflop_per_image"`
	AchievedGFLOPS     float64 `json:"achieved_gflops"`
	PeakGFLOPS         float64 `json:"fma_peak_gflops"`
	PeakLoop           string  `json:"fma_peak_loop"`
	PeakShare          float64 `json:"peak_share"`
}

func main() {
	model := flag.String("model", "resnet18", "resnet18, resnet34 or small")
	batch := flag.Int("batch", 64, "images per step")
	steps := flag.Int("steps", 6, "timed steps (after 2 warm-up steps)")
	threads := flag.Int("threads", runtime.NumCPU(), "goroutines for kernels (GOMAXPROCS)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed steps to this file (with -pairs, the plain steps too)")
	pairs := flag.Int("pairs", 0, "also apply the similarity penalty to this many random image pairs per step (appended to the batch, as cifar_reg does); a plain step follows each one, timed apart, for penalty_ratio")
	kernel := flag.String("kernel", "", "force a kernel path: "+strings.Join(simd.Paths(), ", ")+" or auto (default: $"+simd.KernelEnv+", else the CPU's best)")
	flag.Parse()
	if *kernel != "" {
		if err := simd.ForcePath(*kernel, "-kernel"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	if flag.NArg() > 0 {
		fail("unexpected argument %q", flag.Arg(0))
	}
	cfgs := map[string]nn.ResNetConfig{"resnet18": nn.ResNet18Config, "resnet34": nn.ResNet34Config, "small": nn.SmallConfig}
	cfg, ok := cfgs[*model]
	if !ok {
		fail("-model %q: want resnet18, resnet34 or small", *model)
	}
	if *batch < 2 || *steps < 1 || *threads < 1 || *pairs < 0 {
		fail("-batch must be at least 2, -steps and -threads at least 1, -pairs at least 0")
	}
	runtime.GOMAXPROCS(*threads)
	simd.SetThreads(*threads)
	// The blocking cifar_reg would use here (simd.Calibrate; the JSON's
	// build record gives it).
	if _, err := simd.Calibrate(); err != nil {
		fmt.Fprintln(os.Stderr, "trainbench: warning:", err)
	}

	r := rand.New(rand.NewPCG(1, 2))
	m := nn.NewResNet(r, cfg)
	opt := optim.NewSGD(nn.Parameters(m), 0.9, 0, false)
	extra := 2 * *pairs // images appended for the penalty
	x := make([]float32, (*batch+extra)*32*32)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	labels := make([]int, *batch)
	for i := range labels {
		labels[i] = r.IntN(10)
	}
	target := make([]float32, *pairs)
	for i := range target {
		target[i] = float32(r.Float64()*2 - 1)
	}
	pen := simreg.New(simreg.DefaultConfig(), append([]int{cfg.Widths[0]}, cfg.Widths...))
	tape := autograd.NewTape(autograd.Record)
	step := func(penalty bool) {
		var loss *autograd.Tensor
		if !penalty {
			in := tape.Attach(autograd.New(x[:*batch*32*32], *batch, 1, 32, 32))
			loss = autograd.CrossEntropy(m.Forward(in), labels)
		} else {
			// The training step of cifar_reg with the penalty: one forward
			// pass over the batch and the pair images.
			in := tape.Attach(autograd.New(x, *batch+extra, 1, 32, 32))
			logits, feats := m.ForwardFeatures(in)
			// The penalty first, as the trainer adds it (see its forwardLoss).
			loss = autograd.Add(pen.LossAt(feats, *batch, target), autograd.CrossEntropy(autograd.Slice(logits, 0, 0, *batch), labels))
		}
		autograd.Backward(loss)
		opt.Step(0.01)
		opt.ZeroGrad()
		tape.Release()
	}
	for range 2 {
		step(*pairs > 0)
		if *pairs > 0 {
			step(false)
		}
	}
	peak, loop := simd.FMAPeak(*threads, 300*time.Millisecond)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail("-cpuprofile: %v", err)
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	times := make([]float64, *steps)
	var plainTimes []float64
	var total, plainCPU float64
	cpu0 := cpuSeconds()
	for i := range times {
		t0 := time.Now()
		step(*pairs > 0)
		times[i] = time.Since(t0).Seconds()
		total += times[i]
		if *pairs > 0 {
			// Counted in neither the throughput nor the CPU time.
			c0, t1 := cpuSeconds(), time.Now()
			step(false)
			plainTimes = append(plainTimes, time.Since(t1).Seconds())
			plainCPU += cpuSeconds() - c0
		}
	}
	cpu := (cpuSeconds() - cpu0 - plainCPU) / float64(*steps)
	if cpu0 < 0 {
		cpu = -1
	}
	res := result{
		Model: *model, Batch: *batch, Threads: *threads, Steps: *steps,
		ImagesPerSecond: float64(*batch**steps) / total,
		StepSeconds:     stats.Median(times),
		CPUStepSeconds:  cpu,
		PeakRSSMB:       peakRSSMB(),
		Kernel:          simd.PathChoice(),
		Pairs:           *pairs,
	}
	fwd, bwd := m.MultiplyAdds(32, 32)
	res.TrainGFLOPPerImage = 2 * float64(fwd+bwd) / 1e9
	res.AchievedGFLOPS = res.TrainGFLOPPerImage * float64(*batch+extra) / res.StepSeconds
	res.PeakGFLOPS, res.PeakLoop = peak, loop
	res.PeakShare = res.AchievedGFLOPS / peak
	if *pairs > 0 {
		res.PlainStepSeconds = stats.Median(plainTimes)
		res.PenaltyRatio = res.StepSeconds / res.PlainStepSeconds
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "trainbench: "+format+"\n", args...)
	os.Exit(2)
}
