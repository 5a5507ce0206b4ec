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

// deinterleaveAsm is deinterleaveGo for len(even) a multiple of 8.
//
//go:noescape
func deinterleaveAsm(even, odd, src []float32)

// addInterleavedAsm is addInterleavedGo for len(even) a multiple of 8.
//
//go:noescape
func addInterleavedAsm(dst, even, odd []float32)

func deinterleave(even, odd, src []float32) {
	n := split8(len(even))
	if !useAsm || n == 0 {
		deinterleaveGo(even, odd, src)
		return
	}
	deinterleaveAsm(even[:n], odd[:n], src[:2*n])
	deinterleaveGo(even[n:], odd[n:], src[2*n:])
}

func addInterleaved(dst, even, odd []float32) {
	n := split8(len(even))
	if !useAsm || n == 0 {
		addInterleavedGo(dst, even, odd)
		return
	}
	addInterleavedAsm(dst[:2*n], even[:n], odd[:n])
	addInterleavedGo(dst[2*n:], even[n:], odd[n:])
}

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
