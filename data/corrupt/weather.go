package corrupt

// Weather family.

// snowParams are (mean, sd of the snow layer, its zoom, threshold, motion
// radius, motion σ, blend c₆).
var snowParams = [Severities][7]float64{
	{0.1, 0.2, 1, 0.6, 8, 3, 0.95},
	{0.1, 0.2, 1, 0.5, 10, 4, 0.9},
	{0.15, 0.3, 1.75, 0.55, 10, 4, 0.9},
	{0.25, 0.3, 2.25, 0.6, 12, 6, 0.85},
	{0.3, 0.3, 1.25, 0.65, 14, 12, 0.8},
}

// snow follows the reference: a layer N(mean, sd²) a pixel, clipped_zoom'd,
// zeroed below the threshold, quantised to bytes (astype uint8 truncates),
// motion-blurred by ImageMagick's kernel at an angle uniform in (−135°, −45°)
// (falling flakes), then x = c₆·x + (1 − c₆)·max(x, 1.5·gray(x) + 0.5) and
// clip(x + layer + rot180(layer)). The reference's gray(x) is
// cv2.cvtColor(RGB2GRAY) of its colour image; of a gray image it is the
// image itself up to float32 rounding, reproduced as OpenCV 4.6 computes it,
// fma(B, 0.114, fma(G, 0.587, R·0.299)) in float32 (measured: equal on all
// 256 levels; the unfused sum differs on 40). The image is float32 and the
// layer float64, as in the reference.
func snow(img []uint8, severity int, src source) []uint8 {
	c := snowParams[severity-1]
	layer := make([]float64, Size)
	for i := range layer {
		layer[i] = c[0] + float64(c[1]*src.NormFloat64())
	}
	layer = clippedZoom(layer, c[2])
	flakes := make([]uint8, Size)
	for i, v := range layer {
		if v < c[3] {
			v = 0
		}
		flakes[i] = unitByte(v)
	}
	angle := -135 + float64(90*src.Float64())
	flakes = magickMotionBlur(flakes, c[4], c[5], angle)
	c6, c6c := float32(c[6]), float32(1-c[6])
	out := make([]uint8, Size)
	for i, v := range img {
		x := float32(v) / 255
		gray := fma32(x, 0.114, fma32(x, 0.587, float32(x*0.299)))
		lit := max(x, float32(gray*1.5)+0.5)
		x = float32(c6*x) + float32(c6c*lit)
		s := float64(x) + float64(flakes[i])/255 + float64(flakes[Size-1-i])/255
		out[i] = unitByte(s)
	}
	return out
}

// frostParams are (image weight, frost weight): clip(c₀·x + c₁·frost, 0, 255) in bytes.
var frostParams = [Severities][2]float64{{1, 0.2}, {1, 0.3}, {0.9, 0.4}, {0.85, 0.4}, {0.75, 0.45}}

// frost blends the image with a frost texture as the reference does with a
// random 32×32 crop of one of its frost photographs (shrunk to a fifth). The
// photographs are not part of this repository: the texture is frostTexture,
// procedural and drawn from the seed, so this corruption is the reference's
// blend with a different, documented texture, and its values are not those
// of CIFAR-10-C.
func frost(img []uint8, severity int, src source) []uint8 {
	c := frostParams[severity-1]
	tex := frostTexture(src)
	out := make([]uint8, Size)
	for i, v := range img {
		s := float64(c[0]*float64(v)) + float64(c[1]*float64(tex[i]))
		out[i] = uint8(min(max(s, 0), 255))
	}
	return out
}

// fogParams are (fog strength, plasma wibble decay: lower is rougher fog).
var fogParams = [Severities][2]float64{{.2, 3}, {.5, 3}, {0.75, 2.5}, {1, 2}, {1.5, 1.75}}

