package v1sim

import (
	"math"
	"math/rand/v2"
)

// DeadLeaves returns n h×w grayscale images in [0, 1] from the dead-leaves
// model (Lee, Mumford and Huang 2001): opaque disks of random gray, with
// radii drawn from a power law (density ∝ r⁻³ between 1 pixel and half the
// image), dropped one over another. They share the scale invariance and
// edge statistics of natural images, which makes them a stand-in for the
// CIFAR stimulus set in tests that must not depend on the real data.
func DeadLeaves(n, h, w int, seed uint64) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 0xdeadbeef))
	rmin, rmax := 1.0, float64(max(h, w))/2
	out := make([][]float32, n)
	for k := range out {
		im := make([]float32, h*w)
		bg := float32(rng.Float64())
		for i := range im {
			im[i] = bg
		}
		// Later disks cover earlier ones; draw enough to cover the image.
		for range 4 * (h + w) {
			// Inverse CDF of p(r) ∝ r⁻³ on [rmin, rmax].
			q := rng.Float64()
			r := 1 / math.Sqrt(1/(rmin*rmin)-q*(1/(rmin*rmin)-1/(rmax*rmax)))
			cx, cy := rng.Float64()*float64(w), rng.Float64()*float64(h)
			v := float32(rng.Float64())
			y0, y1 := max(0, int(cy-r)), min(h-1, int(cy+r))
			x0, x1 := max(0, int(cx-r)), min(w-1, int(cx+r))
			for y := y0; y <= y1; y++ {
				for x := x0; x <= x1; x++ {
					dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
					if dx*dx+dy*dy <= r*r {
						im[y*w+x] = v
					}
				}
			}
		}
		out[k] = im
	}
	return out
}
