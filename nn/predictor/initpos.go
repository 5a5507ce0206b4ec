package predictor

import (
	"math"

	"github.com/brainreg/brainreg/simd"
)

// initPositions starts every readout position at the pixel where the
// neuron's response over the training trials is best explained by the
// image there: the score of pixel p is
//
//	blur(corr(r, x(p))²) + corr(r, e(p))²
//
// with x the prepared image, e = blur(x²) its local contrast energy and
// blur a 3×3 box filter. The first term finds simple cells (linear, ON and
// OFF lobes), the second complex cells (phase-invariant, no linear
// correlation). A gradient step only sees the feature map next to a
// position, so a good start matters more than for the other parameters.
// Two products trials×N by trials×(h·w), through simd.Sgemm.
func (m *Model) initPositions(d *dataset, train []int) {
	T, N, h, w := len(train), d.neurons, d.h, d.w
	hw := h * w
	// Responses, centred and scaled to unit norm per neuron: T×N.
	R := make([]float32, T*N)
	for k, t := range train {
		copy(R[k*N:(k+1)*N], d.resp[t*N:(t+1)*N])
	}
	standardizeColumns(R, T, N)
	// Images and their local energy: T×hw each, standardised per pixel.
	X, E := make([]float32, T*hw), make([]float32, T*hw)
	sq := make([]float32, hw)
	for k, t := range train {
		i := d.trialImage[t]
		img := d.img[i*hw : (i+1)*hw]
		copy(X[k*hw:(k+1)*hw], img)
		for p, v := range img {
			sq[p] = v * v
		}
		boxBlur(E[k*hw:(k+1)*hw], sq, h, w)
	}
	standardizeColumns(X, T, hw)
	standardizeColumns(E, T, hw)
	// Correlation maps: N×hw = Rᵀ·X.
	cx, ce := make([]float32, N*hw), make([]float32, N*hw)
	simd.Sgemm(true, false, N, hw, T, 1, R, N, X, hw, 0, cx, hw)
	simd.Sgemm(true, false, N, hw, T, 1, R, N, E, hw, 0, ce, hw)
	score, blurred := make([]float32, hw), make([]float32, hw)
	for a := range N {
		for p := range hw {
			v := cx[a*hw+p]
			sq[p] = v * v
		}
		boxBlur(blurred, sq, h, w)
		best, bp := float32(math.Inf(-1)), 0
		for p := range hw {
			e := ce[a*hw+p]
			score[p] = blurred[p] + e*e
			if score[p] > best {
				best, bp = score[p], p
			}
		}
		// Keep the random start near the centre unless the peak stands
		// out of the noise: with T trials a correlation's null variance is
		// 1/T, so the score's null level is a few /T.
		if float64(best) < initThreshold/float64(T) {
			continue
		}
		px, py := bp%w, bp/w
		m.Readout.Positions.Data[2*a] = gridCoord(px, w)
		m.Readout.Positions.Data[2*a+1] = gridCoord(py, h)
	}
}

// initThreshold is the score, in units of 1/trials, above which a
// neuron's peak is trusted (a pure-noise map peaks at about 5/T over a few
// hundred pixels).
var initThreshold = 15.0

// gridCoord maps pixel index i of an axis of n pixels to GridSample's
// coordinates with aligned corners: 0 → −1, n−1 → 1.
func gridCoord(i, n int) float32 {
	if n < 2 {
		return 0
	}
	return float32(2*float64(i)/float64(n-1) - 1)
}

// standardizeColumns centres each column of a rows×cols matrix and scales
// it to unit norm (so a product of two such matrices is a correlation). A
// constant column becomes zero.
func standardizeColumns(x []float32, rows, cols int) {
	mu, ss := make([]float64, cols), make([]float64, cols)
	for r := range rows {
		for c, v := range x[r*cols : (r+1)*cols] {
			mu[c] += float64(v)
		}
	}
	for c := range mu {
		mu[c] /= float64(rows)
	}
	for r := range rows {
		for c, v := range x[r*cols : (r+1)*cols] {
			dv := float64(v) - mu[c]
			ss[c] += dv * dv
		}
	}
	for r := range rows {
		row := x[r*cols : (r+1)*cols]
		for c := range row {
			if ss[c] > 0 {
				row[c] = float32((float64(row[c]) - mu[c]) / math.Sqrt(ss[c]))
			} else {
				row[c] = 0
			}
		}
	}
}

// boxBlur writes the 3×3 mean of src (h×w, edges averaging the pixels that
// exist) into dst.
func boxBlur(dst, src []float32, h, w int) {
	for y := range h {
		for x := range w {
			var s float32
			n := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					yy, xx := y+dy, x+dx
					if yy >= 0 && yy < h && xx >= 0 && xx < w {
						s += src[yy*w+xx]
						n++
					}
				}
			}
			dst[y*w+x] = s / float32(n)
		}
	}
}
