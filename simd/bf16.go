package simd

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/brainreg/brainreg/simd/workers"
)

// Reduced-precision products: SgemmBF16NT multiplies matrices rounded to
// bfloat16 (bf16: float32's sign and 8-bit exponent with 8 significant bits,
// the top half of a float32) and accumulates in float32. Where the CPU has
// AVX-512 BF16 (VDPBF16PS), each instruction does twice the multiply-adds of
// a float32 FMA at the same rate, so the product runs at about twice
// Sgemm's speed. Rounding to bf16 changes an operand by at most 2⁻⁸ of its
// value, so a product aᵢbᵢ by at most 2⁻⁷ of its value, and a dot product
// of k terms by at most 2⁻⁷·Σ|aᵢbᵢ|; the rounding errors being independent,
// typically by about 2⁻⁸·‖a∘b‖₂, which is 2⁻⁸·‖a‖·‖b‖/√k for vectors with
// their weight spread over k entries (about 4·10⁻⁵ for unit vectors of
// 8,000 entries).
//
// The operands are rounded once, by ToBF16, into rows of pairs: word q of a
// row holds columns 2q (low half) and 2q+1 (high half), the layout the
// instruction reads. A caller that multiplies the same matrix many times
// (rsa.Mean multiplies a scan's responses with themselves block by block)
// pays for the rounding once.

// BF16Words is the number of uint32 words a row of k bf16 values takes.
func BF16Words(k int) int { return (k + 1) / 2 }

// BF16 rounds x to bfloat16, to nearest with ties to even. Subnormal values
// become zero of the same sign, as AVX-512 BF16 treats them; NaN stays NaN
// (made quiet); values above the largest bf16 round to infinity.
func BF16(x float32) uint16 {
	u := math.Float32bits(x)
	switch {
	case u&0x7f800000 == 0: // zero or subnormal
		return uint16(u>>16) & 0x8000
	case u&0x7fffffff > 0x7f800000: // NaN
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// FromBF16 is the float32 value of a bfloat16 (exact).
func FromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// ToBF16 rounds the rows×cols float32 matrix src (row stride lds) to
// bfloat16 pairs in dst (row stride ldd ≥ BF16Words(cols) words):
//
//	dst[i*ldd+q] = BF16(src[i*lds+2q]) | BF16(src[i*lds+2q+1])<<16
//
// with the high half of a row's last word zero when cols is odd. Words of
// dst past BF16Words(cols) in a row are not touched.
func ToBF16(rows, cols int, src []float32, lds int, dst []uint32, ldd int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("simd.ToBF16: negative dimension rows=%d cols=%d", rows, cols))
	}
	kw := BF16Words(cols)
	checkWords("ToBF16", "src", "lds", len(src), rows, cols, lds)
	checkWords("ToBF16", "dst", "ldd", len(dst), rows, kw, ldd)
	for i := range rows {
		toBF16Row(dst[i*ldd:i*ldd+kw], src[i*lds:i*lds+cols])
	}
}

// toBF16RowGo is the Go twin of toBF16Row, which rounds one row s to the
// pairs d (len(d) = BF16Words(len(s))).
func toBF16RowGo(d []uint32, s []float32) {
	even := len(s) &^ 1
	for q := range even / 2 {
		d[q] = uint32(BF16(s[2*q])) | uint32(BF16(s[2*q+1]))<<16
	}
	if even < len(s) {
		d[len(d)-1] = uint32(BF16(s[even]))
	}
}

// SgemmBF16NT's blocking, blockings.bf16, counts words (pairs of k): a
// word is 4 bytes as a float32 is, so the blocking is derived as Sgemm's
// is, for the BF16 kernel's tile (see GemmBlocking).

// bf16Kernel is one micro-kernel of SgemmBF16NT: it adds the product of a
// packed A panel (kp words deep, mr rows, stored word column by word
// column) and a packed B panel (kp words deep, nr columns, stored word row
// by word row) to an mr×nr tile of C.
type bf16Kernel struct {
	name   string
	mr, nr int
	run    func(kp int, a, b []uint32, c []float32, ldc int)
}

// bf16Kern is the micro-kernel chosen at start-up for this CPU.
var bf16Kern = selectBF16Kernel()

// BF16Path names SgemmBF16NT's micro-kernel: "avx512-bf16" (VDPBF16PS) or
// "purego" (the Go twin, the same arithmetic in float32).
func BF16Path() string { return bf16Kern.name }

