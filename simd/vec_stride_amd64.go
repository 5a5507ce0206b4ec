//go:build !purego

package simd

// gatherEvenAsm is gatherEvenGo for len(dst) a multiple of 8 and
// len(src) = 2·len(dst).
//
//go:noescape
func gatherEvenAsm(dst, src []float32)

// addToEvenAsm is addToEvenGo for len(src) a multiple of 8 and
// len(dst) = 2·len(src).
//
//go:noescape
func addToEvenAsm(dst, src []float32)

func gatherEven(dst, src []float32) {
	n := split8(min(len(dst), len(src)/2)) // outputs in whole 16-float blocks of src
	if !useAsm || n == 0 {
		gatherEvenGo(dst, src)
		return
	}
	gatherEvenAsm(dst[:n], src[:2*n])
	gatherEvenGo(dst[n:], src[2*n:])
}

func addToEven(dst, src []float32) {
	n := split8(min(len(src), len(dst)/2)) // inputs whose 16-float block of dst is whole
	if !useAsm || n == 0 {
		addToEvenGo(dst, src)
		return
	}
	addToEvenAsm(dst[:2*n], src[:n])
	addToEvenGo(dst[2*n:], src[n:])
}