// fog adds a plasma fractal and rescales: clip((x + c₀·plasma)·max(x)/(max(x) + c₀)).
// The reference adds one plasma map to the three channels; here to the one.
func fog(img []uint8, severity int, src source) []uint8 {
	c := fogParams[severity-1]
	x := unitPlane(img)
	mx := 0.0
	for _, v := range x {
		mx = max(mx, v)
	}
	p := plasmaFractal(src, c[1])
	out := make([]uint8, Size)
	for i, v := range x {
		out[i] = unitByte((v + float64(c[0]*p[i])) * mx / (mx + c[0]))
	}
	return out
}

// plasmaFractal is the reference's plasma_fractal(mapsize=32, wibbledecay):
// diamond-square from a zero corner, each new point the mean of its four
// neighbours (wrapping around, np.roll) plus wibble·U(−wibble, wibble), the
// wibble 100 at first and divided by the decay at each halving of the step;
// squares then the two diamond sets per step, each drawn in row-major order;
// finally shifted and scaled to [0, 1]. As in the reference the amplitude is
// wibble² (wibble times a uniform of half-width wibble).
func plasmaFractal(src source, decay float64) []float64 {
	const n = Side
	a := make([]float64, Size)
	wibble := 100.0
	mean := func(sum float64) float64 {
		u := -wibble + float64((wibble+wibble)*src.Float64())
		return sum/4 + float64(wibble*u)
	}
	at := func(r, c int) float64 { return a[((r%n+n)%n)*n+(c%n+n)%n] }
	for step := n; step >= 2; step /= 2 {
		h, m := step/2, n/step
		// Squares: centre (i·s + h, j·s + h) from the four corners.
		for i := range m {
			for j := range m {
				r, c := i*step, j*step
				s := (at(r, c) + at(r+step, c)) + (at(r, c+step) + at(r+step, c+step))
				a[(r+h)*n+c+h] = mean(s)
			}
		}
		// Diamonds on the top edges (i·s, j·s + h): centres below and above,
		// corners left and right; all sums read before any is written.
		top := make([]float64, m*m)
		for i := range m {
			for j := range m {
				r, c := i*step, j*step
				top[i*m+j] = (at(r+h, c+h) + at(r-h, c+h)) + (at(r, c) + at(r, c+step))
			}
		}
		for i := range m {
			for j := range m {
				a[i*step*n+j*step+h] = mean(top[i*m+j])
			}
		}
		// Diamonds on the left edges (i·s + h, j·s): centres right and left,
		// corners above and below.
		left := make([]float64, m*m)
		for i := range m {
			for j := range m {
				r, c := i*step, j*step
				left[i*m+j] = (at(r+h, c+h) + at(r+h, c-h)) + (at(r, c) + at(r+step, c))
			}
		}
		for i := range m {
			for j := range m {
				a[(i*step+h)*n+j*step] = mean(left[i*m+j])
			}
		}
		wibble /= decay
	}
	lo, hi := a[0], a[0]
	for _, v := range a {
		lo, hi = min(lo, v), max(hi, v)
	}
	for i := range a {
		a[i] -= lo
	}
	hi -= lo
	for i := range a {
		a[i] /= hi
	}
	return a
}

// brightnessShift is added to V of HSV, in [0, 1] units (×255: 12.75 … 76.5 levels).
var brightnessShift = [Severities]float64{.05, .1, .15, .2, .3}

// brightness: the reference converts to HSV (skimage), adds c to V, clips and
// converts back. A gray pixel has S = 0 and V = x, and the round trip returns
// V exactly, so this is clip(x + c) — byte for byte the reference's result.
func brightness(img []uint8, severity int, _ source) []uint8 {
	c := brightnessShift[severity-1]
	out := make([]uint8, Size)
	for i, v := range img {
		out[i] = unitByte(float64(v)/255 + c)
	}
	return out
}

// fma32 is a·b + c rounded once to float32 (the float32 product is exact in
// float64, so only the sum is rounded, then narrowed).
func fma32(a, b, c float32) float32 {
	return float32(float64(a)*float64(b) + float64(c))
}
