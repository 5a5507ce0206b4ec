package corrupt

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"testing"
)

// sample is the corrupted mid-gray (or other constant) image under seeds
// 0 … n−1, all pixels together, with its mean and standard deviation.
func sample(t *testing.T, name string, level uint8, severity, n int) (mean, std float64, out []uint8) {
	t.Helper()
	c := mustByName(t, name)
	img := constant(level)
	for seed := range uint64(n) {
		o, err := c.Apply(img, severity, seed)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o...)
	}
	for _, v := range out {
		mean += float64(v)
	}
	mean /= float64(len(out))
	for _, v := range out {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(out))), out
}

// TestGaussianNoiseStats: on mid-gray (128, 5σ from either bound, so clipping
// is negligible) the output's standard deviation is that of the noise,
// 255·c, widened by truncation's uniform error: √((255c)² + 1/12); its mean
// is 128 − ½. Both agree with NumPy's (the fixture) within sampling error.
func TestGaussianNoiseStats(t *testing.T) {
	r := loadReference(t)
	for s := 1; s <= Severities; s++ {
		mean, std, out := sample(t, "gaussian_noise", 128, s, 100)
		sigma := 255 * gaussianNoiseSigma[s-1]
		wantStd := math.Sqrt(sigma*sigma + 1.0/12)
		n := float64(len(out))
		seStd, seMean := wantStd/math.Sqrt(2*n), wantStd/math.Sqrt(n)
		if math.Abs(std-wantStd) > 4*seStd {
			t.Errorf("severity %d: std %.3f, want %.3f ± %.3f", s, std, wantStd, 4*seStd)
		}
		if math.Abs(mean-127.5) > 4*seMean {
			t.Errorf("severity %d: mean %.3f, want 127.5 ± %.3f", s, mean, 4*seMean)
		}
		ref := r.Stats.Gaussian[s-1]
		if math.Abs(std-ref.Std) > 4*math.Sqrt2*seStd || math.Abs(mean-ref.Mean) > 4*math.Sqrt2*seMean {
			t.Errorf("severity %d: mean %.3f std %.3f, NumPy's %.3f %.3f", s, mean, std, ref.Mean, ref.Std)
		}
	}
}

// TestShotNoiseStats: Poisson(x·c)/c has variance x/c, so at level v the
// output's variance is 255·v/c levels² (+1/12 for truncation) and its mean
// v − ½; checked at levels 32, 128 and 200 against NumPy's values, and
// against the formula where 255 is more than 4 standard deviations away (at
// level 200 severities 2–5 clip).
func TestShotNoiseStats(t *testing.T) {
	r := loadReference(t)
	for _, level := range []uint8{32, 128, 200} {
		for s := 1; s <= Severities; s++ {
			mean, std, out := sample(t, "shot_noise", level, s, 100)
			wantStd := math.Sqrt(255*float64(level)/shotNoiseRate[s-1] + 1.0/12)
			n := float64(len(out))
			seStd, seMean := wantStd/math.Sqrt(2*n), wantStd/math.Sqrt(n)
			ref := r.Stats.Shot[itoa(int(level))][s-1]
			if math.Abs(std-ref.Std) > 4*math.Sqrt2*seStd || math.Abs(mean-ref.Mean) > 4*math.Sqrt2*seMean {
				t.Errorf("level %d severity %d: mean %.3f std %.3f, NumPy's %.3f %.3f", level, s, mean, std, ref.Mean, ref.Std)
			}
			if 255-float64(level) < 4*wantStd {
				continue
			}
			// The lattice of k·255/c values makes the truncation error only
			// roughly uniform: 2 % on the standard deviation.
			if math.Abs(std-wantStd) > 0.02*wantStd+4*seStd {
				t.Errorf("level %d severity %d: std %.3f, want %.3f", level, s, std, wantStd)
			}
			if math.Abs(mean-(float64(level)-0.5)) > 0.1+4*seMean {
				t.Errorf("level %d severity %d: mean %.3f, want %.1f", level, s, mean, float64(level)-0.5)
			}
		}
	}
}

func itoa(v int) string {
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}

