package simd

import (
	"fmt"
	"sync"

	"github.com/brainreg/brainreg/simd/workers"
)

// Blocking of Sgemm, after BLIS (Van Zee and van de Geijn 2015): the product
// is cut into kc-deep slices of k; for each slice a kc×nc block of B is packed
// into nr-wide column panels (kept in L3) and an mc×kc block of A into
// mr-tall row panels (kept in L2); the micro-kernel then multiplies one A
// panel by one B panel (kc×nr, kept in L1) into an mr×nr tile of C held in
// registers. kc, mc and nc follow from the CPU's caches (blocking.go,
// GemmBlocking); the tile mr×nr depends on the kernel (6×16 for AVX2,
// 12×32 for AVX-512, 8×12 for NEON).
const (
	// The largest tile of any kernel, for the edge-tile buffers.
	gemmMaxMR = 12
	gemmMaxNR = 32

	// Products with fewer multiply-adds than this run on the calling
	// goroutine alone: starting goroutines would cost more than it saves.
	gemmParallelMinWork = 1 << 18
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices, where op(X) is X or Xᵀ as transA and transB say; op(A) is m×k,
// op(B) is k×n and C is m×n. lda, ldb and ldc are the leading dimensions of
// a, b and c as stored (the row length of the stored matrix: k for A
// untransposed, m for A transposed, and so on).
//
// When beta is 0, C is written without being read, so NaN or Inf already in
// C does not leak into the result. Sgemm panics with a message naming the
// argument when a dimension is negative, a leading dimension is too small or
// a slice is too short. Large products are split over Threads() goroutines;
// the result does not depend on how many.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemmArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}

	parts := Threads()
	if m*n*k < gemmParallelMinWork {
		parts = 1
	}
	// Split C along the dimension with more micro-tiles, into at most parts
	// strips aligned to the tile size; every strip sums over all of k in the
	// same order, so the split does not change any result.
	kern := kernel
	splitRows := ceilDiv(m, kern.mr) > ceilDiv(n, kern.nr)
	tiles, tile := ceilDiv(n, kern.nr), kern.nr
	if splitRows {
		tiles, tile = ceilDiv(m, kern.mr), kern.mr
	}
	if parts > tiles {
		parts = tiles
	}
	if parts <= 1 {
		gemmSerial(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}

	// Strip p is tiles p·tiles/parts … (p+1)·tiles/parts; the caller runs
	// strip 0 itself.
	workers.Run(parts, func(p int) {
		lo, hi := tiles*p/parts*tile, tiles*(p+1)/parts*tile
		if splitRows {
			hi = min(hi, m)
		} else {
			hi = min(hi, n)
		}
		if lo >= hi {
			return
		}
		if splitRows {
			aOff := lo * lda
			if transA {
				aOff = lo
			}
			gemmSerial(kern, transA, transB, hi-lo, n, k, alpha, a[aOff:], lda, b, ldb, beta, c[lo*ldc:], ldc)
		} else {
			bOff := lo
			if transB {
				bOff = lo * ldb
			}
			gemmSerial(kern, transA, transB, m, hi-lo, k, alpha, a, lda, b[bOff:], ldb, beta, c[lo:], ldc)
		}
	})
}

// checkGemmArgs panics, naming the argument, on anything that would make
// Sgemm read or write out of bounds.
func checkGemmArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("simd.Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	// Stored shapes: A is m×k (or k×m transposed), B is k×n (or n×k).
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	checkMatrix("a", "lda", a, aRows, aCols, lda)
	checkMatrix("b", "ldb", b, bRows, bCols, ldb)
	checkMatrix("c", "ldc", c, m, n, ldc)
}

// checkMatrix panics unless x can hold a rows×cols row-major matrix with
// leading dimension ld.
func checkMatrix(name, ldName string, x []float32, rows, cols, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("simd.Sgemm: %s=%d is smaller than the %d columns of %s", ldName, ld, cols, name))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; len(x) < need {
		panic(fmt.Sprintf("simd.Sgemm: len(%s)=%d, need at least %d for a %d×%d matrix with %s=%d",
			name, len(x), need, rows, cols, ldName, ld))
	}
}

