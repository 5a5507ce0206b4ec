package cifar

import (
	"math/rand/v2"
	"testing"
)

// numpy.pad(arange(32), 4, mode="reflect"): the edge is not repeated.
var reflectPadded = []int{4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
	20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 30, 29, 28, 27}

func TestCropFlip(t *testing.T) {
	var rows, cols, dst [PlaneSize]uint8 // rows[y][x] = y, cols[y][x] = x
	for y := range Side {
		for x := range Side {
			rows[y*Side+x], cols[y*Side+x] = uint8(y), uint8(x)
		}
	}
	for top := 0; top <= 2*Pad; top++ {
		for left := 0; left <= 2*Pad; left++ {
			for _, flip := range []bool{false, true} {
				CropFlip(dst[:], rows[:], top, left, flip)
				for y := range Side {
					for x := range Side {
						if want := reflectPadded[y+top]; int(dst[y*Side+x]) != want {
							t.Fatalf("top %d left %d flip %v: (%d,%d) from row %d, want %d", top, left, flip, y, x, dst[y*Side+x], want)
						}
					}
				}
				CropFlip(dst[:], cols[:], top, left, flip)
				for y := range Side {
					for x := range Side {
						sx := x
						if flip {
							sx = Side - 1 - x
						}
						if want := reflectPadded[sx+left]; int(dst[y*Side+x]) != want {
							t.Fatalf("top %d left %d flip %v: (%d,%d) from column %d, want %d", top, left, flip, y, x, dst[y*Side+x], want)
						}
					}
				}
			}
		}
	}
	// The centred crop without flip is the image; with flip, its mirror.
	var img [PlaneSize]uint8
	for p := range img {
		img[p] = uint8(p * 7)
	}
	CropFlip(dst[:], img[:], Pad, Pad, false)
	if dst != img {
		t.Error("centred crop changed the image")
	}
	CropFlip(dst[:], img[:], Pad, Pad, true)
	for y := range Side {
		for x := range Side {
			if dst[y*Side+x] != img[y*Side+Side-1-x] {
				t.Fatalf("flip: (%d,%d) = %d, want %d", y, x, dst[y*Side+x], img[y*Side+Side-1-x])
			}
		}
	}
}

// The draws are uniform over the 9×9 crop corners and fair for the flip.
func TestDrawAugment(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 81000
	var corner [2*Pad + 1][2*Pad + 1]int
	flips := 0
	for range n {
		top, left, flip := drawAugment(rng)
		corner[top][left]++
		if flip {
			flips++
		}
	}
	for top := range corner {
		for left, c := range corner[top] {
			if c < 800 || c > 1200 { // expected 1000, sd ≈ 31
				t.Errorf("corner (%d,%d) drawn %d times of %d", top, left, c, n)
			}
		}
	}
	if flips < n/2-1000 || flips > n/2+1000 { // sd ≈ 142
		t.Errorf("%d flips of %d", flips, n)
	}
}
