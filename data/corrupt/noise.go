package corrupt

import "math"

// Noise family. All three are elementwise on x = byte/255 and follow the
// reference exactly; only the random numbers come from PCG instead of NumPy.
// (Products are converted, float64(a·b), before they are added: see filter.go.)

// gaussianNoiseSigma is the standard deviation of the added noise in [0, 1]
// units (×255 in bytes: 10.2, 15.3, 20.4, 23.0, 25.5).
var gaussianNoiseSigma = [Severities]float64{0.04, 0.06, .08, .09, .10}

// gaussianNoise: clip(x + N(0, c²), 0, 1), one draw a pixel.
func gaussianNoise(img []uint8, severity int, src source) []uint8 {
	c := gaussianNoiseSigma[severity-1]
	out := make([]uint8, Size)
	for i, v := range img {
		out[i] = unitByte(float64(v)/255 + float64(c*src.NormFloat64()))
	}
	return out
}

// shotNoiseRate is the photon count of a white pixel: Poisson(x·c)/c has
// variance x/c, so lower c is more noise.
var shotNoiseRate = [Severities]float64{500, 250, 100, 75, 50}

// shotNoise: clip(Poisson(x·c)/c, 0, 1).
func shotNoise(img []uint8, severity int, src source) []uint8 {
	c := shotNoiseRate[severity-1]
	out := make([]uint8, Size)
	for i, v := range img {
		k := poisson(src, float64(v)/255*c)
		out[i] = unitByte(float64(k) / c)
	}
	return out
}

// poisson is NumPy's Poisson sampler (random_poisson in
// numpy/random/src/distributions/distributions.c), so that the tests can
// replay NumPy's stream: multiplication of uniforms for λ < 10, Hörmann's
// PTRS transformed rejection (1993) for λ ≥ 10.
func poisson(src source, lam float64) int64 {
	switch {
	case lam >= 10:
		return poissonPTRS(src, lam)
	case lam == 0:
		return 0
	}
	enlam := math.Exp(-lam)
	var x int64
	prod := 1.0
	for {
		prod *= src.Float64()
		if prod > enlam {
			x++
		} else {
			return x
		}
	}
}

func poissonPTRS(src source, lam float64) int64 {
	slam := math.Sqrt(lam)
	loglam := math.Log(lam)
	b := 0.931 + float64(2.53*slam)
	a := -0.059 + float64(0.02483*b)
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := src.Float64() - 0.5
		v := src.Float64()
		us := 0.5 - math.Abs(u)
		k := int64(math.Floor(float64((2*a/us+b)*u) + lam + 0.43))
		if us >= 0.07 && v <= vr {
			return k
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <=
			-lam+float64(float64(k)*loglam)-numpyLoggam(float64(k)+1) {
			return k
		}
	}
}

// numpyLoggam is NumPy's random_loggam, log Γ(x) by Stirling's series.
func numpyLoggam(x float64) float64 {
	a := [10]float64{8.333333333333333e-02, -2.777777777777778e-03,
		7.936507936507937e-04, -5.952380952380952e-04,
		8.417508417508418e-04, -1.917526917526918e-03,
		6.410256410256410e-03, -2.955065359477124e-02,
		1.796443723688307e-01, -1.39243221690590e+00}
	if x == 1 || x == 2 {
		return 0
	}
	n := 0
	if x < 7 {
		n = int(7 - x)
	}
	x0 := x + float64(n)
	x2 := (1 / x0) * (1 / x0)
	const lg2pi = 1.8378770664093453e+00
	gl0 := a[9]
	for k := 8; k >= 0; k-- {
		gl0 = float64(gl0*x2) + a[k]
	}
	gl := gl0/x0 + float64(0.5*lg2pi) + float64((x0-0.5)*math.Log(x0)) - x0
	if x < 7 {
		for range n {
			gl -= math.Log(x0 - 1)
			x0--
		}
	}
	return gl
}

// impulseNoiseAmount is the fraction of pixels replaced, half by 0 and half by 255.
var impulseNoiseAmount = [Severities]float64{.01, .02, .03, .05, .07}

// impulseNoise is skimage.util.random_noise(x, mode='s&p', amount=c) as
// scikit-image ≥ 0.19 defines it: each pixel independently flipped with
// probability c (all 1024 uniforms first, U ≤ c), and a flipped pixel set to
// 1 or 0 with probability ½ each (1024 more, U ≤ ½). The scikit-image of 2018
// instead set ceil(c·size/2) random coordinates to 1 and as many to 0, drawn
// with np.random.randint(0, n − 1), which never reaches the last row, column or
// (in colour) channel: the expected fraction is the same, a little less for
// repeats, and the older quirk is not copied.
func impulseNoise(img []uint8, severity int, src source) []uint8 {
	c := impulseNoiseAmount[severity-1]
	var flipped [Size]bool
	for i := range flipped {
		flipped[i] = src.Float64() <= c
	}
	out := make([]uint8, Size)
	for i, v := range img {
		x := float64(v) / 255
		salted := src.Float64() <= 0.5
		if flipped[i] {
			x = 0
			if salted {
				x = 1
			}
		}
		out[i] = unitByte(x)
	}
	return out
}
