package attack

import (
	"fmt"

	"github.com/brainreg/brainreg/internal/stats"
)

// Images is N images in pixel space with their labels.
type Images struct {
	X      []float32 // [N][C][H][W], values in [0, 1]
	Shape  [3]int    // C, H, W of one image
	Labels []int     // [N] true classes
}

// Len is the number of images.
func (im Images) Len() int { return len(im.Labels) }

// Size is the number of values of one image, C·H·W.
func (im Images) Size() int { return im.Shape[0] * im.Shape[1] * im.Shape[2] }

// At is image i as a view into X: [C][H][W].
func (im Images) At(i int) []float32 { return im.X[i*im.Size() : (i+1)*im.Size()] }

// Subset returns the first n images (all when n ≤ 0 or n ≥ Len), sharing X.
func (im Images) Subset(n int) Images {
	if n <= 0 || n >= im.Len() {
		return im
	}
	return Images{X: im.X[:n*im.Size()], Shape: im.Shape, Labels: im.Labels[:n]}
}

// Validate reports the first thing wrong with the images: a shape or length
// that does not fit, a pixel outside [0, 1] or not finite, a negative label.
func (im Images) Validate() error {
	if im.Shape[0] < 1 || im.Shape[1] < 1 || im.Shape[2] < 1 {
		return fmt.Errorf("attack: image shape %v: want C, H, W ≥ 1", im.Shape)
	}
	if len(im.X) != im.Len()*im.Size() {
		return fmt.Errorf("attack: %d pixel values for %d labels of shape %v (want %d)",
			len(im.X), im.Len(), im.Shape, im.Len()*im.Size())
	}
	for i, v := range im.X {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("attack: pixel %d of image %d is %v, outside [0, 1]", i%im.Size(), i/im.Size(), v)
		}
	}
	for i, l := range im.Labels {
		if l < 0 {
			return fmt.Errorf("attack: label %d of image %d is negative", l, i)
		}
	}
	return nil
}

// Median is the median of xs by the project's one rule (internal/stats): the
// mean of the middle two for an even count, +Inf values counting as the
// largest (an image no attack fooled), NaN for no values or a NaN value. It
// does not modify xs. Kept for its callers in experiments/.
func Median(xs []float64) float64 { return stats.Median(xs) }
