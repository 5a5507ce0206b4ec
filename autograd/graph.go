package autograd

import "fmt"

// node records how a tensor was computed: the operation, its inputs and the
// rule that carries the result's gradient back to them.
type node struct {
	op      string
	parents []*Tensor
	// backward adds to gin[i] the gradient of the loss with respect to
	// parents[i], given gout, the gradient with respect to the result.
	// gin[i] is nil when parents[i] needs no gradient, and the rule skips
	// that work. The gin buffers have the parents' sizes and arrive zeroed
	// or holding earlier contributions; rules must add, never overwrite.
	backward func(gout []float32, gin [][]float32)
	// backwardFresh, when set, runs instead of backward, for rules that can
	// write a gradient outright: fresh[i] says that gin[i] is a new buffer
	// that no contribution has reached, with undefined contents, which the
	// rule must overwrite in full (without clearing it first); the buffers
	// not fresh it adds to, as backward does. It spares the walk a clearing
	// pass over an activation's gradient and the rule a read of the zeros.
	backwardFresh func(gout []float32, gin [][]float32, fresh []bool)
}

// releasedNode replaces the node of a tensor whose graph Backward has
// released: it keeps no references, and a second walk through it panics.
var releasedNode = &node{op: "(released by Backward)"}

// newResult allocates the result of an operation: its data comes from the
// inputs' tape (or the heap without one), and when the inputs require a
// gradient and the tape records, it gets a node with the inputs as parents
// (nil inputs, such as an absent bias, are left out). The caller fills Data
// and, if out.node != nil, sets out.node.backward.
func newResult(op string, shape []int, inputs ...*Tensor) *Tensor {
	var tp *Tape
	record := false
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if tp == nil && in.tape != nil {
			tp = in.tape
		}
		record = record || in.requiresGrad
	}
	out := &Tensor{Shape: append([]int(nil), shape...), tape: tp}
	out.Data = tp.alloc(numel(shape))
	if record && (tp == nil || !tp.noGrad) {
		parents := make([]*Tensor, 0, len(inputs))
		for _, in := range inputs {
			if in != nil {
				parents = append(parents, in)
			}
		}
		out.requiresGrad = true
		out.node = &node{op: op, parents: parents}
	}
	return out
}

// viewResult is newResult for operations whose result shares its input's
// data (reshape): nothing is allocated.
func viewResult(op string, shape []int, x *Tensor) *Tensor {
	out := &Tensor{Data: x.Data, Shape: append([]int(nil), shape...), tape: x.tape}
	if x.requiresGrad && (x.tape == nil || !x.tape.noGrad) {
		out.requiresGrad = true
		out.node = &node{op: op, parents: []*Tensor{x}}
	}
	return out
}

