package robust

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/brainreg/brainreg/data/corrupt"
	"github.com/brainreg/brainreg/nn/attack"
)

// DefaultCorruptSeed seeds the presets' corruptions, and is cifar_reg
// corrupt's default, so that the files it writes are the images the
// evaluation classified.
const DefaultCorruptSeed = 2019

// CorruptionResult is a model's accuracy under the common corruptions
// (CIFAR-10-C) on the first Images test images.
type CorruptionResult struct {
	Images        int               `json:"images"`
	Seed          uint64            `json:"seed"`
	CleanAccuracy float64           `json:"clean_accuracy"` // on these images, uncorrupted
	Curves        []CorruptionCurve `json:"curves"`         // in the order of Config.Corruptions
}

// CorruptionCurve is the accuracy under one corruption at severities
// 1 … corrupt.Severities.
type CorruptionCurve struct {
	Name     string    `json:"name"`
	Family   string    `json:"family"`
	Accuracy []float64 `json:"accuracy"` // [severity−1]
}

// MeanAccuracy is the mean of the accuracies over the severities.
func (c CorruptionCurve) MeanAccuracy() float64 {
	s := 0.0
	for _, a := range c.Accuracy {
		s += a
	}
	return s / float64(max(len(c.Accuracy), 1))
}

// corruptionList resolves names (empty: all 15, in data/corrupt's order),
// rejecting unknown names and repeats.
func corruptionList(names []string) ([]corrupt.Corruption, error) {
	cs, err := corrupt.Select(names)
	if err != nil {
		return nil, fmt.Errorf("robust: corruptions: %w", err)
	}
	return cs, nil
}

// ToBytes writes into dst the 8-bit grayscale image that data/corrupt
// expects from x, pixels in [0, 1]: round(255·x), clamped to 0…255. On
// data/cifar's images (GrayFloat, byte/255 in float32) it gives back the
// bytes exactly.
func ToBytes(dst []uint8, x []float32) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("robust.ToBytes: dst has %d pixels, x %d", len(dst), len(x)))
	}
	for i, v := range x {
		dst[i] = uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
	}
}

// byteToUnit is data/cifar's GrayFloat conversion, byte/255 in float32.
var byteToUnit = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(v) / 255
	}
	return t
}()

// CorruptionAccuracy measures m's accuracy on im (grayscale 32×32 pixels in
// [0, 1]) under each named corruption (empty: all 15) at every severity.
// Image i is turned into bytes (ToBytes), corrupted by data/corrupt with
// the seed corrupt.ImageSeed(seed, i) (image i of ApplyBatch over the
// images with seed, which is what cifar_reg corrupt writes) and read back
// as byte/255: every model sees the same corrupted images whatever the
// batch size and thread count. Batches of batch images run on threads
// goroutines (GOMAXPROCS when threads < 1), all corruptions and severities
// in one pool.
func CorruptionAccuracy(ctx context.Context, m attack.Model, im attack.Images, names []string, seed uint64,
	batch, threads int) (*CorruptionResult, error) {
	cs, err := corruptionList(names)
	if err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	if im.Shape != [3]int{1, corrupt.Side, corrupt.Side} {
		return nil, fmt.Errorf("robust: the corruptions need grayscale %d×%d images, these have shape %v", corrupt.Side, corrupt.Side, im.Shape)
	}
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	batch = max(batch, 1)
	n, d := im.Len(), im.Size()
	clean := make([]uint8, n*d)
	for i := range n {
		ToBytes(clean[i*d:(i+1)*d], im.At(i))
	}
	cleanAcc, err := attack.Accuracy(ctx, m, im, batch, threads)
	if err != nil {
		return nil, err
	}
	res := &CorruptionResult{Images: n, Seed: seed, CleanAccuracy: cleanAcc}
	if n == 0 {
		for _, c := range cs {
			res.Curves = append(res.Curves, CorruptionCurve{Name: c.Name, Family: c.Family, Accuracy: make([]float64, corrupt.Severities)})
		}
		return res, nil
	}

	// Work item k is batch k%batches of (corruption, severity) k/batches.
	batches := (n + batch - 1) / batch
	cells := len(cs) * corrupt.Severities
	correct := make([]atomic.Int64, cells)
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range min(threads, cells*batches) {
		g.Go(func() error {
			buf := make([]float32, batch*d)
			for {
				k := int(next.Add(1)) - 1
				if k >= cells*batches {
					return nil
				}
				cell, b := k/batches, k%batches
				c, severity := cs[cell/corrupt.Severities], cell%corrupt.Severities+1
				lo, hi := b*batch, min((b+1)*batch, n)
				for i := lo; i < hi; i++ {
					out, err := c.Apply(clean[i*d:(i+1)*d], severity, corrupt.ImageSeed(seed, i))
					if err != nil {
						return err
					}
					dst := buf[(i-lo)*d : (i-lo+1)*d]
					for p, v := range out {
						dst[p] = byteToUnit[v]
					}
				}
				sub := attack.Images{X: buf[:(hi-lo)*d], Shape: im.Shape, Labels: im.Labels[lo:hi]}
				pred, err := attack.Predict(gctx, m, sub, hi-lo, 1)
				if err != nil {
					return err
				}
				hit := 0
				for j, p := range pred {
					if p == sub.Labels[j] {
						hit++
					}
				}
				correct[cell].Add(int64(hit))
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for ci, c := range cs {
		cc := CorruptionCurve{Name: c.Name, Family: c.Family}
		for s := range corrupt.Severities {
			cc.Accuracy = append(cc.Accuracy, float64(correct[ci*corrupt.Severities+s].Load())/float64(n))
		}
		res.Curves = append(res.Curves, cc)
	}
	return res, nil
}
