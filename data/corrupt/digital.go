package corrupt

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
)

// Digital family.

// contrastFactor scales the deviation from the image mean.
var contrastFactor = [Severities]float64{.75, .5, .4, .3, 0.15}

// contrast: clip((x − m)·c + m) with m the mean of x = byte/255 (per channel in
// the reference; of the one channel here), summed in NumPy's pairwise order.
func contrast(img []uint8, severity int, _ source) []uint8 {
	c := contrastFactor[severity-1]
	x := unitPlane(img)
	m := pairwiseSum(x) / Size
	out := make([]uint8, Size)
	for i, v := range x {
		out[i] = unitByte(float64((v-m)*c) + m)
	}
	return out
}

// elasticParams are (α, σ, affine range) in pixels: 32·(0, 0, 0.08),
// 32·(0.05, 0.2, 0.07), 32·(0.08, 0.06, 0.06), 32·(0.1, 0.04, 0.05),
// 32·(0.1, 0.03, 0.03). The random affine shrinks with severity while the
// elastic field grows, and severity 1 is a pure affine warp (α = 0).
var elasticParams = [Severities][3]float64{
	{32 * 0, 32 * 0, 32 * 0.08},
	{32 * 0.05, 32 * 0.2, 32 * 0.07},
	{32 * 0.08, 32 * 0.06, 32 * 0.06},
	{32 * 0.1, 32 * 0.04, 32 * 0.05},
	{32 * 0.1, 32 * 0.03, 32 * 0.03},
}

// elasticTransform follows the reference (after Simard et al. 2003):
//
//  1. x = float32(byte)/255;
//  2. a random affine map: the points (26, 26), (26, 6), (6, 6) (x, y) each
//     moved by U(−a, a) in x and y (rounded to float32),
//     cv2.getAffineTransform from the three to the moved ones, and
//     cv2.warpAffine: bilinear, BORDER_REFLECT_101, and OpenCV's fixed point
//     (source coordinates in 1/1024 pixel, rounded to 1/32 pixel; float32
//     weights), reproduced;
//  3. dx, dy = α·gaussian(U(−1, 1), σ) (skimage, mode "reflect", truncate 3),
//     in float32; σ = 0 leaves the noise unfiltered, α = 0 makes it zero;
//  4. scipy.ndimage.map_coordinates(x, (row + dy, col + dx), order=1,
//     mode="reflect") with scipy 1.10's edge handling (the coordinate
//     reflected about −½ and n − ½, taps beyond the edge reflected too).
//
// The affine system is solved in closed form rather than by OpenCV's LU;
// they differ by rounding.
func elasticTransform(img []uint8, severity int, src source) []uint8 {
	return elastic(img, elasticParams[severity-1], src)
}

// elastic is elasticTransform with parameters c = (α, σ, affine range).
func elastic(img []uint8, c [3]float64, src source) []uint8 {
	x := make([]float32, Size)
	for i, v := range img {
		x[i] = float32(v) / 255
	}
	p1 := [3][2]float32{{26, 26}, {26, 6}, {6, 6}}
	var p2 [3][2]float32
	for i := range p2 {
		for j := range p2[i] {
			u := -c[2] + float64((c[2]+c[2])*src.Float64())
			p2[i][j] = p1[i][j] + float32(u)
		}
	}
	w := cvWarpAffine(x, affineFrom3(p1, p2))
	field := func() []float32 {
		n := make([]float64, Size)
		for i := range n {
			n[i] = -1 + float64(2*src.Float64())
		}
		n = gaussianFilter(n, c[1], 3, reflect)
		f := make([]float32, Size)
		for i, v := range n {
			f[i] = float32(v * c[0])
		}
		return f
	}
	dx := field()
	dy := field()
	out := make([]uint8, Size)
	for r := range Side {
		for col := range Side {
			i := r*Side + col
			y0, y1, wy0, wy1, _ := scipyLinear(float64(r)+float64(dy[i]), Side, false)
			x0, x1, wx0, wx1, _ := scipyLinear(float64(col)+float64(dx[i]), Side, false)
			out[i] = unitByte32(float32(bilinear(w, Side, y0, y1, x0, x1, wy0, wy1, wx0, wx1)))
		}
	}
	return out
}

// affineFrom3 is the 2×3 matrix M with M·(p, 1) = q for the three point
// pairs (cv2.getAffineTransform), by Cramer's rule in float64.
func affineFrom3(p, q [3][2]float32) [6]float64 {
	var m [6]float64
	x0, y0 := float64(p[0][0]), float64(p[0][1])
	x1, y1 := float64(p[1][0]), float64(p[1][1])
	x2, y2 := float64(p[2][0]), float64(p[2][1])
	// det3 is the determinant of rows (a0, b0, 1), (a1, b1, 1), (a2, b2, 1) with
	// every product rounded (mul) so that no FMA changes it.
	det3 := func(a0, b0, a1, b1, a2, b2 float64) float64 {
		return mul(a0, b1-b2) - mul(b0, a1-a2) + (mul(a1, b2) - mul(a2, b1))
	}
	det := det3(x0, y0, x1, y1, x2, y2)
	for row := range 2 {
		u0, u1, u2 := float64(q[0][row]), float64(q[1][row]), float64(q[2][row])
		a := det3(u0, y0, u1, y1, u2, y2) / det
		b := det3(x0, u0, x1, u1, x2, u2) / det
		c := (mul(x0, mul(y1, u2)-mul(y2, u1)) - mul(y0, mul(x1, u2)-mul(x2, u1)) + mul(u0, mul(x1, y2)-mul(x2, y1))) / det
		m[3*row], m[3*row+1], m[3*row+2] = a, b, c
	}
	return m
}