// scaleMatrix sets C = beta·C, writing zeros without reading C when beta is 0.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			Scale(beta, row)
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// gemmScratch holds one goroutine's packing buffers. They are kept in a free
// list so that steady-state Sgemm calls allocate nothing.
type gemmScratch struct {
	a    []float32                      // mc×kc block of A as mr-tall panels
	b    []float32                      // kc×nc block of B as nr-wide panels
	edge [gemmMaxMR * gemmMaxNR]float32 // an edge tile, before it is merged into C
}

var scratchPool = freeList[gemmScratch]{alloc: func() *gemmScratch { return new(gemmScratch) }}

// fit returns buf if it holds need floats, else a new buffer of at least
// need (and twice the old one, up to full, so that calls of growing size
// reallocate only a few times). Buffers are sized by what calls need, not
// by the blocking, which may change with the kernel path (ForcePath) and
// may be large on CPUs with large caches.
func fit[T any](buf []T, need, full int) []T {
	if len(buf) >= need {
		return buf
	}
	return make([]T, max(need, min(2*len(buf), full)))
}

// freeList keeps buffers for reuse by later calls (a sync.Pool may drop
// them at any garbage collection, which steady-state callers would pay
// for): get returns a kept one or a new one from alloc.
type freeList[T any] struct {
	mu    sync.Mutex
	free  []*T
	alloc func() *T
}

func (l *freeList[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.free); n > 0 {
		s := l.free[n-1]
		l.free = l.free[:n-1]
		return s
	}
	return l.alloc()
}

func (l *freeList[T]) put(s *T) {
	l.mu.Lock()
	l.free = append(l.free, s)
	l.mu.Unlock()
}

// gemmSerial is Sgemm on the calling goroutine: the BLIS loop nest around
// the micro-kernel.
func gemmSerial(kern gemmKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmSerialB(kern, m, n, k, alpha, aSource{transA: transA, a: a, lda: lda}, bSource{transB: transB, b: b, ldb: ldb}, beta, c, ldc)
}

// aSource says where op(A) comes from: a stored matrix (a, lda, transA),
// packed block by block as the product needs it, or, when packed is set,
// all of op(A) packed beforehand by PackA.
type aSource struct {
	transA bool
	a      []float32
	lda    int
	packed []float32 // see PackA for the layout
	mPad   int       // rows of the packed operand: m rounded up to mr
	kc     int       // depth of the packed operand's slices of k
}

// block returns the mc×kc block of op(A) at row ic, column pc as mr-tall
// panels (the layout of packA), packing it into scratch unless A was packed
// beforehand.
func (s aSource) block(mr, ic, pc, mc, kc int, scratch []float32) []float32 {
	if s.packed != nil {
		return s.packed[pc*s.mPad+ic*kc:][:ceilDiv(mc, mr)*mr*kc]
	}
	packA(mr, s.transA, s.a, s.lda, ic, pc, mc, kc, scratch)
	return scratch
}

// bSource says where op(B) comes from: a stored matrix (b, ldb, transB), or,
// when rowOff is set, rows at arbitrary offsets of b (see SgemmRows).
type bSource struct {
	transB bool
	b      []float32
	ldb    int
	rowOff []int
	// With rowOff and without transB, seg > 0 says that B's columns come in
	// segments of seg (a multiple of gemmMaxNR, not always of the kernel's
	// nr), segStride apart in b (see SgemmRowsPackedSegments).
	seg, segStride int
}

// col is where column j of a row of B given by row offsets starts,
// relative to the row's offset.
func (s bSource) col(j int) int {
	if s.seg == 0 {
		return j
	}
	return j/s.seg*s.segStride + j%s.seg
}

