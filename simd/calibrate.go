package simd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/brainreg/brainreg/internal/atomicfile"
	"github.com/brainreg/brainreg/internal/stats"
	"github.com/klauspost/cpuid/v2"
)

// CalibrateEnv names the environment variable that says what Calibrate
// does: "auto" (or unset) uses the choice cached for this CPU and measures
// once where there is none; "redo" measures again and replaces the cached
// choice; "off" keeps the blocking the cache model derives, measuring
// nothing. BlockingEnv, when set and valid, wins over all three.
const CalibrateEnv = "BRAINREG_CALIBRATE"

// calibrationVersion changes whenever the kernels or the candidates change
// enough that an old measurement no longer says anything: cached entries
// of another version are measured again.
const calibrationVersion = 1

// Calibration is what Calibrate chose and why.
type Calibration struct {
	Key    string `json:"key"`    // the CPU, kernel path and thread count the choice is for
	Chosen string `json:"chosen"` // "kc,mc,nc"
	Model  string `json:"model"`  // what the cache model alone gives
	// Seconds per candidate, "kc,mc,nc" → the median over rounds of the
	// time of the calibration's products (empty when nothing was measured).
	Seconds    map[string]float64 `json:"seconds,omitempty"`
	MeasuredAt string             `json:"measured_at,omitempty"` // RFC 3339
	GoVersion  string             `json:"go_version,omitempty"`
	Version    int                `json:"version"`
	// Source is how the choice was made this time: "measured", "cache
	// FILE", "off" or "override" (not stored).
	Source string `json:"-"`
}

// calibrationShapes are the products Calibrate times, after the small
// ResNet's and ResNet-18's convolutions as im2col at a reduced batch
// (forward W·cols, weight gradient dY·colsᵀ with its long k, input
// gradient Wᵀ·dY), and one square product: about 1.3 GFLOP in all, so that
// a round takes tens of milliseconds on two cores.
var calibrationShapes = []struct {
	m, n, k int
	tA, tB  bool
}{
	{64, 8192, 576, false, false},
	{64, 576, 8192, false, true},
	{576, 8192, 64, true, false},
	{16, 144, 32768, false, true},
	{512, 512, 512, false, false},
}

// kcCandidates are the depths Calibrate tries, all from the L1 model: the
// model's kc (the A and B micro-panels together in W₁ − 1 ways), the B
// micro-panel alone in W₁ − 1 ways (A streaming from L2, as broadcast-
// from-memory kernels allow), the B micro-panel the size of L1, and twice
// that (B from L2, half the C tile's loads and stores).
func kcCandidates(m cacheModel, tiles []tile) []int {
	nrMax := 0
	for _, t := range tiles {
		nrMax = max(nrMax, t.nr)
	}
	l1 := m.share[0]
	bAlone := (m.ways[0] - 1) * m.way(0) / (nrMax * 4)
	kcs := []int{m.modelKC(tiles), roundKC(bAlone), roundKC(l1 / (nrMax * 4)), roundKC(2 * l1 / (nrMax * 4))}
	slices.Sort(kcs)
	return slices.Compact(kcs)
}

// calibrationKey names what a measured choice holds for: the CPU (brand,
// family, model, caches), the kernel path with its tiles, the thread count
// and the calibration's version.
func calibrationKey(path string, tiles []tile, threads int, caches cacheInfo) string {
	names := make([]string, len(tiles))
	for i, t := range tiles {
		names[i] = t.String()
	}
	return fmt.Sprintf("%s (family %d model %d); %s; path %s %s; %d threads; v%d", strings.TrimSpace(cpuid.CPU.BrandName),
		cpuid.CPU.Family, cpuid.CPU.Model, describeCaches(caches), path, strings.Join(names, ","), threads, calibrationVersion)
}

// CalibrationFile is where measured choices are kept, one per key: the user
// cache directory's brainreg/calibration.json (on Linux
// ~/.cache/brainreg/calibration.json), the way FFTW keeps its wisdom.
func CalibrationFile() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "brainreg", "calibration.json"), nil
}

