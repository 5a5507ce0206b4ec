package attack

import (
	"fmt"
	"math"
	"slices"
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

// Median is the median of xs (the mean of the middle two for an even count;
// +Inf values count as the largest). It returns NaN for no values and does
// not modify xs.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	a, b := s[n/2-1], s[n/2]
	if math.IsInf(b, 1) {
		return b
	}
	return (a + b) / 2
}
