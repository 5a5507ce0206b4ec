package autograd

import "testing"

// runRuleFresh runs n's backward rule on the gradient buffers gin as the
// backward walk does when no other rule has written them: an overwriting rule
// (backwardFresh) gets them as fresh, an adding rule gets them cleared.
// Calling n.backward directly breaks on rules that only overwrite.
func runRuleFresh(n *node, gout []float32, gin [][]float32) {
	if n.backwardFresh != nil {
		fresh := make([]bool, len(gin))
		for k := range fresh {
			fresh[k] = gin[k] != nil
		}
		n.backwardFresh(gout, gin, fresh)
		return
	}
	for _, g := range gin {
		clear(g)
	}
	n.backward(gout, gin)
}

// BenchmarkConv2d times forward and backward (input and weight gradients) of
// a ResNet-18 stage-2 layer: 3×3, 128→128 channels, 16×16, batch 64, stride
// 1, padding 1. GFLOP/s counts the three GEMMs (output, weight gradient,
// input gradient) at 2·N·Cout·Ho·Wo·Cin·9 flops each.
func BenchmarkConv2d(b *testing.B) {
	const n, c, hw = 64, 128, 16
	r := newRand(1)
	x := uniform(r, -1, 1, n, c, hw, hw).SetRequiresGrad(true)
	w := uniform(r, -0.05, 0.05, c, c, 3, 3).SetRequiresGrad(true)
	tp := NewTape(Record)
	tp.Attach(x)
	gx, gw := make([]float32, len(x.Data)), make([]float32, len(w.Data))
	step := func() {
		y := Conv2d(x, w, nil, 1, 1)
		// Seed the backward pass with ones through the rule itself, without
		// a reduction op in the timing.
		ones := getBuf(len(y.Data))
		for i := range ones {
			ones[i] = 1
		}
		runRuleFresh(y.node, ones, [][]float32{gx, gw})
		putBuf(ones)
		tp.Release()
	}
	step()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	flops := 3 * 2.0 * n * c * hw * hw * c * 9
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkBasicBlock times a training step (forward, Backward) through a
// ResNet-18 stage-2 basic block: conv-BN-ReLU-conv-BN, plus the input, ReLU;
// 128 channels at 16×16, batch 64. It shows what the layers around the
// convolutions cost.
func BenchmarkBasicBlock(b *testing.B) {
	const n, c, hw = 64, 128, 16
	r := newRand(1)
	x := uniform(r, -1, 1, n, c, hw, hw).SetRequiresGrad(true)
	p := func(lo, hi float64, shape ...int) *Tensor { return uniform(r, lo, hi, shape...).SetRequiresGrad(true) }
	w1, w2 := p(-0.05, 0.05, c, c, 3, 3), p(-0.05, 0.05, c, c, 3, 3)
	g1, b1, g2, b2 := p(0.5, 1.5, c), p(-0.1, 0.1, c), p(0.5, 1.5, c), p(-0.1, 0.1, c)
	s1, s2 := NewBatchNormStats(c), NewBatchNormStats(c)
	tp := NewTape(Record)
	step := func() {
		tp.Attach(x)
		h := ReLU(BatchNorm2d(Conv2d(x, w1, nil, 1, 1), g1, b1, s1, true))
		h = BatchNorm2d(Conv2d(h, w2, nil, 1, 1), g2, b2, s2, true)
		Backward(Mean(ReLU(Add(h, x))))
		tp.Release()
	}
	step()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	flops := 2 * 3 * 2.0 * n * c * hw * hw * c * 9
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkBatchNorm2d times training-mode batch norm forward and backward on
// a ResNet-18 stage-2 activation: [64, 128, 16, 16].
func BenchmarkBatchNorm2d(b *testing.B) {
	r := newRand(1)
	x := uniform(r, -1, 1, 64, 128, 16, 16).SetRequiresGrad(true)
	g, be := uniform(r, 0.5, 1.5, 128).SetRequiresGrad(true), uniform(r, -1, 1, 128).SetRequiresGrad(true)
	st := NewBatchNormStats(128)
	gy := uniform(r, -1, 1, 64, 128, 16, 16).Data
	gx, gg, gb := make([]float32, len(x.Data)), make([]float32, 128), make([]float32, 128)
	tp := NewTape(Record)
	tp.Attach(x)
	for b.Loop() {
		y := BatchNorm2d(x, g, be, st, true)
		runRuleFresh(y.node, gy, [][]float32{gx, gg, gb})
		tp.Release()
	}
	b.ReportMetric(float64(len(x.Data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
}

// BenchmarkGridSample times a neural predictor's point readout, forward and
// backward: 4000 neurons each reading 64 feature maps of 18×32 at one
// position, batch 64.
func BenchmarkGridSample(b *testing.B) {
	r := newRand(1)
	x := uniform(r, -1, 1, 64, 64, 18, 32).SetRequiresGrad(true)
	grid := uniform(r, -1, 1, 64, 1, 4000, 2).SetRequiresGrad(true)
	gy := uniform(r, -1, 1, 64, 64, 1, 4000).Data
	gx, gg := make([]float32, len(x.Data)), make([]float32, len(grid.Data))
	tp := NewTape(Record)
	tp.Attach(x)
	for b.Loop() {
		y := GridSample(x, grid, false)
		runRuleFresh(y.node, gy, [][]float32{gx, gg})
		tp.Release()
	}
}
