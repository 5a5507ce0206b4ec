package autograd

import (
	"sync"

	"github.com/brainreg/brainreg/simd"
)

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
// and no col2im either. Stride-2 layers that halve the plane (a ResNet
// stage's first 3×3 layer and its 1×1 shortcut) take the same path on the
// image split into phase planes (below). Images (or a few side by side, see
// paddedGroup) run in parallel, one product each, and each writes only its
// own output: results do not depend on the thread count.

// convPaddedPixels is the smallest output plane (Ho·Wo) that takes the
// padded path. The H×Wp grid wastes 2·pad/Wp of the product (a fifth on
// 8×8 planes), but building no column matrix still made a small ResNet step
// with 8×8 planes on this path about 8% cheaper; 4×4 planes (ResNet-18's
// last stage) stay on the column-matrix path. A variable so that tests can force either path.
var convPaddedPixels = 64

// padded reports whether the layer takes the padded path: stride 1 with the
// output the input's size (k = 2·pad + 1), or stride 2 on even planes with
// the output half the input's size (3×3 with padding 1, 1×1 without: the
// first layer of a ResNet stage and its shortcut). The choice depends on the
// layer's shape only, not on the number of images: a single image takes the
// same path as a batch, so that its input gradient has the same bits alone
// and in a batch (the column-matrix path sums the taps in another order),
// which nn/attack's batched attacks rely on.
func (g convGeom) padded() bool {
	if g.hwo < convPaddedPixels {
		return false
	}
	switch g.stride {
	case 1:
		return g.samePlane() && g.kh == 2*g.pad+1 && g.kw == 2*g.pad+1
	case 2:
		return g.h%2 == 0 && g.w%2 == 0 && g.ho == g.h/2 && g.wo == g.w/2
	}
	return false
}

// Stride 2 on the padded path. Split each channel into four phase planes,
// x_ab[u, v] = x[2u+a, 2v+b] (a, b ∈ {0, 1}), each H/2 × W/2. Kernel tap
// (ky, kx) reads input row 2·oy + ky − pad = 2·(oy + ey) + a with
// a = (ky − pad) mod 2 and ey = ⌊(ky − pad)/2⌋, so it reads phase plane
// (a, b) shifted by (ey, ex): a stride-1 access. With the phase planes
// zero-padded by the most negative shift before and the most positive after,
// output pixel t = oy·Wq + ox of an Ho×Wq grid (Wq the padded phase width)
// reads the padded plane at t plus a constant per tap, as on the stride-1
// path, which is the case of one phase with shifts ky − pad.

// paddedGeom is the layout of one padded image with c channels: per channel
// the phase planes some tap reads (one at stride 1), each padded.
type paddedGeom struct {
	s         int       // stride: s×s phases per channel
	hq, wq    int       // a padded phase plane: hq×wq = plane
	top, left int       // zero rows and columns before its pixels
	plane     int       // hq·wq
	phase     [2][2]int // index of phase (a, b) among a channel's planes; −1 if no tap reads it
	nphase    int       // planes per channel
	tapPhase  []int     // per tap ky·kw + kx: the phase plane it reads
	tapShift  []int     // per tap: where in that plane grid position 0 reads
	group     int       // images side by side in one padded buffer
	colStride int       // columns from one image's pixels to the next's
	gridN     int       // output grid columns Ho·Wq
	chanLen   int       // nphase·plane
	size      int       // buffer length: c channels plus slack read only by thrown-away grid columns
	maxShift  int       // the largest of tapShift
}

// tapSplit returns the phase and the shift (in phase-plane pixels) of kernel
// offset k along one axis.
func (g convGeom) tapSplit(k int) (phase, shift int) {
	d := k - g.pad
	if g.stride == 1 {
		return 0, d
	}
	a := d & 1
	return a, (d - a) / 2
}