// TestImpulseNoiseStats: on mid-gray a fraction c of the pixels changes, half
// to 255 and half to 0, and the rest is untouched; the fractions agree with
// scikit-image's random_noise (the fixture) within binomial error.
func TestImpulseNoiseStats(t *testing.T) {
	r := loadReference(t)
	for s := 1; s <= Severities; s++ {
		_, _, out := sample(t, "impulse_noise", 128, s, 100)
		var salt, pepper, other float64
		for _, v := range out {
			switch v {
			case 255:
				salt++
			case 0:
				pepper++
			case 128:
			default:
				other++
			}
		}
		n := float64(len(out))
		salt, pepper = salt/n, pepper/n
		c := impulseNoiseAmount[s-1]
		se := math.Sqrt(c / 2 * (1 - c/2) / n)
		if other != 0 {
			t.Errorf("severity %d: %v pixels neither 0, 128 nor 255", s, other)
		}
		if math.Abs(salt-c/2) > 4*se || math.Abs(pepper-c/2) > 4*se {
			t.Errorf("severity %d: salt %.5f pepper %.5f, want %.5f ± %.5f each", s, salt, pepper, c/2, 4*se)
		}
		ref := r.Stats.Impulse[s-1]
		if math.Abs(salt-ref.Salt) > 4*math.Sqrt2*se || math.Abs(pepper-ref.Pepper) > 4*math.Sqrt2*se {
			t.Errorf("severity %d: salt %.5f pepper %.5f, scikit-image's %.5f %.5f", s, salt, pepper, ref.Salt, ref.Pepper)
		}
	}
}

// TestBrightnessShift: every level moves up by 255·c truncated (12, 25, 38,
// 51, 76 levels), clipped at 255. At c = 0.2, 255·c = 51 exactly and the
// float sum sometimes falls just short, so the reference shifts some levels
// by 50: both are allowed here, and the exact bytes are the fixture's.
func TestBrightnessShift(t *testing.T) {
	c := mustByName(t, "brightness")
	img := make([]uint8, Size)
	for i := range img {
		img[i] = uint8(i % 256)
	}
	for s := 1; s <= Severities; s++ {
		out, _ := c.Apply(img, s, 0)
		shift := 255 * brightnessShift[s-1]
		lo, hi := math.Floor(shift-1e-9), math.Floor(shift)
		for i, v := range img {
			d := float64(out[i]) - float64(v)
			switch {
			case float64(v)+shift >= 255+1e-9:
				if out[i] != 255 {
					t.Errorf("severity %d level %d: %d, want 255 (clipped)", s, v, out[i])
				}
			case float64(v)+shift < 255-1e-9 && (d < lo || d > hi):
				t.Errorf("severity %d level %d: shift %v, want %v…%v", s, v, d, lo, hi)
			}
		}
	}
}

// TestContrastFactor: out = m + c·(x − m) about the image mean m, truncated:
// within one level below the exact value, never above it.
func TestContrastFactor(t *testing.T) {
	c := mustByName(t, "contrast")
	for name, img := range testImages() {
		m := 0.0
		for _, v := range img {
			m += float64(v)
		}
		m /= Size
		for s := 1; s <= Severities; s++ {
			out, _ := c.Apply(img, s, 0)
			f := contrastFactor[s-1]
			for i, v := range img {
				want := min(max(m+f*(float64(v)-m), 0), 255)
				if d := want - float64(out[i]); d < -1e-9 || d >= 1+1e-9 {
					t.Fatalf("%s severity %d pixel %d: %d, want ⌊%.4f⌋", name, s, i, out[i], want)
				}
			}
		}
	}
}

