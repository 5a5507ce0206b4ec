// Package simd holds the numeric kernels every other package spends its time
// in: a cache-blocked single-precision matrix product (Sgemm, and SgemmRows
// for a B whose rows lie anywhere in one slice, as a convolution's im2col
// matrix does in a padded image, with PackA to pack a left operand once for
// many such products, and SgemmRowsDot for A·Bᵀ as dot products read in
// place where packing would cost as much as the product) and the vector
// kernels of the autodiff core's hot loops (Axpy, Dot, Scale, Add, Mul, Sum,
// Max, Relu, ReluBackward, and for batch norm SumSqDev, SumDotDev,
// ScaleShift and AddAffine2, one pass each where a sequence of the others
// took several; in assembly on amd64 only, the Go twins elsewhere), the
// copies of a stride-2 convolution's phase planes (Deinterleave,
// AddInterleaved, GatherEven, AddToEven), Transpose, and
// Conv3x3WeightGrad16, a direct weight-gradient kernel for 3×3 layers with
// 16 output channels (AVX-512). SgemmBF16NT is a reduced-precision product for
// callers that choose it: operands rounded to bfloat16 (ToBF16), sums in
// float32, about twice Sgemm's speed on CPUs with AVX-512 BF16 (BF16Path).
//
// # Kernel paths
//
// Each kernel exists twice: a Go assembly routine for amd64 with AVX2 and FMA,
// and a pure-Go twin that computes the same thing. The doc comment of every
// assembly stub is the Go loop it implements, and that loop is the twin. The
// path is chosen once at start-up from the CPU features reported by cpuid
// (see Path); the build tag purego forces the Go twins everywhere, which is
// how the tests check both paths on one machine.
//
// The two paths agree to rounding, not to the last bit: the assembly uses
// fused multiply-adds and sums reductions in eight lanes at a time. On one
// machine and one path results are deterministic, and Sgemm's results do not
// depend on the number of threads (see SetThreads), because threads split
// the output matrix and never the sum over k.
//
// # Conventions
//
// Matrices are row-major, described by their dimensions and a leading
// dimension (the distance in elements between the starts of two rows), as in
// BLAS. Wrong lengths or dimensions panic at once with a message naming the
// argument, rather than reading out of bounds.
package simd
