package main

// Memory at the ends of stages (issue 16). Every stage of a run ends with
// endStage(name): the simulation, each scan's predictor, the target, the
// other network, every training and evaluation, the transfer examples and
// the report. endStage always trims the process's caches (trimMemory);
// with -memprofile DIR it also writes, before the trim, a heap profile of
// what the stage left live (DIR/NN-stage.pb.gz, `go tool pprof -top
// -sample_index=inuse_space`) and, besides, one JSON line per stage in
// DIR/memory.jsonl: the Go runtime's statistics before and after the trim,
// the process's resident memory (VmRSS, VmHWM from /proc/self/status
// where there is one), the highest resident memory sampled during the
// stage (every 100 ms) and the stage's wall and CPU time. When the sampled
// resident memory rises to a new high for the stage, DIR/NN-stage.peak.pb.gz
// is rewritten with a heap profile (as of the last garbage collection), so
// that a stage whose peak lies inside it shows what was live near the top.

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/internal/atomicfile"
)

// trimMemory drops what the stage cached for reuse, so the next stage
// starts from what is really live: the tape free list (autograd keeps
// every buffer size any stage used; the small ResNet's training at batch
// 128+32 and the evaluation's and attacks' batches on every core use
// different sizes, and nothing but DropFreeList ever frees them), then
// returns the freed pages to the operating system (debug.FreeOSMemory:
// one garbage collection, tens of milliseconds between stages of
// minutes). Buffer contents are undefined whether they come from the list
// or not, so results do not change (autograd's TestDropFreeListKeepsResults).
func trimMemory() {
	autograd.DropFreeList()
	debug.FreeOSMemory()
}

// memStats is the part of runtime.MemStats that memory.jsonl keeps, in
// bytes.
type memStats struct {
	HeapAlloc    uint64 `json:"heap_alloc"`
	HeapInuse    uint64 `json:"heap_inuse"`
	HeapIdle     uint64 `json:"heap_idle"`
	HeapReleased uint64 `json:"heap_released"`
	HeapSys      uint64 `json:"heap_sys"`
	Sys          uint64 `json:"sys"`
	NumGC        uint32 `json:"num_gc"`
	// The tape free list (autograd.FreeListSize), part of HeapInuse.
	FreeListBuffers int   `json:"free_list_buffers"`
	FreeListBytes   int64 `json:"free_list_bytes"`
	// /proc/self/status; absent where there is none.
	VmRSS int64 `json:"vm_rss,omitempty"`
	VmHWM int64 `json:"vm_hwm,omitempty"` // the process's peak so far
}

func readMemStats() memStats {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s := memStats{HeapAlloc: m.HeapAlloc, HeapInuse: m.HeapInuse, HeapIdle: m.HeapIdle, HeapReleased: m.HeapReleased,
		HeapSys: m.HeapSys, Sys: m.Sys, NumGC: m.NumGC}
	s.FreeListBuffers, s.FreeListBytes = autograd.FreeListSize()
	s.VmRSS, s.VmHWM = procStatus()
	return s
}

// memRecord is one line of memory.jsonl.
type memRecord struct {
	Seq     int     `json:"seq"`
	Stage   string  `json:"stage"`
	Profile string  `json:"profile"` // the heap profile's file name in the directory
	End     string  `json:"end"`     // RFC 3339
	Seconds float64 `json:"seconds"` // wall time since the previous stage ended (or -memprofile took effect)
	// CPU time (user + system) of the process over the same span; -1
	// where the platform does not say.
	CPUSeconds     float64  `json:"cpu_seconds"`
	ElapsedSeconds float64  `json:"elapsed_seconds"` // since -memprofile took effect
	StagePeakRSS   int64    `json:"stage_peak_rss,omitempty"`
	Before         memStats `json:"before_trim"` // after a garbage collection, so HeapAlloc is what is live
	After          memStats `json:"after_trim"`
}

var memProfile struct {
	mu       sync.Mutex
	dir      string // "" when not profiling
	seq      int
	start    time.Time
	last     time.Time
	lastCPU  float64
	peakPath string // the current stage's peak profile
	// Highest sampled RSS since the last stage end, and the RSS at which
	// the peak profile was last written (under mu).
	stagePeak, peakWritten atomic.Int64
	sampling               atomic.Bool // the sampler runs while set
}