// TestKernels: the blur kernels sum to one and have the reference's shape.
func TestKernels(t *testing.T) {
	for s, p := range defocusParams {
		k := defocusKernel(p[0], p[1])
		sum, support := 0.0, 0
		for i, w := range k {
			sum += float64(w)
			y, x := i/defocusSide-defocusSide/2, i%defocusSide-defocusSide/2
			if w != 0 && (max(x, -x) > 2 || max(y, -y) > 2) {
				t.Errorf("defocus severity %d: weight %g at (%d, %d), beyond the 5×5 support", s+1, w, x, y)
			}
			if w > 1e-5 {
				support++
			}
			if w != k[(defocusSide-1-y-defocusSide/2)*defocusSide+defocusSide-1-x-defocusSide/2] {
				t.Errorf("defocus severity %d: kernel not symmetric", s+1)
			}
		}
		if math.Abs(sum-1) > 1e-7 {
			t.Errorf("defocus severity %d: sum %.10f", s+1, sum)
		}
		// Severities 1–3 are a 3×3 Gaussian (9 taps), 4 the cross (5, the rest
		// below 2e-6), 5 the 3×3 square.
		want := []int{9, 9, 9, 5, 9}[s]
		if support != want {
			t.Errorf("defocus severity %d: %d weights above 1e-5, want %d", s+1, support, want)
		}
	}
	params := append(motionParams[:], [2]float64{8, 3}, [2]float64{10, 4}, [2]float64{12, 6}, [2]float64{14, 12})
	for _, p := range params {
		for _, angle := range []float64{-135, -90, -45, 0, 17, 45} {
			k, ox, oy := magickMotionKernel(p[0], p[1], angle)
			sum := 0.0
			for i, w := range k {
				sum += w
				if i > 0 && w > k[i-1] {
					t.Errorf("motion %v: kernel rises at tap %d", p, i)
				}
				th := angle * math.Pi / 180
				if d := math.Hypot(float64(ox[i])-float64(i)*math.Cos(th), float64(oy[i])-float64(i)*math.Sin(th)); d > math.Sqrt2/2+1e-9 {
					t.Errorf("motion %v angle %v: tap %d at (%d, %d), %.2f from the line", p, angle, i, ox[i], oy[i], d)
				}
			}
			if len(k) != int(2*math.Ceil(p[0])+1) || math.Abs(sum-1) > 1e-12 {
				t.Errorf("motion %v: %d taps summing to %.15f", p, len(k), sum)
			}
		}
	}
	for _, sigma := range []float64{0.25, 0.4, 6.4, 1.92, 1.28, 0.96} {
		w := gaussianWeights(sigma, 4)
		if s := pairwiseSum(w); math.Abs(s-1) > 1e-15 {
			t.Errorf("gaussian σ %v: sum %.17f", sigma, s)
		}
	}
}

// TestMotionBlurImpulse: a white dot blurred at 0° spreads to the left, with
// the bytes ImageMagick 6.9.11 writes (measured through Wand: 1, 19, 88, 145
// left of and at the dot for radius 6, σ 1).
func TestMotionBlurImpulse(t *testing.T) {
	img := make([]uint8, Size)
	img[16*Side+16] = 255
	out := magickMotionBlur(img, 6, 1, 0)
	want := make([]uint8, Size)
	want[16*Side+13], want[16*Side+14], want[16*Side+15], want[16*Side+16] = 1, 19, 88, 145
	if !bytes.Equal(out, want) {
		t.Errorf("row 16: %v, want %v", out[16*Side:17*Side], want[16*Side:17*Side])
	}
	// At 90° the line is vertical (y down), so the dot spreads upwards.
	out = magickMotionBlur(img, 6, 1, 90)
	if out[15*Side+16] != 88 || out[16*Side+15] != 0 {
		t.Errorf("90°: above %d, left %d; want 88, 0", out[15*Side+16], out[16*Side+15])
	}
}

// TestPixelateBlocks: pixelate is the low-resolution image (side int(32·c))
// enlarged by pixel replication: output (r, col) is low-resolution pixel
// (⌊(r + ½)·s/32⌋, ⌊(col + ½)·s/32⌋), so only s distinct rows and columns remain.
func TestPixelateBlocks(t *testing.T) {
	for name, img := range testImages() {
		for sev := 1; sev <= Severities; sev++ {
			s := int(32 * pixelateScale[sev-1])
			if s != []int{30, 28, 27, 24, 20}[sev-1] {
				t.Fatalf("severity %d: side %d", sev, s)
			}
			small := pillowBoxResize(img, Side, Side, s, s)
			out := pixelate(img, sev, nil)
			for r := range Side {
				for c := range Side {
					sr, sc := int((float64(r)+0.5)*float64(s)/32), int((float64(c)+0.5)*float64(s)/32)
					if out[r*Side+c] != small[sr*s+sc] {
						t.Fatalf("%s severity %d (%d, %d): %d, low-resolution pixel (%d, %d) is %d", name, sev, r, c, out[r*Side+c], sr, sc, small[sr*s+sc])
					}
				}
			}
		}
	}
	// Downsizing averages: a 2-pixel-wide vertical stripe pattern at 32→20 keeps its mean.
	img := make([]uint8, Size)
	for i := range img {
		if i%Side%2 == 0 {
			img[i] = 200
		}
	}
	small := pillowBoxResize(img, Side, Side, 20, 20)
	for x := range 20 {
		if v := small[x]; v != 100 && v != 133 && v != 67 && v != 200 && v != 0 {
			t.Errorf("column %d: %d is not a box mean of 0s and 200s", x, v)
		}
	}
}

