package corrupt

import "math"

// Numerical helpers that stand in for the reference's libraries. Products are
// converted explicitly before they are added (float64(a*b)) wherever a sum is
// accumulated, so that no compiler fuses them into FMA: the bytes are the same
// on every architecture.

// mul is a·b rounded to float64 before any addition: a product written
// through mul is never fused into an FMA (see the Go spec on conversions).
func mul(a, b float64) float64 { return float64(a * b) }

// unitByte is np.uint8(np.clip(v, 0, 1) * 255), the reference's last step: the
// value is truncated, not rounded (NumPy's float-to-uint8 cast).
func unitByte(v float64) uint8 {
	v = min(max(v, 0), 1)
	return uint8(v * 255)
}

// unitByte32 is unitByte for the reference's float32 arrays (the product is float32).
func unitByte32(v float32) uint8 {
	v = min(max(v, 0), 1)
	return uint8(v * 255)
}

// unitPlane is np.array(img) / 255. in float64.
func unitPlane(img []uint8) []float64 {
	x := make([]float64, len(img))
	for i, v := range img {
		x[i] = float64(v) / 255
	}
	return x
}

// pairwiseSum is NumPy's pairwise summation of float64 (numpy/core/src/umath/loops_utils.h):
// eight accumulators on blocks of at most 128, halves above. np.sum and np.mean of a
// contiguous array add in this order, so contrast's mean matches to the last bit.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		s := 0.0
		for _, v := range a {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += a[i+j]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}

// border is how a filter extends an image beyond its edge.
type border int

const (
	nearest    border = iota // scipy "nearest", ImageMagick "edge": a a | a b c
	reflect                  // scipy "reflect": b a | a b c | c b
	reflect101               // OpenCV BORDER_REFLECT_101 (its default): c b | a b c | b a
)

// extend maps an index outside 0 … n−1 back inside by b.
func extend(i, n int, b border) int {
	if i >= 0 && i < n {
		return i
	}
	switch b {
	case nearest:
		return min(max(i, 0), n-1)
	case reflect:
		p := 2 * n
		i = ((i % p) + p) % p
		if i >= n {
			i = p - 1 - i
		}
		return i
	default:
		if n == 1 {
			return 0
		}
		p := 2*n - 2
		i = ((i % p) + p) % p
		if i >= n {
			i = p - i
		}
		return i
	}
}

// gaussianWeights is scipy.ndimage's 1-D Gaussian: radius int(truncate·σ + 0.5),
// exp(−x²/(2σ²)) normalised by NumPy's sum.
func gaussianWeights(sigma, truncate float64) []float64 {
	r := int(truncate*sigma + 0.5)
	c2 := -0.5 / (sigma * sigma)
	w := make([]float64, 2*r+1)
	for i := range w {
		x := float64(i - r)
		w[i] = math.Exp(float64(c2*x) * x)
	}
	s := pairwiseSum(w)
	for i := range w {
		w[i] /= s
	}
	return w
}

// gaussianFilter is scipy.ndimage.gaussian_filter of a 32×32 plane, which
// skimage.filters.gaussian calls (its defaults: mode "nearest", truncate 4):
// the 1-D filter along axis 0 then axis 1, each accumulated as scipy's
// correlate1d does for a symmetric kernel (centre, then pairs from the
// outside in). σ ≤ 1e-15 leaves the plane unchanged, as in scipy.
func gaussianFilter(src []float64, sigma, truncate float64, b border) []float64 {
	out := append([]float64(nil), src...)
	if sigma <= 1e-15 {
		return out
	}
	w := gaussianWeights(sigma, truncate)
	r := len(w) / 2
	line := make([]float64, Side+2*r)
	for axis := range 2 {
		for l := range Side {
			at := func(k int) int { // index of element k of line l along axis
				if axis == 0 {
					return k*Side + l
				}
				return l*Side + k
			}
			for k := range line {
				line[k] = out[at(extend(k-r, Side, b))]
			}
			for k := range Side {
				c := k + r
				o := float64(line[c] * w[r])
				for j := -r; j < 0; j++ {
					o += float64((line[c+j] + line[c-j]) * w[r+j])
				}
				out[at(k)] = o
			}
		}
	}
	return out
}

// scipyCoordinate is scipy.ndimage's map_coordinate for the two modes used
// here: a coordinate outside 0 … n−1 is reflected ("reflect") or marked −1
// ("constant", whose value is then cval = 0).
func scipyCoordinate(in float64, n int, constant bool) float64 {
	if in >= 0 && in <= float64(n-1) {
		return in
	}
	if constant {
		return -1
	}
	if n <= 1 {
		return 0
	}
	p := 2 * n
	if in < 0 {
		if in < -float64(p) {
			in += float64(p * int(-in/float64(p)))
		}
		if in < -float64(n) {
			return in + float64(p)
		}
		return -in - 1
	}
	in -= float64(p * int(in/float64(p)))
	if in >= float64(n) {
		in = float64(p) - in - 1
	}
	return in
}