// pack is packB for either kind of source.
func (s bSource) pack(nr, pc, jc, kc, nc int, dst []float32) {
	if s.rowOff == nil {
		packB(nr, s.transB, s.b, s.ldb, pc, jc, kc, nc, dst)
		return
	}
	if !s.transB {
		for p := range kc {
			if s.seg == 0 {
				o := s.rowOff[pc+p] + jc
				packBRow(nr, s.b[o:o+nc], p, kc, dst)
				continue
			}
			if s.seg%nr != 0 {
				// A kernel whose nr does not divide seg (NEON's 12):
				// segments do not start panels, so each column goes to
				// its place in the panels, the last panel's tail zeroed.
				row := s.b[s.rowOff[pc+p]:]
				for jj := range nc {
					dst[jj/nr*nr*kc+p*nr+jj%nr] = row[s.col(jc+jj)]
				}
				if rem := nc % nr; rem != 0 {
					clear(dst[nc/nr*nr*kc+p*nr+rem:][:nr-rem])
				}
				continue
			}
			// Segment by segment; each starts a panel, as seg and jc are
			// multiples of nr.
			for j := jc; j < jc+nc; {
				end := min(jc+nc, (j/s.seg+1)*s.seg)
				o := s.rowOff[pc+p] + s.col(j)
				packBRow(nr, s.b[o:o+end-j], p, kc, dst[(j-jc)*kc:])
				j = end
			}
		}
		return
	}
	// op(B)[p][j] = b[rowOff[j]+p]: column j of the block is a run of b.
	// Eight columns whose runs are equally spaced transpose as one strip.
	for q := 0; q < nc; q += nr {
		cols := min(nr, nc-q)
		panel := dst[q*kc : (q+nr)*kc]
		if cols < nr {
			clear(panel)
		}
		off := s.rowOff[jc+q:][:cols]
		for j := 0; j < cols; j += 8 {
			g := min(8, cols-j)
			lds := 0
			if g == 8 {
				lds = off[j+1] - off[j]
				for r := j + 2; r < j+8; r++ {
					if off[r]-off[r-1] != lds {
						lds = 0
						break
					}
				}
			}
			if lds > 0 {
				transposeRows(8, kc, s.b[off[j]+pc:], lds, panel[j:], nr)
				continue
			}
			for r := j; r < j+g; r++ {
				for p, v := range s.b[off[r]+pc:][:kc] {
					panel[p*nr+r] = v
				}
			}
		}
	}
}

// gemmSerialB is gemmSerial with B given by a bSource.
func gemmSerialB(kern gemmKernel, m, n, k int, alpha float32, asrc aSource,
	src bSource, beta float32, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	blk := blockings.sgemm.forTile(mr, nr)
	if asrc.packed != nil {
		blk.kc = asrc.kc // the slices PackA cut
	}
	kcMax := min(blk.kc, k)
	aNeed := 0
	if asrc.packed == nil {
		aNeed = ceilDiv(min(blk.mc, m), mr) * mr * kcMax
	}
	s := scratchPool.get()
	defer scratchPool.put(s)
	s.a = fit(s.a, aNeed, blk.mc*blk.kc)
	if src.rowOff != nil && !src.transB && kern.rows != nil && nr == gemmMaxNR {
		s.b = fit(s.b, nr*kcMax, nr*blk.kc)
		gemmRowsDirect(kern, blk, s, m, n, k, alpha, asrc, src, beta, c, ldc)
		return
	}
	s.b = fit(s.b, ceilDiv(min(blk.nc, n), nr)*nr*kcMax, blk.kc*blk.nc)
	for jc := 0; jc < n; jc += blk.nc {
		nc := min(blk.nc, n-jc)
		for pc := 0; pc < k; pc += blk.kc {
			kc := min(blk.kc, k-pc)
			src.pack(nr, pc, jc, kc, nc, s.b)
			// The first slice of k applies the caller's beta; later slices
			// add to what the earlier ones wrote.
			betaSlice := beta
			if pc > 0 {
				betaSlice = 1
			}
			for ic := 0; ic < m; ic += blk.mc {
				mc := min(blk.mc, m-ic)
				ablk := asrc.block(mr, ic, pc, mc, kc, s.a)
				for jr := 0; jr < nc; jr += nr {
					cols := min(nr, nc-jr)
					bp := s.b[jr*kc : (jr+nr)*kc]
					for ir := 0; ir < mc; ir += mr {
						rows := min(mr, mc-ir)
						ap := ablk[ir*kc : (ir+mr)*kc]
						cOff := (ic+ir)*ldc + jc + jr
						if rows == mr && cols == nr {
							kern.run(kc, ap, bp, c[cOff:], ldc, alpha, betaSlice)
							continue
						}
						kern.run(kc, ap, bp, s.edge[:], nr, alpha, 0)
						mergeEdge(rows, cols, nr, s.edge[:], betaSlice, c[cOff:], ldc)
					}
				}
			}
		}
	}
}

