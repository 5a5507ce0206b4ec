package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bf16Ref rounds x to bfloat16 the slow obvious way, in float64: the
// nearest of the two bf16 values around x, ties to the one with an even
// last bit; subnormals to signed zero.
func bf16Ref(x float32) float32 {
	if x == 0 || math.Abs(float64(x)) < 0x1p-126 {
		return float32(math.Copysign(0, float64(x)))
	}
	if math.IsInf(float64(x), 0) {
		return x
	}
	u := math.Float32bits(x)
	down := math.Float32frombits(u &^ 0xffff) // truncation, towards zero
	_, e := math.Frexp(float64(down))
	ulp := math.Ldexp(1, e-8) // bf16 keeps 8 significant bits
	dd := math.Abs(float64(x) - float64(down))
	du := ulp - dd
	switch {
	case dd < du:
		return down
	case du < dd:
	case (u>>16)&1 == 0:
		return down
	}
	// Away from zero; past the largest bf16 that is infinity.
	return float32(float64(down) + math.Copysign(ulp, float64(x)))
}

func TestBF16Rounding(t *testing.T) {
	cases := []struct {
		x    float32
		want uint16
	}{
		{1, 0x3f80},
		{-2, 0xc000},
		{1 + 0x1p-8, 0x3f80},            // a tie: to the even 1
		{1 + 3*0x1p-8, 0x3f82},          // a tie: to the even 1+2⁻⁶
		{1 + 0x1p-8 + 0x1p-20, 0x3f81},  // just above the tie
		{math.MaxFloat32, 0x7f80},       // past the largest bf16: +Inf
		{float32(math.Inf(-1)), 0xff80}, // -Inf
		{0x1p-130, 0},                   // subnormal: flushed
		{-0x1p-140, 0x8000},             // to signed zero
		{0x1p-126, 0x0080},              // the smallest normal is kept
		{float32(math.Copysign(0, -1)), 0x8000},
	}
	for _, c := range cases {
		if got := BF16(c.x); got != c.want {
			t.Errorf("BF16(%g) = %#04x, want %#04x", c.x, got, c.want)
		}
	}
	nan := math.Float32frombits(0x7f800001) // signalling NaN with a low payload
	if h := BF16(nan); !math.IsNaN(float64(FromBF16(h))) {
		t.Errorf("BF16(NaN) = %#04x, not a NaN", h)
	}
	r := rand.New(rand.NewPCG(1, 16))
	for range 100000 {
		x := math.Float32frombits(r.Uint32())
		if math.IsNaN(float64(x)) {
			continue
		}
		want := bf16Ref(x)
		if got := FromBF16(BF16(x)); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("BF16(%g) = %g, want %g", x, got, want)
		}
	}
}

func TestToBF16Layout(t *testing.T) {
	src := []float32{1, 2, 3, 9, 9, -1, 0.5, -4, 9, 9}
	dst := []uint32{7, 7, 7, 7, 7, 7}
	ToBF16(2, 3, src, 5, dst, 3)
	want := []uint32{0x40003f80, 0x4040, 7, 0x3f00bf80, 0xc080, 7}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("ToBF16: dst=%#x, want %#x", dst, want)
		}
	}
}

// ToBF16 (VCVTNE2PS2BF16 on the multiple-of-32 prefix where the CPU has
// it) gives the bits of its Go twin for any float32 bit pattern: NaNs,
// infinities, subnormals, ties; every row length up to 100.
func TestToBF16MatchesGoTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 16))
	special := []uint32{0x7f800001, 0xffc00000, 0x7f800000, 0x00000001, 0x807fffff, 0x3f808000, 0x3f818000, 0x7f7fffff, 0}
	for cols := range 101 {
		rows := 3
		lds, ldd := cols+1, BF16Words(cols)+2
		src := make([]float32, rows*lds)
		for i := range src {
			u := r.Uint32()
			if r.IntN(4) == 0 {
				u = special[r.IntN(len(special))]
			} else if r.IntN(3) == 0 {
				u &^= 0x7fff // a tie or exact
				u |= uint32(r.IntN(2)) << 15
			}
			src[i] = math.Float32frombits(u)
		}
		got := make([]uint32, rows*ldd)
		want := make([]uint32, rows*ldd)
		ToBF16(rows, cols, src, lds, got, ldd)
		for i := range rows {
			toBF16RowGo(want[i*ldd:i*ldd+BF16Words(cols)], src[i*lds:i*lds+cols])
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("cols=%d: word %d = %#08x, Go twin %#08x", cols, i, got[i], want[i])
			}
		}
	}
}