// scipyLinear gives the two indices and weights of scipy.ndimage's order-1
// spline at coordinate in (zoom, map_coordinates); ok is false where the
// constant mode takes cval. The coordinate is mapped by scipyCoordinate, then
// the taps floor(cc) and floor(cc)+1 outside the array are reflected about
// the edge ("reflect": −1 → 0, n → n−1), which is what scipy 1.10 computes
// (measured: map_coordinates reads v₀ on all of [−1, 0]). In the constant
// mode a tap outside has weight 0.
func scipyLinear(in float64, n int, constant bool) (i0, i1 int, w0, w1 float64, ok bool) {
	cc := scipyCoordinate(in, n, constant)
	if cc <= -1 {
		return 0, 0, 0, 0, false
	}
	f := math.Floor(cc)
	start := int(f)
	w1 = cc - f
	return extend(start, n, reflect), extend(start+1, n, reflect), 1 - w1, w1, true
}

// bilinear is scipy's sum over the 2×2 neighbourhood in its order: for each
// point, value·w_row·w_col, the points row-major.
func bilinear[T float32 | float64](v []T, stride, y0, y1, x0, x1 int, wy0, wy1, wx0, wx1 float64) float64 {
	t := 0.0
	t += float64(float64(float64(v[y0*stride+x0])*wy0) * wx0)
	t += float64(float64(float64(v[y0*stride+x1])*wy0) * wx1)
	t += float64(float64(float64(v[y1*stride+x0])*wy1) * wx0)
	t += float64(float64(float64(v[y1*stride+x1])*wy1) * wx1)
	return t
}

// arangeZooms is np.arange(1, hi, 0.01) exactly: the count is
// ceil((hi − 1)/0.01) and element i is 1 + i·(1.01 − 1), as NumPy fills it.
// Float rounding makes the reference's zoom blur use 7, 12, 16, 21 and 26
// factors: 1.06 and 1.11 are included, 1.16, 1.21 and 1.26 are not.
func arangeZooms(hi float64) []float64 {
	start, step := 1.0, 0.01 // variables: Go would fold constants exactly
	n := int(math.Ceil((hi - start) / step))
	delta := (start + step) - start
	z := make([]float64, n)
	for i := range z {
		z[i] = 1 + float64(i)*delta
	}
	return z
}

// clippedZoom is the reference's clipped_zoom: the centre ceil(32/z) square
// zoomed by scipy.ndimage.zoom (order 1, mode "constant", grid_mode False:
// output side round(ch·z) with Python's half-even rounding, output index k
// read at k·(ch−1)/(out−1)), then the central 32×32 kept. The interpolation is
// computed in float64 and stored in T, as scipy does for a float32 or float64
// array.
func clippedZoom[T float32 | float64](img []T, z float64) []T {
	ch := int(math.Ceil(float64(Side) / z))
	top := (Side - ch) / 2
	n := int(math.RoundToEven(float64(ch) * z))
	ratio := 1.0
	if n > 1 {
		ratio = float64(ch-1) / float64(n-1)
	}
	trim := (n - Side) / 2
	crop := make([]T, ch*ch)
	for r := range ch {
		copy(crop[r*ch:(r+1)*ch], img[(top+r)*Side+top:(top+r)*Side+top+ch])
	}
	type tap struct {
		i0, i1 int
		w0, w1 float64
		ok     bool
	}
	taps := make([]tap, Side)
	for k := range Side {
		var t tap
		t.i0, t.i1, t.w0, t.w1, t.ok = scipyLinear(float64(k+trim)*ratio, ch, true)
		taps[k] = t
	}
	out := make([]T, Size)
	for r := range Side {
		ty := taps[r]
		for c := range Side {
			tx := taps[c]
			if !ty.ok || !tx.ok {
				continue // cval 0
			}
			out[r*Side+c] = T(bilinear(crop, ch, ty.i0, ty.i1, tx.i0, tx.i1, ty.w0, ty.w1, tx.w0, tx.w1))
		}
	}
	return out
}

