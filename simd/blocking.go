package simd

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/klauspost/cpuid/v2/topology"
)

// BlockingEnv names the environment variable that overrides Sgemm's
// blocking: BRAINREG_GEMM_BLOCKING="kc,mc,nc", for instance "256,120,3072",
// to reproduce on one machine the bits another machine's blocking gives
// (see GemmBlocking). kc is at least 1; mc is a multiple of 24 and nc of
// 96, the least common multiples of the tile heights (6, 8, 12) and widths
// (12, 16, 32) of every kernel the package has, so that a value accepted on
// one machine is accepted on all. A value that does not parse or is out of
// range is ignored, and GemmBlocking says why: the program does not stop.
const BlockingEnv = "BRAINREG_GEMM_BLOCKING"

// blocking is one choice of the block sizes of Sgemm's loops (see the
// comment on the loop nest in sgemm.go): kc-deep slices of k, mc rows of A
// and nc columns of B packed at a time.
type blocking struct{ kc, mc, nc int }

// forTile returns b with mc and nc rounded down to multiples of the tile
// (at least one tile). The derived blockings already are, for every kernel
// of their path; this keeps any other kernel installed beside them (tests
// do) correct: PackA's panels start at rows that are multiples of mr, and
// SgemmRowsPackedSegments needs jc to be a multiple of nr.
func (b blocking) forTile(mr, nr int) blocking {
	b.mc = max(mr, b.mc/mr*mr)
	b.nc = max(nr, b.nc/nr*nr)
	return b
}

func (b blocking) String() string { return fmt.Sprintf("%d,%d,%d", b.kc, b.mc, b.nc) }

// tile is a micro-kernel's register tile of C, mr×nr.
type tile struct{ mr, nr int }

func (t tile) String() string { return fmt.Sprintf("%d×%d", t.mr, t.nr) }

// allTiles are the tiles of every kernel of the package on every
// architecture (AVX2 and the Go twin 6×16, AVX-512 12×32 and 8×32, NEON
// 8×12, bfloat16 12×32): an override must be a multiple of all of them to
// be valid everywhere. A test checks that this build's kernels are among
// them.
var allTiles = []tile{{6, 16}, {12, 32}, {8, 32}, {8, 12}}

// cacheLevel is one level of data cache as cpuid describes it.
type cacheLevel struct {
	size      int  // bytes in one instance; ≤ 0 when unknown
	ways      int  // associativity; ≤ 0 when unknown
	inclusive bool // holds what the levels below it hold; known only with ways > 0 (the same descriptor gives both)
}

// cacheInfo is what deriveBlocking needs to know of the CPU.
type cacheInfo struct {
	l1d, l2, l3 cacheLevel
	l2Cores     int // cores sharing one L2 (a Cortex-A72 cluster, an E-core module); ≤ 0 when private or unknown
	l3Threads   int // logical processors sharing one L3; ≤ 0 when unknown
	line        int // cache line in bytes; ≤ 0 when unknown (64 is assumed)
	cpus        int // logical processors, taken to share an L3 whose sharing is unknown; ≤ 0 when unknown
}

// Bounds on what deriveBlocking believes, and what it assumes instead. A
// size outside its level's range (cpuid says −1 when it does not know, 0 on
// some hypervisors, and an emulator may say anything) counts as unknown and
// the level is assumed to be the small one below, common to the CPUs this
// package runs on (a level-2 share of 256 KiB is the least of a Cortex-A72
// cluster, a level-3 share of 1 MiB per thread the least of current
// servers); associativity outside 1…64, or more ways than lines, counts as
// unknown, and 8 ways are assumed (16 at level 3).
var cacheBounds = [3]struct {
	name       string
	lo, hi     int // plausible sizes of one instance
	size, ways int // what is assumed when the size or the ways are not plausible
	perThread  bool
}{
	{"L1D", 8 << 10, 1 << 20, 32 << 10, 8, false},
	{"L2", 64 << 10, 64 << 20, 256 << 10, 8, false},
	{"L3", 256 << 10, 4 << 30, 1 << 20, 16, true},
}

// Caps on the derived blocks, where the model stops paying and memory does
// not: beyond kc = 1024 the C tile's load and store, once per kc
// multiply-adds, cost about 1% of the kernel's loads or less; beyond
// mc = 4096 and nc = 16384 the packing they save (B micro-panels reloaded
// once per mc rows, A re-packed once per nc columns: 1/(2·nc) of the work)
// is under a few parts in ten thousand, while each goroutine's buffers grow
// as kc·mc and kc·nc.
const (
	blockMaxKC = 1024
	blockMaxMC = 4096
	blockMaxNC = 16384
	// kc is a multiple of 8: packing transposes 8 (AVX2) or 4 (NEON)
	// columns of A at a time, so whole slices pack in whole strips.
	blockKCStep = 8
)