// paddedLayout returns the layout of group images with c channels side by
// side: in every padded plane the images' pixels follow one another along
// the rows, max(left, right) zero columns apart, which is the padding both
// neighbours need, so that one product covers them all.
func (g convGeom) paddedLayout(c, group int) paddedGeom {
	p := paddedGeom{s: g.stride, phase: [2][2]int{{-1, -1}, {-1, -1}}, group: group}
	eyMin, eyMax, exMin, exMax := 0, 0, 0, 0
	for ky := range g.kh {
		_, e := g.tapSplit(ky)
		eyMin, eyMax = min(eyMin, e), max(eyMax, e)
	}
	for kx := range g.kw {
		_, e := g.tapSplit(kx)
		exMin, exMax = min(exMin, e), max(exMax, e)
	}
	p.top, p.left = -eyMin, -exMin
	p.colStride = g.w/g.stride + max(p.left, exMax)
	p.hq, p.wq = g.h/g.stride+p.top+eyMax, p.left+(group-1)*p.colStride+g.w/g.stride+exMax
	p.plane = p.hq * p.wq
	p.gridN = g.ho * p.wq
	for ky := range g.kh {
		a, ey := g.tapSplit(ky)
		for kx := range g.kw {
			b, ex := g.tapSplit(kx)
			if p.phase[a][b] < 0 {
				p.phase[a][b] = p.nphase
				p.nphase++
			}
			shift := (ey+p.top)*p.wq + ex + p.left
			p.tapPhase = append(p.tapPhase, p.phase[a][b])
			p.tapShift = append(p.tapShift, shift)
			p.maxShift = max(p.maxShift, shift)
		}
	}
	p.chanLen = p.nphase * p.plane
	p.size = c*p.chanLen + max(0, p.maxShift+p.gridN-p.plane)
	return p
}

// paddedGroup is how many images the forward and input-gradient products
// of the padded path take side by side: of 1 to 4 (at most N), the one that
// wastes the smallest share of 32-column tiles (simd's widest) on thrown-away
// grid columns and tile padding, the fewest on a tie. On ResNet's 8×8
// planes three images fill 7 tiles where one image filled 3 with 64
// outputs (86% against 67% of the product used); 16×16 and 32×32 planes
// stay one image to a product. Grouping changes no result: every output
// sums over the same k in the same order whatever its column.
func (g convGeom) paddedGroup() int {
	if g.gridRowsDirect() {
		return 1
	}
	best, bestUse := 1, 0.0
	for group := 1; group <= min(4, g.n); group++ {
		p := g.paddedLayout(1, group)
		use := float64(group*g.hwo) / float64(ceilDiv(p.gridN, 32)*32)
		if use > bestUse+1e-9 {
			best, bestUse = group, use
		}
	}
	return best
}

// gridRowsDirect reports whether the output rows are whole 32-column tiles
// (Wo a multiple of 32, as on ResNet's 32×32 planes): then the forward and
// stride-1 input-gradient products compute only the grid's output rows,
// one image at a time, and write them straight into the result
// (simd.SgemmRowsPackedSegments), with the bits of the product over the
// whole grid.
func (g convGeom) gridRowsDirect() bool { return g.wo%32 == 0 }

// rowOffsets returns the start in the padded buffer of each im2col row
// (c, ky, kx), in that order.
func (g convGeom) rowOffsets(p paddedGeom, c int) []int {
	off := make([]int, 0, c*g.kh*g.kw)
	for ci := range c {
		for t := range g.kh * g.kw {
			off = append(off, ci*p.chanLen+p.tapPhase[t]*p.plane+p.tapShift[t])
		}
	}
	return off
}

// scatterImage copies src: [c, H, W] into the phase planes of dst, whose
// plane (ci, phase) starts at ci·chanStride + phase·phaseStride; it writes
// only the planes' pixels, not their zero borders.
func (g convGeom) scatterImage(p paddedGeom, c int, src, dst []float32, chanStride, phaseStride int) {
	for ci := range c {
		for y := range g.h {
			srow := src[(ci*g.h+y)*g.w:][:g.w]
			if p.s == 1 {
				copy(dst[ci*chanStride+(y+p.top)*p.wq+p.left:][:g.w], srow)
				continue
			}
			// Row y goes to row y/2 of the phase planes (y mod 2, ·):
			// its even pixels to b = 0, its odd ones to b = 1.
			a, u := y&1, y>>1
			row := dst[ci*chanStride+(u+p.top)*p.wq+p.left:]
			ph0, ph1 := p.phase[a][0], p.phase[a][1]
			switch {
			case ph0 >= 0 && ph1 >= 0:
				simd.Deinterleave(row[ph0*phaseStride:][:g.w/2], row[ph1*phaseStride:][:g.w/2], srow)
			case ph0 >= 0:
				simd.GatherEven(row[ph0*phaseStride:][:g.w/2], srow)
			case ph1 >= 0:
				simd.GatherEven(row[ph1*phaseStride:][:g.w/2], srow[1:])
			}
		}
	}
}

