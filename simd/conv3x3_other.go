//go:build purego || !amd64

package simd

// HasConv3x3WeightGrad16 reports whether Conv3x3WeightGrad16 runs in
// assembly; here it is the Go twin.
func HasConv3x3WeightGrad16() bool { return false }

func conv3x3WeightGrad16(acc, gyT, x0, x1 []float32, wp, h, w int) {
	conv3x3WeightGrad16Go(acc, gyT, x0, x1, wp, h, w)
}