// deriveBlocking derives Sgemm's blocking for the tiles a kernel path uses
// (Sgemm's kernel and SgemmRows's, which share kc so that their results
// agree to the bit) from the caches of one core, after the analytical model
// of BLIS (Low, Igual, Smith and Quintana-Ortí 2016, "Analytical modeling is
// enough for high-performance BLIS", ACM TOMS 43(2)). Elements are 4 bytes
// (float32, or a word of two bfloat16 for SgemmBF16NT).
//
// The loop nest (gemmSerialB) keeps one kc×nr micro-panel of B in L1 while
// the mr×kc micro-panels of A stream past it, the mc×kc block of A in L2
// while the B micro-panels stream past it, and the kc×nc block of B in L3.
// A cache of W ways with S sets of L-byte lines is W ways of S·L bytes;
// contiguous panels spread evenly over the sets, so a panel of P bytes
// takes ⌈P/(S·L)⌉ ways of every set, and with LRU replacement a panel keeps
// its place while the data streaming past it cycles through the other ways,
// less one way for that stream's next panel and for C:
//
//   - kc is the largest with ⌈kc·mr·4/(S₁L)⌉ + ⌈kc·nr·4/(S₁L)⌉ ≤ W₁ − 1 for
//     every tile (C_Ar + C_Br ≤ W_L1 − 1 in the paper, solved exactly rather
//     than through its relaxation C_Ar = ⌊(W_L1 − 1)/(1 + nr/mr)⌋, which
//     can leave a way unused), rounded down to a multiple of 8. With 12
//     ways of 4 KiB (48 KiB) and the 12×32 tile that is kc = 256, A 3 ways
//     and B 8; with 8 ways (32 KiB), kc = 160, A 2 ways and B 5. The B
//     micro-panel thus takes at most (W₁ − 2)/W₁ of L1, and about
//     nr/(mr+nr) of it.
//   - mc is the largest multiple of every tile's mr with
//     mc·kc·4 ≤ (W₂ − 1 − ⌈kc·nr·4/(S₂L)⌉)·S₂L: the A block, beside one
//     B micro-panel (the widest tile's) on its way to L1 and one way for C.
//   - nc is the largest multiple of every tile's nr with
//     kc·nc·4 ≤ (W₃ − 1 − ⌈mc·kc·4/(S₃L)⌉)·S₃L, where the A block is
//     counted only if L3 is inclusive (or its inclusion unknown); AMD's L3
//     and Intel's since Skylake-SP are not.
//
// L1 and L2 are taken per core, as in the paper (where several cores share
// an L2, each gets its part); SMT siblings running kernels at once compete
// for them, which the model does not describe. L3 is taken per thread: its
// size divided by the logical processors sharing it, since every goroutine
// packs its own B block, with the same associativity. An L3 whose sharing is
// unknown is taken as shared by all cpus. Where the model leaves fewer ways
// than a block needs (a 2-way L1, an L2 smaller than the B micro-panel),
// each block still gets one way, and blocks never go below one tile nor
// above the caps blockMaxKC, blockMaxMC and blockMaxNC.
//
// notes lists what was assumed or capped, for GemmBlocking's description.
func deriveBlocking(c cacheInfo, tiles []tile) (b blocking, notes []string) {
	m := newCacheModel(c)
	b, capped := m.blocking(tiles, m.modelKC(tiles))
	return b, append(m.notes, capped...)
}

// cacheModel is what deriveBlocking believes of the caches: per level the
// bytes one goroutine counts on and the ways, after the bounds of
// cacheBounds, with notes on what it had to assume.
type cacheModel struct {
	share, ways [3]int
	inclusiveL3 bool
	notes       []string
}

