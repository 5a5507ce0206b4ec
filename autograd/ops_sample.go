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
//
// Images run in parallel. For each image the four neighbours of every point,
// their weights and the weights' derivatives are worked out once
// (sampleCorners), and then every channel plane is read through them.
func GridSample(x, grid *Tensor, alignCorners bool) *Tensor {
	if len(x.Shape) != 4 || len(grid.Shape) != 4 || grid.Shape[0] != x.Shape[0] || grid.Shape[3] != 2 {
		panic(fmt.Sprintf("autograd.GridSample: input %v and grid %v, want [N, C, H, W] and [N, Ho, Wo, 2]", x.Shape, grid.Shape))
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	pts := grid.Shape[1] * grid.Shape[2]
	hw := h * w
	out := newResult(opGridSample, []int{n, c, grid.Shape[1], grid.Shape[2]}, x, grid)
	parallelFor(n, 1, func(lo, hi int) {
		cs := getBuf(pts * cornerFloats)
		defer putBuf(cs)
		for b := lo; b < hi; b++ {
			sampleCorners(cs, grid.Data[b*pts*2:][:pts*2], h, w, alignCorners)
			for ch := range c {
				xp, yp := x.Data[(b*c+ch)*hw:][:hw], out.Data[(b*c+ch)*pts:][:pts]
				for p := range pts {
					k := cs[p*cornerFloats:][:cornerFloats]
					yp[p] = k[4]*xp[int(k[0])] + k[5]*xp[int(k[1])] + k[6]*xp[int(k[2])] + k[7]*xp[int(k[3])]
				}
			}
		}
	})
	if out.node != nil {
		out.node.backward = func(g []float32, gin [][]float32) {
			gx, gg := gin[0], gin[1]
			sx, sy := unnormSlope(w, alignCorners), unnormSlope(h, alignCorners)
			// Each image writes only its own planes and grid rows.
			parallelFor(n, 1, func(lo, hi int) {
				cs := getBuf(pts * cornerFloats)
				defer putBuf(cs)
				var dxy []float64 // ∂L/∂(pixel x, pixel y) per point, summed over channels in order
				if gg != nil {
					dxy = make([]float64, 2*pts)
				}
				for b := lo; b < hi; b++ {
					sampleCorners(cs, grid.Data[b*pts*2:][:pts*2], h, w, alignCorners)
					clear(dxy)
					for ch := range c {
						xp, gp := x.Data[(b*c+ch)*hw:][:hw], g[(b*c+ch)*pts:][:pts]
						var gxp []float32
						if gx != nil {
							gxp = gx[(b*c+ch)*hw:][:hw]
						}
						for p, gv := range gp {
							k := cs[p*cornerFloats:][:cornerFloats]
							i0, i1, i2, i3 := int(k[0]), int(k[1]), int(k[2]), int(k[3])
							if gxp != nil {
								gxp[i0] += gv * k[4]
								gxp[i1] += gv * k[5]
								gxp[i2] += gv * k[6]
								gxp[i3] += gv * k[7]
							}
							if dxy != nil {
								v0, v1, v2, v3 := xp[i0], xp[i1], xp[i2], xp[i3]
								dxy[2*p] += float64(gv * (v0*k[8] + v1*k[9] + v2*k[10] + v3*k[11]))
								dxy[2*p+1] += float64(gv * (v0*k[12] + v1*k[13] + v2*k[14] + v3*k[15]))
							}
						}
					}
					if gg != nil {
						ggb := gg[b*pts*2:][:pts*2]
						for p := range pts {
							ggb[2*p] += float32(dxy[2*p] * sx)
							ggb[2*p+1] += float32(dxy[2*p+1] * sy)
						}
					}
				}
			})
		}
	}
	return out
}

// cornerFloats is the size of one point's record from sampleCorners: the
// four neighbours' flat indices in a plane, their weights, and the weights'
// derivatives along pixel x and pixel y, four each.
const cornerFloats = 16

// unnorm maps a grid coordinate in [−1, 1] to a pixel coordinate along an
// axis of the given size, as grid_sample does.
func unnorm(v float64, size int, alignCorners bool) float64 {
	if alignCorners {
		return (v + 1) / 2 * float64(size-1)
	}
	return ((v+1)*float64(size) - 1) / 2
}

// unnormSlope is the derivative of unnorm with respect to v.
func unnormSlope(size int, alignCorners bool) float64 {
	if alignCorners {
		return float64(size-1) / 2
	}
	return float64(size) / 2
}

// sampleCorners fills cs with one cornerFloats record per point of grid
// (pairs of grid coordinates) on an h×w plane. The neighbours are, in
// order, (x0, y0), (x0+1, y0), (x0, y0+1), (x0+1, y0+1); one outside the
// plane gets index 0 and zero weights, so reading it adds nothing.
// Indices are stored as float32, exact below 2²⁴.
func sampleCorners(cs, grid []float32, h, w int, alignCorners bool) {
	for p := range len(grid) / 2 {
		ix := unnorm(float64(grid[2*p]), w, alignCorners)
		iy := unnorm(float64(grid[2*p+1]), h, alignCorners)
		x0, y0 := math.Floor(ix), math.Floor(iy)
		fx, fy := ix-x0, iy-y0
		k := cs[p*cornerFloats:][:cornerFloats]
		for j := range 4 {
			dxj, dyj := j&1, j>>1
			cx, cy := int(x0)+dxj, int(y0)+dyj
			if cx < 0 || cx >= w || cy < 0 || cy >= h || math.IsNaN(ix) || math.IsNaN(iy) {
				k[j], k[4+j], k[8+j], k[12+j] = 0, 0, 0, 0
				continue
			}
			// Weight (1−fx or fx)·(1−fy or fy), and its derivatives.
			wx, dwx := 1-fx, -1.0
			if dxj == 1 {
				wx, dwx = fx, 1
			}
			wy, dwy := 1-fy, -1.0
			if dyj == 1 {
				wy, dwy = fy, 1
			}
			k[j] = float32(cy*w + cx)
			k[4+j], k[8+j], k[12+j] = float32(wx*wy), float32(dwx*wy), float32(wx*dwy)
		}
	}
}
