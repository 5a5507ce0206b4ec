package simd

import (
	"runtime"
	"sync"
	"time"
)

// The CPU's fused multiply-add peak, measured rather than taken from a
// datasheet: every core the kernels use runs a loop of independent FMA
// chains held in registers, with no loads or stores, so that nothing but
// the FMA units limits it. A product's achieved GFLOP/s over this peak is
// the share of the machine it uses (trainbench reports it per model).
//
// fmaChains independent accumulators per loop are enough to hide the FMA
// latency (4 cycles on current x86 cores) on two FMA pipes (4 × 2 = 8
// chains in flight) with room for one more pipe or a longer latency.
const fmaChains = 12

// fmaLoopGo is the pure-Go twin of the assembly loops: each of the
// fmaChains accumulators of each of lanes lanes starts at 0 and runs
// iters steps of acc ← acc·a + b, fused; it returns, per lane, the
// accumulators' sum taken in the order the assembly adds them
// (((acc0 + acc1) + acc2) + …). All accumulators hold the same value, so
// this is mostly a check that the assembly ran every step. Go has no
// float32 FMA: with a a power of two, acc·a is exact in float32 and the
// fused and unfused results agree, which is what the tests use.
func fmaLoopGo(iters int, a, b float32, lanes int) []float32 {
	var acc [fmaChains]float32
	for range iters {
		for c := range acc {
			acc[c] = float32(float64(acc[c])*float64(a) + float64(b))
		}
	}
	s := acc[0]
	for _, v := range acc[1:] {
		s += v
	}
	out := make([]float32, lanes)
	for i := range out {
		out[i] = s
	}
	return out
}

// FMAPeak measures the fused multiply-add peak of the current kernel path
// on threads cores at once (one goroutine locked to its OS thread per
// core), each running the register-only loop for about d. It returns the
// total rate in GFLOP/s (an FMA counts as 2 floating-point operations per
// lane) and a description of the loop ("avx512: 12 chains of 16-lane
// VFMADD213PS"). Run it on an otherwise idle machine: it measures whatever
// share of the cores it gets.
func FMAPeak(threads int, d time.Duration) (gflops float64, loop string) {
	threads = max(threads, 1)
	run, lanes, loop := fmaLoop()
	// Calibrate the iteration count on one core to take about d.
	iters := 1 << 14
	for {
		t0 := time.Now()
		run(iters)
		if el := time.Since(t0); el >= d/4 || iters >= 1<<40 {
			iters = int(float64(iters) * float64(d) / float64(max(el, time.Microsecond)))
			break
		}
		iters *= 4
	}
	iters = max(iters, 1)
	var wg sync.WaitGroup
	secs := make([]float64, threads)
	start := make(chan struct{})
	for t := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			<-start
			t0 := time.Now()
			run(iters)
			secs[t] = time.Since(t0).Seconds()
		}()
	}
	close(start)
	wg.Wait()
	flops := 2 * float64(iters) * fmaChains * float64(lanes)
	for _, s := range secs {
		gflops += flops / s / 1e9
	}
	return gflops, loop
}