// gemmRowsDirect is gemmSerialB for B given by row offsets with a kernel
// that reads those rows in place: only A is packed. A last panel narrower
// than nr is packed and run through the ordinary kernel.
func gemmRowsDirect(kern gemmKernel, blk blocking, s *gemmScratch, m, n, k int, alpha float32, asrc aSource,
	src bSource, beta float32, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	for pc := 0; pc < k; pc += blk.kc {
		kc := min(blk.kc, k-pc)
		off := src.rowOff[pc : pc+kc]
		betaSlice := beta
		if pc > 0 {
			betaSlice = 1
		}
		for ic := 0; ic < m; ic += blk.mc {
			mc := min(blk.mc, m-ic)
			ablk := asrc.block(mr, ic, pc, mc, kc, s.a)
			for jr := 0; jr < n; jr += nr {
				cols := min(nr, n-jr)
				var bp []float32
				if cols < nr {
					bp = s.b[:nr*kc]
					cj := src.col(jr)
					for p, o := range off {
						packBRow(nr, src.b[o+cj:o+cj+cols], p, kc, bp)
					}
				}
				for ir := 0; ir < mc; ir += mr {
					rows := min(mr, mc-ir)
					ap := ablk[ir*kc : (ir+mr)*kc]
					cOff := (ic+ir)*ldc + jr
					switch {
					case rows == mr && cols == nr:
						kern.rows(kc, ap, src.b[src.col(jr):], off, c[cOff:], ldc, alpha, betaSlice)
					case cols == nr:
						kern.rows(kc, ap, src.b[src.col(jr):], off, s.edge[:], nr, alpha, 0)
						mergeEdge(rows, cols, nr, s.edge[:], betaSlice, c[cOff:], ldc)
					default:
						kern.run(kc, ap, bp, s.edge[:], nr, alpha, 0)
						mergeEdge(rows, cols, nr, s.edge[:], betaSlice, c[cOff:], ldc)
					}
				}
			}
		}
	}
}

// mergeEdge writes the rows×cols corner of a full tile computed into edge
// (row stride nr) to C, as C = edge + beta·C (C not read when beta is 0).
func mergeEdge(rows, cols, nr int, edge []float32, beta float32, c []float32, ldc int) {
	for i := range rows {
		dst := c[i*ldc : i*ldc+cols]
		src := edge[i*nr : i*nr+cols]
		if beta == 0 {
			copy(dst, src)
			continue
		}
		for j := range dst {
			dst[j] = src[j] + beta*dst[j]
		}
	}
}

// packA copies the mc×kc block of op(A) starting at row ic, column pc into
// dst as ceil(mc/mr) panels; panel q holds rows q·mr … q·mr+mr-1, stored
// column by column (dst[q·mr·kc + p·mr + r] = op(A)[ic+q·mr+r][pc+p]), with
// rows past mc zero.
func packA(mr int, transA bool, a []float32, lda, ic, pc, mc, kc int, dst []float32) {
	for q := 0; q < mc; q += mr {
		rows := min(mr, mc-q)
		panel := dst[q*kc : (q+mr)*kc]
		if transA {
			// Stored k×m: the mr values of one column are adjacent.
			if rows < mr {
				clear(panel)
			}
			copyRows(kc, rows, a[pc*lda+ic+q:], lda, panel, mr)
			continue
		}
		// Stored m×k: a transposition of the rows×kc strip.
		if rows < mr {
			clear(panel)
		}
		transposeRows(rows, kc, a[(ic+q)*lda+pc:], lda, panel, mr)
	}
}

