package autograd

import "github.com/brainreg/brainreg/simd"

// The padded path of Conv2d, for stride-1 layers whose output has the
// input's size (k = 2·pad + 1: all of ResNet's 3×3 stride-1 layers and its
// 7×7 stem). Each image is copied once into a zero-padded buffer
// xp: [Cin, Hp, Wp] (Hp = H + 2·pad, Wp = W + 2·pad). Computing the output
// on an H×Wp grid (the last 2·pad columns of every row are thrown away),
// output pixel t = oy·Wp + ox reads xp at ci·Hp·Wp + ky·Wp + kx + t for
// kernel tap (ci, ky, kx): row (ci, ky, kx) of the im2col matrix is a
// contiguous run of xp. simd.SgemmRows packs it straight from xp, so no
// column matrix is built. The input gradient of such a layer is the same
// kind of convolution of the padded output gradient with the weights
// flipped in space and Cin and Cout exchanged, so it needs no column matrix
// and no col2im either. Images run in parallel, one product each, and each
// writes only its own output: results do not depend on the thread count.

// convPaddedPixels is the smallest plane (H·W) that takes the padded path.
// The H×Wp grid wastes 2·pad/Wp of the product (a quarter on 8×8 planes,
// and 8×10 = 80 columns fill 32-wide tiles poorly), but building no column
// matrix still made a small ResNet step with 8×8 planes on this path about
// 8% cheaper; 4×4 planes (ResNet-18's last stage) stay on the column-matrix
// path. A variable so that tests can force either path.
var convPaddedPixels = 64

// padded reports whether the layer takes the padded path. The choice
// depends on the layer's shape only.
func (g convGeom) padded() bool {
	return g.samePlane() && g.kh == 2*g.pad+1 && g.kw == 2*g.pad+1 && g.hw >= convPaddedPixels && g.n >= 2
}

// paddedGeom is the layout of one padded image with c channels.
type paddedGeom struct {
	hp, wp, plane int // padded plane: hp×wp = plane
	size          int // buffer length: c planes plus slack read only by thrown-away columns
	gridN         int // output grid columns H·Wp
}

func (g convGeom) paddedLayout(c int) paddedGeom {
	p := paddedGeom{hp: g.h + 2*g.pad, wp: g.w + 2*g.pad}
	p.plane = p.hp * p.wp
	p.size = c*p.plane + 2*g.pad
	p.gridN = g.h * p.wp
	return p
}

// rowOffsets returns the start in the padded buffer of each im2col row
// (c, ky, kx), in that order.
func (g convGeom) rowOffsets(p paddedGeom, c int) []int {
	off := make([]int, 0, c*g.kh*g.kw)
	for ci := range c {
		for ky := range g.kh {
			for kx := range g.kw {
				off = append(off, ci*p.plane+ky*p.wp+kx)
			}
		}
	}
	return off
}

// padImage copies src: [c, H, W] into dst (the layout of p) with zero borders.
func (g convGeom) padImage(p paddedGeom, c int, src, dst []float32) {
	clear(dst)
	for ci := range c {
		for y := range g.h {
			copy(dst[ci*p.plane+(y+g.pad)*p.wp+g.pad:][:g.w], src[(ci*g.h+y)*g.w:][:g.w])
		}
	}
}

// conv2dPaddedForward computes y: [N, Cout, H, W] = conv(x, w) + bias on
// the padded path.
func conv2dPaddedForward(g convGeom, x, w, bias, y []float32) {
	p := g.paddedLayout(g.cin)
	off := g.rowOffsets(p, g.cin)
	// The weights are packed once for all images.
	wbuf := getBuf(simd.PackedASize(g.cout, g.k))
	defer putBuf(wbuf)
	wp := simd.PackA(wbuf, false, g.cout, g.k, w, g.k)
	parallelFor(g.n, 1, func(lo, hi int) {
		xp, grid := getBuf(p.size), getBuf(g.cout*p.gridN)
		defer putBuf(xp)
		defer putBuf(grid)
		for i := lo; i < hi; i++ {
			g.padImage(p, g.cin, x[i*g.cin*g.hw:][:g.cin*g.hw], xp)
			// grid: [Cout, H·Wp] = w: [Cout, K] · (im2col rows of xp): [K, H·Wp]
			simd.SgemmRowsPacked(wp, false, p.gridN, 1, xp, off, 0, grid, p.gridN)
			for co := range g.cout {
				for oy := range g.h {
					dst := y[((i*g.cout+co)*g.h+oy)*g.w:][:g.w]
					copy(dst, grid[co*p.gridN+oy*p.wp:][:g.w])
					if bias != nil {
						addConst(dst, bias[co])
					}
				}
			}
		}
	})
}