// goBF16Kernel is the Go twin in the AVX-512 kernel's tile shape (the shape
// does not change any result: each element of C is summed in the same
// order whatever the tile).
var goBF16Kernel = bf16Kernel{name: "purego", mr: 12, nr: 32, run: bf16KernelGo12x32}

func bf16KernelGo12x32(kp int, a, b []uint32, c []float32, ldc int) {
	bf16KernelGo(12, 32, kp, a, b, c, ldc)
}

// bf16KernelGo is the pure-Go twin of the BF16 micro-kernels, for any tile
// mr×nr (nr at most 32). With lo and hi the float32 values of a word's two
// halves, it does what VDPBF16PS is specified to do, lane by lane:
//
//	for i := range mr { for j := range nr {
//		var acc float32
//		for p := range kp {
//			x, y := a[p*mr+i], b[p*nr+j]
//			acc += hi(x) * hi(y)   // exact product, one rounding in the sum
//			acc += lo(x) * lo(y)
//		}
//		c[i*ldc+j] += acc
//	}}
//
// A product of two bf16 has at most 16 significant bits, so it is exact in
// float32 and fusing the multiply with the add changes nothing. The
// instruction also flushes a subnormal sum to zero, which this loop does
// not; sums that small (below 2⁻¹²⁶) do not arise from the values
// SgemmBF16NT is meant for.
func bf16KernelGo(mr, nr, kp int, a, b []uint32, c []float32, ldc int) {
	a = a[:kp*mr]
	b = b[:kp*nr]
	var accBuf [32]float32
	acc := accBuf[:nr]
	for i := range mr {
		clear(acc)
		for p := range kp {
			x := a[p*mr+i]
			xlo, xhi := math.Float32frombits(x<<16), math.Float32frombits(x&0xffff0000)
			for j, y := range b[p*nr : p*nr+nr] {
				acc[j] += xhi * math.Float32frombits(y&0xffff0000)
				acc[j] += xlo * math.Float32frombits(y<<16)
			}
		}
		row := c[i*ldc : i*ldc+nr]
		for j := range row {
			row[j] += acc[j]
		}
	}
}

