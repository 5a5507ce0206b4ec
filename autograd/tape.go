package autograd

import (
	"math"
	"sync"
)

// Mode says whether a tape records operations for differentiation.
type Mode int

const (
	// Record makes results on the tape remember their inputs and backward
	// rules whenever an input requires a gradient (training, attacks).
	Record Mode = iota
	// NoGrad makes results on the tape record nothing (evaluation).
	NoGrad
)

// A Tape is the context of one forward pass on one goroutine: it decides
// whether results are recorded and owns the buffers they are allocated from
// (see the package documentation). The zero value is not usable; call
// NewTape.
type Tape struct {
	noGrad bool
	mu     sync.Mutex
	owned  [][]float32 // buffers handed out since the last Release
}

// NewTape returns an empty tape in the given mode.
func NewTape(mode Mode) *Tape { return &Tape{noGrad: mode == NoGrad} }

// Attach puts t on the tape, so that every result computed from it belongs
// to the tape, and returns t. t's own data stays the caller's. A tensor is on
// at most one tape; attaching it again moves it.
func (tp *Tape) Attach(t *Tensor) *Tensor {
	t.tape = tp
	return t
}

// Recording reports whether results on this tape are recorded.
func (tp *Tape) Recording() bool { return !tp.noGrad }

// Release returns every buffer the tape handed out to the free list. The
// tensors computed on the tape must not be used afterwards (Clone what
// should outlive the step, such as logits for an accuracy count); the tape
// itself can be used for the next step.
func (tp *Tape) Release() {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	for _, b := range tp.owned {
		putBuf(b)
	}
	clear(tp.owned) // drop the references, keep the slice for the next step
	tp.owned = tp.owned[:0]
}

// alloc returns an n-element buffer (contents undefined) owned by the tape,
// or a fresh heap slice when tp is nil.
func (tp *Tape) alloc(n int) []float32 {
	if tp == nil {
		return make([]float32, n)
	}
	b := getBuf(n)
	tp.mu.Lock()
	tp.owned = append(tp.owned, b)
	tp.mu.Unlock()
	return b
}

// allocZeroed is alloc with the buffer cleared.
func (tp *Tape) allocZeroed(n int) []float32 {
	b := tp.alloc(n)
	if tp != nil {
		clear(b)
	}
	return b
}

// The free list: buffers keyed by exact length. A training step asks for
// the same sizes every time, so after the first step every request is met
// from the list. It only grows: it holds at most the buffers of the largest
// set of steps that were in flight at once (one per goroutine running a
// tape), until DropFreeList. Buffers shorter than minPooled are not worth
// the lock.
const minPooled = 64

var freeList struct {
	sync.Mutex
	bySize map[int][][]float32
}

// DropFreeList lets the garbage collector have every buffer on the free
// list, for a program that is done with a model (or changes batch size for
// good) and wants the memory back. Tapes keep working afterwards: buffers
// still owned by a tape go to a new list at its next Release, and results
// are the same with or without the drop (a buffer's contents are undefined
// either way).
//
// A program that runs several stages in one process (cifar_reg run:
// training at batch 128, evaluation at 500, attacks at other sizes on
// every core) should call it between stages: the list is keyed by exact
// length and only grows, so without it the process keeps the peak set of
// every size any stage used, and the garbage collector, which counts
// those buffers as live, lets the heap grow to twice their sum.
func DropFreeList() {
	freeList.Lock()
	freeList.bySize = nil
	freeList.Unlock()
}

// FreeListSize returns how many buffers the free list holds and their
// total size in bytes (for memory reports and tests).
func FreeListSize() (buffers int, bytes int64) {
	freeList.Lock()
	defer freeList.Unlock()
	for n, l := range freeList.bySize {
		buffers += len(l)
		bytes += int64(n) * 4 * int64(len(l))
	}
	return buffers, bytes
}

// getBuf returns a buffer of length n with undefined contents.
func getBuf(n int) []float32 {
	b := takeBuf(n)
	if poisonBufs {
		for i := range b {
			b[i] = float32(math.NaN())
		}
	}
	return b
}

// poisonBufs makes getBuf fill every buffer with NaN, so that a test shows
// any code that reads a buffer's undefined contents.
var poisonBufs = false

func takeBuf(n int) []float32 {
	if n < minPooled {
		return make([]float32, n)
	}
	freeList.Lock()
	if l := freeList.bySize[n]; len(l) > 0 {
		b := l[len(l)-1]
		freeList.bySize[n] = l[:len(l)-1]
		freeList.Unlock()
		return b
	}
	freeList.Unlock()
	return make([]float32, n)
}

// putBuf gives b back to the free list; the caller must not use it again.
func putBuf(b []float32) {
	if len(b) < minPooled {
		return
	}
	freeList.Lock()
	if freeList.bySize == nil {
		freeList.bySize = map[int][][]float32{}
	}
	freeList.bySize[len(b)] = append(freeList.bySize[len(b)], b)
	freeList.Unlock()
}
