package autograd

import "github.com/brainreg/brainreg/simd"

var (
	opAdd       = registerOp("add")
	opSub       = registerOp("sub")
	opMul       = registerOp("mul")
	opDiv       = registerOp("div")
	opAddScalar = registerOp("add_scalar")
	opMulScalar = registerOp("mul_scalar")
)

// binaryRule is an elementwise operation of two arguments and its partial
// derivatives, given the arguments and the result.
type binaryRule struct {
	f      func(a, b float32) float32
	da, db func(a, b, y float32) float32
}

var (
	ruleAdd = binaryRule{
		f:  func(a, b float32) float32 { return a + b },
		da: func(a, b, y float32) float32 { return 1 },
		db: func(a, b, y float32) float32 { return 1 },
	}
	ruleSub = binaryRule{
		f:  func(a, b float32) float32 { return a - b },
		da: func(a, b, y float32) float32 { return 1 },
		db: func(a, b, y float32) float32 { return -1 },
	}
	ruleMul = binaryRule{
		f:  func(a, b float32) float32 { return a * b },
		da: func(a, b, y float32) float32 { return b },
		db: func(a, b, y float32) float32 { return a },
	}
	ruleDiv = binaryRule{
		f:  func(a, b float32) float32 { return a / b },
		da: func(a, b, y float32) float32 { return 1 / b },
		db: func(a, b, y float32) float32 { return -y / b },
	}
)

// Add returns a + b, broadcasting (NumPy rules).
func Add(a, b *Tensor) *Tensor { return binary(opAdd, ruleAdd, a, b) }

// Sub returns a − b, broadcasting.
func Sub(a, b *Tensor) *Tensor { return binary(opSub, ruleSub, a, b) }

// Mul returns a·b elementwise, broadcasting.
func Mul(a, b *Tensor) *Tensor { return binary(opMul, ruleMul, a, b) }

// Div returns a / b elementwise, broadcasting.
func Div(a, b *Tensor) *Tensor { return binary(opDiv, ruleDiv, a, b) }

func binary(op string, r binaryRule, a, b *Tensor) *Tensor {
	if sameShape(a.Shape, b.Shape) {
		return binarySame(op, r, a, b)
	}
	shape := broadcastShape(op, a.Shape, b.Shape)
	out := newResult(op, shape, a, b)
	sa, sb, so := broadcastStrides(a.Shape, shape), broadcastStrides(b.Shape, shape), stridesOf(shape)
	strides := [][]int{so, sa, sb}
	last := len(shape) - 1
	da, db := 0, 0 // strides of a and b along the last axis
	if last >= 0 {
		da, db = sa[last], sb[last]
	}
	eachRow(shape, strides, func(offs []int, n int) {
		o, ia, ib := offs[0], offs[1], offs[2]
		for i := range n {
			out.Data[o+i] = r.f(a.Data[ia+i*da], b.Data[ib+i*db])
		}
	})
	if out.node != nil {
		y := out.Data
		out.node.backward = func(g []float32, gin [][]float32) {
			// Broadcast axes of an input sum their gradients; one walk in
			// row-major order keeps the sum's order fixed.
			ga, gb := gin[0], gin[1]
			eachRow(shape, strides, func(offs []int, n int) {
				o, ia, ib := offs[0], offs[1], offs[2]
				for i := range n {
					av, bv, yv, gv := a.Data[ia+i*da], b.Data[ib+i*db], y[o+i], g[o+i]
					if ga != nil {
						ga[ia+i*da] += gv * r.da(av, bv, yv)
					}
					if gb != nil {
						gb[ib+i*db] += gv * r.db(av, bv, yv)
					}
				}
			})
		}
	}
	return out
}

// binarySame is binary for equal shapes: a flat parallel loop, with the
// vector kernels for the common cases.
func binarySame(op string, r binaryRule, a, b *Tensor) *Tensor {
	out := newResult(op, a.Shape, a, b)
	y := out.Data
	parallelFor(len(y), elemGrain, func(lo, hi int) {
		switch op {
		case opAdd:
			simd.Add(y[lo:hi], a.Data[lo:hi], b.Data[lo:hi])
		case opMul:
			simd.Mul(y[lo:hi], a.Data[lo:hi], b.Data[lo:hi])
		default:
			for i := lo; i < hi; i++ {
				y[i] = r.f(a.Data[i], b.Data[i])
			}
		}
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			ga, gb := gin[0], gin[1]
			parallelFor(len(g), elemGrain, func(lo, hi int) {
				switch op {
				case opAdd:
					addTo(ga, g, lo, hi)
					addTo(gb, g, lo, hi)
				case opSub:
					addTo(ga, g, lo, hi)
					if gb != nil {
						simd.Axpy(-1, g[lo:hi], gb[lo:hi])
					}
				default:
					for i := lo; i < hi; i++ {
						if ga != nil {
							ga[i] += g[i] * r.da(a.Data[i], b.Data[i], y[i])
						}
						if gb != nil {
							gb[i] += g[i] * r.db(a.Data[i], b.Data[i], y[i])
						}
					}
				}
			})
		}
	}
	return out
}

// addTo adds g[lo:hi] into dst[lo:hi] unless dst is nil.
func addTo(dst, g []float32, lo, hi int) {
	if dst != nil {
		simd.Axpy(1, g[lo:hi], dst[lo:hi])
	}
}

// AddScalar returns x + c.
func AddScalar(x *Tensor, c float32) *Tensor {
	out := newResult(opAddScalar, x.Shape, x)
	parallelFor(len(x.Data), elemGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.Data[i] = x.Data[i] + c
		}
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			parallelFor(len(g), elemGrain, func(lo, hi int) { addTo(gin[0], g, lo, hi) })
		}
	}
	return out
}

// MulScalar returns c·x.
func MulScalar(x *Tensor, c float32) *Tensor {
	out := newResult(opMulScalar, x.Shape, x)
	parallelFor(len(x.Data), elemGrain, func(lo, hi int) {
		copy(out.Data[lo:hi], x.Data[lo:hi])
		simd.Scale(c, out.Data[lo:hi])
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			parallelFor(len(g), elemGrain, func(lo, hi int) { simd.Axpy(c, g[lo:hi], gin[0][lo:hi]) })
		}
	}
	return out
}

// Neg returns −x.
func Neg(x *Tensor) *Tensor { return MulScalar(x, -1) }
