package simd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The caches of deriveBlocking's second worked example: 32 KiB 8-way L1
// (4 KiB ways), so with the 32-wide tiles the model's kc is 160, the B
// micro-panel alone in 7 ways 224, the size of L1 256, twice that 512.
var calibrationTestCaches = cacheInfo{l1d: cacheLevel{32 << 10, 8, false}, l2: cacheLevel{1 << 20, 8, false},
	l3: cacheLevel{32 << 20, 16, false}, l3Threads: 2, line: 64, cpus: 2}

func TestKCCandidates(t *testing.T) {
	got := kcCandidates(newCacheModel(calibrationTestCaches), []tile{{12, 32}, {8, 32}})
	if want := []int{160, 224, 256, 512}; !slices.Equal(got, want) {
		t.Errorf("candidates %v, want %v", got, want)
	}
}

// fakeTimer times a candidate by its kc from a table, counting calls.
type fakeTimer struct {
	byKC  map[int]float64
	calls int
}

func (f *fakeTimer) time(b blocking) float64 {
	f.calls++
	if v, ok := f.byKC[b.kc]; ok {
		return v
	}
	return 1
}

// Calibrate keeps the fastest candidate, caches it, and the next call
// takes it from the cache without measuring; redo measures again, off
// measures nothing and keeps the model's; a model within 2 % of the
// fastest is kept; a corrupt cache is measured again and rewritten.
func TestCalibrate(t *testing.T) {
	if blockingEnvSet {
		t.Skipf("%s is set: the override wins over calibration", BlockingEnv)
	}
	saved := blockings
	defer func() { blockings = saved }()
	path := filepath.Join(t.TempDir(), "sub", "calibration.json")
	model := newCacheModel(calibrationTestCaches)
	tiles := []tile{{kernel.mr, kernel.nr}}
	if rk := rowsKernel; rk.mr != 0 && (rk.mr != kernel.mr || rk.nr != kernel.nr) {
		tiles = append(tiles, tile{rk.mr, rk.nr})
	}
	cands := kcCandidates(model, tiles)
	if len(cands) < 2 {
		t.Skipf("one candidate only (%v) for the tiles %v", cands, tiles)
	}
	fast := cands[len(cands)-1]
	want, _ := model.blocking(tiles, fast)

	ft := &fakeTimer{byKC: map[int]float64{fast: 0.5}}
	c, err := calibrate("", path, 2, calibrationTestCaches, ft.time)
	if err != nil {
		t.Fatal(err)
	}
	if c.Chosen != want.String() || c.Source != "measured" || blockings.sgemm != want || ft.calls != len(cands)*6 {
		t.Fatalf("measured: chose %s (%s), in force %v, %d timings; want %v and %d timings", c.Chosen, c.Source, blockings.sgemm, ft.calls, want, len(cands)*6)
	}
	if _, _, _, why := GemmBlocking(); !strings.Contains(why, "measured now") || !strings.Contains(why, "cached in "+path) {
		t.Errorf("GemmBlocking's reason %q", why)
	}

	blockings = saved
	never := &fakeTimer{}
	c2, err := calibrate("auto", path, 2, calibrationTestCaches, never.time)
	if err != nil || never.calls != 0 || c2.Chosen != want.String() || !strings.HasPrefix(c2.Source, "cache ") || blockings.sgemm != want {
		t.Fatalf("from the cache: %+v, %v, %d timings, in force %v", c2, err, never.calls, blockings.sgemm)
	}
	// Another thread count is another key: measured again.
	other := &fakeTimer{}
	if _, err := calibrate("auto", path, 1, calibrationTestCaches, other.time); err != nil || other.calls == 0 {
		t.Fatalf("another thread count: %v, %d timings", err, other.calls)
	}

	// redo: the model now within 2 % of the fastest, so it is kept.
	derived, _ := model.blocking(tiles, model.modelKC(tiles))
	near := &fakeTimer{byKC: map[int]float64{fast: 0.50, derived.kc: 0.505}}
	c3, err := calibrate("redo", path, 2, calibrationTestCaches, near.time)
	if err != nil || near.calls == 0 || c3.Chosen != derived.String() {
		t.Fatalf("redo: %+v, %v, %d timings; want the model's %v", c3, err, near.calls, derived)
	}
	c4, _ := calibrate("", path, 2, calibrationTestCaches, never.time)
	if c4.Chosen != derived.String() || never.calls != 0 {
		t.Fatalf("after redo the cache holds %s, want %v", c4.Chosen, derived)
	}

	// off: nothing measured, the derived blocking of the host in force.
	off, err := calibrate("off", path, 2, calibrationTestCaches, never.time)
	if err != nil || never.calls != 0 || off.Source != "off" || blockings.sgemm != currentBlockings().sgemm {
		t.Fatalf("off: %+v, %v, %d timings", off, err, never.calls)
	}

	if _, err := calibrate("sometimes", path, 2, calibrationTestCaches, never.time); err == nil || !strings.Contains(err.Error(), CalibrateEnv) {
		t.Errorf("a bad mode: %v", err)
	}

	// A corrupt cache: measured again, the file rewritten, the error says so.
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	again := &fakeTimer{byKC: map[int]float64{fast: 0.5}}
	c5, err := calibrate("", path, 2, calibrationTestCaches, again.time)
	if err == nil || !strings.Contains(err.Error(), path) || again.calls == 0 || c5.Chosen != want.String() {
		t.Fatalf("corrupt cache: %+v, %v, %d timings", c5, err, again.calls)
	}
	if _, err := readCalibrationCache(path); err != nil {
		t.Errorf("the cache was not rewritten: %v", err)
	}
}

// The real timer runs the calibration's products and takes some time.
func TestTimeCandidate(t *testing.T) {
	saved := blockings
	if s := timeCandidate(smallBlocking); !(s > 0) {
		t.Fatalf("timeCandidate = %v", s)
	}
	if blockings != saved {
		t.Fatalf("timeCandidate left the blocking %v in force", blockings)
	}
}

func TestCachedBlocking(t *testing.T) {
	tiles := []tile{{12, 32}, {8, 32}}
	if b, ok := cachedBlocking("160,1224,16384", tiles); !ok || b != (blocking{160, 1224, 16384}) {
		t.Errorf("a valid choice: %v %v", b, ok)
	}
	for _, s := range []string{"", "160,1224", "160,1224,16384,1", "0,1224,16384", "160,1220,16384", "160,1224,16010", "160, 1224,16384", "8192,65536,65536"} {
		if b, ok := cachedBlocking(s, tiles); ok {
			t.Errorf("cachedBlocking(%q) accepted %v", s, b)
		}
	}
}
