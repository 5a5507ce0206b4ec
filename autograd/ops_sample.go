package autograd

import (
	"fmt"
	"math"
)

var opGridSample = registerOp("grid_sample")

// GridSample reads x bilinearly at the positions in grid, as
// torch.nn.functional.grid_sample with mode "bilinear" and padding "zeros":
//
//	x: [N, C, H, W], grid: [N, Ho, Wo, 2] → [N, C, Ho, Wo]
//
// grid[n, i, j] = (gx, gy) in [−1, 1], gx along the width; with alignCorners
// −1 and 1 are the centres of the corner pixels, without it their outer
// edges. Positions outside read zeros. Gradients flow to x and to grid (a
// neuron's point readout learns where to look).
func GridSample(x, grid *Tensor, alignCorners bool) *Tensor {
	if len(x.Shape) != 4 || len(grid.Shape) != 4 || grid.Shape[0] != x.Shape[0] || grid.Shape[3] != 2 {
		panic(fmt.Sprintf("autograd.GridSample: input %v and grid %v, want [N, C, H, W] and [N, Ho, Wo, 2]", x.Shape, grid.Shape))
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	ho, wo := grid.Shape[1], grid.Shape[2]
	pts := ho * wo
	out := newResult(opGridSample, []int{n, c, ho, wo}, x, grid)
	// unnorm maps a grid coordinate to a pixel coordinate along an axis of
	// size size, and gives the derivative of that map.
	unnorm := func(v float64, size int) (float64, float64) {
		if alignCorners {
			return (v + 1) / 2 * float64(size-1), float64(size-1) / 2
		}
		return ((v+1)*float64(size) - 1) / 2, float64(size) / 2
	}
	// corners calls fn for each of the four neighbours of grid point p of
	// image b that lies inside the image, with its flat index in a plane
	// and its weight, and with the weight's derivatives along x and y.
	corners := func(b, p int, fn func(idx int, wt, dwx, dwy float64)) (float64, float64) {
		ix, sx := unnorm(float64(grid.Data[(b*pts+p)*2]), w)
		iy, sy := unnorm(float64(grid.Data[(b*pts+p)*2+1]), h)
		x0, y0 := math.Floor(ix), math.Floor(iy)
		fx, fy := ix-x0, iy-y0
		for _, k := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
			cx, cy := int(x0)+k[0], int(y0)+k[1]
			if cx < 0 || cx >= w || cy < 0 || cy >= h {
				continue
			}
			wx, dwx := 1-fx, -1.0
			if k[0] == 1 {
				wx, dwx = fx, 1
			}
			wy, dwy := 1-fy, -1.0
			if k[1] == 1 {
				wy, dwy = fy, 1
			}
			fn(cy*w+cx, wx*wy, dwx*wy, wx*dwy)
		}
		return sx, sy
	}
	hw := h * w
	parallelFor(n, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			for p := range pts {
				for ch := range c {
					out.Data[(b*c+ch)*pts+p] = 0
				}
				corners(b, p, func(idx int, wt, _, _ float64) {
					for ch := range c {
						out.Data[(b*c+ch)*pts+p] += float32(wt) * x.Data[(b*c+ch)*hw+idx]
					}
				})
			}
		}
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			gx, gg := gin[0], gin[1]
			// Each image writes only its own planes and grid rows.
			parallelFor(n, 1, func(lo, hi int) {
				for b := lo; b < hi; b++ {
					for p := range pts {
						var dx, dy float64 // ∂L/∂(pixel coordinates)
						sx, sy := corners(b, p, func(idx int, wt, dwx, dwy float64) {
							for ch := range c {
								gv := float64(g[(b*c+ch)*pts+p])
								if gx != nil {
									gx[(b*c+ch)*hw+idx] += float32(gv * wt)
								}
								v := float64(x.Data[(b*c+ch)*hw+idx])
								dx += gv * v * dwx
								dy += gv * v * dwy
							}
						})
						if gg != nil {
							gg[(b*pts+p)*2] += float32(dx * sx)
							gg[(b*pts+p)*2+1] += float32(dy * sy)
						}
					}
				}
			})
		}
	}
	return out
}
