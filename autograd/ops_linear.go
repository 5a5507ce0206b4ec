package autograd

import (
	"fmt"

	"github.com/brainreg/brainreg/simd"
)

var opLinear = registerOp("linear")

// Linear returns x·wᵀ + b, a fully connected layer in PyTorch's layout:
// x: [N, In], w: [Out, In], b: [Out] (nil for none) → [N, Out]. It saves the
// transpose that MatMul(x, Transpose(w, 0, 1)) would copy.
func Linear(x, w, b *Tensor) *Tensor {
	if len(x.Shape) != 2 || len(w.Shape) != 2 || x.Shape[1] != w.Shape[1] {
		panic(fmt.Sprintf("autograd.Linear: input %v and weight %v, want [N, In] and [Out, In]", x.Shape, w.Shape))
	}
	n, in, o := x.Shape[0], x.Shape[1], w.Shape[0]
	if b != nil && (len(b.Shape) != 1 || b.Shape[0] != o) {
		panic(fmt.Sprintf("autograd.Linear: bias %v does not fit weight %v", b.Shape, w.Shape))
	}
	out := newResult(opLinear, []int{n, o}, x, w, b)
	// y: [N, Out] = x: [N, In] · wᵀ
	simd.Sgemm(false, true, n, o, in, 1, x.Data, in, w.Data, in, 0, out.Data, o)
	if b != nil {
		for r := range n {
			simd.Axpy(1, b.Data, out.Data[r*o:][:o])
		}
	}
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			if gx := gin[0]; gx != nil { // gx: [N, In] += g: [N, Out] · w
				simd.Sgemm(false, false, n, in, o, 1, g, o, w.Data, in, 1, gx, in)
			}
			if gw := gin[1]; gw != nil { // gw: [Out, In] += gᵀ · x
				simd.Sgemm(true, false, o, in, n, 1, g, o, x.Data, in, 1, gw, in)
			}
			if b != nil && gin[2] != nil {
				// gb[j] += Σ over rows of g[:, j], rows in order.
				for r := range n {
					simd.Axpy(1, g[r*o:][:o], gin[2])
				}
			}
		}
	}
	return out
}