func newCacheModel(c cacheInfo) cacheModel {
	var m cacheModel
	line := c.line
	if line < 16 || line > 512 {
		if c.line > 0 {
			m.notes = append(m.notes, fmt.Sprintf("cache line %d B not plausible, assumed 64 B", c.line))
		}
		line = 64
	}
	levels := [3]cacheLevel{c.l1d, c.l2, c.l3}
	for i, lv := range levels {
		bd := cacheBounds[i]
		size, w := lv.size, lv.ways
		if size < bd.lo || size > bd.hi {
			what := fmt.Sprintf("%d", size)
			if size < 0 {
				what = "unknown"
			}
			assumed := fmtBytes(bd.size)
			if bd.perThread {
				assumed += " per thread"
			}
			m.notes = append(m.notes, fmt.Sprintf("%s %s, assumed %s %d-way", bd.name, what, assumed, bd.ways))
			m.share[i], m.ways[i] = bd.size, bd.ways
			if i == 2 {
				m.inclusiveL3 = true
			}
			continue
		}
		if w < 1 || w > 64 || size/w < line {
			what := "unknown"
			if w > 0 {
				what = fmt.Sprintf("%d not plausible", w)
			}
			m.notes = append(m.notes, fmt.Sprintf("%s associativity %s, assumed %d-way", bd.name, what, bd.ways))
			w = bd.ways
		}
		sh := 1
		switch {
		case i == 1 && c.l2Cores > 1 && c.l2Cores <= 1<<16:
			sh = c.l2Cores
		case i == 2 && c.l3Threads >= 1 && c.l3Threads <= 1<<16:
			sh = c.l3Threads
		case i == 2:
			sh = max(c.cpus, 1)
		}
		m.share[i], m.ways[i] = size/sh, w
		if i == 2 {
			m.inclusiveL3 = lv.inclusive || lv.ways <= 0
		}
	}
	return m
}

// way is the bytes of one way of level i's share.
func (m cacheModel) way(i int) int { return max(m.share[i]/m.ways[i], 1) }

// modelKC is the model's kc: the largest with the A and B micro-panels of
// every tile in W₁ − 1 ways of L1 (at least one each), a multiple of
// blockKCStep, at most blockMaxKC.
func (m cacheModel) modelKC(tiles []tile) int {
	w1, avail := m.way(0), max(m.ways[0]-1, 2)
	kc := blockMaxKC
	for _, t := range tiles {
		best := 0
		for ca := 1; ca < avail; ca++ {
			best = max(best, min(ca*w1/(t.mr*4), (avail-ca)*w1/(t.nr*4)))
		}
		kc = min(kc, best)
	}
	return roundKC(kc)
}

// roundKC rounds kc down to a multiple of blockKCStep within
// blockKCStep…blockMaxKC.
func roundKC(kc int) int { return min(max(blockKCStep, kc/blockKCStep*blockKCStep), blockMaxKC) }

