//go:build !purego

package simd

var hasConv3x3AVX512 = selectConv3x3()

func selectConv3x3() bool { return supports("conv3x3WeightGrad16AVX512") }

// HasConv3x3WeightGrad16 reports whether Conv3x3WeightGrad16 runs in
// assembly (AVX-512) on this CPU.
func HasConv3x3WeightGrad16() bool { return hasConv3x3AVX512 }

// conv3x3WeightGrad16AVX512 is conv3x3WeightGrad16Go with fused
// multiply-adds, for h, w ≥ 1; wp is in elements.
//
//go:noescape
func conv3x3WeightGrad16AVX512(acc, gyT, x0, x1 *float32, wp, h, w int)

func conv3x3WeightGrad16(acc, gyT, x0, x1 []float32, wp, h, w int) {
	if !hasConv3x3AVX512 {
		conv3x3WeightGrad16Go(acc, gyT, x0, x1, wp, h, w)
		return
	}
	// Bounds the assembly relies on, checked by Conv3x3WeightGrad16.
	_ = acc[2*9*16-1]
	_ = gyT[h*w*16-1]
	_ = x0[(h+1)*wp+w+1]
	_ = x1[(h+1)*wp+w+1]
	conv3x3WeightGrad16AVX512(&acc[0], &gyT[0], &x0[0], &x1[0], wp, h, w)
}
