package autograd

import (
	"fmt"

	"github.com/brainreg/brainreg/simd"
)

var opConv2d = registerOp("conv2d")

// convColsBudget bounds the im2col matrix of one batch chunk, in floats
// (32 MiB). The chunk size follows from it and from the layer's shape only,
// never from the number of threads, so results do not depend on threads.
// A variable so that tests can force small chunks.
var convColsBudget = 1 << 23

// convGeom is the geometry of one 2-D convolution.
type convGeom struct {
	n, cin, h, w int // input: [N, Cin, H, W]
	cout, kh, kw int // weight: [Cout, Cin, kh, kw]
	stride, pad  int
	ho, wo       int // output: [N, Cout, Ho, Wo]
	k, hwo, hw   int // k = Cin·kh·kw (GEMM depth), hwo = Ho·Wo, hw = H·W
	chunk        int // images per im2col chunk
}

func newConvGeom(x, w *Tensor, stride, pad int) convGeom {
	if len(x.Shape) != 4 || len(w.Shape) != 4 || x.Shape[1] != w.Shape[1] || stride < 1 || pad < 0 {
		panic(fmt.Sprintf("autograd.Conv2d: input %v and weight %v (stride %d, padding %d) do not fit; want [N, Cin, H, W] and [Cout, Cin, kh, kw]",
			x.Shape, w.Shape, stride, pad))
	}
	g := convGeom{n: x.Shape[0], cin: x.Shape[1], h: x.Shape[2], w: x.Shape[3],
		cout: w.Shape[0], kh: w.Shape[2], kw: w.Shape[3], stride: stride, pad: pad}
	g.ho = (g.h+2*pad-g.kh)/stride + 1
	g.wo = (g.w+2*pad-g.kw)/stride + 1
	if g.h+2*pad < g.kh || g.w+2*pad < g.kw {
		panic(fmt.Sprintf("autograd.Conv2d: kernel of weight %v larger than padded input %v (padding %d)", w.Shape, x.Shape, pad))
	}
	g.k, g.hwo, g.hw = g.cin*g.kh*g.kw, g.ho*g.wo, g.h*g.w
	g.chunk = max(1, min(g.n, convColsBudget/max(1, g.k*g.hwo)))
	return g
}

// Conv2d returns the 2-D cross-correlation of x with the filters w plus the
// bias b (nil for none), with the same stride and zero padding on both axes,
// as torch.nn.functional.conv2d.
//
//	x: [N, Cin, H, W], w: [Cout, Cin, kh, kw], b: [Cout] → [N, Cout, Ho, Wo]
//	Ho = (H + 2·pad − kh)/stride + 1, likewise Wo.
//
// The batch is cut into chunks of g.chunk images; for each chunk the input
// is unfolded into a column matrix cols: [Cin·kh·kw, chunk·Ho·Wo] and the
// output is one GEMM w: [Cout, Cin·kh·kw] · cols, rearranged to NCHW. One
// large GEMM per chunk keeps the matrix kernel efficient even where Ho·Wo
// is tiny (4×4 in ResNet-18's last stage); planes of 64×64 and more get a
// GEMM per image instead (see convDirectPixels). Backward rebuilds the
// chunk's columns (keeping them for every layer would cost gigabytes),
// adds the chunk's weight gradient gy·colsᵀ in chunk order, and folds the
// columns' gradient wᵀ·gy back onto the input (col2im). Stride-1 layers
// whose output has the input's size (ResNet's 3×3 layers on planes of 8×8
// and up, and its stem) and stride-2 layers that halve the plane (a stage's
// first layer and shortcut, on outputs of 8×8 and up) build no column
// matrix at all: see ops_conv_padded.go.
func Conv2d(x, w, b *Tensor, stride, pad int) *Tensor {
	g := newConvGeom(x, w, stride, pad)
	if b != nil && (len(b.Shape) != 1 || b.Shape[0] != g.cout) {
		panic(fmt.Sprintf("autograd.Conv2d: bias %v does not fit weight %v", b.Shape, w.Shape))
	}
	out := newResult(opConv2d, []int{g.n, g.cout, g.ho, g.wo}, x, w, b)
	var bias []float32
	if b != nil {
		bias = b.Data
	}
	conv2dForward(g, x.Data, w.Data, bias, out.Data)
	if out.node != nil {
		// A fresh input gradient is written outright (see
		// conv2dBackward); fresh weight or bias gradients, which only a
		// computed weight has, are cleared and added to.
		out.node.backwardFresh = func(gy []float32, gin [][]float32, fresh []bool) {
			for k := 1; k < len(gin); k++ {
				if fresh[k] {
					clear(gin[k])
				}
			}
			var gb []float32
			if b != nil {
				gb = gin[2]
			}
			conv2dBackward(g, x.Data, w.Data, gy, gin[0], gin[1], gb, fresh[0])
		}
	}
	return out
}

