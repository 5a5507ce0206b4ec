package simd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// smallBlocking cuts every product of the tests into many blocks of each
// loop: kc not a multiple of the packing's strips, the least mc and nc
// every kernel's tile divides.
var smallBlocking = blocking{kc: 44, mc: 24, nc: 96}

// forEachBlocking runs f under smallBlocking and under the blocking in
// force, restoring it afterwards.
func forEachBlocking(t *testing.T, f func(t *testing.T)) {
	saved := blockings
	defer func() { blockings = saved }()
	for _, b := range []blocking{smallBlocking, saved.sgemm} {
		blockings = blockingChoice{sgemm: b, bf16: b, why: "test"}
		t.Run("blocking="+b.String(), f)
	}
}

// The blocking in force and where it came from, for the test log.
func TestGemmBlockingInForce(t *testing.T) {
	kc, mc, nc, why := GemmBlocking()
	t.Logf("kc=%d mc=%d nc=%d: %s", kc, mc, nc, why)
	if kc < 1 || mc < 1 || nc < 1 || why == "" {
		t.Fatalf("GemmBlocking() = %d, %d, %d, %q", kc, mc, nc, why)
	}
	// Sgemm's tiles divide its blocking; the BF16 kernel's tile divides its own.
	for _, c := range []struct {
		tl  tile
		blk blocking
	}{
		{tile{kernel.mr, kernel.nr}, blockings.sgemm},
		{tile{rowsKernel.mr, rowsKernel.nr}, blockings.sgemm},
		{tile{bf16Kern.mr, bf16Kern.nr}, blockings.bf16},
	} {
		if c.tl.mr == 0 {
			continue
		}
		if !slices.Contains(allTiles, c.tl) {
			t.Errorf("this build's kernel tile %v is not in allTiles %v", c.tl, allTiles)
		}
		if c.blk.mc%c.tl.mr != 0 || c.blk.nc%c.tl.nr != 0 {
			t.Errorf("mc=%d, nc=%d are not multiples of the tile %v", c.blk.mc, c.blk.nc, c.tl)
		}
	}
}

// The model's worked examples (deriveBlocking's comment), by hand:
//
//   - L1 48 KiB 12-way (4 KiB ways), 12×32: A takes ⌈kc·48/4096⌉ ways and B
//     ⌈kc·128/4096⌉ of the 11; kc = 256 gives 3 + 8 = 11, and 264 gives
//     4 + 9. L2 2 MiB 16-way (128 KiB ways): the B micro-panel takes 1 way,
//     one more for C, so A gets 14 ways = 1,835,008 B; mc = 1835008/(256·4)
//     = 1792 → 1788, a multiple of 12. L3 32 MiB 16-way shared by 2 threads, not
//     inclusive: 16 MiB per thread, 1 MiB ways, 15 for B: nc =
//     15·2^20/1024 = 15360, a multiple of 32, below the cap.
//   - L1 32 KiB 8-way (4 KiB ways), 12×32: kc = 160 gives ⌈7680/4096⌉ = 2 and
//     ⌈20480/4096⌉ = 5, 7 ways; 168 would need 2 + 6. L2 1 MiB 8-way (128 KiB
//     ways): B panel 1 way, C 1, A 6 ways = 786432 B: mc = 786432/640 = 1228.8
//     → 1224 (a multiple of 12). L3 unknown (−1): 1 MiB per thread assumed,
//     16-way (64 KiB ways), inclusive assumed: A takes ⌈1224·640/65536⌉ = 12
//     ways, B 16 − 1 − 12 = 3: nc = 3·65536/640 = 307.2 → 288.
func TestDeriveBlockingWorkedExamples(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     cacheInfo
		tiles []tile
		want  blocking
		note  string
	}{
		{"48 KiB L1, 2 MiB L2, 32 MiB L3 for 2 threads", cacheInfo{
			l1d: cacheLevel{48 << 10, 12, false}, l2: cacheLevel{2 << 20, 16, false}, l3: cacheLevel{32 << 20, 16, false},
			l3Threads: 2, line: 64, cpus: 2}, []tile{{12, 32}}, blocking{256, 1788, 15360}, ""},
		{"32 KiB L1, 1 MiB L2, unknown L3", cacheInfo{
			l1d: cacheLevel{32 << 10, 8, false}, l2: cacheLevel{1 << 20, 8, false}, l3: cacheLevel{-1, 0, false},
			line: 64, cpus: 4}, []tile{{12, 32}}, blocking{160, 1224, 288}, "L3 unknown, assumed 1 MiB per thread 16-way"},
	} {
		got, notes := deriveBlocking(tc.c, tc.tiles)
		if got != tc.want {
			t.Errorf("%s: %v, want %v (notes %q)", tc.name, got, tc.want, notes)
		}
		if tc.note != "" && !slices.Contains(notes, tc.note) {
			t.Errorf("%s: notes %q, want one %q", tc.name, notes, tc.note)
		}
	}
}

