package simd

// microKernelGo is the pure-Go twin of the Sgemm micro-kernel. It multiplies
// one packed A panel (kc×mr, column by column) by one packed B panel (kc×nr,
// row by row) into the mr×nr tile of C at c with row stride ldc:
//
//	for i := range mr { for j := range nr {
//		var acc float32
//		for p := range kc { acc += a[p*mr+i] * b[p*nr+j] }
//		c[i*ldc+j] = alpha*acc + beta*c[i*ldc+j]   // c not read when beta == 0
//	}}
//
// The tile is summed in registers-sized pieces (one row of 16 accumulators at
// a time) so the Go compiler keeps the accumulators out of memory.
func microKernelGo(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	a = a[:kc*gemmMR]
	b = b[:kc*gemmNR]
	for i := range gemmMR {
		var acc [gemmNR]float32
		for p := range kc {
			ai := a[p*gemmMR+i]
			bp := b[p*gemmNR : p*gemmNR+gemmNR : p*gemmNR+gemmNR]
			for j := range acc {
				acc[j] += ai * bp[j]
			}
		}
		row := c[i*ldc : i*ldc+gemmNR]
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