// padGroup copies the images i0, i0+1, … (up to p.group, fewer at the end of
// the batch) of src: [N, c, H, W] side by side into dst (the layout of p),
// with zero borders, and returns how many it copied.
func (g convGeom) padGroup(p paddedGeom, c int, src []float32, i0, n int, dst []float32) int {
	clear(dst)
	nb := min(p.group, n-i0)
	img := c * g.hw
	for b := range nb {
		g.scatterImage(p, c, src[(i0+b)*img:][:img], dst[b*p.colStride:], p.chanLen, p.plane)
	}
	return nb
}

// conv2dPaddedForward computes y: [N, Cout, Ho, Wo] = conv(x, w) + bias on
// the padded path.
func conv2dPaddedForward(g convGeom, x, w, bias, y []float32) {
	p := g.paddedLayout(g.cin, g.paddedGroup())
	off := g.rowOffsets(p, g.cin)
	// The weights are packed once for all images.
	wbuf := getBuf(simd.PackedASize(g.cout, g.k))
	defer putBuf(wbuf)
	wp := simd.PackA(wbuf, false, g.cout, g.k, w, g.k)
	parallelFor(ceilDiv(g.n, p.group), 1, func(lo, hi int) {
		xp, grid := getBuf(p.size), getBuf(g.cout*p.gridN)
		defer putBuf(xp)
		defer putBuf(grid)
		for grp := lo; grp < hi; grp++ {
			i0 := grp * p.group
			nb := g.padGroup(p, g.cin, x, i0, g.n, xp)
			if g.gridRowsDirect() {
				// y[i0]: [Cout, Ho·Wo] = w · (im2col rows of xp), the grid's
				// output rows only.
				yi := y[i0*g.cout*g.hwo:][:g.cout*g.hwo]
				simd.SgemmRowsPackedSegments(wp, g.hwo, g.wo, p.wq, 1, xp, off, 0, yi, g.hwo)
				if bias != nil {
					for co := range g.cout {
						addConst(yi[co*g.hwo:][:g.hwo], bias[co])
					}
				}
				continue
			}
			// grid: [Cout, Ho·Wq] = w: [Cout, K] · (im2col rows of xp): [K, Ho·Wq]
			simd.SgemmRowsPacked(wp, false, p.gridN, 1, xp, off, 0, grid, p.gridN)
			for b := range nb {
				for co := range g.cout {
					for oy := range g.ho {
						dst := y[(((i0+b)*g.cout+co)*g.ho+oy)*g.wo:][:g.wo]
						copy(dst, grid[co*p.gridN+oy*p.wq+b*p.colStride:][:g.wo])
						if bias != nil {
							addConst(dst, bias[co])
						}
					}
				}
			}
		}
	})
}

// conv2dPaddedBackwardInput adds to gx: [N, Cin, H, W] the input gradient
// of a padded-path layer, given gy: [N, Cout, Ho, Wo], or with fresh writes
// it there, gx's contents being undefined. At stride 1 it is
//
//	gx[ci, y, x] = Σ over co, ky, kx of w[co, ci, ky, kx]·gy[co, y+pad−ky, x+pad−kx]
//	             = conv(gy, w′) with w′[ci, co, ky, kx] = w[co, ci, kh−1−ky, kw−1−kx]
//
// (kh − 1 = 2·pad), the same padding and the same grid. At stride 2 see
// conv2dPhasedBackwardInput.
func conv2dPaddedBackwardInput(g convGeom, w, gy, gx []float32, fresh bool) {
	if g.stride != 1 {
		conv2dPhasedBackwardInput(g, w, gy, gx, fresh)
		return
	}
	beta := float32(1) // of the product into gx: 0 overwrites
	if fresh {
		beta = 0
	}
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
	p := g.paddedLayout(g.cout, g.paddedGroup())
	off := g.rowOffsets(p, g.cout)
	parallelFor(ceilDiv(g.n, p.group), 1, func(lo, hi int) {
		gyp, grid := getBuf(p.size), getBuf(g.cin*p.gridN)
		defer putBuf(gyp)
		defer putBuf(grid)
		for grp := lo; grp < hi; grp++ {
			i0 := grp * p.group
			nb := g.padGroup(p, g.cout, gy, i0, g.n, gyp)
			if g.gridRowsDirect() {
				// gx[i0] += w′ · (im2col rows of gyp), the grid's output rows only.
				gxi := gx[i0*g.cin*g.hw:][:g.cin*g.hw]
				simd.SgemmRowsPackedSegments(wp, g.hw, g.w, p.wq, 1, gyp, off, beta, gxi, g.hw)
				continue
			}
			// grid: [Cin, H·Wp] = w′: [Cin, Cout·kh·kw] · (im2col rows of gyp)
			simd.SgemmRowsPacked(wp, false, p.gridN, 1, gyp, off, 0, grid, p.gridN)
			for b := range nb {
				for ci := range g.cin {
					for oy := range g.h {
						dst := gx[(((i0+b)*g.cin+ci)*g.h+oy)*g.w:][:g.w]
						src := grid[ci*p.gridN+oy*p.wq+b*p.colStride:][:g.w]
						if fresh {
							copy(dst, src)
						} else {
							simd.Add(dst, dst, src)
						}
					}
				}
			}
		}
	})
}