// SgemmBF16NT computes C += A·Bᵀ from operands rounded to bfloat16 (see
// ToBF16), with the products summed in float32: A is m×k and B is n×k, both
// row-major as bf16 pairs (a[i*lda+q] holds A[i][2q] and A[i][2q+1]; lda
// and ldb count words and are at least BF16Words(k)); C is m×n row-major
// float32. For odd k the unused half of each row's last word must be zero,
// as ToBF16 leaves it.
//
// On CPUs with AVX-512 BF16 the micro-kernel is VDPBF16PS; elsewhere, and
// with the purego tag, its Go twin bf16KernelGo. The two give the same sums
// up to float32 rounding order (on AMD Zen 5 they agree to the bit).
// Large products are split over Threads() goroutines along C only, so the
// result does not depend on the number of threads. Wrong lengths or
// dimensions panic, naming the argument.
func SgemmBF16NT(m, n, k int, a []uint32, lda int, b []uint32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("simd.SgemmBF16NT: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	kw := BF16Words(k)
	checkWords("SgemmBF16NT", "a", "lda", len(a), m, kw, lda)
	checkWords("SgemmBF16NT", "b", "ldb", len(b), n, kw, ldb)
	checkWords("SgemmBF16NT", "c", "ldc", len(c), m, n, ldc)
	if m == 0 || n == 0 || k == 0 {
		return
	}
	kern := bf16Kern
	parts := Threads()
	if m*n*k < gemmParallelMinWork {
		parts = 1
	}
	// Split C along the dimension with more micro-tiles, into strips aligned
	// to the tile, as Sgemm does; every strip sums over all of k in the same
	// order.
	splitRows := ceilDiv(m, kern.mr) > ceilDiv(n, kern.nr)
	tiles, tile := ceilDiv(n, kern.nr), kern.nr
	if splitRows {
		tiles, tile = ceilDiv(m, kern.mr), kern.mr
	}
	parts = min(parts, tiles)
	if parts <= 1 {
		bf16Serial(kern, m, n, kw, a, lda, b, ldb, c, ldc)
		return
	}
	workers.Run(parts, func(p int) {
		lo, hi := tiles*p/parts*tile, tiles*(p+1)/parts*tile
		if splitRows {
			hi = min(hi, m)
			bf16Serial(kern, hi-lo, n, kw, a[lo*lda:], lda, b, ldb, c[lo*ldc:], ldc)
		} else {
			hi = min(hi, n)
			bf16Serial(kern, m, hi-lo, kw, a, lda, b[lo*ldb:], ldb, c[lo:], ldc)
		}
	})
}

// bf16Scratch holds one goroutine's packing buffers, kept in a free list so
// that steady-state calls allocate nothing.
type bf16Scratch struct {
	a    []uint32                       // mc rows × kc words as mr-tall panels
	b    []uint32                       // nc columns × kc words as nr-wide panels
	edge [gemmMaxMR * gemmMaxNR]float32 // an edge tile, before it is added to C
}

var bf16Pool = freeList[bf16Scratch]{alloc: func() *bf16Scratch { return new(bf16Scratch) }}

// bf16Serial is SgemmBF16NT on the calling goroutine, kw words deep: the
// loop nest of gemmSerialB around the BF16 micro-kernel.
func bf16Serial(kern bf16Kernel, m, n, kw int, a []uint32, lda int, b []uint32, ldb int, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	blk := blockings.bf16.forTile(mr, nr)
	kcMax := min(blk.kc, kw)
	s := bf16Pool.get()
	defer bf16Pool.put(s)
	s.a = fit(s.a, ceilDiv(min(blk.mc, m), mr)*mr*kcMax, blk.mc*blk.kc)
	s.b = fit(s.b, ceilDiv(min(blk.nc, n), nr)*nr*kcMax, blk.kc*blk.nc)
	for jc := 0; jc < n; jc += blk.nc {
		nc := min(blk.nc, n-jc)
		for pc := 0; pc < kw; pc += blk.kc {
			kc := min(blk.kc, kw-pc)
			packWords(nr, b[jc*ldb+pc:], ldb, nc, kc, s.b)
			for ic := 0; ic < m; ic += blk.mc {
				mc := min(blk.mc, m-ic)
				packWords(mr, a[ic*lda+pc:], lda, mc, kc, s.a)
				for jr := 0; jr < nc; jr += nr {
					cols := min(nr, nc-jr)
					bp := s.b[jr*kc : (jr+nr)*kc]
					for ir := 0; ir < mc; ir += mr {
						rows := min(mr, mc-ir)
						ap := s.a[ir*kc : (ir+mr)*kc]
						cOff := (ic+ir)*ldc + jc + jr
						if rows == mr && cols == nr {
							kern.run(kc, ap, bp, c[cOff:], ldc)
							continue
						}
						edge := s.edge[:mr*nr]
						clear(edge)
						kern.run(kc, ap, bp, edge, nr)
						for i := range rows {
							dst := c[cOff+i*ldc : cOff+i*ldc+cols]
							for j, v := range edge[i*nr : i*nr+cols] {
								dst[j] += v
							}
						}
					}
				}
			}
		}
	}
}

// packWords copies rows×kc words of src (row stride ld) into dst as
// ceil(rows/w) panels; panel q holds rows q·w … q·w+w-1 stored word column
// by word column (dst[q·w·kc + p·w + r] = src[(q·w+r)·ld + p]), with rows
// past the end zero. It is packA's transposition, on words: the words move
// as float32 bit patterns, which neither the assembly nor Go changes.
func packWords(w int, src []uint32, ld, rows, kc int, dst []uint32) {
	sf, df := wordsAsFloat32(src), wordsAsFloat32(dst)
	for q := 0; q < rows; q += w {
		r := min(w, rows-q)
		panel := df[q*kc : (q+w)*kc]
		if r < w {
			clear(panel)
		}
		transposeRows(r, kc, sf[q*ld:], ld, panel, w)
	}
}

// checkWords panics unless a slice of length n can hold a rows×cols
// row-major matrix with leading dimension ld, naming the argument.
func checkWords(fn, name, ldName string, n, rows, cols, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("simd.%s: %s=%d is smaller than the %d columns of %s", fn, ldName, ld, cols, name))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; n < need {
		panic(fmt.Sprintf("simd.%s: len(%s)=%d, need at least %d for a %d×%d matrix with %s=%d",
			fn, name, n, need, rows, cols, ldName, ld))
	}
}

// wordsAsFloat32 views u's storage as float32, for the packing routines
// that move float32 values without looking at them.
func wordsAsFloat32(u []uint32) []float32 {
	if len(u) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&u[0])), len(u))
}