// convDirectPixels is the output plane size (Ho·Wo) from which each image
// gets its own GEMMs, reading its block of columns in place and writing its
// NCHW output directly; smaller planes share one GEMM per chunk, whose
// result is then rearranged, because a GEMM with few columns wastes much of
// the matrix kernel. At ResNet's 16×16 planes the per-image GEMMs took
// about 10% more CPU time than one GEMM per chunk plus the rearrangement,
// so only large planes (64×64 and up) go direct. The choice depends on the
// layer's shape only. A variable so that tests can force either path.
var convDirectPixels = 4096

// direct reports whether the layer runs one GEMM per image (see
// convDirectPixels).
func (g convGeom) direct() bool { return g.hwo >= convDirectPixels }

// conv2dForward computes y: [N, Cout, Ho, Wo] = conv(x, w) + bias.
func conv2dForward(g convGeom, x, w, bias, y []float32) {
	if g.padded() {
		conv2dPaddedForward(g, x, w, bias, y)
		return
	}
	for b0 := 0; b0 < g.n; b0 += g.chunk {
		nb := min(g.chunk, g.n-b0)
		ncols := nb * g.hwo
		cols := getBuf(g.k * ncols)
		im2col(g, x, b0, nb, cols)
		if nb == 1 || g.direct() {
			for i := range nb {
				// y[b0+i]: [Cout, Ho·Wo] = w: [Cout, K] · cols[:, i·Ho·Wo:(i+1)·Ho·Wo]
				simd.Sgemm(false, false, g.cout, g.hwo, g.k, 1, w, g.k, cols[i*g.hwo:], ncols,
					0, y[(b0+i)*g.cout*g.hwo:], g.hwo)
			}
			if bias != nil {
				parallelFor(nb*g.cout, grainFor(g.hwo), func(lo, hi int) {
					for p := lo; p < hi; p++ {
						addConst(y[(b0*g.cout+p)*g.hwo:][:g.hwo], bias[p%g.cout])
					}
				})
			}
			putBuf(cols)
			continue
		}
		// tmp: [Cout, nb·Ho·Wo] = w: [Cout, K] · cols: [K, nb·Ho·Wo]
		tmp := getBuf(g.cout * ncols)
		simd.Sgemm(false, false, g.cout, ncols, g.k, 1, w, g.k, cols, ncols, 0, tmp, ncols)
		// y[b0+i, co, :] = tmp[co, i·Ho·Wo:(i+1)·Ho·Wo] + bias[co]
		parallelFor(nb*g.cout, grainFor(g.hwo), func(lo, hi int) {
			for p := lo; p < hi; p++ {
				i, co := p/g.cout, p%g.cout
				dst := y[((b0+i)*g.cout+co)*g.hwo:][:g.hwo]
				copy(dst, tmp[co*ncols+i*g.hwo:][:g.hwo])
				if bias != nil {
					addConst(dst, bias[co])
				}
			}
		})
		putBuf(tmp)
		putBuf(cols)
	}
}

