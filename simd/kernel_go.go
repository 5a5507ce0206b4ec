package simd

// gemmKernel is one Sgemm micro-kernel: it multiplies a packed A panel
// (kc×mr, stored column by column) by a packed B panel (kc×nr, stored row by
// row) into a full mr×nr tile of C.
type gemmKernel struct {
	name   string
	mr, nr int
	run    func(kc int, a, b, c []float32, ldc int, alpha, beta float32)
	// rows, where set, is run with B's rows read in place instead of from a
	// packed panel: row p of the kc×nr panel is b[off[p]:off[p]+nr] (see
	// SgemmRows, which checks those bounds).
	rows func(kc int, a, b []float32, off []int, c []float32, ldc int, alpha, beta float32)
}

// kernel is the micro-kernel chosen at start-up for this CPU.
var kernel = selectKernel()

// goKernel is the pure-Go twin with the AVX2 kernel's tile shape.
var goKernel = gemmKernel{name: "purego", mr: 6, nr: 16, run: microKernelGo6x16}

func microKernelGo6x16(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	microKernelGo(6, 16, kc, a, b, c, ldc, alpha, beta)
}

// rowsKernel is the micro-kernel SgemmRows uses, with a rows variant, where
// one exists for this CPU (mr is 0 otherwise); see rowsKernelFor.
var rowsKernel = selectRowsKernel()

// microKernelRowsGo is the pure-Go twin of the rows micro-kernels: the loop
// of microKernelGo with row p of B read at b[off[p]:]:
//
//	for i := range mr { for j := range nr {
//		var acc float32
//		for p := range kc { acc += a[p*mr+i] * b[off[p]+j] }
//		c[i*ldc+j] = alpha*acc + beta*c[i*ldc+j]   // c not read when beta == 0
//	}}
func microKernelRowsGo(mr, nr, kc int, a, b []float32, off []int, c []float32, ldc int, alpha, beta float32) {
	a = a[:kc*mr]
	off = off[:kc]
	var accBuf [32]float32
	acc := accBuf[:nr]
	for i := range mr {
		clear(acc)
		for p, o := range off {
			ai := a[p*mr+i]
			bp := b[o : o+nr]
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