// blocking completes a kc into a blocking: mc and nc as the model gives
// them for that depth, with notes where a cap applied.
func (m cacheModel) blocking(tiles []tile, kc int) (b blocking, notes []string) {
	mrAll, nrAll, nrMax := 1, 1, 0
	for _, t := range tiles {
		mrAll, nrAll, nrMax = lcm(mrAll, t.mr), lcm(nrAll, t.nr), max(nrMax, t.nr)
	}

	// L2: the A block beside one B micro-panel and a way for C.
	w2 := m.way(1)
	waysA := max(m.ways[1]-1-ceilDiv(kc*nrMax*4, w2), 1)
	mc := waysA * w2 / (kc * 4) / mrAll * mrAll
	if lim := blockMaxMC / mrAll * mrAll; mc > lim {
		notes = append(notes, fmt.Sprintf("mc capped at %d (the model gives %d)", lim, mc))
		mc = lim
	}
	mc = max(mc, mrAll)

	// L3: the B block, beside the A block if L3 holds it too, and a way.
	w3 := m.way(2)
	waysB := m.ways[2] - 1
	if m.inclusiveL3 {
		waysB -= ceilDiv(mc*kc*4, w3)
	}
	nc := max(waysB, 1) * w3 / (kc * 4) / nrAll * nrAll
	if lim := blockMaxNC / nrAll * nrAll; nc > lim {
		notes = append(notes, fmt.Sprintf("nc capped at %d (the model gives %d)", lim, nc))
		nc = lim
	}
	nc = max(nc, nrAll)
	return blocking{kc, mc, nc}, notes
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func lcm(a, b int) int { return a / gcd(a, b) * b }

// fmtBytes writes n bytes in the largest binary unit that divides it.
func fmtBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// describeCaches says which caches deriveBlocking was given, for
// GemmBlocking: "L1D 32 KiB 8-way, L2 1 MiB 8-way, L3 32 MiB 16-way shared
// by 2 threads".
func describeCaches(c cacheInfo) string {
	var parts []string
	for i, lv := range [3]cacheLevel{c.l1d, c.l2, c.l3} {
		s := cacheBounds[i].name + " "
		if lv.size <= 0 {
			s += fmt.Sprint(lv.size)
		} else {
			s += fmtBytes(lv.size)
		}
		if lv.ways > 0 {
			s += fmt.Sprintf(" %d-way", lv.ways)
		}
		if i == 1 && c.l2Cores > 1 {
			s += fmt.Sprintf(" shared by %d cores", c.l2Cores)
		}
		if i == 2 && c.l3Threads > 0 {
			s += fmt.Sprintf(" shared by %d threads", c.l3Threads)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// readCaches reads the caches cpuid reports for this CPU: sizes from
// cpuid.CPU.Cache, associativity, sharing and inclusion from the topology
// it extrapolates from the current core (where it describes caches of the
// same sizes).
func readCaches() cacheInfo {
	cpu := &cpuid.CPU
	c := cacheInfo{line: cpu.CacheLine, cpus: runtime.NumCPU()}
	c.l1d.size, c.l2.size, c.l3.size = cpu.Cache.L1D, cpu.Cache.L2, cpu.Cache.L3
	if cpu.LogicalCores > 0 {
		c.cpus = cpu.LogicalCores
	}
	t := cpu.Topology()
	if t == nil {
		return c
	}
	tpc := max(cpu.ThreadsPerCore, 1)
	fill := func(cs []topology.Cache) {
		for _, tc := range cs {
			var lv *cacheLevel
			switch {
			case tc.Level == 1 && tc.Type != topology.Instruction:
				lv = &c.l1d
			case tc.Level == 2:
				lv = &c.l2
			case tc.Level == 3:
				lv = &c.l3
			default:
				continue
			}
			if lv.ways != 0 || (lv.size > 0 && tc.Size != lv.size) {
				continue // already filled, or another cache than cpuid's
			}
			if lv.size <= 0 {
				lv.size = tc.Size
			}
			lv.ways, lv.inclusive = tc.Ways, tc.Inclusive
			switch tc.Level {
			case 2:
				c.l2Cores = tc.SharedThreads / tpc
			case 3:
				c.l3Threads = tc.SharedThreads
			}
		}
	}
	for _, p := range t.Packages {
		for _, g := range p.Groups {
			if len(g.Cores) > 0 {
				fill(g.Cores[0].Caches)
			}
			fill(g.Caches)
		}
		fill(p.Caches)
	}
	return c
}

// parseBlocking parses an override, "kc,mc,nc", and checks it against the
// rules BlockingEnv states.
func parseBlocking(s string) (blocking, error) {
	b, err := parseBlockingNumbers(s)
	if err != nil {
		return b, err
	}
	return b, checkBlocking(b, allTiles)
}

// parseBlockingNumbers reads "kc,mc,nc" (spaces around the numbers allowed)
// without checking the sizes.
func parseBlockingNumbers(s string) (blocking, error) {
	example := "for instance 256,120,3072"
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return blocking{}, fmt.Errorf("want three whole numbers kc,mc,nc, %s", example)
	}
	var v [3]int
	for i, x := range f {
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return blocking{}, fmt.Errorf("%q is not a whole number; want kc,mc,nc, %s", strings.TrimSpace(x), example)
		}
		v[i] = n
	}
	return blocking{v[0], v[1], v[2]}, nil
}

// checkBlocking checks b against the bounds every blocking keeps (kc in
// 1…8192, mc up to 2¹⁶, nc up to 2²⁰, at most 1 GiB of buffers a
// goroutine) and against tiles: mc and nc positive multiples of every
// tile's mr and nr.
func checkBlocking(b blocking, tiles []tile) error {
	mrAll, nrAll := 1, 1
	for _, t := range tiles {
		mrAll, nrAll = lcm(mrAll, t.mr), lcm(nrAll, t.nr)
	}
	switch {
	case b.kc < 1 || b.kc > 8192:
		return fmt.Errorf("kc=%d is not in 1…8192", b.kc)
	case b.mc < mrAll || b.mc > 1<<16 || b.mc%mrAll != 0:
		return fmt.Errorf("mc=%d is not a positive multiple of %d (every kernel's tile height) up to %d; %d or %d would be",
			b.mc, mrAll, 1<<16, max(mrAll, b.mc/mrAll*mrAll), max(mrAll, ceilDiv(b.mc, mrAll)*mrAll))
	case b.nc < nrAll || b.nc > 1<<20 || b.nc%nrAll != 0:
		return fmt.Errorf("nc=%d is not a positive multiple of %d (every kernel's tile width) up to %d; %d or %d would be",
			b.nc, nrAll, 1<<20, max(nrAll, b.nc/nrAll*nrAll), max(nrAll, ceilDiv(b.nc, nrAll)*nrAll))
	case b.kc*(b.mc+b.nc) > 1<<28:
		return fmt.Errorf("kc·(mc+nc) = %d floats of buffers per goroutine is more than 1 GiB", b.kc*(b.mc+b.nc))
	}
	return nil
}

// blockingChoice is the blocking in force: Sgemm's (and SgemmRows's), and
// SgemmBF16NT's (kc counting words of two bfloat16), with the description
// GemmBlocking gives.
type blockingChoice struct {
	sgemm, bf16 blocking
	why         string
}

// chooseBlockings picks the blockings for a kernel path: the override env,
// when set (set says so) and valid, for both products; otherwise each
// derived from the caches for its own tiles. It is a pure function of its
// arguments.
func chooseBlockings(path string, sgemmTiles []tile, bf16Tile tile, caches cacheInfo, env string, set bool) blockingChoice {
	sg, notes := deriveBlocking(caches, sgemmTiles)
	bf, _ := deriveBlocking(caches, []tile{bf16Tile})
	names := make([]string, len(sgemmTiles))
	for i, t := range sgemmTiles {
		names[i] = t.String()
	}
	derived := fmt.Sprintf("derived for the %s path's %s tiles from the caches cpuid reports (%s)",
		path, strings.Join(names, " and "), describeCaches(caches))
	if len(notes) > 0 {
		derived += "; " + strings.Join(notes, "; ")
	}
	if bf != sg {
		derived += fmt.Sprintf("; SgemmBF16NT's %s tile: %v", bf16Tile, bf)
	}
	if set {
		o, err := parseBlocking(env)
		if err == nil {
			return blockingChoice{sgemm: o, bf16: o,
				why: fmt.Sprintf("%s=%s (the caches would give %v)", BlockingEnv, strings.TrimSpace(env), sg)}
		}
		derived = fmt.Sprintf("%s=%q ignored: %v; %s", BlockingEnv, env, err, derived)
	}
	return blockingChoice{sgemm: sg, bf16: bf, why: derived}
}

// hostCaches are this CPU's caches, read once.
var hostCaches = readCaches()

// blockingEnv is BlockingEnv's value at start-up.
var blockingEnv, blockingEnvSet = os.LookupEnv(BlockingEnv)

// blockings is the blocking in force, chosen for the kernel path at
// start-up and again whenever ForcePath changes the path.
var blockings = currentBlockings()

// currentBlockings chooses the blockings for the kernels now selected.
func currentBlockings() blockingChoice {
	tiles := []tile{{kernel.mr, kernel.nr}}
	if rk := rowsKernel; rk.mr != 0 && (rk.mr != kernel.mr || rk.nr != kernel.nr) {
		tiles = append(tiles, tile{rk.mr, rk.nr})
	}
	return chooseBlockings(kernel.name, tiles, tile{bf16Kern.mr, bf16Kern.nr}, hostCaches, blockingEnv, blockingEnvSet)
}

// GemmBlocking reports Sgemm's blocking in force, for reports and -version
// output: the depth kc of one packed slice of k, the rows mc of A and the
// columns nc of B packed at once, and where they came from (the caches
// cpuid reported and the kernel path's tiles, with whatever had to be
// assumed; or BlockingEnv, with what the caches would have given; or why
// BlockingEnv was ignored). SgemmRows and its variants use the same;
// SgemmBF16NT uses the same numbers (kc counting words of two bfloat16)
// unless the description says otherwise.
//
// kc decides the order of Sgemm's sums: C gets one kc-deep partial sum per
// slice, added in turn. Different CPUs, whose caches give different kc,
// therefore give results that differ in the last bits; on one machine, with
// one path and one blocking, results stay deterministic and do not depend
// on the number of threads. mc and nc change only the speed. Setting
// BlockingEnv to another machine's "kc,mc,nc" (and forcing its kernel path)
// reproduces that machine's bits, where the kernels compute alike.
//
// The blocks follow from the caches through BLIS's analytical model (Low,
// Igual, Smith and Quintana-Ortí 2016): a kc×nr micro-panel of B with an
// mr×kc one of A in L1 (beside a way for the data streaming past), an mc×kc
// block of A in L2 and a kc×nc block of B in each thread's share of L3, as
// the comment on the blocking's derivation in blocking.go sets out.
func GemmBlocking() (kc, mc, nc int, why string) {
	b := blockings.sgemm
	return b.kc, b.mc, b.nc, blockings.why
}
