package autograd

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// gradCase is one row of the gradient table: a function of some inputs that
// exercises the listed operations, checked against finite differences.
type gradCase struct {
	name   string
	ops    []string // the registered operations this case checks
	inputs func(r *rand.Rand) []*Tensor
	f      func(xs ...*Tensor) *Tensor
	opt    CheckOptions
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 42)) }

// uniform returns a leaf with elements uniform in [lo, hi).
func uniform(r *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return t
}

// awayFromZero returns a leaf with elements in ±[0.1, 1): no element within
// a finite-difference step of a kink at 0.
func awayFromZero(r *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.Data {
		v := 0.1 + 0.9*r.Float64()
		if r.IntN(2) == 0 {
			v = -v
		}
		t.Data[i] = float32(v)
	}
	return t
}

// distinct returns a leaf whose elements are a random permutation of values
// 0.05 apart, so a max over any window has a clear winner.
func distinct(r *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i, p := range r.Perm(len(t.Data)) {
		t.Data[i] = float32(p)*0.05 - float32(len(t.Data))*0.025
	}
	return t
}

func ins(ts ...*Tensor) []*Tensor { return ts }

// gridPoints returns a grid [n, ho, wo, 2] for GridSample on h×w images
// whose pixel coordinates lie between 0.1 and 0.9 past an integer, from one
// pixel outside the image to its last pixel: away from the kinks of
// bilinear interpolation, with some corners outside.
func gridPoints(r *rand.Rand, alignCorners bool, h, w, n, ho, wo int) *Tensor {
	t := Zeros(n, ho, wo, 2)
	norm := func(pix float64, size int) float64 { // the inverse of GridSample's unnormalisation
		if alignCorners {
			return pix/float64(size-1)*2 - 1
		}
		return (2*pix+1)/float64(size) - 1
	}
	for i := 0; i < len(t.Data); i += 2 {
		t.Data[i] = float32(norm(float64(r.IntN(w+1)-1)+0.1+0.8*r.Float64(), w))
		t.Data[i+1] = float32(norm(float64(r.IntN(h+1)-1)+0.1+0.8*r.Float64(), h))
	}
	return t
}

// setConvPaddedPixels sets the smallest plane of the padded convolution
// path and returns the function restoring it.
func setConvPaddedPixels(pixels int) func() {
	prev := convPaddedPixels
	convPaddedPixels = pixels
	return func() { convPaddedPixels = prev }
}

// setConvBudget sets the im2col budget and returns the function restoring it.
func setConvBudget(floats int) func() {
	prev := convColsBudget
	convColsBudget = floats
	return func() { convColsBudget = prev }
}