// magickMotionBlur is ImageMagick's MotionBlurImage (MagickCore/effect.c, the
// same in ImageMagick 6 and 7) on an 8-bit gray image, as the reference calls
// it through Wand on a PNG: a one-sided Gaussian line kernel of width
// 2·ceil(radius)+1, kernel[i] ∝ exp(−i²/(2σ²)), normalised to sum 1, tap i
// reading the pixel at offset (round(i·cos θ), round(i·sin θ)) (x right,
// y down; rounding ceil(v − ½)); pixels beyond the edge repeat the edge
// (ImageMagick's default virtual-pixel method). Values are those of a Q16
// build without HDRI (Debian's and Ubuntu's): bytes scaled by 257, the sum
// rounded to a 16-bit quantum q, and the byte written to the 8-bit PNG
// ⌊q/257⌋. That last truncation is what ImageMagick 6.9.11 (Debian 12) does,
// measured through Wand and cv2.imdecode exactly as the reference calls them
// (rounding instead would change about half of the pixels by one level).
func magickMotionBlur(img []uint8, radius, sigma, angle float64) []uint8 {
	k, ox, oy := magickMotionKernel(radius, sigma, angle)
	out := make([]uint8, Size)
	for y := range Side {
		for x := range Side {
			p := 0.0
			for j := range k {
				xx := min(max(x+ox[j], 0), Side-1)
				yy := min(max(y+oy[j], 0), Side-1)
				p += float64(k[j] * (257 * float64(img[yy*Side+xx])))
			}
			var q uint32
			switch {
			case p <= 0:
				q = 0
			case p >= 65535:
				q = 65535
			default:
				q = uint32(p + 0.5)
			}
			out[y*Side+x] = uint8(q / 257)
		}
	}
	return out
}

// magickMotionKernel is MotionBlurImage's kernel and offsets.
func magickMotionKernel(radius, sigma, angle float64) (k []float64, ox, oy []int) {
	const sq2pi = 2.50662827463100024161235523934010416269302368164062
	const eps = 1e-12 // MagickEpsilon
	// GetOptimalKernelWidth1D for radius > 0 (every radius of the reference).
	width := int(2*math.Ceil(radius) + 1)
	s := sigma
	if math.Abs(s) < eps {
		s = eps
	}
	k = make([]float64, width)
	norm := 0.0
	for i := range k {
		k[i] = math.Exp(-float64(i*i)/(2*s*s)) / (sq2pi * s)
		norm += k[i]
	}
	for i := range k {
		k[i] /= norm
	}
	rad := math.Pi * angle / 180
	px := float64(width) * math.Sin(rad)
	py := float64(width) * math.Cos(rad)
	h := math.Hypot(px, py)
	ox = make([]int, width)
	oy = make([]int, width)
	for i := range width {
		ox[i] = int(math.Ceil(float64(i)*py/h - 0.5))
		oy[i] = int(math.Ceil(float64(i)*px/h - 0.5))
	}
	return k, ox, oy
}

// pillowBoxResize is Pillow's Image.resize(size, Image.BOX) of an 8-bit image
// (libImaging/Resample.c, 8 bits per channel): a horizontal pass, then a
// vertical one, each with the box filter evaluated at source pixel centres,
// weights normalised, converted to 22-bit fixed point and the sums rounded
// and clipped to bytes in between, exactly as Pillow computes them.
func pillowBoxResize(src []uint8, w, h, dw, dh int) []uint8 {
	tmp := src
	if dw != w {
		bounds, k := pillowCoeffs(w, dw)
		tmp = make([]uint8, dw*h)
		for y := range h {
			for x := range dw {
				tmp[y*dw+x] = pillowSum(k[x], func(i int) uint8 { return src[y*w+bounds[x]+i] })
			}
		}
	}
	if dh == h {
		return tmp
	}
	bounds, k := pillowCoeffs(h, dh)
	out := make([]uint8, dw*dh)
	for y := range dh {
		for x := range dw {
			out[y*dw+x] = pillowSum(k[y], func(i int) uint8 { return tmp[(bounds[y]+i)*dw+x] })
		}
	}
	return out
}

const pillowPrecision = 32 - 8 - 2 // PRECISION_BITS

// pillowSum is Σ v·k in fixed point plus one half, shifted and clipped (clip8).
func pillowSum(k []int32, v func(int) uint8) uint8 {
	ss := int32(1) << (pillowPrecision - 1)
	for i, kk := range k {
		ss += int32(v(i)) * kk
	}
	return uint8(min(max(ss>>pillowPrecision, 0), 255))
}

// pillowCoeffs is precompute_coeffs and normalize_coeffs_8bpc for the BOX
// filter (support ½; box(x) = 1 for −½ < x ≤ ½, Pillow 9): for output pixel
// xx, the first input pixel and the fixed-point weights.
func pillowCoeffs(in, out int) (first []int, k [][]int32) {
	scale := float64(in) / float64(out)
	filterscale := max(scale, 1)
	support := 0.5 * filterscale
	ss := 1 / filterscale
	first = make([]int, out)
	k = make([][]int32, out)
	for xx := range out {
		center := (float64(xx) + 0.5) * scale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), in) - xmin
		w := make([]float64, xmax)
		ww := 0.0
		for x := range xmax {
			t := (float64(x+xmin) - center + 0.5) * ss
			if t > -0.5 && t <= 0.5 {
				w[x] = 1
			}
			ww += w[x]
		}
		kk := make([]int32, xmax)
		for x := range xmax {
			if ww != 0 {
				w[x] /= ww
			}
			kk[x] = int32(0.5 + mul(w[x], 1<<pillowPrecision))
		}
		first[xx], k[xx] = xmin, kk
	}
	return first, k
}