// bf16Operand is a random rows×k matrix in float32 (row stride k) and as
// bf16 pairs with row stride BF16Words(k)+pad, the pad words NaN so that
// reading them would show.
func bf16Operand(r *rand.Rand, rows, k, pad int) (x []float32, w []uint32, ld int) {
	x = randSlice(r, rows*k)
	ld = BF16Words(k) + pad
	w = make([]uint32, rows*ld)
	for i := range w {
		w[i] = 0x7fc07fc0
	}
	ToBF16(rows, k, x, k, w, ld)
	return x, w, ld
}

// checkBF16 runs one SgemmBF16NT configuration with the installed kernel and
// checks every element of C against float64 references: within float32
// summation error of the exact product of the bf16-rounded operands, and
// within the bf16 bound of the exact product of the float32 operands
// (each operand is off by at most 2⁻⁸ relative, each product by 2⁻⁷). C's
// padding must stay untouched. It returns C.
func checkBF16(t *testing.T, r *rand.Rand, m, n, k, pad int) []float32 {
	t.Helper()
	a, aw, lda := bf16Operand(r, m, k, pad)
	b, bw, ldb := bf16Operand(r, n, k, pad)
	ldc := n + pad
	c := randSlice(r, m*ldc)
	c0 := append([]float32(nil), c...)
	SgemmBF16NT(m, n, k, aw, lda, bw, ldb, c, ldc)
	a64, ar := widen(a), widen(a)
	b64, br := widen(b), widen(b)
	for i := range ar {
		ar[i] = float64(bf16Ref(a[i]))
	}
	for i := range br {
		br[i] = float64(bf16Ref(b[i]))
	}
	// Roundings in float32: one per term, one per kc slice added to C.
	steps := float64(k + ceilDiv(BF16Words(k), blockings.bf16.kc) + 2)
	const u = 0x1p-24
	for i := range m {
		for j := range ldc {
			got := c[i*ldc+j]
			if j >= n {
				if math.Float32bits(got) != math.Float32bits(c0[i*ldc+j]) {
					t.Fatalf("m=%d n=%d k=%d: padding C[%d][%d] changed", m, n, k, i, j)
				}
				continue
			}
			exact, rounded, mag := float64(c0[i*ldc+j]), float64(c0[i*ldc+j]), math.Abs(float64(c0[i*ldc+j]))
			ai, bj, ari, brj := a64[i*k:(i+1)*k], b64[j*k:(j+1)*k], ar[i*k:(i+1)*k], br[j*k:(j+1)*k]
			for p := range k {
				exact += ai[p] * bj[p]
				rounded += ari[p] * brj[p]
				mag += math.Abs(ai[p] * bj[p])
			}
			if d := math.Abs(float64(got) - rounded); math.IsNaN(float64(got)) || d > steps*u*1.01*mag {
				t.Fatalf("m=%d n=%d k=%d: C[%d][%d]=%v, the bf16 operands' product is %v (error %.3g > %.3g)",
					m, n, k, i, j, got, rounded, d, steps*u*mag)
			}
			if d := math.Abs(float64(got) - exact); d > (0x1p-7+steps*u)*1.01*mag {
				t.Fatalf("m=%d n=%d k=%d: C[%d][%d]=%v, the float32 operands' product is %v (error %.3g > %.3g)",
					m, n, k, i, j, got, exact, d, (0x1p-7+steps*u)*mag)
			}
		}
	}
	return c
}