// topoOrder returns the recorded tensors reachable from root, every tensor
// after all of its parents (so root comes last). Leaves are included.
func topoOrder(root *Tensor) []*Tensor {
	var order []*Tensor
	seen := map[*Tensor]bool{root: true}
	// An explicit stack instead of recursion: deep networks make deep graphs.
	type frame struct {
		t    *Tensor
		next int // index of the next parent to visit
	}
	stack := []frame{{t: root}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.node != nil && f.next < len(f.t.node.parents) {
			p := f.t.node.parents[f.next]
			f.next++
			if !seen[p] {
				seen[p] = true
				stack = append(stack, frame{t: p})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	return order
}

func mustScalarLoss(fn string, loss *Tensor) {
	if len(loss.Data) != 1 {
		panic(fmt.Sprintf("autograd.%s: loss has shape %v, want a single element", fn, loss.Shape))
	}
}

// Backward computes the gradient of loss (a one-element tensor) with respect
// to every leaf it was computed from that requires a gradient, and adds it to
// that leaf's Grad (allocated on first use). Afterwards the graph under loss
// is released: every computed tensor forgets its parents and backward rule,
// so a second Backward through the same results panics. It panics if loss
// was not recorded (no input required a gradient, or a NoGrad tape).
func Backward(loss *Tensor) {
	mustScalarLoss("Backward", loss)
	if !loss.requiresGrad {
		panic("autograd.Backward: loss was not recorded (no input requires a gradient, or a NoGrad tape)")
	}
	if loss.node == releasedNode {
		panic("autograd.Backward: the graph was released by an earlier Backward")
	}
	if loss.node == nil { // the loss is itself a leaf
		if loss.Grad == nil {
			loss.Grad = make([]float32, 1)
		}
		loss.Grad[0]++
		return
	}
	needs := func(t *Tensor) bool { return t.requiresGrad }
	leafGrad := func(t *Tensor) []float32 {
		if t.node != nil {
			return nil // intermediate results keep no gradient
		}
		if t.Grad == nil {
			t.Grad = make([]float32, len(t.Data))
		}
		if len(t.Grad) != len(t.Data) {
			panic(fmt.Sprintf("autograd.Backward: a leaf of shape %v has a Grad of %d elements", t.Shape, len(t.Grad)))
		}
		return t.Grad
	}
	walkBackward(loss, []float32{1}, needs, leafGrad, true)
}

// Grad returns the gradients of loss (a one-element tensor) with respect to
// each of wrt, as new slices in the order given; a tensor that loss does not
// depend on gets zeros. It changes no tensor's Grad field and does not
// release or modify the graph, so concurrent calls on separate graphs that
// share parameters are safe. The wrt tensors must be part of the recorded
// graph: leaves that require a gradient (mark an input with SetRequiresGrad
// before the forward pass), or recorded results; Grad panics otherwise,
// rather than return a gradient of zeros that was never computed.
func Grad(loss *Tensor, wrt ...*Tensor) [][]float32 {
	mustScalarLoss("Grad", loss)
	for i, w := range wrt {
		if !w.requiresGrad {
			panic(fmt.Sprintf("autograd.Grad: wrt[%d] %v requires no gradient, so nothing was recorded for it", i, w.Shape))
		}
	}
	return gradFrom(loss, []float32{1}, wrt)
}

// gradFrom is Grad for any root, given the gradient seed with respect to it
// (the gradient checker seeds with random weights).
func gradFrom(root *Tensor, seed []float32, wrt []*Tensor) [][]float32 {
	want := make(map[*Tensor][]float32, len(wrt))
	for _, w := range wrt {
		want[w] = make([]float32, len(w.Data))
	}
	// A tensor needs a gradient when it is wanted or when one of its parents
	// needs one; topoOrder lists parents first, so one pass decides all.
	needed := map[*Tensor]bool{}
	for _, t := range topoOrder(root) {
		if _, ok := want[t]; ok {
			needed[t] = true
			continue
		}
		if t.node != nil {
			for _, p := range t.node.parents {
				if needed[p] {
					needed[t] = true
					break
				}
			}
		}
	}
	if needed[root] {
		if g, ok := want[root]; ok {
			copy(g, seed)
		}
		leafGrad := func(t *Tensor) []float32 { return want[t] }
		walkBackward(root, seed, func(t *Tensor) bool { return needed[t] }, leafGrad, false)
	}
	out := make([][]float32, len(wrt))
	for i, w := range wrt {
		out[i] = want[w]
	}
	return out
}

// walkBackward runs the backward rules from root in reverse topological
// order. needs says which tensors get a gradient; leafGrad gives the
// accumulation buffer of a tensor whose gradient outlives the walk (leaves,
// or wanted tensors; nil for others); every other gradient is a pooled
// buffer returned as soon as its tensor's rule has run. With release, each
// node is dropped after its rule has run. The order is the reverse of a
// depth-first walk that visits parents in their order, so of two branches
// joined at the root, the one given second has its rules run first: the
// first rule to reach a tensor's gradient is then its consumer in that
// branch (which matters when only one consumer can write it outright).
func walkBackward(root *Tensor, seed []float32, needs func(*Tensor) bool,
	leafGrad func(*Tensor) []float32, release bool) {
	order := topoOrder(root)
	grads := make(map[*Tensor][]float32, len(order))
	pooled := make(map[*Tensor]bool, len(order))
	// uncleared holds the pooled buffers that no rule has written yet: they
	// are cleared when a rule that adds is the first to reach them, and
	// handed as fresh to a rule that overwrites.
	uncleared := make(map[*Tensor]bool)
	clearGrad := func(t *Tensor) {
		g := grads[t]
		parallelFor(len(g), elemGrain, func(lo, hi int) { clear(g[lo:hi]) })
		delete(uncleared, t)
	}
	// gradOf returns t's accumulation buffer, creating it (not cleared).
	gradOf := func(t *Tensor) []float32 {
		if g, ok := grads[t]; ok {
			return g
		}
		g := leafGrad(t)
		if g == nil {
			g = getBuf(len(t.Data))
			pooled[t] = true
			uncleared[t] = true
		}
		grads[t] = g
		return g
	}
	rootGrad := gradOf(root)
	if uncleared[root] {
		clearGrad(root)
	}
	for i := range rootGrad {
		rootGrad[i] += seed[i]
	}
	var gin [][]float32
	var fresh []bool
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		if t.node == nil || !needs(t) {
			continue
		}
		gout, ok := grads[t]
		if !ok {
			continue // nothing reached t
		}
		if t.node == releasedNode {
			panic("autograd: the graph was released by an earlier Backward")
		}
		gin, fresh = gin[:0], fresh[:0]
		some := false
		for _, p := range t.node.parents {
			if needs(p) {
				gin = append(gin, gradOf(p))
				some = true
			} else {
				gin = append(gin, nil)
			}
			fresh = append(fresh, false)
		}
		// A wanted tensor whose inputs need nothing ends the walk here.
		if some {
			runRule(t.node, gout, gin, fresh, uncleared, clearGrad)
		}
		if pooled[t] {
			putBuf(gout)
			delete(grads, t)
		}
		if release {
			t.node = releasedNode
		}
	}
}

// freshGradients lets overwriting rules have fresh buffers; with false,
// every buffer is cleared and added to. A variable so that tests can
// compare the two.
var freshGradients = true

// runRule runs n's backward rule. Parent buffers no rule has written yet
// are handed to an overwriting rule as fresh, or cleared first for a rule
// that adds.
func runRule(n *node, gout []float32, gin [][]float32, fresh []bool, uncleared map[*Tensor]bool, clearGrad func(*Tensor)) {
	for k, p := range n.parents {
		if gin[k] == nil || !uncleared[p] {
			continue
		}
		// A buffer is fresh only for a rule that overwrites and holds it
		// once: a parent given twice gets both contributions added.
		if n.backwardFresh != nil && freshGradients && !repeated(n.parents, k) {
			fresh[k] = true
			delete(uncleared, p)
			continue
		}
		clearGrad(p)
	}
	if n.backwardFresh != nil {
		n.backwardFresh(gout, gin, fresh)
		return
	}
	n.backward(gout, gin)
}

// repeated reports whether parents[k] occurs elsewhere in parents.
func repeated(parents []*Tensor, k int) bool {
	for j, p := range parents {
		if j != k && p == parents[k] {
			return true
		}
	}
	return false
}
