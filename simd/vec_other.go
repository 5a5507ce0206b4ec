//go:build purego || !(amd64 || arm64)

package simd

func axpy(alpha float32, x, y []float32) { axpyGo(alpha, x, y) }
func dot(x, y []float32) float32         { return dotGo(x, y) }
func scale(alpha float32, x []float32)   { scaleGo(alpha, x) }
func add(dst, x, y []float32)            { addGo(dst, x, y) }
func mul(dst, x, y []float32)            { mulGo(dst, x, y) }
func sum(x []float32) float32            { return sumGo(x) }
func maxOf(x []float32) float32          { return maxGo(x) }
func relu(dst, x []float32)              { reluGo(dst, x) }
func reluBackward(dx, dy, x []float32)   { reluBackwardGo(dx, dy, x) }
