package autograd

import (
	"fmt"
	"strings"
)

// Tensor is a contiguous row-major float32 array with a shape. Data and Shape
// must not be modified after the tensor has been used as the input of an
// operation that recorded it (the backward closures read them), except by an
// optimiser updating a parameter between steps.
type Tensor struct {
	Data  []float32
	Shape []int
	// Grad is the gradient that Backward accumulated into this leaf; nil
	// until the first Backward that reaches it, which allocates it. Only
	// leaves that require a gradient get one. It may be set beforehand to a
	// view into a larger buffer (all of a model's gradients in one slice);
	// Backward then adds into that view.
	Grad []float32

	requiresGrad bool
	node         *node // how this tensor was computed; nil for leaves and unrecorded results
	tape         *Tape // the forward pass this tensor belongs to, if any
}

// New returns a leaf tensor over data (not copied) with the given shape. It
// panics if len(data) is not the product of the shape.
func New(data []float32, shape ...int) *Tensor {
	if n := numel(shape); n != len(data) {
		panic(fmt.Sprintf("autograd.New: len(data)=%d, shape %v holds %d", len(data), shape, n))
	}
	return &Tensor{Data: data, Shape: append([]int(nil), shape...)}
}

// Zeros returns a leaf tensor of zeros.
func Zeros(shape ...int) *Tensor { return New(make([]float32, numel(shape)), shape...) }

// Full returns a leaf tensor with every element v.
func Full(v float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = v
	}
	return t
}

// Scalar returns a leaf tensor of shape [] holding v.
func Scalar(v float32) *Tensor { return New([]float32{v}) }

// Param returns a leaf tensor over data that requires a gradient: a model
// parameter.
func Param(data []float32, shape ...int) *Tensor {
	return New(data, shape...).SetRequiresGrad(true)
}

// SetRequiresGrad marks a leaf as needing a gradient and returns it. It
// panics on a computed tensor, whose flag follows from its inputs.
func (t *Tensor) SetRequiresGrad(v bool) *Tensor {
	if t.node != nil {
		panic("autograd.SetRequiresGrad: tensor is the result of " + t.node.op + ", not a leaf")
	}
	t.requiresGrad = v
	return t
}

// RequiresGrad reports whether gradients flow to this tensor: a leaf marked
// so, or a result recorded from such inputs.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// IsLeaf reports whether t was not recorded as the result of an operation.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Op names the operation that computed t, or "" for a leaf.
func (t *Tensor) Op() string {
	if t.node == nil {
		return ""
	}
	return t.node.op
}

// Numel is the number of elements.
func (t *Tensor) Numel() int { return len(t.Data) }

// Dim is the number of axes.
func (t *Tensor) Dim() int { return len(t.Shape) }

// Item returns the only element of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("autograd.Item: shape %v has %d elements, want 1", t.Shape, len(t.Data)))
	}
	return t.Data[0]
}

// ZeroGrad clears the accumulated gradient (keeping its buffer).
func (t *Tensor) ZeroGrad() { clear(t.Grad) }

// Detach returns a leaf over the same data that records nothing and requires
// no gradient: a constant as far as differentiation is concerned.
func (t *Tensor) Detach() *Tensor {
	return &Tensor{Data: t.Data, Shape: t.Shape, tape: t.tape}
}

// Clone returns a leaf holding a copy of t's data, not on any tape.
func (t *Tensor) Clone() *Tensor {
	return New(append([]float32(nil), t.Data...), t.Shape...)
}

func (t *Tensor) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v", t.Shape)
	if t.node != nil {
		fmt.Fprintf(&b, "(%s)", t.node.op)
	}
	n := min(len(t.Data), 8)
	fmt.Fprintf(&b, "%v", t.Data[:n])
	if n < len(t.Data) {
		b.WriteString("…")
	}
	return b.String()
}

// numel is the number of elements of a shape (1 for the shape [] of a scalar).
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("autograd: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// stridesOf returns the row-major strides of shape.
func stridesOf(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// normAxis turns a possibly negative axis into an index into a shape of rank
// dims, panicking with the operation's name when it is out of range.
func normAxis(op string, axis, dims int) int {
	if axis < 0 {
		axis += dims
	}
	if axis < 0 || axis >= dims {
		panic(fmt.Sprintf("autograd.%s: axis %d out of range for %d axes", op, axis, dims))
	}
	return axis
}

// mustRank panics unless x has the given number of axes.
func mustRank(op, name string, x *Tensor, rank int) {
	if len(x.Shape) != rank {
		panic(fmt.Sprintf("autograd.%s: %s has shape %v, want %d axes", op, name, x.Shape, rank))
	}
}
