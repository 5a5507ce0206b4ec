package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveGemm is the slow obvious reference: C = alpha·op(A)·op(B) + beta·C in
// float64, with C read only when beta != 0.
func naiveGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	out := make([]float64, len(c))
	for i := range c {
		out[i] = float64(c[i])
	}
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			v := float64(alpha) * s
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			out[i*ldc+j] = v
		}
	}
	return out
}

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.Float64()*2 - 1)
	}
	return x
}

// checkGemm runs one configuration and compares with the reference, element
// by element, with a tolerance that grows with k. Elements of C outside the
// m×n window (the padding of ldc) must be untouched.
func checkGemm(t *testing.T, r *rand.Rand, transA, transB bool, m, n, k, pad int, alpha, beta float32) {
	t.Helper()
	lda, ldb, ldc := k+pad, n+pad, n+pad
	aRows, bRows := m, k
	if transA {
		lda, aRows = m+pad, k
	}
	if transB {
		ldb, bRows = k+pad, n
	}
	a := randSlice(r, aRows*lda)
	b := randSlice(r, bRows*ldb)
	c := randSlice(r, m*ldc)
	if beta == 0 {
		// NaN in C must not leak into the result when beta is 0.
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	want := naiveGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	before := append([]float32(nil), c...)
	Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	tol := 1e-5 * float64(k+4)
	for i := range m {
		for j := range ldc {
			got := c[i*ldc+j]
			if j >= n {
				if math.Float32bits(got) != math.Float32bits(before[i*ldc+j]) {
					t.Fatalf("tA=%v tB=%v m=%d n=%d k=%d: padding C[%d][%d] changed", transA, transB, m, n, k, i, j)
				}
				continue
			}
			if w := want[i*ldc+j]; math.IsNaN(float64(got)) || math.Abs(float64(got)-w) > tol*(1+math.Abs(w)) {
				t.Fatalf("tA=%v tB=%v m=%d n=%d k=%d alpha=%v beta=%v pad=%d: C[%d][%d]=%v, want %v",
					transA, transB, m, n, k, alpha, beta, pad, i, j, got, w)
			}
		}
	}
}

// kernelsUnderTest are every micro-kernel this CPU runs, plus the Go twin in
// the AVX-512 tile shape, so the 12×32 packing is checked on any machine.
func kernelsUnderTest() []gemmKernel {
	goWide := gemmKernel{name: "purego-12x32", mr: 12, nr: 32,
		run: func(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
			microKernelGo(12, 32, kc, a, b, c, ldc, alpha, beta)
		}}
	return append(availableKernels(), goWide)
}

// forEachKernel runs f once with each kernel installed as the Sgemm kernel.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	saved := kernel
	defer func() { kernel = saved }()
	for _, k := range kernelsUnderTest() {
		kernel = k
		t.Run(k.name, f)
	}
}

func TestSgemmConformance(t *testing.T) { forEachKernel(t, testSgemmConformance) }

func testSgemmConformance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Sizes: 1, odd and prime sizes, and sizes just around the tile (6, 16)
	// and block (kc, mc) sizes; TestSgemmLargeBlocks crosses more blocks.
	sizes := []int{1, 2, 5, 6, 7, 11, 12, 13, 15, 16, 17, 31, 32, 33, 37, 119, 120, 121, 255, 256, 257}
	if b := blockings.sgemm; b.kc < 400 {
		sizes = append(sizes, b.kc-1, b.kc, b.kc+1)
	}
	ab := []struct{ alpha, beta float32 }{{1, 0}, {1, 1}, {-0.5, 2}, {2.5, -1}, {0.75, 0}}
	n := 0
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for trial := range 40 {
				m, nn, k := sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))]
				c := ab[trial%len(ab)]
				checkGemm(t, r, tA, tB, m, nn, k, trial%3, c.alpha, c.beta)
				n++
			}
		}
	}
	t.Logf("%d random configurations with kernel %s", n, kernel.name)
}

// Products wider than one nc block, deeper than one kc block and taller
// than one mc block, on several threads: the blocked loops' edges and the
// parallel split, under a small blocking (many blocks of each) and the one
// in force (the third product crosses its nc, the first stays cheap where
// nc is large).
func TestSgemmLargeBlocks(t *testing.T) {
	forEachBlocking(t, func(t *testing.T) { forEachKernel(t, testSgemmLargeBlocks) })
}

func testSgemmLargeBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	defer SetThreads(SetThreads(3))
	b := blockings.sgemm
	checkGemm(t, r, false, false, 125, min(b.nc, 3072)+37, 2*b.kc+88, 1, 1, 0)
	checkGemm(t, r, true, true, b.mc+7, 70, b.kc+1, 0, -1, 0.5)
	checkGemm(t, r, false, true, 7, 3*b.nc+5, 20, 2, 1, 1)
}

// The result must not depend on the number of threads, to the bit, under
// any blocking.
func TestSgemmThreadsBitIdentical(t *testing.T) {
	forEachBlocking(t, func(t *testing.T) { forEachKernel(t, testSgemmThreadsBitIdentical) })
}

func testSgemmThreadsBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, n, k := 203, 517, 301
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	var ref []float32
	for _, th := range []int{1, 2, 3, 7} {
		old := SetThreads(th)
		c := make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		SetThreads(old)
		if ref == nil {
			ref = c
			continue
		}
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(ref[i]) {
				t.Fatalf("threads=%d: C[%d]=%v differs from one thread's %v", th, i, c[i], ref[i])
			}
		}
	}
}

func TestSgemmDegenerate(t *testing.T) {
	// k == 0 and alpha == 0 reduce to C = beta·C; beta == 0 clears NaN.
	c := []float32{float32(math.NaN()), 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0, c, 2)
	for i, v := range c {
		if v != 0 {
			t.Fatalf("k=0 beta=0: C[%d]=%v, want 0", i, v)
		}
	}
	c = []float32{1, 2, 3, 4}
	a := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 2, 0, a, 2, a, 2, 3, c, 2)
	for i, v := range c {
		if v != float32(3*(i+1)) {
			t.Fatalf("alpha=0 beta=3: C[%d]=%v, want %v", i, v, 3*(i+1))
		}
	}
	// m == 0 or n == 0 touches nothing and accepts empty slices.
	Sgemm(false, false, 0, 5, 3, 1, nil, 3, make([]float32, 15), 5, 0, nil, 5)
}

func TestSgemmPanicsNameTheArgument(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	cases := []panicCase{
		{"negative", func() { Sgemm(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2) }, "negative dimension"},
		{"short a", func() { Sgemm(false, false, 2, 2, 3, 1, a[:5], 3, b, 2, 0, c, 2) }, "len(a)=5"},
		{"short b", func() { Sgemm(false, false, 2, 2, 3, 1, a, 3, b[:4], 2, 0, c, 2) }, "len(b)=4"},
		{"short c", func() { Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c[:3], 2) }, "len(c)=3"},
		{"small lda", func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2) }, "lda=2"},
		{"small ldb transposed", func() { Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2) }, "ldb=2"},
		{"small ldc", func() { Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 1) }, "ldc=1"},
	}
	checkPanics(t, cases)
}

// A steady-state call reuses its packing buffers.
func TestSgemmDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m, n, k := 64, 64, 64
	a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	defer SetThreads(SetThreads(1))
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	allocs := testing.AllocsPerRun(20, func() {
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	})
	if allocs != 0 {
		t.Fatalf("Sgemm allocated %v times per call, want 0", allocs)
	}
}

func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		m, n, k int
		tA, tB  bool
		name    string
	}{
		{256, 256, 256, false, false, "256x256x256"},
		{1024, 1024, 1024, false, false, "1024x1024x1024"},
		{2048, 2048, 2048, false, false, "2048x2048x2048"},
		// A ResNet-18 stage-1 3×3 convolution at batch 64 as im2col:
		// forward W[64,576]·cols[576,65536], weight gradient
		// dY[64,65536]·colsᵀ, input gradient Wᵀ·dY.
		{64, 65536, 576, false, false, "64x65536x576"},
		{64, 576, 65536, false, true, "64x576x65536"},
		{576, 65536, 64, true, false, "576x65536x64"},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			lda, ldb := s.k, s.n
			if s.tA {
				lda = s.m
			}
			if s.tB {
				ldb = s.k
			}
			a, bb, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
			b.ResetTimer()
			for b.Loop() {
				Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// panicCase is a call that must panic with a message containing want.
type panicCase struct {
	name string
	call func()
	want string
}

// checkPanics runs each case as a subtest and checks its panic message.
func checkPanics(t *testing.T, cases []panicCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %q, want it to mention %q", msg, tc.want)
				}
			}()
			tc.call()
		})
	}
}
