package attack

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/internal/seed"
)

// worker is one goroutine's state: its tapes, reused from image to image.
type worker struct {
	grad *autograd.Tape // Record: forward passes whose input gradient is needed
	eval *autograd.Tape // NoGrad: decisions only
}

// forEach calls fn(w, i) for i in [0, n) on threads goroutines (GOMAXPROCS
// when threads < 1), each with its own worker. Goroutines take the next
// index when done, so the assignment of images to goroutines varies; fn must
// make image i's result depend on i alone. The first error, or the
// context's, stops the loop and is returned.
func forEach(ctx context.Context, n, threads int, fn func(w *worker, i int) error) error {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	g, ctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for range min(threads, n) {
		g.Go(func() error {
			w := &worker{grad: autograd.NewTape(autograd.Record), eval: autograd.NewTape(autograd.NoGrad)}
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				i := int(next.Add(1)) - 1
				if i >= n {
					return nil
				}
				if err := fn(w, i); err != nil {
					return err
				}
			}
		})
	}
	return g.Wait()
}

// Streams of random numbers, so that different uses of one seed do not
// share draws.
const (
	streamPGD uint64 = iota + 1
	streamSearch
	streamBoundary
	streamAPGD
	streamSquare
	streamFMN
	streamFAB
)

// imageRand is the random generator of image i in the given stream:
// splitmix64 (internal/seed) scatters the words so that neighbouring seeds
// or images give unrelated PCG states. The arguments of seed.NewRand are
// fixed forever: they reproduce the streams of earlier versions.
func imageRand(s, stream uint64, i int) *rand.Rand {
	return seed.NewRand(s, stream, uint64(i), stream+0x51)
}

// Predict returns the predicted class of every image, evaluating batches of
// batch images (fixed by index, so the result does not depend on threads) on
// threads goroutines with NoGrad tapes.
func Predict(ctx context.Context, m Model, im Images, batch, threads int) ([]int, error) {
	if err := im.Validate(); err != nil {
		return nil, err
	}
	batch = max(batch, 1)
	pred := make([]int, im.Len())
	chunks := (im.Len() + batch - 1) / batch
	d := im.Size()
	err := forEach(ctx, chunks, threads, func(w *worker, c int) error {
		lo, hi := c*batch, min((c+1)*batch, im.Len())
		classify(m, w.eval, im.X[lo*d:hi*d], im.Shape, pred[lo:hi])
		return nil
	})
	return pred, err
}

// Accuracy is the fraction of images Predict classifies correctly.
func Accuracy(ctx context.Context, m Model, im Images, batch, threads int) (float64, error) {
	pred, err := Predict(ctx, m, im, batch, threads)
	if err != nil {
		return 0, err
	}
	return fractionCorrect(pred, im.Labels), nil
}

// notFooled is the fraction of false entries: an attack's robust accuracy
// from its per-image outcomes (0 for no images).
func notFooled(fooled []bool) float64 {
	return float64(len(fooled)-countTrue(fooled)) / float64(max(len(fooled), 1))
}

// countTrue is the number of true entries.
func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func fractionCorrect(pred, labels []int) float64 {
	if len(labels) == 0 {
		return 0
	}
	n := 0
	for i, p := range pred {
		if p == labels[i] {
			n++
		}
	}
	return float64(n) / float64(len(labels))
}
