package sensorium

import "fmt"

// Size is an image size in pixels.
type Size struct {
	Height int `json:"height"`
	Width  int `json:"width"`
}

func (s Size) String() string { return fmt.Sprintf("%d×%d", s.Height, s.Width) }

// The two resolutions Convert makes by default.
var (
	// PredictorSize is the neural.Scan's image size: the SENSORIUM
	// baselines' inputs (144×256 scaled by 0.25).
	PredictorSize = Size{Height: 36, Width: 64}
	// CNNSize is the image size of the CNN trained on the target (CIFAR-10's).
	CNNSize = Size{Height: 32, Width: 32}
)

// Rect is a rectangle of source pixels: rows Top … Top+Height−1, columns
// Left … Left+Width−1.
type Rect struct {
	Top    int `json:"top"`
	Left   int `json:"left"`
	Height int `json:"height"`
	Width  int `json:"width"`
}

// ResizeRule is the rule Resize applies, in words.
const ResizeRule = "centre crop to the target's aspect ratio (the longer side cut, " +
	"crop length rounded to the nearest pixel, the odd pixel cut at the bottom or right), " +
	"then area averaging: each output pixel is the mean of the crop over its cell of " +
	"(crop height/target height)×(crop width/target width) source pixels, " +
	"partly covered pixels weighted by the area covered"

// CenterCrop is the crop Resize takes from a src-sized image for the target
// size to: the largest centred rectangle with the target's aspect ratio.
func CenterCrop(src, to Size) Rect {
	c := Rect{Height: src.Height, Width: src.Width}
	switch {
	case src.Width*to.Height > to.Width*src.Height: // source wider: cut left and right
		c.Width = (2*src.Height*to.Width + to.Height) / (2 * to.Height)
	case src.Width*to.Height < to.Width*src.Height: // source taller: cut top and bottom
		c.Height = (2*src.Width*to.Height + to.Width) / (2 * to.Width)
	}
	c.Top, c.Left = (src.Height-c.Height)/2, (src.Width-c.Width)/2
	return c
}

// Resize applies ResizeRule to n images of size src stored one after the
// other in images (n×src.Height×src.Width) and returns n×to.Height×to.Width
// and the crop used. The mean of an image is kept to rounding, and a crop
// made of constant cells (to's cell size) comes out exactly.
func Resize(images []float32, n int, src, to Size) ([]float32, Rect) {
	r := newResizer(src, to)
	out := make([]float32, n*to.Height*to.Width)
	tmp := r.scratch()
	for k := range n {
		r.into(out[k*to.Height*to.Width:(k+1)*to.Height*to.Width], images[k*src.Height*src.Width:(k+1)*src.Height*src.Width], tmp)
	}
	return out, r.crop
}

// resizer applies ResizeRule from one size to another, its cell weights
// computed once.
type resizer struct {
	src, to    Size
	crop       Rect
	rows, cols [][]weighted
}

func newResizer(src, to Size) *resizer {
	crop := CenterCrop(src, to)
	return &resizer{src: src, to: to, crop: crop,
		rows: cellWeights(crop.Top, crop.Height, to.Height), cols: cellWeights(crop.Left, crop.Width, to.Width)}
}

// scratch is the buffer into needs: the rows averaged, full width.
func (r *resizer) scratch() []float64 { return make([]float64, r.to.Height*r.src.Width) }

// into resizes the src-sized img into dst (to.Height×to.Width), with tmp
// from scratch.
func (r *resizer) into(dst, img []float32, tmp []float64) {
	src, to, crop := r.src, r.to, r.crop
	clear(tmp)
	for i, cell := range r.rows {
		acc := tmp[i*src.Width : (i+1)*src.Width]
		for _, c := range cell {
			for x, v := range img[c.pixel*src.Width+crop.Left : c.pixel*src.Width+crop.Left+crop.Width] {
				acc[crop.Left+x] += c.weight * float64(v)
			}
		}
	}
	for i := range to.Height {
		acc := tmp[i*src.Width : (i+1)*src.Width]
		for j, cell := range r.cols {
			s := 0.0
			for _, c := range cell {
				s += c.weight * acc[c.pixel]
			}
			dst[i*to.Width+j] = float32(s)
		}
	}
}

// weighted is one source pixel's share of an output cell.
type weighted struct {
	pixel  int
	weight float64 // covered length / cell length
}

// cellWeights splits the source pixels offset … offset+length−1 into cells
// equal output cells along one axis: cell o covers [o·length/cells,
// (o+1)·length/cells) of the crop, each pixel weighted by how much of it the
// cell covers, the weights of a cell summing to 1.
func cellWeights(offset, length, cells int) [][]weighted {
	out := make([][]weighted, cells)
	for o := range cells {
		// Boundaries as exact fractions a/cells of a pixel.
		lo, hi := o*length, (o+1)*length
		for p := lo / cells; p*cells < hi; p++ {
			covered := min(hi, (p+1)*cells) - max(lo, p*cells)
			if covered > 0 {
				out[o] = append(out[o], weighted{pixel: offset + p, weight: float64(covered) / float64(length)})
			}
		}
	}
	return out
}