// conv2dPhasedBackwardInput is conv2dPaddedBackwardInput at stride 2. For
// each image the gradient of the im2col rows over the output grid,
//
//	dcols: [K, Ho·Wq] = wᵀ: [K, Cout] · gg: [Cout, Ho·Wq]
//
// (gg is gy on the grid, zeros in its thrown-away columns, so dcols is zero
// there), is added back row by row onto the padded phase planes, each row
// one run at the place the forward pass read it from, and the planes'
// pixels are then added to gx. Images run in parallel, each writing only
// its own gx.
func conv2dPhasedBackwardInput(g convGeom, w, gy, gx []float32, fresh bool) {
	wbuf := getBuf(simd.PackedASize(g.k, g.cout))
	defer putBuf(wbuf)
	wt := simd.PackA(wbuf, true, g.k, g.cout, w, g.k)
	p := g.paddedLayout(g.cin, g.paddedGroup())
	off := g.rowOffsets(p, g.cin)
	ggOff := make([]int, g.cout) // row co of gg
	for co := range ggOff {
		ggOff[co] = co * p.gridN
	}
	parallelFor(ceilDiv(g.n, p.group), 1, func(lo, hi int) {
		gg, dcols, xp := getBuf(g.cout*p.gridN), getBuf(g.k*p.gridN), getBuf(p.size)
		defer putBuf(gg)
		defer putBuf(dcols)
		defer putBuf(xp)
		for grp := lo; grp < hi; grp++ {
			i0 := grp * p.group
			nb := min(p.group, g.n-i0)
			clear(gg) // the thrown-away columns and absent images stay zero
			for b := range nb {
				for co := range g.cout {
					for oy := range g.ho {
						copy(gg[co*p.gridN+oy*p.wq+b*p.colStride:][:g.wo], gy[(((i0+b)*g.cout+co)*g.ho+oy)*g.wo:][:g.wo])
					}
				}
			}
			simd.SgemmRowsPacked(wt, false, p.gridN, 1, gg, ggOff, 0, dcols, p.gridN)
			clear(xp)
			for r, o := range off {
				dst := xp[o:][:p.gridN]
				simd.Add(dst, dst, dcols[r*p.gridN:][:p.gridN])
			}
			// gx[i, ci, y, x] += its pixel in phase plane (y mod 2, x mod 2)
			if fresh {
				clear(gx[i0*g.cin*g.hw:][:nb*g.cin*g.hw])
			}
			for b := range nb {
				for ci := range g.cin {
					for y := range g.h {
						grow := gx[(((i0+b)*g.cin+ci)*g.h+y)*g.w:][:g.w]
						a, u := y&1, y>>1
						row := xp[ci*p.chanLen+(u+p.top)*p.wq+p.left+b*p.colStride:]
						ph0, ph1 := p.phase[a][0], p.phase[a][1]
						switch {
						case ph0 >= 0 && ph1 >= 0:
							simd.AddInterleaved(grow, row[ph0*p.plane:][:g.w/2], row[ph1*p.plane:][:g.w/2])
						case ph0 >= 0:
							simd.AddToEven(grow, row[ph0*p.plane:][:g.w/2])
						case ph1 >= 0:
							simd.AddToEven(grow[1:], row[ph1*p.plane:][:g.w/2])
						}
					}
				}
			}
		}
	})
}