// calibrationCache is the file's content.
type calibrationCache struct {
	Entries map[string]Calibration `json:"entries"`
}

func readCalibrationCache(path string) (calibrationCache, error) {
	c := calibrationCache{Entries: map[string]Calibration{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return calibrationCache{Entries: map[string]Calibration{}}, fmt.Errorf("%s: %w (it is measured again and rewritten)", path, err)
	}
	if c.Entries == nil {
		c.Entries = map[string]Calibration{}
	}
	return c, nil
}

// Calibrate chooses Sgemm's blocking for the kernel path and thread count
// in force by measuring (see CalibrateEnv): it times the calibration's
// products under each candidate depth kc (kcCandidates, with mc and nc the
// cache model gives for it), interleaved over rounds, takes each
// candidate's median, and keeps the fastest, or the model's own where it
// is within 2 % of the fastest. The choice is cached in CalibrationFile
// under the CPU and path, so later runs on the same kind of machine use it
// without measuring and give the same bits (kc decides the order of the
// products' sums; see GemmBlocking). It takes about a second when it
// measures. Call it after ForcePath and SetThreads: both change what it is
// for, and ForcePath reverts to the derived blocking.
//
// An error (an unreadable or unwritable cache) leaves a usable choice in
// force: the measured one, or the derived one; it says what went wrong.
func Calibrate() (*Calibration, error) {
	mode := strings.TrimSpace(os.Getenv(CalibrateEnv))
	path, err := CalibrationFile()
	if err != nil {
		path = ""
	}
	c, err2 := calibrate(mode, path, Threads(), hostCaches, timeCandidate)
	if err == nil {
		err = err2
	} else if mode != "off" {
		err = fmt.Errorf("no user cache directory (%v): the choice is not kept", err)
	}
	return c, err
}

// calibrate is Calibrate with its inputs explicit: the mode, the cache
// file ("" for none), the thread count, the caches, and the timer of one
// candidate (seconds for one pass over calibrationShapes).
func calibrate(mode, path string, threads int, caches cacheInfo, timer func(blocking) float64) (*Calibration, error) {
	switch mode {
	case "", "auto", "redo", "off":
	default:
		return nil, fmt.Errorf("%s=%q: want auto, redo or off", CalibrateEnv, mode)
	}
	tiles := []tile{{kernel.mr, kernel.nr}}
	if rk := rowsKernel; rk.mr != 0 && (rk.mr != kernel.mr || rk.nr != kernel.nr) {
		tiles = append(tiles, tile{rk.mr, rk.nr})
	}
	model := newCacheModel(caches)
	derived, _ := model.blocking(tiles, model.modelKC(tiles))
	key := calibrationKey(kernel.name, tiles, threads, caches)
	res := &Calibration{Key: key, Model: derived.String(), Version: calibrationVersion}
	if blockingEnvSet {
		if _, err := parseBlocking(blockingEnv); err == nil {
			res.Chosen, res.Source = blockings.sgemm.String(), "override"
			return res, nil
		}
	}
	if mode == "off" {
		res.Chosen, res.Source = derived.String(), "off"
		blockings = currentBlockings()
		return res, nil
	}
	var cache calibrationCache
	var cacheErr error
	if path != "" {
		cache, cacheErr = readCalibrationCache(path)
		if e, ok := cache.Entries[key]; ok && mode != "redo" && e.Version == calibrationVersion {
			if b, ok := cachedBlocking(e.Chosen, tiles); ok && e.Model == derived.String() {
				e.Source = "cache " + path
				apply(b, fmt.Sprintf("measured on %s (cached in %s; %s=redo measures again): %s", e.MeasuredAt, path,
					CalibrateEnv, e.describe()))
				return &e, nil
			}
		}
	}
	// Measure: every candidate once per round, in a shuffled order, after
	// one warm-up pass each.
	var cands []blocking
	for _, kc := range kcCandidates(model, tiles) {
		b, _ := model.blocking(tiles, kc)
		cands = append(cands, b)
	}
	for _, b := range cands {
		timer(b)
	}
	const rounds = 5
	times := make([][]float64, len(cands))
	order := make([]int, len(cands))
	r := rand.New(rand.NewPCG(1, 2))
	for range rounds {
		for i := range order {
			order[i] = i
		}
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			times[i] = append(times[i], timer(cands[i]))
		}
	}
	res.Seconds = map[string]float64{}
	best, modelSec := 0, 0.0
	for i, b := range cands {
		sec := stats.Median(times[i])
		res.Seconds[b.String()] = sec
		if sec < res.Seconds[cands[best].String()] {
			best = i
		}
		if b == derived {
			modelSec = sec
		}
	}
	chosen := cands[best]
	if modelSec > 0 && modelSec <= 1.02*res.Seconds[chosen.String()] {
		chosen = derived
	}
	res.Chosen, res.Source = chosen.String(), "measured"
	res.MeasuredAt, res.GoVersion = time.Now().UTC().Format(time.RFC3339), runtime.Version()
	why := "measured now: " + res.describe()
	var err error
	if path != "" {
		cache.Entries[key] = *res
		if err = writeCalibrationCache(path, cache); err == nil {
			why += "; cached in " + path
		}
	}
	apply(chosen, why)
	if cacheErr != nil {
		return res, cacheErr
	}
	return res, err
}