// conv2dBackward adds the gradients for y = conv(x, w) + bias, given gy:
// [N, Cout, Ho, Wo], into gx: [N, Cin, H, W], gw: [Cout, Cin, kh, kw] and
// gb: [Cout]; nil ones are skipped (an attack needs gx only, and then no
// column matrix is built at all). With gxFresh, gx's contents are undefined
// and its gradient is written rather than added. Weight gradients add up
// chunk by chunk and image by image in order.
func conv2dBackward(g convGeom, x, w, gy, gx, gw, gb []float32, gxFresh bool) {
	if gb != nil {
		// gb[co] += Σ over images and pixels of gy[n, co, :], images in order.
		parallelFor(g.cout, 1, func(lo, hi int) {
			for co := lo; co < hi; co++ {
				s := 0.0
				for n := range g.n {
					s += float64(simd.Sum(gy[(n*g.cout+co)*g.hwo:][:g.hwo]))
				}
				gb[co] += float32(s)
			}
		})
	}
	if g.padded() {
		if gx != nil {
			conv2dPaddedBackwardInput(g, w, gy, gx, gxFresh)
		}
		if gw != nil {
			conv2dPaddedBackwardWeight(g, x, gy, gw)
		}
		return
	}
	if gx == nil && gw == nil {
		return
	}
	if gx != nil && gxFresh {
		// col2im adds its columns onto gx.
		parallelFor(len(gx), elemGrain, func(lo, hi int) { clear(gx[lo:hi]) })
	}
	for b0 := 0; b0 < g.n; b0 += g.chunk {
		nb := min(g.chunk, g.n-b0)
		ncols := nb * g.hwo
		cols := getBuf(g.k * ncols)
		if nb == 1 || g.direct() {
			// Image by image, reading gy in place.
			gyOf := func(i int) []float32 { return gy[(b0+i)*g.cout*g.hwo:][:g.cout*g.hwo] }
			if gw != nil {
				// gw: [Cout, K] += gy[b0+i]: [Cout, Ho·Wo] · (its columns)ᵀ
				im2col(g, x, b0, nb, cols)
				for i := range nb {
					simd.Sgemm(false, true, g.cout, g.k, g.hwo, 1, gyOf(i), g.hwo, cols[i*g.hwo:], ncols, 1, gw, g.k)
				}
			}
			if gx != nil {
				// Its columns' gradient: [K, Ho·Wo] = wᵀ · gy[b0+i]
				for i := range nb {
					simd.Sgemm(true, false, g.k, g.hwo, g.cout, 1, w, g.k, gyOf(i), g.hwo, 0, cols[i*g.hwo:], ncols)
				}
				col2im(g, cols, b0, nb, gx)
			}
			putBuf(cols)
			continue
		}
		// gyc: [Cout, nb·Ho·Wo], the chunk's output gradient laid out like tmp
		// in the forward pass.
		gyc := getBuf(g.cout * ncols)
		parallelFor(nb*g.cout, grainFor(g.hwo), func(lo, hi int) {
			for p := lo; p < hi; p++ {
				i, co := p/g.cout, p%g.cout
				copy(gyc[co*ncols+i*g.hwo:][:g.hwo], gy[((b0+i)*g.cout+co)*g.hwo:][:g.hwo])
			}
		})
		if gw != nil {
			// gw: [Cout, K] += gyc: [Cout, nb·Ho·Wo] · colsᵀ
			im2col(g, x, b0, nb, cols)
			simd.Sgemm(false, true, g.cout, g.k, ncols, 1, gyc, ncols, cols, ncols, 1, gw, g.k)
		}
		if gx != nil {
			// dcols: [K, nb·Ho·Wo] = wᵀ · gyc, folded back onto the images.
			simd.Sgemm(true, false, g.k, ncols, g.cout, 1, w, g.k, gyc, ncols, 0, cols, ncols)
			col2im(g, cols, b0, nb, gx)
		}
		putBuf(gyc)
		putBuf(cols)
	}
}

// im2col unfolds images b0 … b0+nb−1 of x into cols: [Cin·kh·kw, nb·Ho·Wo]:
// row (ci, ky, kx), column (i, oy, ox) holds x[b0+i, ci, oy·s−p+ky, ox·s−p+kx],
// or 0 in the padding. Rows are filled in parallel.
func im2col(g convGeom, x []float32, b0, nb int, cols []float32) {
	ncols := nb * g.hwo
	parallelFor(g.k, grainFor(ncols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ci, ky, kx := r/(g.kh*g.kw), r/g.kw%g.kh, r%g.kw
			row := cols[r*ncols:][:ncols]
			ox0, ox1 := g.validColumns(kx)
			for i := range nb {
				src := x[((b0+i)*g.cin+ci)*g.hw:][:g.hw]
				dst := row[i*g.hwo:][:g.hwo]
				if g.samePlane() {
					im2colSame(g, src, dst, ky, kx)
					continue
				}
				for oy := range g.ho {
					d := dst[oy*g.wo:][:g.wo]
					iy := oy*g.stride - g.pad + ky
					if iy < 0 || iy >= g.h {
						clear(d)
						continue
					}
					srow := src[iy*g.w:][:g.w]
					clear(d[:ox0])
					for ox, ix := ox0, ox0*g.stride-g.pad+kx; ox < ox1; ox, ix = ox+1, ix+g.stride {
						d[ox] = srow[ix]
					}
					clear(d[ox1:])
				}
			}
		}
	})
}

// validColumns returns the output columns [ox0, ox1) whose input column
// ox·stride − pad + kx lies inside the image (0 ≤ ox0 ≤ ox1 ≤ Wo).
func (g convGeom) validColumns(kx int) (ox0, ox1 int) {
	ox0 = min(g.wo, max(0, ceilDiv(g.pad-kx, g.stride)))
	ox1 = min(g.wo, ceilDiv(g.w+g.pad-kx, g.stride))
	return ox0, max(ox0, ox1)
}