// conv2dPaddedBackwardInput adds to gx: [N, Cin, H, W] the input gradient
// of a padded-path layer, given gy: [N, Cout, H, W]:
//
//	gx[ci, y, x] = Σ over co, ky, kx of w[co, ci, ky, kx]·gy[co, y+pad−ky, x+pad−kx]
//	             = conv(gy, w′) with w′[ci, co, ky, kx] = w[co, ci, kh−1−ky, kw−1−kx]
//
// (kh − 1 = 2·pad), the same padding and the same grid.
func conv2dPaddedBackwardInput(g convGeom, w, gy, gx []float32) {
	taps := g.kh * g.kw
	k2 := g.cout * taps
	wf := getBuf(g.cin * k2) // w′: [Cin, Cout·kh·kw]
	defer putBuf(wf)
	for co := range g.cout {
		for ci := range g.cin {
			src := w[(co*g.cin+ci)*taps:][:taps]
			dst := wf[(ci*g.cout+co)*taps:][:taps]
			for t := range taps {
				dst[taps-1-t] = src[t]
			}
		}
	}
	wbuf := getBuf(simd.PackedASize(g.cin, k2))
	defer putBuf(wbuf)
	wp := simd.PackA(wbuf, false, g.cin, k2, wf, k2)
	p := g.paddedLayout(g.cout)
	off := g.rowOffsets(p, g.cout)
	parallelFor(g.n, 1, func(lo, hi int) {
		gyp, grid := getBuf(p.size), getBuf(g.cin*p.gridN)
		defer putBuf(gyp)
		defer putBuf(grid)
		for i := lo; i < hi; i++ {
			g.padImage(p, g.cout, gy[i*g.cout*g.hw:][:g.cout*g.hw], gyp)
			// grid: [Cin, H·Wp] = w′: [Cin, Cout·kh·kw] · (im2col rows of gyp)
			simd.SgemmRowsPacked(wp, false, p.gridN, 1, gyp, off, 0, grid, p.gridN)
			for ci := range g.cin {
				for oy := range g.h {
					dst := gx[((i*g.cin+ci)*g.h+oy)*g.w:][:g.w]
					simd.Add(dst, dst, grid[ci*p.gridN+oy*p.wp:][:g.w])
				}
			}
		}
	})
}

// convWeightGradImages is how many images one task of the padded path's
// weight gradient sums over; the tasks' partial sums are added in order.
// It is fixed, so results do not depend on the thread count.
const convWeightGradImages = 8

// conv2dPaddedBackwardWeight adds to gw: [Cout, Cin, kh, kw] the weight
// gradient of a padded-path layer, gw[co, r] += Σ over pixels of
// gy[co, pixel]·(im2col row r)[pixel]. The batch is cut into tasks of
// convWeightGradImages images; each task copies its images into two padded
// buffers laid out channel-major, so that one tap's row over all the task's
// images is a single run:
//
//	xp: [Cin, B, Hp, Wp]  (the padded input, as in the forward pass)
//	gg: [Cout, B, Hp, Wp] (gy at grid position oy·Wp + ox of each image, zeros elsewhere)
//
// Grid position t of tap (ci, ky, kx) reads xp[ci·B·Hp·Wp + ky·Wp + kx + t];
// positions outside the output multiply a zero of gg. The taps are ordered
// (ky, kx, ci) in the product, so that eight consecutive ones are equally
// spaced (one channel plane apart) and pack as one transposed strip. The
// tasks' partial sums are added in task order.
func conv2dPaddedBackwardWeight(g convGeom, x, gy, gw []float32) {
	p := g.paddedLayout(1)
	const b = convWeightGradImages
	span := b * p.plane // one channel of a task's images
	slack := 2*g.pad*p.wp + 2*g.pad
	taps := g.kh * g.kw
	off := make([]int, 0, g.k) // column (ky, kx, ci) of the product
	for t := range taps {
		for ci := range g.cin {
			off = append(off, ci*span+t/g.kw*p.wp+t%g.kw)
		}
	}
	tasks := ceilDiv(g.n, b)
	parts := getBuf(tasks * g.cout * g.k) // per task: [Cout, (ky, kx, ci)]
	defer putBuf(parts)
	parallelFor(tasks, 1, func(lo, hi int) {
		xp := getBuf(g.cin*span + slack)
		gg := getBuf(g.cout * span)
		defer putBuf(xp)
		defer putBuf(gg)
		for task := lo; task < hi; task++ {
			i0 := task * b
			nb := min(b, g.n-i0)
			// Unused image slots and the slack are read only at positions
			// where gg is zero; zero them so that stale pool contents
			// (possibly Inf) cannot make NaN.
			clear(xp)
			clear(gg)
			for i := range nb {
				for c := range g.cin {
					d := xp[c*span+i*p.plane:][:p.plane]
					for y := range g.h {
						copy(d[(y+g.pad)*p.wp+g.pad:][:g.w], x[(((i0+i)*g.cin+c)*g.h+y)*g.w:][:g.w])
					}
				}
				for c := range g.cout {
					d := gg[c*span+i*p.plane:][:p.plane]
					for y := range g.h {
						copy(d[y*p.wp:][:g.w], gy[(((i0+i)*g.cout+c)*g.h+y)*g.w:][:g.w])
					}
				}
			}
			// part: [Cout, K] = gg · (tap rows of xp)ᵀ over the task's grid
			simd.SgemmRows(false, true, g.cout, g.k, nb*p.plane, 1, gg, span, xp, off, 0,
				parts[task*g.cout*g.k:][:g.cout*g.k], g.k)
		}
	})
	parallelFor(g.cout, 1, func(lo, hi int) {
		for co := lo; co < hi; co++ {
			for ci := range g.cin {
				for t := range taps {
					j := t*g.cin + ci
					var s float32
					for task := range tasks {
						s += parts[(task*g.cout+co)*g.k+j]
					}
					gw[(co*g.cin+ci)*taps+t] += s
				}
			}
		}
	})
}