func gradCases() []gradCase {
	return []gradCase{
		// Elementwise arithmetic, same shapes and broadcast.
		{name: "add same", ops: []string{opAdd},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3), uniform(r, -1, 1, 2, 3)) },
			f:      func(x ...*Tensor) *Tensor { return Add(x[0], x[1]) }},
		{name: "add broadcast", ops: []string{opAdd},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3, 4), uniform(r, -1, 1, 3, 1)) },
			f:      func(x ...*Tensor) *Tensor { return Add(x[0], x[1]) }},
		{name: "sub same", ops: []string{opSub},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 5), uniform(r, -1, 1, 5)) },
			f:      func(x ...*Tensor) *Tensor { return Sub(x[0], x[1]) }},
		{name: "sub broadcast", ops: []string{opSub},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 4), uniform(r, -1, 1, 3, 1)) },
			f:      func(x ...*Tensor) *Tensor { return Sub(x[0], x[1]) }},
		{name: "mul same", ops: []string{opMul},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3), uniform(r, -1, 1, 2, 3)) },
			f:      func(x ...*Tensor) *Tensor { return Mul(x[0], x[1]) }},
		{name: "mul broadcast", ops: []string{opMul},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 1, 3), uniform(r, -1, 1, 4, 1)) },
			f:      func(x ...*Tensor) *Tensor { return Mul(x[0], x[1]) }},
		{name: "div same", ops: []string{opDiv},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 6), uniform(r, 0.5, 2, 6)) },
			f:      func(x ...*Tensor) *Tensor { return Div(x[0], x[1]) }},
		{name: "div broadcast scalar", ops: []string{opDiv},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3), uniform(r, 0.5, 2)) },
			f:      func(x ...*Tensor) *Tensor { return Div(x[0], x[1]) }},
		{name: "add_scalar", ops: []string{opAddScalar},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 7)) },
			f:      func(x ...*Tensor) *Tensor { return AddScalar(x[0], -0.5) }},
		{name: "mul_scalar", ops: []string{opMulScalar},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 7)) },
			f:      func(x ...*Tensor) *Tensor { return MulScalar(x[0], 5) }},

		// Elementwise functions.
		{name: "relu", ops: []string{opReLU},
			inputs: func(r *rand.Rand) []*Tensor { return ins(awayFromZero(r, 3, 5)) },
			f:      func(x ...*Tensor) *Tensor { return ReLU(x[0]) }},
		{name: "elu", ops: []string{opELU},
			inputs: func(r *rand.Rand) []*Tensor { return ins(awayFromZero(r, 3, 5)) },
			f:      func(x ...*Tensor) *Tensor { return ELU(x[0], 1.3) }},
		{name: "softplus", ops: []string{opSoftplus},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -3, 3, 9)) },
			f:      func(x ...*Tensor) *Tensor { return Softplus(x[0]) }},
		{name: "exp", ops: []string{opExp},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -2, 2, 9)) },
			f:      func(x ...*Tensor) *Tensor { return Exp(x[0]) }},
		{name: "log", ops: []string{opLog},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, 0.5, 3, 9)) },
			f:      func(x ...*Tensor) *Tensor { return Log(x[0]) }},
		{name: "tanh", ops: []string{opTanh},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -2, 2, 9)) },
			f:      func(x ...*Tensor) *Tensor { return Tanh(x[0]) }},
		{name: "atanh", ops: []string{opAtanh},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -0.8, 0.8, 9)) },
			f:      func(x ...*Tensor) *Tensor { return Atanh(x[0]) }},
		{name: "sqrt", ops: []string{opSqrt},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, 0.5, 3, 9)) },
			f:      func(x ...*Tensor) *Tensor { return Sqrt(x[0]) }},
		{name: "pow", ops: []string{opPow},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, 0.5, 2, 9)) },
			f:      func(x ...*Tensor) *Tensor { return Pow(x[0], 2.5) }},
		{name: "clamp", ops: []string{opClamp},
			inputs: func(r *rand.Rand) []*Tensor { return ins(awayFromZero(r, 12)) },
			f:      func(x ...*Tensor) *Tensor { return Clamp(x[0], -0.5, 0.55) }},

		// Matrix products.
		{name: "matmul", ops: []string{opMatMul},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 3, 4), uniform(r, -1, 1, 4, 5)) },
			f:      func(x ...*Tensor) *Tensor { return MatMul(x[0], x[1]) }},
		{name: "matmul batched", ops: []string{opMatMul},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3, 4), uniform(r, -1, 1, 2, 4, 2)) },
			f:      func(x ...*Tensor) *Tensor { return MatMul(x[0], x[1]) }},

		// Convolution: several geometries, and the batch cut into chunks.
		{name: "conv2d 3x3 s1 p1 bias", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 2, 5, 5), uniform(r, -1, 1, 3, 2, 3, 3), uniform(r, -1, 1, 3))
			},
			f: func(x ...*Tensor) *Tensor { return Conv2d(x[0], x[1], x[2], 1, 1) }},
		{name: "conv2d 3x3 s2 p0", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 2, 7, 6), uniform(r, -1, 1, 2, 2, 3, 3))
			},
			f: func(x ...*Tensor) *Tensor { return Conv2d(x[0], x[1], nil, 2, 0) }},
		{name: "conv2d 1x1 s2", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 3, 5, 5), uniform(r, -1, 1, 2, 3, 1, 1), uniform(r, -1, 1, 2))
			},
			f: func(x ...*Tensor) *Tensor { return Conv2d(x[0], x[1], x[2], 2, 0) }},
		{name: "conv2d 5x5 s1 p3 in chunks", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 3, 1, 4, 4), uniform(r, -1, 1, 2, 1, 5, 5), uniform(r, -1, 1, 2))
			},
			f: func(x ...*Tensor) *Tensor {
				defer setConvBudget(2 * 25 * 36)() // two images per chunk: 2 + 1
				return Conv2d(x[0], x[1], x[2], 1, 3)
			}},
		{name: "conv2d 3x3 s1 p1 non-square in chunks", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 3, 2, 4, 6), uniform(r, -1, 1, 2, 2, 3, 3), uniform(r, -1, 1, 2))
			},
			f: func(x ...*Tensor) *Tensor {
				defer setConvBudget(2 * 18 * 24)() // two images per chunk: 2 + 1
				return Conv2d(x[0], x[1], x[2], 1, 1)
			}},
		{name: "conv2d 1x1 s1", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 3, 3, 4), uniform(r, -1, 1, 4, 3, 1, 1))
			},
			f: func(x ...*Tensor) *Tensor { return Conv2d(x[0], x[1], nil, 1, 0) }},
		{name: "conv2d 7x7 s1 p3", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 1, 5, 4), uniform(r, -1, 1, 2, 1, 7, 7))
			},
			f: func(x ...*Tensor) *Tensor { return Conv2d(x[0], x[1], nil, 1, 3) }},
		{name: "conv2d 3x3 s2 p1 one image per chunk", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 2, 5, 5), uniform(r, -1, 1, 2, 2, 3, 3))
			},
			f: func(x ...*Tensor) *Tensor {
				defer setConvBudget(1)()
				return Conv2d(x[0], x[1], nil, 2, 1)
			}},

		{name: "conv2d 3x3 s2 p1 phase planes", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 2, 4, 6), uniform(r, -1, 1, 3, 2, 3, 3), uniform(r, -1, 1, 3))
			},
			f: func(x ...*Tensor) *Tensor {
				defer setConvPaddedPixels(1)()
				return Conv2d(x[0], x[1], x[2], 2, 1)
			}},
		{name: "conv2d 1x1 s2 phase planes", ops: []string{opConv2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 3, 4, 4), uniform(r, -1, 1, 2, 3, 1, 1))
			},
			f: func(x ...*Tensor) *Tensor {
				defer setConvPaddedPixels(1)()
				return Conv2d(x[0], x[1], nil, 2, 0)
			}},

		// Batch norm in both modes; the statistics are rebuilt on every call
		// so that the running averages do not drift during the check.
		{name: "batch_norm2d train", ops: []string{opBatchNorm2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 2, 3, 2, 2, 3), uniform(r, 0.5, 1.5, 2), uniform(r, -1, 1, 2))
			},
			f: func(x ...*Tensor) *Tensor { return BatchNorm2d(x[0], x[1], x[2], NewBatchNormStats(2), true) }},
		{name: "batch_norm2d train no affine", ops: []string{opBatchNorm2d},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 2, 2, 3, 2, 2)) },
			f:      func(x ...*Tensor) *Tensor { return BatchNorm2d(x[0], nil, nil, NewBatchNormStats(3), true) }},
		{name: "batch_norm2d eval", ops: []string{opBatchNorm2d},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 2, 2, 2, 2, 3), uniform(r, 0.5, 1.5, 2), uniform(r, -1, 1, 2))
			},
			f: func(x ...*Tensor) *Tensor {
				st := &BatchNormStats{Mean: []float32{0.3, -0.2}, Var: []float32{0.5, 2}, Eps: 1e-5}
				return BatchNorm2d(x[0], x[1], x[2], st, false)
			}},

		// Batch norm, residual and ReLU fused.
		{name: "batch_norm2d_relu train residual", ops: []string{opBatchNorm2dReLU},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 2, 3, 2, 2, 3), uniform(r, 0.5, 1.5, 2), uniform(r, -1, 1, 2), awayFromZero(r, 3, 2, 2, 3))
			},
			f: func(x ...*Tensor) *Tensor {
				return BatchNormReLU(x[0], x[1], x[2], NewBatchNormStats(2), true, x[3])
			},
			// A small step: more outputs than in the ReLU rows, none placed away from the kink.
			opt: CheckOptions{Step: 1e-3}},
		{name: "batch_norm2d_relu train", ops: []string{opBatchNorm2dReLU},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 2, 2, 3, 2, 2), uniform(r, 0.5, 1.5, 3), uniform(r, -1, 1, 3))
			},
			f:   func(x ...*Tensor) *Tensor { return BatchNormReLU(x[0], x[1], x[2], NewBatchNormStats(3), true, nil) },
			opt: CheckOptions{Step: 1e-3}},
		{name: "batch_norm2d_relu eval residual", ops: []string{opBatchNorm2dReLU},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 2, 2, 2, 2, 3), uniform(r, 0.5, 1.5, 2), uniform(r, -1, 1, 2), awayFromZero(r, 2, 2, 2, 3))
			},
			f: func(x ...*Tensor) *Tensor {
				st := &BatchNormStats{Mean: []float32{0.3, -0.2}, Var: []float32{0.5, 2}, Eps: 1e-5}
				return BatchNormReLU(x[0], x[1], x[2], st, false, x[3])
			},
			opt: CheckOptions{Step: 1e-3}},

		// Pooling.
		{name: "max_pool2d 3 s2 p1", ops: []string{opMaxPool2d},
			inputs: func(r *rand.Rand) []*Tensor { return ins(distinct(r, 2, 2, 5, 6)) },
			f:      func(x ...*Tensor) *Tensor { return MaxPool2d(x[0], 3, 2, 1) }},
		{name: "max_pool2d 2 s2", ops: []string{opMaxPool2d},
			inputs: func(r *rand.Rand) []*Tensor { return ins(distinct(r, 1, 2, 4, 4)) },
			f:      func(x ...*Tensor) *Tensor { return MaxPool2d(x[0], 2, 2, 0) }},
		{name: "avg_pool2d 3 s2 p1", ops: []string{opAvgPool2d},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 2, 5, 6)) },
			f:      func(x ...*Tensor) *Tensor { return AvgPool2d(x[0], 3, 2, 1) }},
		{name: "global_avg_pool2d", ops: []string{opGlobalAvgPool2d},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return GlobalAvgPool2d(x[0]) }},

		// Shapes.
		{name: "reshape", ops: []string{opReshape},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 6)) },
			f:      func(x ...*Tensor) *Tensor { return Tanh(Reshape(x[0], 3, -1)) }},
		{name: "permute", ops: []string{opPermute},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Permute(x[0], 2, 0, 1) }},
		{name: "transpose", ops: []string{opPermute},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Transpose(x[0], 0, -1) }},
		{name: "concat axis 1", ops: []string{opConcat},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 1, 3), uniform(r, -1, 1, 2, 2, 3), uniform(r, -1, 1, 2, 3, 3))
			},
			f: func(x ...*Tensor) *Tensor { return Concat(1, x...) }},
		{name: "concat axis 0", ops: []string{opConcat},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 1, 3), uniform(r, -1, 1, 2, 3)) },
			f:      func(x ...*Tensor) *Tensor { return Concat(0, x...) }},
		{name: "slice", ops: []string{opSlice},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 5, 3)) },
			f:      func(x ...*Tensor) *Tensor { return Slice(x[0], 1, 1, 4) }},
		{name: "pad2d zero", ops: []string{opPad2d},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Pad2d(x[0], 1, 2, 0, 3, PadZero) }},
		{name: "pad2d reflect", ops: []string{opPad2d},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 1, 2, 4, 5)) },
			f:      func(x ...*Tensor) *Tensor { return Pad2d(x[0], 4, 2, 3, 1, PadReflect) }},

		// Normalisations and losses.
		{name: "softmax", ops: []string{opSoftmax},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -2, 2, 3, 5)) },
			f:      func(x ...*Tensor) *Tensor { return Softmax(x[0]) }},
		{name: "log_softmax", ops: []string{opLogSoftmax},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -2, 2, 3, 5)) },
			f:      func(x ...*Tensor) *Tensor { return LogSoftmax(x[0]) }},
		{name: "cross_entropy", ops: []string{opCrossEntropy},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -2, 2, 4, 5)) },
			f:      func(x ...*Tensor) *Tensor { return CrossEntropy(x[0], []int{0, 4, 2, 2}) }},
		{name: "poisson_nll", ops: []string{opPoissonNLL},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, 0.3, 3, 2, 5), uniform(r, 0, 4, 2, 5)) },
			f:      func(x ...*Tensor) *Tensor { return PoissonNLL(x[0], x[1], 1e-8) }},
		{name: "cosine_similarity", ops: []string{opCosineSimilarity},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 3, 4), uniform(r, -1, 1, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return CosineSimilarity(x[0], x[1], 1e-8) }},
		{name: "cosine_similarity clamped", ops: []string{opCosineSimilarity},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -0.1, 0.1, 2, 3), uniform(r, -0.1, 0.1, 2, 3)) },
			f:      func(x ...*Tensor) *Tensor { return CosineSimilarity(x[0], x[1], 0.5) }},
		{name: "pair_cosine", ops: []string{opPairCosine},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 6, 2, 2, 3)) },
			f: func(x ...*Tensor) *Tensor {
				return PairCosine(x[0], []float32{0.2, -0.3}, 1, 2, 1e-8)
			}},
		{name: "pair_cosine clamped", ops: []string{opPairCosine},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -0.1, 0.1, 4, 2, 1, 3)) },
			f: func(x ...*Tensor) *Tensor {
				return PairCosine(x[0], []float32{0.01, 0}, 0, 2, 0.5)
			}},

		// Bilinear sampling, with points inside, near the border and outside.
		{name: "grid_sample", ops: []string{opGridSample},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 2, 2, 4, 5), gridPoints(r, false, 4, 5, 2, 3, 2))
			},
			f:   func(x ...*Tensor) *Tensor { return GridSample(x[0], x[1], false) },
			opt: CheckOptions{Step: 1e-3, AbsTol: 5e-3}},
		{name: "grid_sample align corners", ops: []string{opGridSample},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 1, 3, 5, 4), gridPoints(r, true, 5, 4, 1, 1, 6))
			},
			f:   func(x ...*Tensor) *Tensor { return GridSample(x[0], x[1], true) },
			opt: CheckOptions{Step: 1e-3, AbsTol: 5e-3}},

		{name: "linear", ops: []string{opLinear},
			inputs: func(r *rand.Rand) []*Tensor {
				return ins(uniform(r, -1, 1, 3, 4), uniform(r, -1, 1, 5, 4), uniform(r, -1, 1, 5))
			},
			f: func(x ...*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) }},
		{name: "linear no bias", ops: []string{opLinear},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3), uniform(r, -1, 1, 4, 3)) },
			f:      func(x ...*Tensor) *Tensor { return Linear(x[0], x[1], nil) }},

		// Reductions.
		{name: "sum all", ops: []string{opSum},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Sum(x[0]) }},
		{name: "sum axes", ops: []string{opSum},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Sum(x[0], 0, 2) }},
		{name: "sum last", ops: []string{opSum},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Sum(x[0], -1) }},
		{name: "mean all", ops: []string{opMean},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Mean(x[0]) }},
		{name: "mean axis", ops: []string{opMean},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Mean(x[0], 0) }},
		{name: "var unbiased", ops: []string{opVar},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 3, 4)) },
			f:      func(x ...*Tensor) *Tensor { return Var(x[0], 1, 1) }},
		{name: "var population all", ops: []string{opVar},
			inputs: func(r *rand.Rand) []*Tensor { return ins(uniform(r, -1, 1, 2, 3)) },
			f:      func(x ...*Tensor) *Tensor { return Var(x[0], 0) }},
	}
}

// TestGradients checks every operation against finite differences, and
// fails when a registered operation has no row in the table.
func TestGradients(t *testing.T) {
	covered := map[string]bool{}
	for i, c := range gradCases() {
		for _, op := range c.ops {
			if !registry[op] {
				t.Errorf("case %q lists %q, which is not a registered operation", c.name, op)
			}
			covered[op] = true
		}
		t.Run(c.name, func(t *testing.T) {
			xs := c.inputs(newRand(uint64(i) + 1))
			if err := CheckGrad(c.f, xs, c.opt); err != nil {
				t.Error(err)
			}
		})
	}
	for _, op := range Ops() {
		if !covered[op] {
			t.Errorf("operation %q has no gradient check: add a case to gradCases", op)
		}
	}
	if len(Ops()) == 0 || !slices.IsSorted(Ops()) {
		t.Errorf("Ops() = %v, want a sorted non-empty list", Ops())
	}
}
