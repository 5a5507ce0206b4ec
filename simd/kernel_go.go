package simd

// gemmKernel is one Sgemm micro-kernel: it multiplies a packed A panel
// (kc×mr, stored column by column) by a packed B panel (kc×nr, stored row by
// row) into a full mr×nr tile of C.
type gemmKernel struct {
	name   string
	mr, nr int
	run    func(kc int, a, b, c []float32, ldc int, alpha, beta float32)
}

// kernel is the micro-kernel chosen at start-up for this CPU.
var kernel = selectKernel()

// goKernel is the pure-Go twin with the AVX2 kernel's tile shape.
var goKernel = gemmKernel{name: "purego", mr: 6, nr: 16, run: microKernelGo6x16}

func microKernelGo6x16(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	microKernelGo(6, 16, kc, a, b, c, ldc, alpha, beta)
}

// microKernelGo is the pure-Go twin of the Sgemm micro-kernels, for any tile
// shape mr×nr (nr at most 32):
//
//	for i := range mr { for j := range nr {
//		var acc float32
//		for p := range kc { acc += a[p*mr+i] * b[p*nr+j] }
//		c[i*ldc+j] = alpha*acc + beta*c[i*ldc+j]   // c not read when beta == 0
//	}}
//
// It sums one row of the tile at a time so the accumulators stay few.
func microKernelGo(mr, nr, kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	a = a[:kc*mr]
	b = b[:kc*nr]
	var accBuf [32]float32
	acc := accBuf[:nr]
	for i := range mr {
		clear(acc)
		for p := range kc {
			ai := a[p*mr+i]
			bp := b[p*nr : p*nr+nr]
			for j := range acc {
				acc[j] += ai * bp[j]
			}
		}
		row := c[i*ldc : i*ldc+nr]
		if beta == 0 {
			for j := range row {
				row[j] = alpha * acc[j]
			}
			continue
		}
		for j := range row {
			row[j] = alpha*acc[j] + beta*row[j]
		}
	}
}
