package corrupt

import (
	"math"
	"math/rand/v2"
)

// testImages are natural-looking 32×32 test images: a diagonal gradient, a
// bright rectangle and a half-plane on a dark ground (edges), a 4-pixel
// checkerboard, smooth random noise (Gaussian-filtered, σ 2, stretched to
// 10…245), the same squeezed into 150…255 (a bright image, which clips), and a
// mid-gray disc on a darker ground.
func testImages() map[string][]uint8 {
	ims := map[string][]uint8{}
	grad, edges, checker, disc := make([]uint8, Size), make([]uint8, Size), make([]uint8, Size), make([]uint8, Size)
	for y := range Side {
		for x := range Side {
			i := y*Side + x
			grad[i] = uint8(math.Round(255 * float64(x+y) / 62))
			switch {
			case y >= 8 && y < 24 && x >= 6 && x < 20:
				edges[i] = 220
			case x > y+10:
				edges[i] = 120
			default:
				edges[i] = 30
			}
			checker[i] = 215
			if (x/4+y/4)%2 == 0 {
				checker[i] = 40
			}
			disc[i] = 70
			if dx, dy := float64(x)-15.5, float64(y)-13.5; dx*dx+dy*dy < 100 {
				disc[i] = 160
			}
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	n := make([]float64, Size)
	for i := range n {
		n[i] = r.NormFloat64()
	}
	n = gaussianFilter(n, 2, 4, reflect)
	lo, hi := n[0], n[0]
	for _, v := range n {
		lo, hi = min(lo, v), max(hi, v)
	}
	smooth, bright := make([]uint8, Size), make([]uint8, Size)
	for i, v := range n {
		s := (v - lo) / (hi - lo)
		smooth[i] = uint8(math.Round(10 + 235*s))
		bright[i] = uint8(math.Round(150 + 105*s))
	}
	ims["gradient"], ims["edges"], ims["checker"], ims["smooth"], ims["bright"], ims["disc"] = grad, edges, checker, smooth, bright, disc
	return ims
}

// constant is a 32×32 image of one level.
func constant(v uint8) []uint8 {
	b := make([]uint8, Size)
	for i := range b {
		b[i] = v
	}
	return b
}

// meanAbsChange is the mean |corrupted − clean| in levels.
func meanAbsChange(clean, got []uint8) float64 {
	s := 0
	for i := range clean {
		d := int(got[i]) - int(clean[i])
		s += max(d, -d)
	}
	return float64(s) / float64(len(clean))
}
