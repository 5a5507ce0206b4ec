package simd

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Every path this CPU can run can be forced, and then every kernel keeps to
// it: the product is the chosen path's, AVX-512's other kernels stay off
// under avx2-fma, all assembly under purego; results still match the
// float64 reference. An unknown name or a path the CPU lacks is refused and
// changes nothing.
func TestForcePath(t *testing.T) {
	defer restorePath(t)()
	if err := ForcePath("auto", "test"); err != nil {
		t.Fatal(err)
	}
	best := Path()
	if err := ForcePath("sse9", "test"); err == nil || !strings.Contains(err.Error(), "this build has") || Path() != best {
		t.Errorf("an unknown path: error %v, path %s", err, Path())
	}
	r := rand.New(rand.NewPCG(1, 2))
	const m, n, k = 37, 45, 70
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = r.Float32()*2 - 1
	}
	for i := range b {
		b[i] = r.Float32()*2 - 1
	}
	ran := 0
	for _, p := range Paths() {
		if err := ForcePath(p, "test"); err != nil {
			if !strings.Contains(err.Error(), "cannot run it") || Path() != best {
				t.Errorf("%s refused with %v, leaving path %s", p, err, Path())
			}
			continue
		}
		ran++
		if Path() != p || PathChoice() != p+" (forced by test)" {
			t.Errorf("forced %s: Path %s, PathChoice %q", p, Path(), PathChoice())
		}
		if p != "avx512" && (HasConv3x3WeightGrad16() || BF16Path() != "purego" || dotKernel.ok && p == "avx2-fma") {
			t.Errorf("forced %s, yet an AVX-512 kernel is on: conv3x3 %v, bf16 %s, dot %v", p, HasConv3x3WeightGrad16(), BF16Path(), dotKernel.ok)
		}
		if p == "purego" && useAsm {
			t.Errorf("forced purego, yet the vector kernels run in assembly")
		}
		c := make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		want := naiveGemm(false, false, m, n, k, 1, a, k, b, n, 0, make([]float32, m*n), n)
		for i := range c {
			if math.Abs(float64(c[i])-want[i]) > 1e-4 {
				t.Fatalf("forced %s: c[%d] = %g, want %g", p, i, c[i], want[i])
			}
		}
	}
	if ran == 0 {
		t.Fatal("no path could be forced, not even the CPU's best")
	}
}

// restorePath returns a function that puts back the path forced when it was
// called (BRAINREG_KERNEL may force one for the whole test binary).
func restorePath(t *testing.T) func() {
	path, by, was := forcedPath, forcedBy, Path()
	return func() {
		if err := ForcePath(path, by); err != nil || Path() != was {
			t.Fatalf("restoring the path %q: %v, path %s, want %s", path, err, Path(), was)
		}
	}
}