// convWeightGradImages is how many images one task of the padded path's
// weight gradient sums over; the tasks' partial sums are added in order.
// It is fixed, so results do not depend on the thread count.
const convWeightGradImages = 8

// convDotChannels is the most output channels for which the padded path's
// weight gradient runs as dot products (simd.SgemmRowsDot) instead of as
// products with a pixel-major copy of the images: on a 16-channel layer of
// 32×32 planes the dot products took 2.3 ms where the pixel-major products
// took 4.5 ms (64 images, one thread). A variable so that tests can force
// either.
var convDotChannels = 16

// conv2dPaddedBackwardWeight adds to gw: [Cout, Cin, kh, kw] the weight
// gradient of a padded-path layer, gw[co, r] += Σ over pixels of
// gy[co, pixel]·(im2col row r)[pixel]. The batch is cut into tasks of
// convWeightGradImages images, each giving a partial gradient
// [Cout, (ky, kx, ci)], and the tasks' partial sums are added in task
// order. Layers with few output channels take dot products
// (conv2dDotWeightParts), the others products over a pixel-major copy of
// the images (conv2dPixelMajorWeightParts).
func conv2dPaddedBackwardWeight(g convGeom, x, gy, gw []float32) {
	tasks := ceilDiv(g.n, convWeightGradImages)
	parts := getBuf(tasks * g.cout * g.k) // per task: [Cout, (ky, kx, ci)]
	defer putBuf(parts)
	switch {
	case g.directWeightGrad16():
		conv2dDirectWeightParts16(g, x, gy, parts)
	case g.cout <= convDotChannels && g.cout%4 == 0 && g.k%6 == 0:
		conv2dDotWeightParts(g, x, gy, parts)
	default:
		conv2dPixelMajorWeightParts(g, x, gy, parts)
	}
	addWeightParts(g, tasks, parts, gw)
}

// useDirectWeightGrad16 says whether layers that directWeightGrad16 fits
// take simd.Conv3x3WeightGrad16: where it runs in assembly (AVX-512). A
// variable so that tests can force the path on, to run it on the Go twin
// elsewhere.
var useDirectWeightGrad16 = simd.HasConv3x3WeightGrad16()

// directWeightGrad16 reports whether the layer's weight gradient runs on
// simd.Conv3x3WeightGrad16: 3×3, stride 1, padding 1, 16 output channels
// and an even number of input channels, with useDirectWeightGrad16.

func (g convGeom) directWeightGrad16() bool {
	return useDirectWeightGrad16 && g.kh == 3 && g.kw == 3 && g.stride == 1 && g.pad == 1 &&
		g.cout == 16 && g.cin%2 == 0 && g.samePlane()
}

// conv2dDirectWeightParts16 computes the partial weight gradients of a
// layer that directWeightGrad16 accepts, task by task: each image's input
// is padded channel-major as in the forward pass, its output gradient
// transposed to pixel-major ([H·W, 16]), and simd.Conv3x3WeightGrad16 adds
// each pair of input channels' 18 tap sums over the image into the task's
// accumulators, [Cin/2][18][16], images in order. On 16-channel 32×32
// layers (64 images, one thread) it took 2.09 ms where the dot products
// took 2.3–2.4 ms.
func conv2dDirectWeightParts16(g convGeom, x, gy, parts []float32) {
	p := g.paddedLayout(g.cin, 1)
	const b = convWeightGradImages
	const pairAcc = 2 * 9 * 16 // one channel pair's sums
	parallelFor(ceilDiv(g.n, b), 1, func(lo, hi int) {
		xp, gyT, acc := getBuf(p.size), getBuf(g.hwo*16), getBuf(g.cin/2*pairAcc)
		defer putBuf(xp)
		defer putBuf(gyT)
		defer putBuf(acc)
		for task := lo; task < hi; task++ {
			i0 := task * b
			clear(acc)
			for i := i0; i < min(i0+b, g.n); i++ {
				g.padGroup(p, g.cin, x, i, g.n, xp)
				simd.Transpose(16, g.hwo, gy[i*16*g.hwo:], g.hwo, gyT, 16)
				for pair := range g.cin / 2 {
					simd.Conv3x3WeightGrad16(acc[pair*pairAcc:], gyT, xp[2*pair*p.chanLen:], xp[(2*pair+1)*p.chanLen:], p.wq, g.h, g.w)
				}
			}
			// part[co, (ky, kx, ci)] from acc[ci/2][(ci%2·9 + tap)·16 + co]
			part := parts[task*g.cout*g.k:][:g.cout*g.k]
			for ci := range g.cin {
				for t := range 9 {
					src := acc[ci/2*pairAcc+(ci%2*9+t)*16:][:16]
					for co, v := range src {
						part[co*g.k+t*g.cin+ci] = v
					}
				}
			}
		}
	})
}

