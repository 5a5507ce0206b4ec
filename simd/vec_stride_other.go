//go:build purego || !amd64

package simd

func gatherEven(dst, src []float32) { gatherEvenGo(dst, src) }
func addToEven(dst, src []float32)  { addToEvenGo(dst, src) }
