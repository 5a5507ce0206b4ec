// Package autograd is the project's reverse-mode automatic differentiation
// core: float32 tensors, the operations a CNN and its losses need, and the
// derivative of each, built on the kernels of package simd.
//
// # Design
//
// A Tensor is a contiguous row-major float32 array with a shape (images are
// NCHW). Differentiation is define-by-run, as in micrograd: every operation
// whose inputs require a gradient returns a result that records its parents
// and a backward closure, which takes the gradient of the result and adds
// (+=) its contribution to the gradients of the parents. Backward(loss) puts
// the recorded graph in topological order, walks it from the loss to the
// leaves and accumulates into the Grad field of every leaf that requires a
// gradient (parameters, and inputs on which SetRequiresGrad was called); it
// then drops the graph's references so that memory does not grow across
// steps. Grad(loss, wrt...) computes the gradients with respect to the given
// tensors only: it returns them as fresh slices, runs only the backward
// closures on paths from the loss to those tensors (so an attack that needs
// the input gradient does not pay for weight gradients), and writes to no
// tensor's Grad field and to no node of the graph. Goroutines that each build
// their own graph over shared, read-only parameters can therefore call Grad
// concurrently (projected gradient descent over images in parallel does).
//
// # Tapes: no-grad mode and buffer reuse
//
// A Tape is the context of one forward pass, held by one goroutine. Attach a
// tape to the input of the pass (tp.Attach(x)); every result computed from x
// inherits it. The tape decides two things. First, whether anything is
// recorded: results on a NewTape(NoGrad) tape record no parents and no
// closures, whatever their inputs require, which is the evaluation mode.
// Because the mode travels with the tensors rather than in a global flag, one
// goroutine's evaluation cannot switch off another goroutine's training step.
// Second, where buffers come from: results on a tape take their Data from a
// process-wide size-keyed free list, and tp.Release() returns all of them
// at once when the step is done (after Backward, after the optimiser has read
// the gradients). Tensors computed on a released tape must not be used again.
// Results of operations none of whose inputs carries a tape (parameters
// alone, or tests) are ordinary garbage-collected slices and are recorded
// whenever an input requires a gradient. Gradients of intermediate results
// always come from the free list and go back to it as soon as the backward
// walk has passed them.
//
// # Threading and determinism
//
// Large elementwise operations and reductions are split into blocks of a
// fixed size that does not depend on the number of goroutines, and partial
// sums are combined in block order; convolutions split the batch into chunks
// whose size follows from a memory budget, each chunk one large simd.Sgemm,
// and add the chunks' weight gradients in chunk order, or (stride-1 "same"
// and stride-2 halving layers, ops_conv_padded.go) run one product per image and sum weight
// gradients over fixed groups of eight images, in group order. simd.Sgemm
// itself does not depend on its thread count. So the same inputs give bit-identical
// results for any GOMAXPROCS or simd.SetThreads setting. Anything random
// takes an explicit seed.
//
// Parameters may be shared read-only between goroutines. Backward writes
// their Grad fields and must not run concurrently with another Backward over
// the same parameters; BatchNorm2d in training mode updates its running
// statistics and must not run concurrently on the same state.
//
// # Where things are
//
// tensor.go (the Tensor type), graph.go (recording, Backward, Grad),
// tape.go (tapes and the buffer free list), parallel.go (the fixed-block
// parallel loops), registry.go (the list of operations), gradcheck.go
// (CheckGrad, for this and other packages' tests), and one file per family of
// operations: ops_elementwise.go (add, sub, mul, div with broadcasting,
// scalar forms), ops_unary.go (ReLU, ELU, softplus, exp, log, tanh, atanh,
// sqrt, pow, clamp), ops_matmul.go and ops_linear.go, ops_conv.go and
// ops_conv_padded.go (Conv2d), ops_norm.go (BatchNorm2d, BatchNormReLU),
// ops_pool.go (max, average and global average pooling), ops_shape.go
// (reshape, permute, concat, slice, pad),
// ops_reduce.go (sum, mean, var), ops_softmax.go (softmax, log-softmax,
// cross-entropy), ops_loss.go (Poisson NLL, cosine similarity) and
// ops_sample.go (GridSample). Each operation's forward loop and backward
// rule sit together, with the shapes in comments. testdata/ holds the
// PyTorch reference fixtures and the script that makes them.
//
// # Errors
//
// Programming errors panic: a shape that does not fit an operation (the
// message names the operation and the shapes involved), a data slice whose
// length does not match its shape, a loss with more than one element passed
// to Backward or Grad, an axis or index out of range. Conditions that depend
// on the outside world or on numbers return an error: CheckGrad reports a
// gradient that disagrees with finite differences, and the fixture loader of
// the tests reports unreadable files.
package autograd