func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// forEachBF16Kernel runs f once with each BF16 micro-kernel this CPU runs.
func forEachBF16Kernel(t *testing.T, f func(t *testing.T)) {
	saved := bf16Kern
	defer func() { bf16Kern = saved }()
	for _, k := range availableBF16Kernels() {
		bf16Kern = k
		t.Run(k.name, f)
	}
}

func TestSgemmBF16Conformance(t *testing.T) { forEachBF16Kernel(t, testSgemmBF16Conformance) }

func testSgemmBF16Conformance(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 16))
	// Around the tile (12×32), the blocks (mc 120 rows, kc 256 words, that
	// is 512 values of k) and odd k, whose last word is half padding.
	mn := []int{1, 2, 11, 12, 13, 31, 32, 33, 119, 120, 121, 250}
	ks := []int{1, 2, 3, 23, 24, 510, 511, 512, 513, 1025}
	for trial := range 60 {
		m, n, k := mn[r.IntN(len(mn))], mn[r.IntN(len(mn))], ks[r.IntN(len(ks))]
		checkBF16(t, r, m, n, k, trial%3)
	}
}

// Wider than one nc block, on several threads, split both ways, under a
// small blocking and the one in force.
func TestSgemmBF16LargeBlocks(t *testing.T) {
	forEachBlocking(t, func(t *testing.T) { forEachBF16Kernel(t, testSgemmBF16LargeBlocks) })
}

func testSgemmBF16LargeBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 16))
	defer SetThreads(SetThreads(3))
	checkBF16(t, r, 7, min(blockings.bf16.nc, 3072)+45, 40, 1)
	checkBF16(t, r, 300, 40, 600, 0)
}

// The assembly kernel against its Go twin on the same operands: equal up
// to float32 summation order. The test logs how many elements differ in
// the last bits (none on AMD Zen 5).
func TestSgemmBF16MatchesGoTwin(t *testing.T) {
	saved := bf16Kern
	defer func() { bf16Kern = saved }()
	r := rand.New(rand.NewPCG(4, 16))
	for _, kern := range availableBF16Kernels()[1:] {
		for _, s := range [][3]int{{37, 70, 1001}, {120, 96, 512}, {13, 33, 7}} {
			m, n, k := s[0], s[1], s[2]
			_, aw, lda := bf16Operand(r, m, k, 1)
			_, bw, ldb := bf16Operand(r, n, k, 0)
			c0 := randSlice(r, m*n)
			run := func(kk bf16Kernel) []float32 {
				bf16Kern = kk
				c := append([]float32(nil), c0...)
				SgemmBF16NT(m, n, k, aw, lda, bw, ldb, c, n)
				return c
			}
			want, got := run(goBF16Kernel), run(kern)
			differ := 0
			for i := range got {
				if math.Float32bits(got[i]) == math.Float32bits(want[i]) {
					continue
				}
				differ++
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*float64(k) {
					t.Fatalf("%s %d×%d×%d: C[%d]=%v, Go twin %v", kern.name, m, n, k, i, got[i], want[i])
				}
			}
			t.Logf("%s %d×%d×%d: %d of %d elements differ from the Go twin in the last bits", kern.name, m, n, k, differ, len(got))
		}
	}
}

// The result must not depend on the number of threads, to the bit.
func TestSgemmBF16ThreadsBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 16))
	for _, s := range [][3]int{{203, 517, 301}, {700, 90, 301}} {
		m, n, k := s[0], s[1], s[2]
		_, aw, lda := bf16Operand(r, m, k, 0)
		_, bw, ldb := bf16Operand(r, n, k, 0)
		var ref []float32
		for _, th := range []int{1, 2, 3, 7} {
			old := SetThreads(th)
			c := make([]float32, m*n)
			SgemmBF16NT(m, n, k, aw, lda, bw, ldb, c, n)
			SetThreads(old)
			if ref == nil {
				ref = c
				continue
			}
			for i := range c {
				if math.Float32bits(c[i]) != math.Float32bits(ref[i]) {
					t.Fatalf("%d×%d×%d threads=%d: C[%d]=%v differs from one thread's %v", m, n, k, th, i, c[i], ref[i])
				}
			}
		}
	}
}