// cvWarpAffine is cv2.warpAffine(x, M, (32, 32), INTER_LINEAR,
// BORDER_REFLECT_101) of a float32 plane: M is inverted as OpenCV does, the
// source position of each pixel computed in AB_BITS = 10 fixed point with
// cvRound and shifted to INTER_BITS = 5, and the 2×2 neighbourhood weighted by
// the products of (1 − f, f), f in 1/32, summed in float32.
func cvWarpAffine(src []float32, m [6]float64) []float32 {
	d := mul(m[0], m[4]) - mul(m[1], m[3])
	if d != 0 {
		d = 1 / d
	}
	a11, a22 := m[4]*d, m[0]*d
	m[0] = a11
	m[1] *= -d
	m[3] *= -d
	m[4] = a22
	b1 := mul(-m[0], m[2]) - mul(m[1], m[5])
	b2 := mul(-m[3], m[2]) - mul(m[4], m[5])
	m[2], m[5] = b1, b2

	const abScale, roundDelta = 1 << 10, (1 << 10) / 32 / 2
	round := func(v float64) int { return int(math.RoundToEven(v)) }
	var adelta, bdelta [Side]int
	for x := range Side {
		adelta[x] = round(float64(m[0]*float64(x)) * abScale)
		bdelta[x] = round(float64(m[3]*float64(x)) * abScale)
	}
	out := make([]float32, Size)
	for y := range Side {
		x0 := round(float64(float64(m[1]*float64(y))+m[2])*abScale) + roundDelta
		y0 := round(float64(float64(m[4]*float64(y))+m[5])*abScale) + roundDelta
		for x := range Side {
			X := (x0 + adelta[x]) >> 5
			Y := (y0 + bdelta[x]) >> 5
			sx, fx := X>>5, X&31
			sy, fy := Y>>5, Y&31
			vx1, vy1 := float32(fx)*(1.0/32), float32(fy)*(1.0/32)
			vx0, vy0 := 1-vx1, 1-vy1
			c0, c1 := extend(sx, Side, reflect101), extend(sx+1, Side, reflect101)
			r0, r1 := extend(sy, Side, reflect101), extend(sy+1, Side, reflect101)
			s := float32(src[r0*Side+c0] * (vy0 * vx0))
			s += float32(src[r0*Side+c1] * (vy0 * vx1))
			s += float32(src[r1*Side+c0] * (vy1 * vx0))
			s += float32(src[r1*Side+c1] * (vy1 * vx1))
			out[y*Side+x] = s
		}
	}
	return out
}

// pixelateScale is the side of the low-resolution image over 32: int(32·c) =
// 30, 28, 27, 24, 20 pixels.
var pixelateScale = [Severities]float64{0.95, 0.9, 0.85, 0.75, 0.65}

// pixelate is two Pillow BOX resizes, to int(32·c) and back to 32
// (pillowBoxResize, Pillow's fixed-point arithmetic reproduced).
func pixelate(img []uint8, severity int, _ source) []uint8 {
	s := int(32 * pixelateScale[severity-1])
	small := pillowBoxResize(img, Side, Side, s, s)
	return pillowBoxResize(small, s, s, Side, Side)
}

// jpegQuality is the JPEG quality (libjpeg scale) of each severity.
var jpegQuality = [Severities]int{80, 65, 58, 50, 40}

// jpegCompression encodes the image as a grayscale JPEG with the standard
// library's image/jpeg at the reference's quality and decodes it. The
// reference saves its colour image through Pillow (libjpeg, 4:2:0 chroma);
// the gray image's single component uses the same luminance table scaled by
// the same quality formula, but Go's encoder and decoder are not libjpeg's,
// so bytes differ slightly (the tests compare the error against Pillow's).
func jpegCompression(img []uint8, severity int, _ source) []uint8 {
	var buf bytes.Buffer
	g := &image.Gray{Pix: img, Stride: Side, Rect: image.Rect(0, 0, Side, Side)}
	if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: jpegQuality[severity-1]}); err != nil {
		panic(fmt.Sprintf("corrupt: jpeg_compression: encoding a 32×32 gray image: %v", err)) // writes to memory only
	}
	d, err := jpeg.Decode(&buf)
	if err != nil {
		panic(fmt.Sprintf("corrupt: jpeg_compression: decoding Go's own JPEG: %v", err))
	}
	dg, ok := d.(*image.Gray)
	if !ok {
		panic(fmt.Sprintf("corrupt: jpeg_compression: decoded %T, want *image.Gray", d))
	}
	out := make([]uint8, Size)
	for r := range Side {
		copy(out[r*Side:(r+1)*Side], dg.Pix[r*dg.Stride:r*dg.Stride+Side])
	}
	return out
}