// startMemProfile makes endStage write profiles into dir from now on and
// starts the resident-memory sampler.
func startMemProfile(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mp := &memProfile
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if mp.dir != "" {
		return nil // already started (tests parse flags more than once)
	}
	mp.dir = dir
	mp.start = time.Now()
	mp.last = mp.start
	mp.lastCPU = cpuSeconds()
	mp.peakPath = filepath.Join(dir, fmt.Sprintf("%02d-next.peak.pb.gz", mp.seq+1))
	mp.sampling.Store(true)
	go sampleRSS()
	return nil
}

// stopMemProfile ends profiling: endStage only trims again, and the
// sampler stops at its next tick.
func stopMemProfile() {
	mp := &memProfile
	mp.mu.Lock()
	defer mp.mu.Unlock()
	mp.dir = ""
	mp.sampling.Store(false)
}

// sampleRSS keeps the highest resident memory of the current stage and
// rewrites its peak profile at each new high, in steps of 32 MB so that a
// slowly rising stage does not write a profile every 100 ms.
func sampleRSS() {
	const step = 32 << 20
	mp := &memProfile
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if !mp.sampling.Load() {
			return
		}
		rss := procStatm()
		if rss <= 0 {
			continue
		}
		for {
			old := mp.stagePeak.Load()
			if rss <= old || mp.stagePeak.CompareAndSwap(old, rss) {
				break
			}
		}
		if rss > mp.peakWritten.Load()+step && mp.mu.TryLock() {
			if mp.dir != "" {
				if err := writeHeapProfile(mp.peakPath); err == nil {
					mp.peakWritten.Store(rss)
				}
			}
			mp.mu.Unlock()
		}
	}
}

// endStage ends a stage: with -memprofile, record it, then trim.
func endStage(name string) {
	mp := &memProfile
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if mp.dir == "" {
		trimMemory()
		return
	}
	mp.seq++
	now := time.Now()
	cpu := cpuSeconds()
	r := memRecord{Seq: mp.seq, Stage: name, End: now.UTC().Format(time.RFC3339),
		Seconds: now.Sub(mp.last).Seconds(), ElapsedSeconds: now.Sub(mp.start).Seconds(),
		CPUSeconds: -1, StagePeakRSS: mp.stagePeak.Load()}
	if cpu >= 0 && mp.lastCPU >= 0 {
		r.CPUSeconds = cpu - mp.lastCPU
	}
	base := fmt.Sprintf("%02d-%s", mp.seq, fileSlug(name))
	// The peak profile written during the stage gets the stage's name.
	if _, err := os.Stat(mp.peakPath); err == nil {
		os.Rename(mp.peakPath, filepath.Join(mp.dir, base+".peak.pb.gz"))
	}
	runtime.GC() // the heap profile shows the state as of the last collection
	r.Before = readMemStats()
	r.Profile = base + ".pb.gz"
	if err := writeHeapProfile(filepath.Join(mp.dir, r.Profile)); err != nil {
		fmt.Fprintf(os.Stderr, "cifar_reg: -memprofile: %v\n", err)
		r.Profile = ""
	}
	trimMemory()
	r.After = readMemStats()
	if err := runio.AppendJSONLine(filepath.Join(mp.dir, "memory.jsonl"), r); err != nil {
		fmt.Fprintf(os.Stderr, "cifar_reg: -memprofile: %v\n", err)
	}
	mp.last, mp.lastCPU = time.Now(), cpuSeconds()
	mp.stagePeak.Store(0)
	mp.peakWritten.Store(0)
	mp.peakPath = filepath.Join(mp.dir, fmt.Sprintf("%02d-next.peak.pb.gz", mp.seq+1))
}

// writeHeapProfile writes a heap profile to path atomically, so that a
// profile rewritten at each new peak is never left torn.
func writeHeapProfile(path string) error {
	return atomicfile.Write(path, atomicfile.ResultPerm, pprof.WriteHeapProfile)
}

// fileSlug makes a stage name a file name: letters, digits, '.', '=' and
// '-' stay, α becomes "a", anything else a single '-'.
func fileSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		switch {
		case r == 'α':
			b.WriteByte('a')
			dash = false
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '='):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// procStatus returns VmRSS and VmHWM from /proc/self/status in bytes, or
// zeros where there is no such file.
func procStatus() (rss, hwm int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// procStatm returns the resident memory from /proc/self/statm (cheaper to
// read than status: two numbers), or 0.
func procStatm() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
