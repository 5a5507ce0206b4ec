package autograd

import (
	"testing"
)

// The free list holds what released tapes gave back, FreeListSize counts
// it, DropFreeList empties it, and a step after the drop gives the same
// bits as the step before it (a buffer's contents are undefined either
// way, so nothing may depend on where it came from).
func TestDropFreeListKeepsResults(t *testing.T) {
	r := newRand(3)
	x := uniform(r, -1, 1, 2, 3, 8, 8)
	w := uniform(r, -0.5, 0.5, 4, 3, 3, 3)
	w.SetRequiresGrad(true)
	tp := NewTape(Record)
	step := func() (out, grad []float32) {
		w.Grad = nil
		y := Conv2d(tp.Attach(x), w, nil, 1, 1) // [2, 4, 8, 8]: 512 floats, pooled
		loss := Sum(Mul(y, y))
		Backward(loss)
		out = append([]float32(nil), y.Data...)
		grad = append([]float32(nil), w.Grad...)
		tp.Release()
		return out, grad
	}
	DropFreeList()
	if n, b := FreeListSize(); n != 0 || b != 0 {
		t.Fatalf("after DropFreeList: %d buffers, %d bytes on the free list", n, b)
	}
	out1, grad1 := step()
	n, b := FreeListSize()
	if n == 0 || b < 512*4 {
		t.Fatalf("after a released step: %d buffers, %d bytes on the free list; want the step's buffers (≥ 2048 bytes)", n, b)
	}
	out2, grad2 := step() // from the list
	if n2, b2 := FreeListSize(); n2 != n || b2 != b {
		t.Errorf("a second identical step changed the free list from %d buffers (%d bytes) to %d (%d)", n, b, n2, b2)
	}
	DropFreeList()
	if n, b := FreeListSize(); n != 0 || b != 0 {
		t.Fatalf("after DropFreeList: %d buffers, %d bytes", n, b)
	}
	out3, grad3 := step() // fresh allocations again
	for i, s := range [][2][]float32{{out1, out2}, {out1, out3}, {grad1, grad2}, {grad1, grad3}} {
		for j := range s[0] {
			if s[0][j] != s[1][j] {
				t.Fatalf("comparison %d element %d: %v against %v", i, j, s[0][j], s[1][j])
			}
		}
	}
}