// conv2dDotWeightParts computes the partial weight gradients of the padded
// path as dot products, for layers with few output channels, where packing
// the tap rows would cost about as much as the product: simd.SgemmRowsDot
// reads both operands in place (in whole 4×6 tiles of its kernel). Each
// task copies its images into two padded buffers laid out channel-major, so
// that one tap's row over all the task's images is a single run:
//
//	xp: [Cin, phases, B, Hq, Wq] (the padded phase planes, as in the forward pass)
//	gg: [Cout, B, Hq, Wq]        (gy at grid position oy·Wq + ox of each image, zeros elsewhere)
//
// Grid position t of tap (ci, ky, kx) reads xp at t plus the tap's place
// (channel ci, its phase, its shift); positions outside the output multiply
// a zero of gg. The taps are ordered (ky, kx, ci).
func conv2dDotWeightParts(g convGeom, x, gy, parts []float32) {
	p := g.paddedLayout(1, 1)
	const b = convWeightGradImages
	span := b * p.plane // one phase plane of a task's images
	chanSpan := p.nphase * span
	off := make([]int, 0, g.k) // column (ky, kx, ci) of the product
	for t := range g.kh * g.kw {
		for ci := range g.cin {
			off = append(off, ci*chanSpan+p.tapPhase[t]*span+p.tapShift[t])
		}
	}
	parallelFor(ceilDiv(g.n, b), 1, func(lo, hi int) {
		xp := getBuf(g.cin*chanSpan + p.maxShift)
		gg := getBuf(g.cout * span)
		defer putBuf(xp)
		defer putBuf(gg)
		for task := lo; task < hi; task++ {
			i0 := task * b
			nb := min(b, g.n-i0)
			// The zero borders of xp are read; unused image slots and the
			// slack are read only at positions where gg is zero: zero them
			// so that stale pool contents (possibly Inf) cannot make NaN.
			clear(xp)
			clear(gg)
			for i := range nb {
				g.scatterImage(p, g.cin, x[(i0+i)*g.cin*g.hw:][:g.cin*g.hw], xp[i*p.plane:], chanSpan, span)
				for c := range g.cout {
					src := gy[((i0+i)*g.cout+c)*g.hwo:][:g.hwo]
					d := gg[c*span+i*p.plane:][:p.plane]
					for y := range g.ho {
						copy(d[y*p.wq:][:g.wo], src[y*g.wo:][:g.wo])
					}
				}
			}
			// part: [Cout, K] = gg · (tap rows of xp)ᵀ over the task's pixels
			part := parts[task*g.cout*g.k:][:g.cout*g.k]
			simd.SgemmRowsDot(g.cout, g.k, nb*p.plane, gg, span, xp, off, part, g.k)
		}
	})
}

// addWeightParts adds to gw: [Cout, Cin, kh, kw] the tasks' partial weight
// gradients parts: per task [Cout, (ky, kx, ci)], in task order.
func addWeightParts(g convGeom, tasks int, parts, gw []float32) {
	taps := g.kh * g.kw
	parallelFor(g.cout, 1, func(lo, hi int) {
		row := getBuf(g.k) // one output channel's sum over the tasks, (ky, kx, ci)
		defer putBuf(row)
		for co := lo; co < hi; co++ {
			copy(row, parts[co*g.k:][:g.k])
			for task := 1; task < tasks; task++ {
				simd.Add(row, row, parts[(task*g.cout+co)*g.k:][:g.k])
			}
			for ci := range g.cin {
				dst := gw[(co*g.cin+ci)*taps:][:taps]
				for t := range dst {
					dst[t] += row[t*g.cin+ci]
				}
			}
		}
	})
}