// ceilDiv is ⌈a/b⌉ for b > 0 and any sign of a.
func ceilDiv(a, b int) int {
	if a <= 0 {
		return -(-a / b)
	}
	return (a + b - 1) / b
}

// samePlane reports whether the output plane has the input's size at
// stride 1 ("same" padding, as in all of ResNet's 3×3 stride-1 layers and
// its 7×7 stem). Then the kernel offset (ky, kx) shifts the whole plane by
// a constant, and one image's part of a cols row is a single run of the
// input plane, except for the columns that fall into the padding.
func (g convGeom) samePlane() bool { return g.stride == 1 && g.ho == g.h && g.wo == g.w }

// sameRange returns, for kernel offset (ky, kx) on a samePlane layer, the
// output rows [oy0, oy1) and columns [ox0, ox1) that read inside the input,
// and the shift from an output index to its input index.
func (g convGeom) sameRange(ky, kx int) (oy0, oy1, ox0, ox1, shift int) {
	dy, dx := ky-g.pad, kx-g.pad
	oy0, oy1 = max(0, -dy), min(g.h, g.h-dy)
	ox0, ox1 = max(0, -dx), min(g.w, g.w-dx)
	return oy0, oy1, ox0, ox1, dy*g.w + dx
}

// im2colSame fills one image's part dst: [H·W] of the cols row for kernel
// offset (ky, kx) on a samePlane layer: one copy of the shifted plane, then
// zeros where the shift crossed the border.
func im2colSame(g convGeom, src, dst []float32, ky, kx int) {
	oy0, oy1, ox0, ox1, shift := g.sameRange(ky, kx)
	if oy1 <= oy0 || ox1 <= ox0 {
		clear(dst)
		return
	}
	lo, hi := oy0*g.w+ox0, (oy1-1)*g.w+ox1
	clear(dst[:lo])
	copy(dst[lo:hi], src[lo+shift:hi+shift])
	clear(dst[hi:])
	// Columns outside [ox0, ox1) picked up the neighbouring row's pixels.
	zeroEdgeColumns(g.w, dst, oy0, oy1, ox0, ox1)
}

// col2im adds the column matrix dcols: [Cin·kh·kw, nb·Ho·Wo] back onto the
// images it was unfolded from: the adjoint of im2col. Each (image, channel)
// plane is summed by one goroutine in a fixed order. dcols is scratch: on
// samePlane layers its padding columns are zeroed so that each row adds to
// the plane as one run.
func col2im(g convGeom, dcols []float32, b0, nb int, gx []float32) {
	ncols := nb * g.hwo
	parallelFor(nb*g.cin, grainFor(g.kh*g.kw*g.hwo), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			i, ci := p/g.cin, p%g.cin
			dst := gx[((b0+i)*g.cin+ci)*g.hw:][:g.hw]
			for ky := range g.kh {
				for kx := range g.kw {
					r := (ci*g.kh+ky)*g.kw + kx
					src := dcols[r*ncols+i*g.hwo:][:g.hwo]
					ox0, ox1 := g.validColumns(kx)
					if g.samePlane() {
						oy0, oy1, ox0, ox1, shift := g.sameRange(ky, kx)
						if oy1 <= oy0 || ox1 <= ox0 {
							continue
						}
						zeroEdgeColumns(g.w, src, oy0, oy1, ox0, ox1)
						lo, hi := oy0*g.w+ox0, (oy1-1)*g.w+ox1
						simd.Axpy(1, src[lo:hi], dst[lo+shift:hi+shift])
						continue
					}
					for oy := range g.ho {
						iy := oy*g.stride - g.pad + ky
						if iy < 0 || iy >= g.h {
							continue
						}
						s := src[oy*g.wo:][:g.wo]
						drow := dst[iy*g.w:][:g.w]
						for ox, ix := ox0, ox0*g.stride-g.pad+kx; ox < ox1; ox, ix = ox+1, ix+g.stride {
							drow[ix] += s[ox]
						}
					}
				}
			}
		}
	})
}

// zeroEdgeColumns zeroes, in rows [oy0, oy1) of the w-wide plane p, the
// columns left of ox0 and from ox1 on (a few per row: plain loops).
func zeroEdgeColumns(w int, p []float32, oy0, oy1, ox0, ox1 int) {
	if ox0 == 0 && ox1 == w {
		return
	}
	for oy := oy0; oy < oy1; oy++ {
		row := p[oy*w:][:w]
		for ox := 0; ox < ox0; ox++ {
			row[ox] = 0
		}
		for ox := ox1; ox < w; ox++ {
			row[ox] = 0
		}
	}
}
