package corrupt

import "math"

// Frost texture. The reference crops its frost photographs (frost1.png …
// frost6.jpg, ice on a window pane) after shrinking them to a fifth; at that
// scale they show a bright, uneven haze crossed by thin ice needles. In their
// place this draws, from the corruption's random stream:
//
//   - haze: the fog's plasma fractal with wibble decay 2 (coarser than fog's
//     finest), in [0, 1];
//   - crystals: frostNuclei nuclei uniform in [−8, 40)² (some grow in from
//     outside the image), each with six needles at θ₀ + k·60° (θ₀ uniform in
//     [0°, 60°): ice's hexagonal habit), needle length uniform in [5, 15)
//     pixels, and at every 3 pixels along a needle two side branches at ±60°,
//     as long as 0.45 of the rest of the needle; each stroke is drawn
//     anti-aliased, brightness b·max(0, 1 − d/0.8) at distance d (pixels) from
//     the segment, b = 1 for needles and 0.7 for branches, strokes combined by
//     their maximum;
//   - texture = 255·clip(0.3 + 0.35·haze + 0.55·crystals, 0, 1), rounded.
//
// It is deterministic given the stream (the seed) and its mean is around 145
// of 255. It is an invented stand-in for the photographs, not calibrated
// against them.

// frostNuclei is the number of crystal nuclei.
const frostNuclei = 5

// frostTexture draws one 32×32 texture.
func frostTexture(src source) []uint8 {
	haze := plasmaFractal(src, 2)
	ice := make([]float64, Size)
	type seg struct{ x0, y0, x1, y1, b float64 }
	var segs []seg
	for range frostNuclei {
		cx := -8 + float64(48*src.Float64())
		cy := -8 + float64(48*src.Float64())
		theta := math.Pi / 3 * src.Float64()
		for k := range 6 {
			a := theta + float64(k)*math.Pi/3
			length := 5 + float64(10*src.Float64())
			dx, dy := math.Cos(a), math.Sin(a)
			segs = append(segs, seg{cx, cy, cx + float64(length*dx), cy + float64(length*dy), 1})
			for t := 3.0; t < length; t += 3 {
				bx, by := cx+float64(t*dx), cy+float64(t*dy)
				bl := 0.45 * (length - t)
				for _, s := range [2]float64{-1, 1} {
					ba := a + s*math.Pi/3
					segs = append(segs, seg{bx, by, bx + float64(bl*math.Cos(ba)), by + float64(bl*math.Sin(ba)), 0.7})
				}
			}
		}
	}
	for _, s := range segs {
		// Only pixels whose centre is within 0.8 of the segment's bounding box can be lit.
		c0 := max(int(math.Floor(min(s.x0, s.x1)-1.3)), 0)
		c1 := min(int(math.Ceil(max(s.x0, s.x1)+0.3)), Side-1)
		r0 := max(int(math.Floor(min(s.y0, s.y1)-1.3)), 0)
		r1 := min(int(math.Ceil(max(s.y0, s.y1)+0.3)), Side-1)
		for r := r0; r <= r1; r++ {
			for c := c0; c <= c1; c++ {
				d := segmentDistance(float64(c)+0.5, float64(r)+0.5, s.x0, s.y0, s.x1, s.y1)
				ice[r*Side+c] = max(ice[r*Side+c], s.b*max(0, 1-d/0.8))
			}
		}
	}
	out := make([]uint8, Size)
	for i := range out {
		t := 0.3 + float64(0.35*haze[i]) + float64(0.55*ice[i])
		out[i] = uint8(math.Round(255 * min(max(t, 0), 1)))
	}
	return out
}

// segmentDistance is the distance from (px, py) to the segment (x0, y0)–(x1, y1).
func segmentDistance(px, py, x0, y0, x1, y1 float64) float64 {
	vx, vy := x1-x0, y1-y0
	wx, wy := px-x0, py-y0
	l2 := float64(vx*vx) + float64(vy*vy)
	t := 0.0
	if l2 > 0 {
		t = min(max((float64(wx*vx)+float64(wy*vy))/l2, 0), 1)
	}
	ex, ey := wx-float64(t*vx), wy-float64(t*vy)
	return math.Sqrt(float64(ex*ex) + float64(ey*ey))
}