// TestJPEGIsGo: jpeg_compression is a decode of the standard library's
// grayscale JPEG at the reference's quality.
func TestJPEGIsGo(t *testing.T) {
	c := mustByName(t, "jpeg_compression")
	for name, img := range testImages() {
		for s := 1; s <= Severities; s++ {
			var buf bytes.Buffer
			g := image.NewGray(image.Rect(0, 0, Side, Side))
			copy(g.Pix, img)
			if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: jpegQuality[s-1]}); err != nil {
				t.Fatal(err)
			}
			d, err := jpeg.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			want := d.(*image.Gray).Pix
			got, _ := c.Apply(img, s, 0)
			if !bytes.Equal(got, want) {
				t.Errorf("%s severity %d: not Go's JPEG at quality %d", name, s, jpegQuality[s-1])
			}
		}
	}
}

// TestZoomFactors: NumPy's arange gives 7, 12, 16, 21, 26 zooms with these last values.
func TestZoomFactors(t *testing.T) {
	last := []float64{1.06, 1.11, 1.1500000000000001, 1.2000000000000002, 1.2500000000000002}
	for s, hi := range zoomHi {
		z := arangeZooms(hi)
		if len(z) != []int{7, 12, 16, 21, 26}[s] || z[0] != 1 || z[len(z)-1] != last[s] {
			t.Errorf("severity %d: %d zooms, last %.17g", s+1, len(z), z[len(z)-1])
		}
	}
	img := unitPlane(testImages()["smooth"])
	if got := clippedZoom(img, 1); !equalFloats(got, img) {
		t.Error("clipped_zoom by 1 is not the identity")
	}
}

func equalFloats(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// TestFrost: the texture is a function of the stream, different for another
// seed, bright on average; frost is the reference's blend with it.
func TestFrost(t *testing.T) {
	a, b := frostTexture(newSource(1, 8)), frostTexture(newSource(1, 8))
	if !bytes.Equal(a, b) {
		t.Fatal("texture not deterministic")
	}
	if bytes.Equal(a, frostTexture(newSource(2, 8))) {
		t.Error("texture does not depend on the seed")
	}
	mean := 0.0
	for _, v := range a {
		mean += float64(v) / Size
	}
	if mean < 100 || mean > 200 {
		t.Errorf("texture mean %.1f", mean)
	}
	c := mustByName(t, "frost")
	img := testImages()["gradient"]
	for s := 1; s <= Severities; s++ {
		tex := frostTexture(newSource(5, c.Index))
		out, _ := c.Apply(img, s, 5)
		p := frostParams[s-1]
		for i, v := range img {
			want := math.Floor(min(p[0]*float64(v)+p[1]*float64(tex[i]), 255))
			if float64(out[i]) != want {
				t.Fatalf("severity %d pixel %d: %d, want %v", s, i, out[i], want)
			}
		}
	}
}

// TestPlasma: the plasma fractal spans [0, 1] exactly, and lower decay is rougher.
func TestPlasma(t *testing.T) {
	rough := func(decay float64) float64 {
		r := 0.0
		for seed := range uint64(20) {
			p := plasmaFractal(newSource(seed, 9), decay)
			lo, hi := 1.0, 0.0
			for i, v := range p {
				lo, hi = min(lo, v), max(hi, v)
				if i%Side > 0 {
					r += math.Abs(v - p[i-1])
				}
			}
			if lo != 0 || hi != 1 {
				t.Fatalf("decay %v: range %v…%v", decay, lo, hi)
			}
		}
		return r
	}
	if a, b := rough(3), rough(1.75); a >= b {
		t.Errorf("roughness %.1f at decay 3, %.1f at 1.75", a, b)
	}
}