// cachedBlocking parses a cached choice, "kc,mc,nc" exactly as
// blocking.String writes it, and checks it with checkBlocking against the
// tiles it is for (parseBlocking's rules, made for every path at once, are
// stricter than a choice made for this path needs).
func cachedBlocking(s string, tiles []tile) (blocking, bool) {
	b, err := parseBlockingNumbers(s)
	return b, err == nil && b.String() == s && checkBlocking(b, tiles) == nil
}

// apply puts b in force for Sgemm and SgemmRows, with its reason. The
// BF16 product keeps its derived blocking: it is not calibrated.
func apply(b blocking, why string) {
	c := currentBlockings()
	c.sgemm, c.why = b, why
	blockings = c
}

// describe lists the candidates' times and the choice.
func (c *Calibration) describe() string {
	keys := make([]string, 0, len(c.Seconds))
	for k := range c.Seconds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		var a, b blocking
		fmt.Sscanf(keys[i], "%d,%d,%d", &a.kc, &a.mc, &a.nc)
		fmt.Sscanf(keys[j], "%d,%d,%d", &b.kc, &b.mc, &b.nc)
		return a.kc < b.kc
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.1f ms", k, 1e3*c.Seconds[k])
	}
	return fmt.Sprintf("chose %s of %s (the cache model's %s; median of 5 rounds over %d products)",
		c.Chosen, strings.Join(parts, ", "), c.Model, len(calibrationShapes))
}

func writeCalibrationCache(path string, c calibrationCache) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), atomicfile.ResultPerm)
}

// timeCandidate times one pass of calibrationShapes under b, on the
// threads in force, with operands drawn once.
func timeCandidate(b blocking) float64 {
	saved := blockings
	defer func() { blockings = saved }()
	blockings.sgemm = b
	if calibrationOperands == nil {
		r := rand.New(rand.NewPCG(7, 7))
		size := 0
		for _, s := range calibrationShapes {
			size = max(size, s.m*s.k, s.k*s.n, s.m*s.n)
		}
		calibrationOperands = make([][]float32, 3)
		for i := range calibrationOperands {
			calibrationOperands[i] = make([]float32, size)
			for j := range calibrationOperands[i] {
				calibrationOperands[i][j] = float32(r.Float64()*2 - 1)
			}
		}
	}
	a, bb, c := calibrationOperands[0], calibrationOperands[1], calibrationOperands[2]
	start := time.Now()
	for _, s := range calibrationShapes {
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
	}
	return time.Since(start).Seconds()
}

// calibrationOperands are timeCandidate's A, B and C, kept between calls.
var calibrationOperands [][]float32
