package nn

// Multiply-adds of a ResNet, counted from its layers: what trainbench
// divides by the time of a step to report the achieved GFLOP/s, and the
// share of the CPU's peak that is.
//
// Only the convolutions and the linear layer are counted: they are the
// matrix products (a k×k convolution from Cin to Cout channels on an
// Ho×Wo output is Cout·Cin·k²·Ho·Wo multiply-adds per image), and batch
// norm, ReLU, pooling and the optimiser add a few operations per value,
// well under 1 % of ResNet-18's. Backward is twice forward (the gradient
// with respect to the input and the one with respect to the weights, each
// a product of the forward's size), except for the stem, whose input needs
// no gradient.

// convMACs is the multiply-adds of c on an h×w input, and the output size.
func (c *Conv2d) convMACs(h, w int) (macs int64, ho, wo int) {
	out, in, k := c.Weight.Shape[0], c.Weight.Shape[1], c.Weight.Shape[2]
	ho = (h+2*c.Padding-k)/c.Stride + 1
	wo = (w+2*c.Padding-k)/c.Stride + 1
	return int64(out) * int64(in) * int64(k*k) * int64(ho*wo), ho, wo
}

// MultiplyAdds returns the multiply-adds per image of a forward pass on an
// h×w input, and of a training step's backward pass (input and weight
// gradients of every layer but the stem's input gradient).
func (m *ResNet) MultiplyAdds(h, w int) (forward, backward int64) {
	stem, h, w := m.Conv1.convMACs(h, w)
	forward = stem
	for _, stage := range m.Stages {
		for _, b := range stage {
			if b.Down != nil {
				d, _, _ := b.Down.convMACs(h, w)
				forward += d
			}
			c1, h1, w1 := b.Conv1.convMACs(h, w)
			c2, h2, w2 := b.Conv2.convMACs(h1, w1)
			forward += c1 + c2
			h, w = h2, w2
		}
	}
	forward += int64(m.FC.Weight.Shape[0]) * int64(m.FC.Weight.Shape[1])
	return forward, 2*forward - stem
}
