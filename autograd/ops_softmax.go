package autograd

import (
	"fmt"
	"math"
)

var (
	opSoftmax      = registerOp("softmax")
	opLogSoftmax   = registerOp("log_softmax")
	opCrossEntropy = registerOp("cross_entropy")
)

// lastAxisRows views x as rows along its last axis: rows × n.
func lastAxisRows(op string, x *Tensor) (rows, n int) {
	if len(x.Shape) == 0 || x.Shape[len(x.Shape)-1] == 0 {
		panic(fmt.Sprintf("autograd.%s: input %v has no last axis to normalise over", op, x.Shape))
	}
	n = x.Shape[len(x.Shape)-1]
	return len(x.Data) / n, n
}

// logSumExp returns log Σ exp(row), shifted by the maximum for stability.
func logSumExp(row []float32) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = max(m, float64(v))
	}
	s := 0.0
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// Softmax normalises the last axis: y = exp(x) / Σ exp(x).
func Softmax(x *Tensor) *Tensor {
	rows, n := lastAxisRows("Softmax", x)
	out := newResult(opSoftmax, x.Shape, x)
	parallelFor(rows, grainFor(n), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x.Data[r*n:][:n], out.Data[r*n:][:n]
			lse := logSumExp(xr)
			for i, v := range xr {
				yr[i] = float32(math.Exp(float64(v) - lse))
			}
		}
	})
	if out.node != nil {
		y := out.Data
		out.node.backward = func(g []float32, gin [][]float32) {
			// dx = y·(g − Σ g·y)
			parallelFor(rows, grainFor(n), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					yr, gr, dx := y[r*n:][:n], g[r*n:][:n], gin[0][r*n:][:n]
					dot := 0.0
					for i := range yr {
						dot += float64(gr[i]) * float64(yr[i])
					}
					for i := range dx {
						dx[i] += yr[i] * (gr[i] - float32(dot))
					}
				}
			})
		}
	}
	return out
}

// LogSoftmax returns the log of Softmax over the last axis, computed stably:
// y = x − log Σ exp(x).
func LogSoftmax(x *Tensor) *Tensor {
	rows, n := lastAxisRows("LogSoftmax", x)
	out := newResult(opLogSoftmax, x.Shape, x)
	parallelFor(rows, grainFor(n), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x.Data[r*n:][:n], out.Data[r*n:][:n]
			lse := logSumExp(xr)
			for i, v := range xr {
				yr[i] = float32(float64(v) - lse)
			}
		}
	})
	if out.node != nil {
		y := out.Data
		out.node.backward = func(g []float32, gin [][]float32) {
			// dx = g − softmax·Σ g
			parallelFor(rows, grainFor(n), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					yr, gr, dx := y[r*n:][:n], g[r*n:][:n], gin[0][r*n:][:n]
					s := 0.0
					for _, v := range gr {
						s += float64(v)
					}
					for i := range dx {
						dx[i] += gr[i] - float32(math.Exp(float64(yr[i]))*s)
					}
				}
			})
		}
	}
	return out
}

// CrossEntropy returns the mean over the batch of −log softmax(logits)[label]:
// logits: [N, C], labels: N class indices in [0, C) → a scalar (shape []),
// as torch.nn.functional.cross_entropy with reduction "mean". A label out of
// range panics.
func CrossEntropy(logits *Tensor, labels []int) *Tensor {
	mustRank("CrossEntropy", "logits", logits, 2)
	n, c := logits.Shape[0], logits.Shape[1]
	if len(labels) != n {
		panic(fmt.Sprintf("autograd.CrossEntropy: logits %v with %d labels", logits.Shape, len(labels)))
	}
	for _, l := range labels {
		if l < 0 || l >= c {
			panic(fmt.Sprintf("autograd.CrossEntropy: label %d out of range for logits %v", l, logits.Shape))
		}
	}
	out := newResult(opCrossEntropy, []int{}, logits)
	lse := make([]float64, n)
	loss := 0.0
	for r := range n {
		row := logits.Data[r*c:][:c]
		lse[r] = logSumExp(row)
		loss += lse[r] - float64(row[labels[r]])
	}
	out.Data[0] = float32(loss / float64(n))
	if out.node != nil {
		labels := append([]int(nil), labels...) // the caller may reuse its slice
		out.node.backward = func(g []float32, gin [][]float32) {
			// d/dlogits = (softmax − onehot(label))·g/N
			scale := float64(g[0]) / float64(n)
			dx := gin[0]
			for r := range n {
				row, d := logits.Data[r*c:][:c], dx[r*c:][:c]
				for i, v := range row {
					p := math.Exp(float64(v) - lse[r])
					if i == labels[r] {
						p--
					}
					d[i] += float32(p * scale)
				}
			}
		}
	}
	return out
}
