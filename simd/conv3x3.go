package simd

import "fmt"

// Conv3x3WeightGrad16 adds to acc the weight gradient of a 3×3, stride-1
// convolution with 16 output channels, over one image, for two of its
// input channels:
//
//	acc[(c·9 + ky·3 + kx)·16 + co] += Σ over oy < h, ox < w of
//	    x_c[(oy+ky)·wp + ox + kx] · gyT[(oy·w + ox)·16 + co]
//
// for c = 0, 1 (x_0 = x0, x_1 = x1), where x_c is the channel's plane
// zero-padded by one pixel on every side (row stride wp ≥ w + 2, starting
// at the top-left padding pixel) and gyT the output gradient pixel-major:
// [h·w, 16]. The sums run over the pixels in order, one multiply-add per
// pixel into each of the 288 sums.
//
// With AVX-512 (HasConv3x3WeightGrad16) each pixel's 16 output channels
// are one vector and the input pixels are broadcast from memory: 18 fused
// multiply-adds per load of gyT, all operands from L1, where a product of
// the tap rows against gy streams both from L2. Elsewhere the Go twin runs,
// rounding each product before adding it. It panics, naming the argument,
// when a slice is too short for h, w and wp.
func Conv3x3WeightGrad16(acc, gyT, x0, x1 []float32, wp, h, w int) {
	if h < 0 || w < 0 || wp < w+2 {
		panic(fmt.Sprintf("simd.Conv3x3WeightGrad16: h=%d w=%d wp=%d, want h, w ≥ 0 and wp ≥ w+2", h, w, wp))
	}
	if len(acc) < 2*9*16 {
		panic(fmt.Sprintf("simd.Conv3x3WeightGrad16: len(acc)=%d, need %d", len(acc), 2*9*16))
	}
	if h == 0 || w == 0 {
		return
	}
	if need := h * w * 16; len(gyT) < need {
		panic(fmt.Sprintf("simd.Conv3x3WeightGrad16: len(gyT)=%d, need %d for %d×%d pixels", len(gyT), need, h, w))
	}
	need := (h+1)*wp + w + 2 // the last pixel tap (2, 2) reads
	for c, x := range [][]float32{x0, x1} {
		if len(x) < need {
			panic(fmt.Sprintf("simd.Conv3x3WeightGrad16: len(x%d)=%d, need %d for a padded %d×%d plane with wp=%d", c, len(x), need, h, w, wp))
		}
	}
	conv3x3WeightGrad16(acc, gyT, x0, x1, wp, h, w)
}

// conv3x3WeightGrad16Go is the Go twin of the AVX-512 kernel: the same
// sums in the same order, each product rounded before it is added.
func conv3x3WeightGrad16Go(acc, gyT, x0, x1 []float32, wp, h, w int) {
	acc = acc[:2*9*16]
	for oy := range h {
		for ox := range w {
			g := (*[16]float32)(gyT[(oy*w+ox)*16:])
			for c, x := range [2][]float32{x0, x1} {
				for t := range 9 {
					v := x[(oy+t/3)*wp+ox+t%3]
					a := (*[16]float32)(acc[(c*9+t)*16:])
					for co := range a {
						a[co] += v * g[co]
					}
				}
			}
		}
	}
}