// packB copies the kc×nc block of op(B) starting at row pc, column jc into
// dst as ceil(nc/nr) panels; panel q holds columns q·nr … q·nr+nr-1, stored
// row by row (dst[q·nr·kc + p·nr + j] = op(B)[pc+p][jc+q·nr+j]), with
// columns past nc zero.
func packB(nr int, transB bool, b []float32, ldb, pc, jc, kc, nc int, dst []float32) {
	if !transB {
		// Stored k×n: walk B row by row (sequential reads) and deal each
		// row's nr-wide pieces out to the panels.
		for p := range kc {
			packBRow(nr, b[(pc+p)*ldb+jc:][:nc], p, kc, dst)
		}
		return
	}
	for q := 0; q < nc; q += nr {
		cols := min(nr, nc-q)
		panel := dst[q*kc : (q+nr)*kc]
		// Stored n×k: a transposition of the cols×kc strip.
		if cols < nr {
			clear(panel)
		}
		transposeRows(cols, kc, b[(jc+q)*ldb+pc:], ldb, panel, nr)
	}
}

// packBRow deals row p (of kc) of a B block, src: [nc], out to the nr-wide
// panels of dst, zero-filling the last panel past nc.
func packBRow(nr int, src []float32, p, kc int, dst []float32) {
	nc := len(src)
	full := nc / nr * nr
	if full > 0 {
		copyRows(full/nr, nr, src, nr, dst[p*nr:], kc*nr)
	}
	if full < nc {
		d := dst[full*kc+p*nr:][:nr]
		copy(d, src[full:])
		clear(d[nc-full:])
	}
}

// Transpose writes the rows×cols matrix src (row stride lds) transposed
// into dst (row stride ldd): dst[p·ldd + r] = src[r·lds + p] for r < rows,
// p < cols. It runs in assembly eight rows at a time where the CPU allows
// (the transposition that packing uses), and panics, naming the argument,
// when a slice is too short or a stride too small.
func Transpose(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("simd.Transpose: negative dimension rows=%d cols=%d", rows, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if lds < cols || ldd < rows {
		panic(fmt.Sprintf("simd.Transpose: lds=%d must be at least cols=%d and ldd=%d at least rows=%d", lds, cols, ldd, rows))
	}
	if need := (rows-1)*lds + cols; len(src) < need {
		panic(fmt.Sprintf("simd.Transpose: len(src)=%d, need %d for %d rows of %d with lds=%d", len(src), need, rows, cols, lds))
	}
	if need := (cols-1)*ldd + rows; len(dst) < need {
		panic(fmt.Sprintf("simd.Transpose: len(dst)=%d, need %d for %d rows of %d with ldd=%d", len(dst), need, cols, rows, ldd))
	}
	transposeRows(rows, cols, src, lds, dst, ldd)
}

// transposeRowsGo is the Go twin of transposeRows:
// dst[p*ldd+r] = src[r*lds+p] for r < rows, p < k.
func transposeRowsGo(rows, k int, src []float32, lds int, dst []float32, ldd int) {
	for r := range rows {
		row := src[r*lds:][:k]
		for p, v := range row {
			dst[p*ldd+r] = v
		}
	}
}

// copyRows copies a rows×cols block from src (row stride lds) to dst (row
// stride ldd). The common full-panel widths copy as fixed-size arrays, which
// the compiler turns into a few vector moves instead of a memmove call.
func copyRows(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	switch cols {
	case 32:
		for p := range rows {
			*(*[32]float32)(dst[p*ldd:]) = *(*[32]float32)(src[p*lds:])
		}
	case 16:
		for p := range rows {
			*(*[16]float32)(dst[p*ldd:]) = *(*[16]float32)(src[p*lds:])
		}
	case 12:
		for p := range rows {
			*(*[12]float32)(dst[p*ldd:]) = *(*[12]float32)(src[p*lds:])
		}
	case 6:
		for p := range rows {
			*(*[6]float32)(dst[p*ldd:]) = *(*[6]float32)(src[p*lds:])
		}
	default:
		for p := range rows {
			copy(dst[p*ldd:p*ldd+cols], src[p*lds:p*lds+cols])
		}
	}
}
