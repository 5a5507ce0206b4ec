package autograd

import (
	"fmt"

	"github.com/brainreg/brainreg/simd"
)

var opMatMul = registerOp("matmul")

// MatMul returns the matrix product a·b. Either both are matrices, a: [M, K]
// and b: [K, N] giving [M, N], or both are batches of matrices, a: [B, M, K]
// and b: [B, K, N] giving [B, M, N]. Each product is one simd.Sgemm.
func MatMul(a, b *Tensor) *Tensor {
	batched := len(a.Shape) == 3 && len(b.Shape) == 3 && a.Shape[0] == b.Shape[0]
	if !(len(a.Shape) == 2 && len(b.Shape) == 2 || batched) || a.Shape[len(a.Shape)-1] != b.Shape[len(b.Shape)-2] {
		panic(fmt.Sprintf("autograd.MatMul: shapes %v and %v do not multiply", a.Shape, b.Shape))
	}
	batch, off := 1, 0
	if batched {
		batch, off = a.Shape[0], 1
	}
	m, k, n := a.Shape[off], a.Shape[off+1], b.Shape[off+1]
	shape := []int{m, n}
	if batched {
		shape = []int{batch, m, n}
	}
	out := newResult(opMatMul, shape, a, b)
	for i := range batch {
		// c: [M, N] = a: [M, K] · b: [K, N]
		simd.Sgemm(false, false, m, n, k, 1, a.Data[i*m*k:], k, b.Data[i*k*n:], n, 0, out.Data[i*m*n:], n)
	}
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			ga, gb := gin[0], gin[1]
			for i := range batch {
				gi := g[i*m*n:]
				if ga != nil { // ga: [M, K] += g: [M, N] · bᵀ
					simd.Sgemm(false, true, m, k, n, 1, gi, n, b.Data[i*k*n:], n, 1, ga[i*m*k:], k)
				}
				if gb != nil { // gb: [K, N] += aᵀ · g: [M, N]
					simd.Sgemm(true, false, k, n, m, 1, a.Data[i*m*k:], k, gi, n, 1, gb[i*k*n:], n)
				}
			}
		}
	}
	return out
}
