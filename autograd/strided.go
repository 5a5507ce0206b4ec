package autograd

import "fmt"

// eachRow walks the index space of shape in row-major order one row (the
// last axis) at a time. For each row it calls body with the row's starting
// offset under each of the given stride vectors (one per tensor being
// walked, len(shape) strides each) and the row length. A shape of rank 0 is
// one row of length 1. offs is reused between calls.
func eachRow(shape []int, strides [][]int, body func(offs []int, n int)) {
	offs := make([]int, len(strides))
	rank := len(shape)
	if rank == 0 {
		body(offs, 1)
		return
	}
	if numel(shape) == 0 {
		return
	}
	n := shape[rank-1]
	idx := make([]int, rank-1)
	for {
		body(offs, n)
		// Advance the odometer over the leading axes, updating offsets.
		d := rank - 2
		for ; d >= 0; d-- {
			idx[d]++
			for k := range strides {
				offs[k] += strides[k][d]
			}
			if idx[d] < shape[d] {
				break
			}
			for k := range strides {
				offs[k] -= strides[k][d] * shape[d]
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// broadcastShape returns the shape that a and b broadcast to under NumPy's
// rules (align trailing axes; an axis of 1 stretches), panicking with the
// operation's name and both shapes when they do not fit.
func broadcastShape(op string, a, b []int) []int {
	rank := max(len(a), len(b))
	out := make([]int, rank)
	for i := range rank {
		da, db := 1, 1
		if j := i - (rank - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (rank - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(fmt.Sprintf("autograd.%s: shapes %v and %v do not broadcast", op, a, b))
		}
	}
	return out
}

// broadcastStrides returns the strides with which a tensor of shape in is
// read when broadcast to shape out: 0 along stretched or missing axes.
func broadcastStrides(in, out []int) []int {
	s := make([]int, len(out))
	inStrides := stridesOf(in)
	for i := range out {
		j := i - (len(out) - len(in))
		if j >= 0 && in[j] != 1 {
			s[i] = inStrides[j]
		}
	}
	return s
}
