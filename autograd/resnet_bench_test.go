package autograd

import (
	"math"
	"testing"
)

// A ResNet-18 for 1×32×32 inputs written directly on the ops (7×7 stride-1
// stem without max-pool, basic blocks [2, 2, 2, 2] of 64/128/256/512
// channels, global average pool, linear), to profile a whole training step
// of the paper's network on this package alone. nn builds the real model.
type benchConv struct {
	w      *Tensor
	g, b   *Tensor
	st     *BatchNormStats
	stride int
}

func newBenchConv(r func(lo, hi float64, shape ...int) *Tensor, cin, cout, k, stride int) *benchConv {
	s := math.Sqrt(2 / float64(cin*k*k))
	return &benchConv{w: r(-s, s, cout, cin, k, k), g: r(1, 1, cout), b: r(0, 0, cout),
		st: NewBatchNormStats(cout), stride: stride}
}

func (c *benchConv) forward(x *Tensor) *Tensor {
	k := c.w.Shape[2]
	return BatchNorm2d(Conv2d(x, c.w, nil, c.stride, k/2), c.g, c.b, c.st, true)
}

type benchBlock struct{ c1, c2, down *benchConv }

func (b *benchBlock) forward(x *Tensor) *Tensor {
	h := b.c2.forward(ReLU(b.c1.forward(x)))
	short := x
	if b.down != nil {
		short = b.down.forward(x)
	}
	return ReLU(Add(h, short))
}

func BenchmarkResNet18Step(b *testing.B) {
	rng := newRand(1)
	p := func(lo, hi float64, shape ...int) *Tensor {
		return uniform(rng, lo, hi, shape...).SetRequiresGrad(true)
	}
	stem := newBenchConv(p, 1, 64, 7, 1)
	var blocks []*benchBlock
	cin := 64
	for i, cout := range []int{64, 128, 256, 512} {
		for j := range 2 {
			stride := 1
			if i > 0 && j == 0 {
				stride = 2
			}
			blk := &benchBlock{c1: newBenchConv(p, cin, cout, 3, stride), c2: newBenchConv(p, cout, cout, 3, 1)}
			if stride != 1 || cin != cout {
				blk.down = newBenchConv(p, cin, cout, 1, stride)
			}
			blocks = append(blocks, blk)
			cin = cout
		}
	}
	fc, fcb := p(-0.04, 0.04, 10, 512), p(0, 0, 10)
	const batch = 64
	x := uniform(rng, -2.5, 2.5, batch, 1, 32, 32)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = i % 10
	}
	tp := NewTape(Record)
	step := func() {
		h := ReLU(stem.forward(tp.Attach(x)))
		for _, blk := range blocks {
			h = blk.forward(h)
		}
		Backward(CrossEntropy(Linear(GlobalAvgPool2d(h), fc, fcb), labels))
		tp.Release()
	}
	step()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