// Over random caches, plausible or not, the derived blocking keeps its
// rules: kc a multiple of 8 in 8…1024; mc and nc multiples of every tile's
// mr and nr, at least one of each and at most the caps; where L1 is
// plausible, the A and B micro-panels fit its ways as the model says.
func TestDeriveBlockingRules(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	pick := func(v ...int) int { return v[r.IntN(len(v))] }
	tileSets := [][]tile{{{6, 16}}, {{12, 32}}, {{12, 32}, {8, 32}}, {{8, 12}}}
	for trial := range 2000 {
		c := cacheInfo{
			l1d:       cacheLevel{pick(-1, 0, 16<<10, 32<<10, 48<<10, 64<<10, 3<<30), pick(-1, 0, 2, 4, 8, 12, 16, 1000), false},
			l2:        cacheLevel{pick(-1, 0, 256<<10, 512<<10, 1<<20, 2<<20, 4<<20, 1<<40), pick(-1, 0, 4, 8, 16, 20), false},
			l3:        cacheLevel{pick(-1, 0, 8<<20, 32<<20, 260<<20, 1<<40), pick(-1, 0, 11, 16, 20), r.IntN(2) == 0},
			l2Cores:   pick(-1, 0, 1, 2, 4),
			l3Threads: pick(-1, 0, 1, 2, 16, 128),
			line:      pick(-1, 0, 64, 128, 7),
			cpus:      pick(-1, 1, 2, 64),
		}
		tiles := tileSets[r.IntN(len(tileSets))]
		b, notes := deriveBlocking(c, tiles)
		desc := fmt.Sprintf("trial %d: %+v tiles %v: %v (notes %q)", trial, c, tiles, b, notes)
		if b.kc < 8 || b.kc > blockMaxKC || b.kc%blockKCStep != 0 {
			t.Fatalf("%s: kc", desc)
		}
		for _, tl := range tiles {
			if b.mc < tl.mr || b.mc%tl.mr != 0 || b.nc < tl.nr || b.nc%tl.nr != 0 {
				t.Fatalf("%s: mc, nc not multiples of %v", desc, tl)
			}
		}
		if b.mc > blockMaxMC || b.nc > blockMaxNC {
			t.Fatalf("%s: above the caps", desc)
		}
		l1 := c.l1d
		if l1.size >= 8<<10 && l1.size <= 1<<20 && l1.ways >= 3 && l1.ways <= 64 && (c.line == 64 || c.line == 128) && b.kc > 8 {
			way := l1.size / l1.ways
			for _, tl := range tiles {
				if w := ceilDiv(b.kc*tl.mr*4, way) + ceilDiv(b.kc*tl.nr*4, way); w > l1.ways-1 {
					t.Fatalf("%s: the %v micro-panels take %d of %d ways", desc, tl, w, l1.ways)
				}
			}
		}
		if (c.l1d.size < 0 || c.l2.size < 0) && len(notes) == 0 {
			t.Fatalf("%s: an unknown cache and no note", desc)
		}
	}
}

func TestParseBlocking(t *testing.T) {
	if b, err := parseBlocking(" 256, 120 ,3072"); err != nil || b != (blocking{256, 120, 3072}) {
		t.Errorf("parseBlocking(256,120,3072) = %v, %v", b, err)
	}
	for in, want := range map[string]string{
		"256,120":          "three whole numbers",
		"256,x,3072":       `"x" is not a whole number`,
		"0,120,3072":       "kc=0 is not in 1…8192",
		"256,100,3072":     "mc=100 is not a positive multiple of 24",
		"256,120,3000":     "nc=3000 is not a positive multiple of 96",
		"8192,65520,96000": "more than 1 GiB",
	} {
		_, err := parseBlocking(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseBlocking(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// The override wins when valid, and is ignored with the reason when not;
// the description names the caches and the tiles.
func TestChooseBlockings(t *testing.T) {
	c := cacheInfo{l1d: cacheLevel{48 << 10, 12, false}, l2: cacheLevel{2 << 20, 16, false},
		l3: cacheLevel{32 << 20, 16, false}, l3Threads: 2, line: 64, cpus: 2}
	tiles := []tile{{12, 32}}
	d := chooseBlockings("avx512", tiles, tile{12, 32}, c, "", false)
	if d.sgemm != (blocking{256, 1788, 15360}) || d.bf16 != d.sgemm || !strings.Contains(d.why, "avx512") ||
		!strings.Contains(d.why, "L1D 48 KiB 12-way") {
		t.Errorf("derived: %+v", d)
	}
	o := chooseBlockings("avx512", tiles, tile{12, 32}, c, "256,120,3072", true)
	if o.sgemm != (blocking{256, 120, 3072}) || o.bf16 != o.sgemm || !strings.Contains(o.why, BlockingEnv+"=256,120,3072") {
		t.Errorf("override: %+v", o)
	}
	bad := chooseBlockings("avx512", tiles, tile{12, 32}, c, "256,100,3072", true)
	if bad.sgemm != d.sgemm || !strings.Contains(bad.why, "ignored") || !strings.Contains(bad.why, "mc=100") {
		t.Errorf("bad override: %+v", bad)
	}
}
