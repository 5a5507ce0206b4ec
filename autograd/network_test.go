package autograd

import (
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/brainreg/brainreg/simd"
)

// tinyNet is a small ResNet-like classifier used to test the core end to
// end: conv, batch norm, ReLU, a residual add, a strided conv, pooling, a
// linear layer and cross-entropy.
type tinyNet struct {
	w1, g1, b1, w2, w3, fc, fcb *Tensor
	bn                          *BatchNormStats
}

func newTinyNet(seed uint64) *tinyNet {
	r := newRand(seed)
	p := func(lo, hi float64, shape ...int) *Tensor { return uniform(r, lo, hi, shape...).SetRequiresGrad(true) }
	return &tinyNet{
		w1: p(-0.3, 0.3, 4, 1, 3, 3), g1: p(0.5, 1.5, 4), b1: p(-0.1, 0.1, 4),
		w2: p(-0.2, 0.2, 4, 4, 3, 3), w3: p(-0.2, 0.2, 6, 4, 3, 3),
		fc: p(-0.3, 0.3, 3, 6), fcb: p(-0.1, 0.1, 3),
		bn: NewBatchNormStats(4),
	}
}

func (m *tinyNet) params() []*Tensor { return []*Tensor{m.w1, m.g1, m.b1, m.w2, m.w3, m.fc, m.fcb} }

// loss: x [N, 1, 8, 8] → mean cross-entropy.
func (m *tinyNet) loss(x *Tensor, labels []int, training bool) *Tensor {
	h := ReLU(BatchNorm2d(Conv2d(x, m.w1, nil, 1, 1), m.g1, m.b1, m.bn, training))
	h = ReLU(Add(h, Conv2d(h, m.w2, nil, 1, 1)))
	h = MaxPool2d(ReLU(Conv2d(h, m.w3, nil, 2, 1)), 2, 2, 0)
	return CrossEntropy(Linear(GlobalAvgPool2d(h), m.fc, m.fcb), labels)
}

// TestConcurrentAttackGradients computes input gradients of many images on
// parallel goroutines over one model's shared parameters, as a PGD attack
// does, and compares with the serial result; run with -race.
func TestConcurrentAttackGradients(t *testing.T) {
	m := newTinyNet(1)
	r := newRand(2)
	const images = 6
	xs := make([]*Tensor, images)
	for i := range xs {
		xs[i] = uniform(r, 0, 1, 1, 1, 8, 8)
	}
	inputGrad := func(i int) []float32 {
		tp := NewTape(Record)
		defer tp.Release()
		x := tp.Attach(xs[i].Clone().SetRequiresGrad(true))
		g := Grad(m.loss(x, []int{i % 3}, false), x)[0]
		return g
	}
	want := make([][]float32, images)
	for i := range want {
		want[i] = inputGrad(i)
	}
	got := make([][]float32, images)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = inputGrad(i) })
	}
	wg.Wait()
	for i := range got {
		for j := range got[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("image %d element %d: concurrent %v, serial %v", i, j, got[i][j], want[i][j])
			}
		}
	}
	for _, p := range m.params() {
		if p.Grad != nil {
			t.Fatal("an attack's Grad wrote a parameter's Grad")
		}
	}
}

// trainStep runs one forward and backward pass of the tiny net on a batch
// and returns the loss and a copy of every parameter gradient.
func trainStep(m *tinyNet, tp *Tape, x *Tensor, labels []int) (float32, [][]float32) {
	for _, p := range m.params() {
		p.ZeroGrad()
	}
	loss := m.loss(tp.Attach(x), labels, true)
	l := loss.Item()
	Backward(loss)
	tp.Release()
	var gs [][]float32
	for _, p := range m.params() {
		gs = append(gs, append([]float32(nil), p.Grad...))
	}
	return l, gs
}

func TestTrainingStepDeterministicAcrossThreads(t *testing.T) {
	defer setConvBudget(3 * 9 * 64)() // several chunks per conv
	prevGrain := elemGrain
	elemGrain = 16 // many blocks even on these small tensors
	defer func() { elemGrain = prevGrain }()
	x := uniform(newRand(5), 0, 1, 7, 1, 8, 8)
	labels := []int{0, 1, 2, 0, 1, 2, 0}
	run := func(threads int) (float32, [][]float32) {
		prev := simd.SetThreads(threads)
		defer simd.SetThreads(prev)
		return trainStep(newTinyNet(9), NewTape(Record), x, labels)
	}
	l1, g1 := run(1)
	l3, g3 := run(3)
	if l1 != l3 {
		t.Fatalf("loss %v with 1 thread, %v with 3", l1, l3)
	}
	for i := range g1 {
		for j := range g1[i] {
			if g1[i][j] != g3[i][j] {
				t.Fatalf("parameter %d element %d: %v with 1 thread, %v with 3", i, j, g1[i][j], g3[i][j])
			}
		}
	}
}

// minStepAlloc returns the fewest bytes that one of a few calls of step
// allocated. The minimum, because simd.Sgemm grows its own scratch pool
// lazily the first time two of its goroutines happen to overlap, which can
// be any step.
func minStepAlloc(step func()) uint64 {
	best := uint64(math.MaxUint64)
	for range 4 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		step()
		runtime.ReadMemStats(&after)
		best = min(best, after.TotalAlloc-before.TotalAlloc)
	}
	return best
}

// TestTrainingStepReusesBuffers checks that after a first step, training
// steps take activations, gradients and im2col columns from the free list.
func TestTrainingStepReusesBuffers(t *testing.T) {
	m := newTinyNet(3)
	x := uniform(newRand(4), 0, 1, 16, 1, 16, 16)
	labels := make([]int, 16)
	tp := NewTape(Record)
	trainStep(m, tp, x, labels)
	// The activations alone: the first conv's output is 16·4·16·16 floats.
	const activationBytes = 16 * 4 * 16 * 16 * 4
	perStep := minStepAlloc(func() { trainStep(m, tp, x, labels) })
	if perStep > activationBytes {
		t.Errorf("a training step allocates %d bytes, more than one activation (%d)", perStep, activationBytes)
	}
	t.Logf("%d bytes allocated per steady-state step", perStep)
}

func TestEvaluationRecordsNothing(t *testing.T) {
	m := newTinyNet(1)
	tp := NewTape(NoGrad)
	loss := m.loss(tp.Attach(uniform(newRand(1), 0, 1, 2, 1, 8, 8)), []int{0, 1}, false)
	if loss.RequiresGrad() || !loss.IsLeaf() {
		t.Fatal("evaluation on a NoGrad tape recorded the graph")
	}
	tp.Release()
}