// conv2dPixelMajorWeightParts computes the partial weight gradients of the
// padded path for layers with more output channels than the dot products
// suit, task by task (convWeightGradImages images each): part: [Cout,
// (ky, kx, ci)]. Each task's images are transposed once into a zero-padded
// pixel-major buffer
//
//	xt: [B, Hp, Wp, Cin] (Hp = H + 2·pad, Wp = W + 2·pad)
//
// in which taps (ky, 0 … kw−1) of output pixel (i, oy, ox) read their
// channels as one run of kw·Cin floats, at the pixel's offset
// i·Hp·Wp·Cin + (s·oy·Wp + s·ox)·Cin (s the stride) plus ky·Wp·Cin. Their
// block of the gradient, part[:, ky] = gy: [Cout, pixels] · B_ky:
// [pixels, kw·Cin], is then one product whose B rows are read in place
// (simd.SgemmRowsPacked), with gy's rows packed once for all kh. The
// column-major alternative transposes every tap's rows while packing: nine
// times the image's data instead of once.
func conv2dPixelMajorWeightParts(g convGeom, x, gy, parts []float32) {
	const b = convWeightGradImages
	hp, wp := g.h+2*g.pad, g.w+2*g.pad
	pix := hp * wp * g.cin // one padded image
	tasks := ceilDiv(g.n, b)
	parallelFor(tasks, 1, func(lo, hi int) {
		xt := getBuf(b * pix)
		gg := getBuf(g.cout * b * g.hwo) // [Cout, B·Ho·Wo]
		ap := getBuf(simd.PackedASize(g.cout, b*g.hwo))
		defer putBuf(xt)
		defer putBuf(gg)
		defer putBuf(ap)
		rowOff := pixelOffsets(b, g.ho, g.wo, g.stride, wp, pix, g.cin)
		for task := lo; task < hi; task++ {
			i0 := task * b
			nb := min(b, g.n-i0)
			npix := nb * g.hwo
			clear(xt[:nb*pix]) // the zero borders are read
			for i := range nb {
				xi := x[(i0+i)*g.cin*g.hw:][:g.cin*g.hw]
				for y := range g.h {
					simd.Transpose(g.cin, g.w, xi[y*g.w:], g.hw, xt[i*pix+((y+g.pad)*wp+g.pad)*g.cin:], g.cin)
				}
				for co := range g.cout {
					copy(gg[co*npix+i*g.hwo:][:g.hwo], gy[((i0+i)*g.cout+co)*g.hwo:][:g.hwo])
				}
			}
			a := simd.PackA(ap, false, g.cout, npix, gg, npix)
			part := parts[task*g.cout*g.k:][:g.cout*g.k]
			// The taps (ky, 0 … kw−1) of a pixel are one run of kw·Cin
			// floats in xt, and their columns of part are adjacent.
			rowLen := g.kw * g.cin
			for ky := range g.kh {
				// part[:, ky·kw·Cin …] = gy · B_ky, B_ky[p][kx·Cin + ci] = xt[rowOff[p] + ky·Wp·Cin + kx·Cin + ci]
				simd.SgemmRowsPacked(a, false, rowLen, 1, xt[ky*wp*g.cin:nb*pix], rowOff[:npix], 0, part[ky*rowLen:], g.k)
			}
		}
	})
}

// pixelOffsets returns, for output pixel (i, oy, ox) of b images in
// order, the offset of its tap (0, 0) in a pixel-major padded buffer:
// i·pix + (stride·oy·wp + stride·ox)·cin. The tables are kept per shape,
// since every step asks for the same few.
func pixelOffsets(b, ho, wo, stride, wp, pix, cin int) []int {
	key := [7]int{b, ho, wo, stride, wp, pix, cin}
	pixelOffsetTables.Lock()
	defer pixelOffsetTables.Unlock()
	if off, ok := pixelOffsetTables.m[key]; ok {
		return off
	}
	off := make([]int, 0, b*ho*wo)
	for i := range b {
		for oy := range ho {
			for ox := range wo {
				off = append(off, i*pix+(oy*stride*wp+ox*stride)*cin)
			}
		}
	}
	if pixelOffsetTables.m == nil {
		pixelOffsetTables.m = map[[7]int][]int{}
	}
	pixelOffsetTables.m[key] = off
	return off
}

var pixelOffsetTables struct {
	sync.Mutex
	m map[[7]int][]int
}