func TestSgemmBF16PanicsNameTheArgument(t *testing.T) {
	a, b, c := make([]uint32, 4), make([]uint32, 4), make([]float32, 4)
	cases := []panicCase{
		{"negative", func() { SgemmBF16NT(2, -1, 3, a, 2, b, 2, c, 2) }, "negative dimension"},
		{"short a", func() { SgemmBF16NT(2, 2, 3, a[:3], 2, b, 2, c, 2) }, "len(a)=3"},
		{"short b", func() { SgemmBF16NT(2, 2, 4, a, 2, b[:3], 2, c, 2) }, "len(b)=3"},
		{"short c", func() { SgemmBF16NT(2, 2, 3, a, 2, b, 2, c[:3], 2) }, "len(c)=3"},
		{"small lda", func() { SgemmBF16NT(2, 2, 3, a, 1, b, 2, c, 2) }, "lda=1"},
		{"small ldb", func() { SgemmBF16NT(2, 2, 3, a, 2, b, 1, c, 2) }, "ldb=1"},
		{"small ldc", func() { SgemmBF16NT(2, 2, 3, a, 2, b, 2, c, 1) }, "ldc=1"},
		{"ToBF16 small ldd", func() { ToBF16(2, 3, make([]float32, 6), 3, a, 1) }, "ldd=1"},
	}
	checkPanics(t, cases)
}

func TestSgemmBF16DoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 16))
	m, n, k := 64, 64, 64
	_, aw, lda := bf16Operand(r, m, k, 0)
	c := make([]float32, m*n)
	defer SetThreads(SetThreads(1))
	SgemmBF16NT(m, n, k, aw, lda, aw, lda, c, n)
	if allocs := testing.AllocsPerRun(20, func() { SgemmBF16NT(m, n, k, aw, lda, aw, lda, c, n) }); allocs != 0 {
		t.Fatalf("SgemmBF16NT allocated %v times per call, want 0", allocs)
	}
}

// BenchmarkSgemmBF16NT times C += A·Bᵀ in bf16 against Sgemm on the same
// shapes in float32; the first is the bulk of one rsa.Mean panel at the
// paper's scale (512 rows against the other 4,488 images, 8,000 neurons).
func BenchmarkSgemmBF16NT(b *testing.B) {
	for _, s := range [][3]int{{512, 4488, 8000}, {2048, 2048, 2048}} {
		m, n, k := s[0], s[1], s[2]
		r := rand.New(rand.NewPCG(1, 1))
		a, aw, lda := bf16Operand(r, m, k, 0)
		bb, bw, ldb := bf16Operand(r, n, k, 0)
		c := make([]float32, m*n)
		flops := 2 * float64(m) * float64(n) * float64(k)
		name := fmt.Sprintf("%dx%dx%d", m, n, k)
		b.Run("bf16/"+name, func(b *testing.B) {
			for b.Loop() {
				SgemmBF16NT(m, n, k, aw, lda, bw, ldb, c, n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run("fp32/"+name, func(b *testing.B) {
			for b.Loop() {
				Sgemm(false, true, m, n, k, 1, a, k, bb, k, 1, c, n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkToBF16 rounds one paper-scale scan (5,000×8,000) to bf16 pairs.
func BenchmarkToBF16(b *testing.B) {
	rows, cols := 5000, 8000
	src := randSlice(rand.New(rand.NewPCG(1, 1)), rows*cols)
	dst := make([]uint32, rows*BF16Words(cols))
	for b.Loop() {
		ToBF16(rows, cols, src, cols, dst, BF16Words(cols))
	}
	b.ReportMetric(float64(rows*cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloats/s")
}
