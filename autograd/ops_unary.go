package autograd

import (
	"math"

	"github.com/brainreg/brainreg/simd"
)

var (
	opReLU     = registerOp("relu")
	opELU      = registerOp("elu")
	opSoftplus = registerOp("softplus")
	opExp      = registerOp("exp")
	opLog      = registerOp("log")
	opTanh     = registerOp("tanh")
	opAtanh    = registerOp("atanh")
	opSqrt     = registerOp("sqrt")
	opPow      = registerOp("pow")
	opClamp    = registerOp("clamp")
)

// unary applies f elementwise (y = f(x)); its derivative dy/dx is given by
// df from x and y.
func unary(op string, x *Tensor, f func(x float64) float64, df func(x, y float64) float64) *Tensor {
	out := newResult(op, x.Shape, x)
	parallelFor(len(x.Data), elemGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.Data[i] = float32(f(float64(x.Data[i])))
		}
	})
	if out.node != nil {
		y := out.Data
		out.node.backward = func(g []float32, gin [][]float32) {
			gx := gin[0]
			parallelFor(len(g), elemGrain, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					gx[i] += g[i] * float32(df(float64(x.Data[i]), float64(y[i])))
				}
			})
		}
	}
	return out
}

// ReLU returns max(x, 0).
func ReLU(x *Tensor) *Tensor {
	out := newResult(opReLU, x.Shape, x)
	parallelFor(len(x.Data), elemGrain, func(lo, hi int) { simd.Relu(out.Data[lo:hi], x.Data[lo:hi]) })
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			parallelFor(len(g), elemGrain, func(lo, hi int) {
				simd.ReluBackward(gin[0][lo:hi], g[lo:hi], x.Data[lo:hi])
			})
		}
	}
	return out
}

// ELU returns x for x > 0 and alpha·(eˣ − 1) otherwise.
func ELU(x *Tensor, alpha float64) *Tensor {
	return unary(opELU, x,
		func(x float64) float64 {
			if x > 0 {
				return x
			}
			return alpha * math.Expm1(x)
		},
		func(x, y float64) float64 {
			if x > 0 {
				return 1
			}
			return y + alpha // d/dx α(eˣ−1) = αeˣ = y + α
		})
}

// Softplus returns log(1 + eˣ), computed as x where x > 20 (as PyTorch does,
// where the two agree to float32 precision).
func Softplus(x *Tensor) *Tensor {
	return unary(opSoftplus, x,
		func(x float64) float64 {
			if x > 20 {
				return x
			}
			return math.Log1p(math.Exp(x))
		},
		func(x, y float64) float64 {
			if x > 20 {
				return 1
			}
			return 1 / (1 + math.Exp(-x)) // the logistic sigmoid
		})
}

// Exp returns eˣ.
func Exp(x *Tensor) *Tensor {
	return unary(opExp, x, math.Exp, func(x, y float64) float64 { return y })
}

// Log returns the natural logarithm.
func Log(x *Tensor) *Tensor {
	return unary(opLog, x, math.Log, func(x, y float64) float64 { return 1 / x })
}

// Tanh returns the hyperbolic tangent.
func Tanh(x *Tensor) *Tensor {
	return unary(opTanh, x, math.Tanh, func(x, y float64) float64 { return 1 - y*y })
}

// Atanh returns the inverse hyperbolic tangent (±Inf at ±1; clamp first to
// keep it finite).
func Atanh(x *Tensor) *Tensor {
	return unary(opAtanh, x, math.Atanh, func(x, y float64) float64 { return 1 / (1 - x*x) })
}

// Sqrt returns the square root.
func Sqrt(x *Tensor) *Tensor {
	return unary(opSqrt, x, math.Sqrt, func(x, y float64) float64 { return 0.5 / y })
}

// Pow returns xᵖ for a constant exponent p.
func Pow(x *Tensor, p float64) *Tensor {
	return unary(opPow, x,
		func(x float64) float64 { return math.Pow(x, p) },
		func(x, y float64) float64 {
			if p == 0 {
				return 0
			}
			return p * math.Pow(x, p-1)
		})
}

// Clamp limits x to [lo, hi]; the gradient passes where lo ≤ x ≤ hi, as in
// PyTorch.
func Clamp(x *Tensor, lo, hi float64) *Tensor {
	return unary(opClamp, x,
		func(x float64) float64 { return min(max(x, lo), hi) },
		func(x, y float64) float64 {
			if x >= lo && x <= hi {
				return 1
			}
			return 0
		})
}
