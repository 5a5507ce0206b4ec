package cifar

import (
	"math/rand/v2"

	"github.com/brainreg/brainreg/internal/seed"
)

// Pad is the reflect padding of the random crop: the crop's corner moves by up to ±4 pixels.
const Pad = 4

// CropFlip writes into dst [32][32] the 32×32 window with top-left corner (top, left) of src
// [32][32] padded by Pad pixels on every side, mirrored left-right when flip. The padding
// reflects without repeating the edge (numpy/torch "reflect": … 2 1 | 0 1 2 … 31 | 30 29 …).
// top and left are in [0, 2·Pad]; (Pad, Pad) without flip copies src.
// This is torchvision's RandomCrop(32, padding=4, padding_mode="reflect") followed by
// RandomHorizontalFlip, for given random draws.
func CropFlip(dst, src []uint8, top, left int, flip bool) {
	_, _ = dst[PlaneSize-1], src[PlaneSize-1]
	for y := range Side {
		row := src[reflect(y+top-Pad)*Side:][:Side]
		out := dst[y*Side:][:Side]
		for x := range Side {
			sx := x
			if flip {
				sx = Side - 1 - x
			}
			out[x] = row[reflect(sx+left-Pad)]
		}
	}
}

// reflect maps a coordinate of the padded image (−Pad … Side−1+Pad) into the image.
func reflect(i int) int {
	if i < 0 {
		return -i
	}
	if i >= Side {
		return 2*(Side-1) - i
	}
	return i
}

// drawAugment draws one image's crop corner and flip, in this order.
func drawAugment(rng *rand.Rand) (top, left int, flip bool) {
	top = rng.IntN(2*Pad + 1)
	left = rng.IntN(2*Pad + 1)
	flip = rng.IntN(2) == 1
	return
}

// newRand is an independent random stream for (s, stream, a, b): splitmix64 (internal/seed)
// scatters the words so that neighbouring seeds, epochs or steps give unrelated PCG states.
// The arguments of seed.NewRand are fixed forever: they reproduce earlier versions' streams.
func newRand(s, stream, a, b uint64) *rand.Rand {
	return seed.NewRand(s, stream, a<<32^b, stream+1)
}
