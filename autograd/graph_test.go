package autograd

import (
	"strings"
	"sync"
	"testing"

	"github.com/brainreg/brainreg/simd"
)

// mustPanic runs f and fails unless it panics with a message containing
// every one of want.
func mustPanic(t *testing.T, f func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", want)
		}
		msg, _ := r.(string)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Fatalf("panic %q does not mention %q", msg, w)
			}
		}
	}()
	f()
}

func TestBackwardAccumulatesAndReleases(t *testing.T) {
	w := Param([]float32{1, 2, 3}, 3)
	x := New([]float32{4, 5, 6}, 3)
	for step := 1; step <= 2; step++ {
		loss := Sum(Mul(Mul(w, x), w)) // Σ x·w², d/dw = 2·x·w
		Backward(loss)
		for i := range w.Data {
			want := float32(step) * 2 * x.Data[i] * w.Data[i]
			if w.Grad[i] != want {
				t.Fatalf("step %d: grad %v, want element %d = %v", step, w.Grad, i, want)
			}
		}
		if x.Grad != nil {
			t.Fatalf("x requires no gradient but got %v", x.Grad)
		}
		if loss.node != releasedNode {
			t.Fatalf("graph not released after Backward")
		}
		mustPanic(t, func() { Backward(loss) }, "released")
	}
	w.ZeroGrad()
	if w.Grad[0] != 0 {
		t.Fatal("ZeroGrad left", w.Grad)
	}
	// A preset Grad, a view into a larger buffer, receives the gradient.
	all := make([]float32, 5)
	w.Grad = all[1:4]
	Backward(Sum(Mul(w, x)))
	if all[0] != 0 || all[1] != 4 || all[3] != 6 || all[4] != 0 {
		t.Fatalf("gradient into a view: buffer %v", all)
	}
	w.Grad = all[:2]
	mustPanic(t, func() { Backward(Sum(Mul(w, x))) }, "Grad of 2 elements")
}

func TestGradTouchesNothing(t *testing.T) {
	w := Param([]float32{1, -2, 3, 0.5}, 2, 2)
	x := New([]float32{0.3, -0.7}, 1, 2).SetRequiresGrad(true)
	h := Tanh(MatMul(x, w))
	loss := Sum(Mul(h, h))
	gs := Grad(loss, x)
	if w.Grad != nil || x.Grad != nil {
		t.Fatalf("Grad wrote Grad fields: w %v x %v", w.Grad, x.Grad)
	}
	if loss.node == nil || loss.node == releasedNode {
		t.Fatal("Grad released the graph")
	}
	// The same through Backward.
	Backward(loss)
	for i := range gs[0] {
		if gs[0][i] != x.Grad[i] {
			t.Fatalf("Grad %v, Backward %v", gs[0], x.Grad)
		}
	}
	// An intermediate result can be wanted, even when nothing below it is.
	hx := Tanh(MatMul(New([]float32{0.3, -0.7}, 1, 2), w))
	gh := Grad(Sum(Mul(hx, hx)), hx)[0]
	for i := range gh {
		if want := 2 * hx.Data[i]; gh[i] != want {
			t.Fatalf("gradient at an intermediate %v, want 2·h = %v", gh, want)
		}
	}
	// A tensor the loss does not depend on gets zeros.
	other := Param([]float32{1}, 1)
	l2 := Sum(Mul(w, w))
	if g := Grad(l2, other); len(g[0]) != 1 || g[0][0] != 0 {
		t.Fatalf("unrelated gradient %v", g)
	}
	mustPanic(t, func() { Grad(h, x) }, "Grad", "single element")
	mustPanic(t, func() { Grad(loss, New([]float32{1}, 1)) }, "Grad", "wrt[0]", "requires no gradient")
}

// TestConcurrentGrad runs input gradients on many goroutines over shared
// parameters (what a parallel PGD attack does); run with -race.
func TestConcurrentGrad(t *testing.T) {
	r := newRand(7)
	w := uniform(r, -1, 1, 4, 3).SetRequiresGrad(true)
	xs := make([]*Tensor, 8)
	for i := range xs {
		xs[i] = uniform(r, -1, 1, 2, 4)
	}
	lossOf := func(x *Tensor) *Tensor {
		tp := NewTape(Record)
		tp.Attach(x)
		return Sum(Softplus(MatMul(x, w)))
	}
	want := make([][]float32, len(xs))
	for i, x := range xs {
		x.SetRequiresGrad(true)
		want[i] = Grad(lossOf(x), x)[0]
	}
	var wg sync.WaitGroup
	got := make([][]float32, len(xs))
	for i, x := range xs {
		wg.Go(func() { got[i] = Grad(lossOf(x), x)[0] })
	}
	wg.Wait()
	for i := range xs {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("image %d: concurrent %v, serial %v", i, got[i], want[i])
			}
		}
	}
	if w.Grad != nil {
		t.Fatal("parameters got a Grad")
	}
}

func TestNoGradTape(t *testing.T) {
	w := Param([]float32{1, 2}, 2)
	tp := NewTape(NoGrad)
	x := tp.Attach(New([]float32{3, 4}, 2))
	y := Sum(Mul(x, w))
	if y.RequiresGrad() || y.node != nil || y.Item() != 11 {
		t.Fatalf("no-grad result recorded: %v requires=%v", y, y.RequiresGrad())
	}
	mustPanic(t, func() { Backward(y) }, "not recorded")
	// A recording tape at the same time is unaffected.
	tr := NewTape(Record)
	x2 := tr.Attach(New([]float32{3, 4}, 2))
	if !Sum(Mul(x2, w)).RequiresGrad() {
		t.Fatal("recording tape did not record")
	}
}

// TestTapeReusesBuffers checks that a steady-state step takes its buffers
// from the free list.
func TestTapeReusesBuffers(t *testing.T) {
	r := newRand(3)
	w := uniform(r, -1, 1, 64, 64).SetRequiresGrad(true)
	xd := uniform(r, -1, 1, 32, 64)
	tp := NewTape(Record)
	step := func() {
		x := tp.Attach(xd.Detach())
		Backward(Mean(ReLU(MatMul(x, w))))
		tp.Release()
	}
	step()
	// Headers, nodes and closures remain; the big buffers must not.
	bytes := minStepAlloc(step)
	if bytes > 8*1024 {
		t.Errorf("a step allocates %d bytes; its buffers (%d bytes) should be reused", bytes, 4*(32*64*2))
	}
}

func TestDeterministicAcrossThreads(t *testing.T) {
	r := newRand(11)
	x := uniform(r, -1, 1, 3, 70000)
	run := func() []float32 {
		y := Tanh(Mul(x, x))
		s := Sum(y, 1)
		return append(append([]float32(nil), s.Data...), Sum(y).Data...)
	}
	prev := simd.SetThreads(1)
	defer simd.SetThreads(prev)
	one := run()
	simd.SetThreads(4)
	four := run()
	for i := range one {
		if one[i] != four[i] {
			t.Fatalf("1 thread %v, 4 threads %v", one, four)
		}
	}
}

func TestShapePanicsNameOpAndShapes(t *testing.T) {
	a, b := Zeros(2, 3), Zeros(4, 3)
	mustPanic(t, func() { Add(a, b) }, "add", "[2 3]", "[4 3]")
	mustPanic(t, func() { MatMul(a, a) }, "MatMul", "[2 3]")
	mustPanic(t, func() { New(make([]float32, 5), 2, 3) }, "New", "[2 3]")
	mustPanic(t, func() { Sum(a, 2) }, "sum", "axis 2")
}
