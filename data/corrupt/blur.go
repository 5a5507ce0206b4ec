package corrupt

import "math"

// Blur family.

// defocusParams are (disk radius, anti-aliasing σ) of the reference's disk kernel.
var defocusParams = [Severities][2]float64{{0.3, 0.4}, {0.4, 0.5}, {0.5, 0.6}, {1, 0.2}, {1.5, 0.1}}

// defocusSide is the side of the reference's disk array (np.arange(-8, 8+1) for radius ≤ 8).
const defocusSide = 17

// defocusKernel is the reference's disk(radius, alias_blur) in float32, as
// OpenCV computes it: the indicator of X² + Y² ≤ r² on the 17×17 grid
// divided by its count, then cv2.GaussianBlur with a 3×3 kernel of σ =
// alias_blur (getGaussianKernel in float32; rows then columns, each tap sum
// centre·k₀ + (left + right)·k₁ in float32; zero beyond the 17×17 grid, which
// the disk never reaches). Radii 0.3, 0.4 and 0.5 hold only the centre, so
// severities 1–3 are 3×3 Gaussian blurs (σ 0.4, 0.5, 0.6); radius 1 is the
// 5-pixel cross, 1.5 the 3×3 square. The kernel sums to 1 up to float32
// rounding (1 + 1.4e-9 … 1 + 4.5e-8 here), as the reference's does.
func defocusKernel(radius, alias float64) []float32 {
	const n, c = defocusSide, defocusSide / 2
	d := make([]float32, n*n)
	var count float32
	for y := range n {
		for x := range n {
			X, Y := float64(x-c), float64(y-c)
			if X*X+Y*Y <= radius*radius {
				d[y*n+x] = 1
				count++
			}
		}
	}
	for i := range d {
		d[i] /= count
	}
	g := cvGaussian3(alias)
	tap := func(v []float32, i, step int, lo, hi bool) float32 {
		var l, r float32
		if lo {
			l = v[i-step]
		}
		if hi {
			r = v[i+step]
		}
		return float32(v[i]*g[1]) + float32((l+r)*g[0])
	}
	rows := make([]float32, n*n)
	for y := range n {
		for x := range n {
			rows[y*n+x] = tap(d, y*n+x, 1, x > 0, x < n-1)
		}
	}
	k := make([]float32, n*n)
	for y := range n {
		for x := range n {
			k[y*n+x] = tap(rows, y*n+x, n, y > 0, y < n-1)
		}
	}
	return k
}

// cvGaussian3 is cv2.getGaussianKernel(3, σ, CV_32F): exp(−x²/(2σ²)) rounded
// to float32, normalised by the float64 sum of those, rounded again.
func cvGaussian3(sigma float64) [3]float32 {
	scale := -0.5 / (sigma * sigma)
	var g [3]float32
	sum := 0.0
	for i := range g {
		x := float64(i - 1)
		g[i] = float32(math.Exp(float64(scale*x) * x))
		sum += float64(g[i])
	}
	sum = 1 / sum
	for i := range g {
		g[i] = float32(float64(g[i]) * sum)
	}
	return g
}

// defocusBlur is cv2.filter2D(x, -1, kernel) of x = byte/255 (float64) with the
// disk kernel, anchored at its centre, OpenCV's default border
// (BORDER_REFLECT_101). OpenCV may filter a 17×17 kernel through the DFT; the
// direct sum here differs from it by rounding only.
func defocusBlur(img []uint8, severity int, _ source) []uint8 {
	p := defocusParams[severity-1]
	k := defocusKernel(p[0], p[1])
	const n, c = defocusSide, defocusSide / 2
	x := unitPlane(img)
	out := make([]uint8, Size)
	for r := range Side {
		for col := range Side {
			s := 0.0
			for i := range n {
				rr := extend(r+i-c, Side, reflect101)
				for j := range n {
					if w := k[i*n+j]; w != 0 {
						s += float64(float64(w) * x[rr*Side+extend(col+j-c, Side, reflect101)])
					}
				}
			}
			out[r*Side+col] = unitByte(s)
		}
	}
	return out
}

// glassParams are (σ, max_delta, iterations): Gaussian blur, local shuffle, blur again.
var glassParams = [Severities]struct {
	sigma         float64
	delta, rounds int
}{{0.05, 1, 1}, {0.25, 1, 1}, {0.4, 1, 1}, {0.25, 1, 2}, {0.4, 1, 2}}

// glassBlur follows the reference: x = uint8(gaussian(x, σ)·255) (skimage,
// mode "nearest", truncate 4; σ = 0.05 is a one-tap identity), then for each
// iteration, for h and w from 32 − δ down to δ + 1, dx, dy =
// np.random.randint(−δ, δ) (so −1 or 0: the upper bound is exclusive) and
// pixel (h, w) takes the value of (h + dy, w + dx); then gaussian(x/255, σ)
// again. The reference writes a swap, x[h,w], x[h',w'] = x[h',w'], x[h,w],
// but on its colour array both sides are NumPy views and the pair is copied,
// not swapped: the colour benchmark was made so, and so is this. (On a 2-D
// gray array the same line would swap.)
func glassBlur(img []uint8, severity int, src source) []uint8 {
	p := glassParams[severity-1]
	g := gaussianFilter(unitPlane(img), p.sigma, 4, nearest)
	b := make([]uint8, Size)
	for i, v := range g {
		b[i] = uint8(v * 255)
	}
	d := p.delta
	for range p.rounds {
		for h := Side - d; h > d; h-- {
			for w := Side - d; w > d; w-- {
				dx := src.IntN(2*d) - d
				dy := src.IntN(2*d) - d
				b[h*Side+w] = b[(h+dy)*Side+w+dx]
			}
		}
	}
	g = gaussianFilter(unitPlane(b), p.sigma, 4, nearest)
	out := make([]uint8, Size)
	for i, v := range g {
		out[i] = unitByte(v)
	}
	return out
}

// motionParams are ImageMagick's (radius, σ) of the motion kernel.
var motionParams = [Severities][2]float64{{6, 1}, {6, 1.5}, {6, 2}, {8, 2}, {9, 2.5}}

// motionBlur is ImageMagick's motion blur (magickMotionBlur, in place of Wand)
// at an angle drawn uniformly in (−45°, 45°), the 8-bit result kept as the
// reference's PNG round trip keeps it.
func motionBlur(img []uint8, severity int, src source) []uint8 {
	p := motionParams[severity-1]
	angle := -45 + float64(90*src.Float64())
	return magickMotionBlur(img, p[0], p[1], angle)
}

// zoomHi are the reference's np.arange(1, hi, 0.01) bounds (see arangeZooms).
var zoomHi = [Severities]float64{1.06, 1.11, 1.16, 1.21, 1.26}

// zoomBlur averages the image with its clipped zooms by 1, 1.01, … (the first
// is the image itself): (x + Σ clipped_zoom(x, z)) / (n + 1), in float32 as
// the reference (x = float32(byte/255)), the float32 sum in the same order.
func zoomBlur(img []uint8, severity int, _ source) []uint8 {
	zs := arangeZooms(zoomHi[severity-1])
	x := make([]float32, Size)
	for i, v := range img {
		x[i] = float32(float64(v) / 255)
	}
	acc := make([]float32, Size)
	for _, z := range zs {
		for i, v := range clippedZoom(x, z) {
			acc[i] += v
		}
	}
	out := make([]uint8, Size)
	n := float32(len(zs) + 1)
	for i := range x {
		out[i] = unitByte32((x[i] + acc[i]) / n)
	}
	return out
}
