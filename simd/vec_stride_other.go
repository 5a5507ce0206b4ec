//go:build purego || !amd64

package simd

func gatherEven(dst, src []float32)           { gatherEvenGo(dst, src) }
func addToEven(dst, src []float32)            { addToEvenGo(dst, src) }
func deinterleave(even, odd, src []float32)   { deinterleaveGo(even, odd, src) }
func addInterleaved(dst, even, odd []float32) { addInterleavedGo(dst, even, odd) }
