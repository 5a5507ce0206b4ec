package v1sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/simd"
)

// neuron holds one neuron's drawn parameters (the filters live in the
// scan's filter matrices).
type neuron struct {
	simple             bool
	amp                float64 // Amp_n with PoorGain applied: the stimulus-driven scale
	scale              float64 // Amp_n before PoorGain: the scale of shared and measurement noise
	betaPupil, betaRun float64
	mult, add          []float64 // loadings A_n, B_n (K each)
}

// population is one scan's neurons and the filter matrices that apply them
// to images by matrix products.
type population struct {
	n, hw   int
	neurons []neuron
	// lin is 3n×hw: rows 3a, 3a+1, 3a+2 are neuron a's q0, q1 and normalised
	// Gaussian pool g, so lin·x gives both Gabor outputs and the local mean.
	// pool is n×hw: row a is g again, applied to x² for the local power.
	lin, pool []float32
	norm      []float64 // per neuron: 1 / mean over images of u, from the noise-free pass
}

// rngFor gives an independent, reproducible stream for one purpose of one scan.
func rngFor(seed uint64, scan, stream int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(scan)<<32|uint64(stream)))
}

const (
	streamNeurons = iota + 1
	streamTrials
	streamNoise // + chunk index
)

func newPopulation(c *Config, scan, h, w int) *population {
	rng := rngFor(c.Seed, scan, streamNeurons)
	n, hw := c.Neurons, h*w
	p := &population{n: n, hw: hw, neurons: make([]neuron, n),
		lin: make([]float32, 3*n*hw), pool: make([]float32, n*hw)}
	W := float64(w)
	for a := range p.neurons {
		nr := &p.neurons[a]
		nr.simple = rng.Float64() < c.SimpleFraction
		cx := (c.RFMargin + (1-2*c.RFMargin)*rng.Float64()) * W
		cy := (c.RFMargin + (1-2*c.RFMargin)*rng.Float64()) * float64(h)
		theta := math.Pi * rng.Float64()
		phase := 2 * math.Pi * rng.Float64()
		f := c.SFMedian * math.Exp(c.SFLogSD*rng.NormFloat64()) / W // cycles per pixel
		sigma := c.EnvelopeCycles / f
		gamma := c.AspectMin + (1-c.AspectMin)*rng.Float64()
		nr.amp = c.MeanRate * math.Exp(c.AmpLogSD*rng.NormFloat64())
		nr.scale = nr.amp
		if rng.Float64() < c.PoorFraction {
			nr.amp *= c.PoorGain
		}
		nr.betaPupil = c.BehaviorMean + c.BehaviorGain*rng.NormFloat64()
		nr.betaRun = c.BehaviorMean + c.BehaviorGain*rng.NormFloat64()
		k := c.SharedFactors
		nr.mult, nr.add = make([]float64, k), make([]float64, k)
		for j := range k {
			nr.mult[j] = rng.NormFloat64() / math.Sqrt(float64(k))
			nr.add[j] = rng.NormFloat64() / math.Sqrt(float64(k))
		}

		q0 := p.lin[(3*a)*hw : (3*a+1)*hw]
		q1 := p.lin[(3*a+1)*hw : (3*a+2)*hw]
		g := p.lin[(3*a+2)*hw : (3*a+3)*hw]
		env := make([]float64, hw)
		ps := sigma * c.NormPoolScale
		var envSum, q0Sum, gSum float64
		ct, st := math.Cos(theta), math.Sin(theta)
		for y := range h {
			for x := range w {
				dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
				xr, yr := dx*ct+dy*st, -dx*st+dy*ct
				e := math.Exp(-(xr*xr + gamma*gamma*yr*yr) / (2 * sigma * sigma))
				i := y*w + x
				env[i] = e
				envSum += e
				arg := 2*math.Pi*f*xr + phase
				v0 := e * math.Cos(arg)
				q0Sum += v0
				q0[i] = float32(v0)
				q1[i] = float32(e * math.Sin(arg))
				gv := math.Exp(-(dx*dx + dy*dy) / (2 * ps * ps))
				g[i] = float32(gv)
				gSum += gv
			}
		}
		// Remove the even filter's DC so mean luminance does not drive it.
		for i := range q0 {
			q0[i] -= float32(env[i] * q0Sum / envSum)
		}
		unitNorm(q0)
		unitNorm(q1)
		for i := range g {
			g[i] /= float32(gSum)
		}
		copy(p.pool[a*hw:(a+1)*hw], g)
	}
	return p
}

func unitNorm(x []float32) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	if ss > 0 {
		s := float32(1 / math.Sqrt(ss))
		for i := range x {
			x[i] *= s
		}
	}
}

// drive computes u = (d/(C50+c))^Exponent for every neuron and image of a
// chunk: x is m×hw standardised images; out is m×n. lin and pool products
// are one Sgemm each; the nonlinearity is split over goroutines by neuron.
func (p *population) drive(c *Config, x []float32, m int, out []float32) {
	n, hw := p.n, p.hw
	lo := make([]float32, 3*n*m) // 3n×m
	po := make([]float32, n*m)   // n×m
	x2 := make([]float32, len(x))
	for i, v := range x {
		x2[i] = v * v
	}
	simd.Sgemm(false, true, 3*n, m, hw, 1, p.lin, hw, x, hw, 0, lo, m)
	simd.Sgemm(false, true, n, m, hw, 1, p.pool, hw, x2, hw, 0, po, m)
	parallel(n, func(a0, a1 int) {
		for a := a0; a < a1; a++ {
			r0, r1, mu := lo[(3*a)*m:(3*a+1)*m], lo[(3*a+1)*m:(3*a+2)*m], lo[(3*a+2)*m:(3*a+3)*m]
			pw := po[a*m : (a+1)*m]
			for i := range m {
				var d float64
				if p.neurons[a].simple {
					d = max(0, float64(r0[i]))
				} else {
					d = math.Hypot(float64(r0[i]), float64(r1[i]))
				}
				contrast := math.Sqrt(max(0, float64(pw[i])-float64(mu[i])*float64(mu[i])))
				out[i*n+a] = float32(math.Pow(d/(c.C50+contrast), c.Exponent))
			}
		}
	})
}

// parallel splits [0, n) into contiguous parts, one per available core, and
// runs f on each; results must not depend on the split (each part writes
// only its own outputs).
func parallel(n int, f func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), max(1, n/64))
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := n*p/parts, n*(p+1)/parts
		wg.Add(1)
		go func() { defer wg.Done(); f(lo, hi) }()
	}
	wg.Wait()
}

// standardize returns the images as one m×hw matrix with the set's global
// pixel mean subtracted and divided by its standard deviation.
func standardize(images [][]float32, hw int) ([]float32, error) {
	var s, ss float64
	for k, im := range images {
		if len(im) != hw {
			return nil, fmt.Errorf("v1sim: image %d has %d pixels, image 0 has %d", k, len(im), hw)
		}
		for _, v := range im {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("v1sim: image %d holds %v", k, v)
			}
			s += float64(v)
			ss += float64(v) * float64(v)
		}
	}
	cnt := float64(len(images) * hw)
	mean := s / cnt
	sd := math.Sqrt(max(0, ss/cnt-mean*mean))
	if sd == 0 {
		return nil, fmt.Errorf("v1sim: the images are all one value")
	}
	out := make([]float32, len(images)*hw)
	for k, im := range images {
		for i, v := range im {
			out[k*hw+i] = float32((float64(v) - mean) / sd)
		}
	}
	return out, nil
}

// shift writes into dst the h×w image src moved by (dx, dy) pixels with
// bilinear interpolation, dst(y, x) = src(y − dy, x − dx); pixels from
// outside the image are 0 (the mean gray of standardised images). Moving
// the image content by (dx, dy) is the same as moving every receptive field
// by (−dx, −dy) over it, which is what an eye movement does; the trial's
// (dx, dy) is written to behavior.npy as pupil x and y, in pixels.
func shift(dst, src []float32, h, w int, dx, dy float64) {
	fx, fy := math.Floor(dx), math.Floor(dy)
	ax, ay := float32(dx-fx), float32(dy-fy)
	ix, iy := int(fx), int(fy)
	at := func(y, x int) float32 {
		if y < 0 || y >= h || x < 0 || x >= w {
			return 0
		}
		return src[y*w+x]
	}
	for y := range h {
		for x := range w {
			sy, sx := y-iy, x-ix // dst(y, x) = src(y−dy, x−dx)
			v := (1-ax)*(1-ay)*at(sy, sx) + ax*(1-ay)*at(sy, sx-1) +
				(1-ax)*ay*at(sy-1, sx) + ax*ay*at(sy-1, sx-1)
			dst[y*w+x] = v
		}
	}
}

// chunk is how many images one pair of filter products handles: the
// products' outputs (4·neurons×chunk floats) stay a few tens of MB.
const chunk = 256

// GenerateScan simulates scan number s (0-based) of the configuration on the
// given images (each h×w, any range: they are standardised with the set's
// pixel mean and SD). images must hold at least c.Images() images: the first
// SingleImages are shown once, the next OracleImages OracleRepeats times;
// images.npy holds exactly those. The scan includes behaviour and the
// noise-free responses (Truth).
func GenerateScan(c Config, images [][]float32, h, w, s int) (*neural.Scan, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if len(images) < c.Images() {
		return nil, fmt.Errorf("v1sim: %d images given, the configuration shows %d (%d single + %d oracle)",
			len(images), c.Images(), c.SingleImages, c.OracleImages)
	}
	if h < 1 || w < 1 {
		return nil, fmt.Errorf("v1sim: image size %d×%d", h, w)
	}
	images = images[:c.Images()]
	hw, N, n := h*w, c.Images(), c.Neurons
	x, err := standardize(images, hw)
	if err != nil {
		return nil, err
	}
	p := newPopulation(&c, s, h, w)

	// Noise-free pass: u for every image at the central eye position; the
	// per-neuron mean of u sets the scale so Amp is the mean driven rate.
	truth := make([]float32, N*n)
	for i0 := 0; i0 < N; i0 += chunk {
		m := min(chunk, N-i0)
		p.drive(&c, x[i0*hw:(i0+m)*hw], m, truth[i0*n:(i0+m)*n])
	}
	p.norm = make([]float64, n)
	for i := range N {
		for a, v := range truth[i*n : (i+1)*n] {
			p.norm[a] += float64(v)
		}
	}
	for a := range p.norm {
		if p.norm[a] > 0 {
			p.norm[a] = float64(N) / p.norm[a]
		}
	}
	rate := func(a int, u float32) float64 {
		return p.neurons[a].amp * (c.Baseline + float64(u)*p.norm[a])
	}
	for i := range N {
		row := truth[i*n : (i+1)*n]
		for a, u := range row {
			row[a] = float32(rate(a, u))
		}
	}

	// Trials: each single image once and each oracle image OracleRepeats
	// times, in a random order; behaviour and the latent state along it.
	rng := rngFor(c.Seed, s, streamTrials)
	T := c.Trials()
	trialImage := make([]int, 0, T)
	for i := range c.SingleImages {
		trialImage = append(trialImage, i)
	}
	for range c.OracleRepeats {
		for i := c.SingleImages; i < N; i++ {
			trialImage = append(trialImage, i)
		}
	}
	rng.Shuffle(T, func(i, j int) { trialImage[i], trialImage[j] = trialImage[j], trialImage[i] })

	behavior := make([]float32, 4*T)
	K := c.SharedFactors
	z := make([]float64, T*K)
	eyeSD := c.EyeSD * float64(w)
	var ex, ey, arousal float64
	state := make([]float64, K)
	ar := func(prev, rho float64) float64 { return rho*prev + math.Sqrt(1-rho*rho)*rng.NormFloat64() }
	for t := range T {
		if t == 0 {
			ex, ey, arousal = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
			for k := range state {
				state[k] = rng.NormFloat64()
			}
		} else {
			ex, ey, arousal = ar(ex, c.EyeAR), ar(ey, c.EyeAR), ar(arousal, c.ArousalAR)
			for k := range state {
				state[k] = ar(state[k], c.SharedAR)
			}
		}
		pupil := (arousal + 0.5*rng.NormFloat64()) / math.Sqrt(1.25)
		run := math.Log1p(math.Exp(c.RunGain*arousal + rng.NormFloat64()))
		behavior[4*t+0] = float32(ex * eyeSD)
		behavior[4*t+1] = float32(ey * eyeSD)
		behavior[4*t+2] = float32(pupil)
		behavior[4*t+3] = float32(run)
		copy(z[t*K:], state)
	}
	// Standardise running speed so its gain coefficient has the same scale
	// as the pupil's (pupil size is standardised by construction).
	var rs, rss float64
	for t := range T {
		v := float64(behavior[4*t+3])
		rs += v
		rss += v * v
	}
	runMean := rs / float64(T)
	runSD := math.Sqrt(max(1e-12, rss/float64(T)-runMean*runMean))

	// Trial pass: shifted images through the filters, then gain, shared
	// state and independent noise. Noise streams are per chunk, so the
	// result does not depend on scheduling.
	resp := make([]float32, T*n)
	xs := make([]float32, chunk*hw)
	u := make([]float32, chunk*n)
	for t0 := 0; t0 < T; t0 += chunk {
		m := min(chunk, T-t0)
		for j := range m {
			t := t0 + j
			i := trialImage[t]
			shift(xs[j*hw:(j+1)*hw], x[i*hw:(i+1)*hw], h, w, float64(behavior[4*t]), float64(behavior[4*t+1]))
		}
		p.drive(&c, xs[:m*hw], m, u[:m*n])
		nrng := rngFor(c.Seed, s, streamNoise+t0/chunk)
		eps := make([]float64, m*n)
		for k := range eps {
			eps[k] = nrng.NormFloat64()
		}
		parallel(n, func(a0, a1 int) {
			for a := a0; a < a1; a++ {
				nr := &p.neurons[a]
				var multVar float64
				for _, l := range nr.mult {
					multVar += l * l
				}
				for j := range m {
					t := t0 + j
					zt := z[t*K : (t+1)*K]
					var zm, za float64
					for k := range K {
						zm += nr.mult[k] * zt[k]
						za += nr.add[k] * zt[k]
					}
					runZ := (float64(behavior[4*t+3]) - runMean) / runSD
					g := math.Exp(nr.betaPupil*float64(behavior[4*t+2]) + nr.betaRun*runZ)
					mg := math.Exp(c.MultSD*zm - c.MultSD*c.MultSD*multVar/2)
					r := max(0, rate(a, u[j*n+a])*g*mg+nr.scale*c.AddSD*za)
					floor := nr.scale * c.NoiseFloor
					y := r + math.Sqrt(c.Fano*r+floor*floor)*eps[j*n+a]
					resp[t*n+a] = float32(max(0, y))
				}
			}
		})
	}

	imgs := make([]float32, 0, N*hw)
	for _, im := range images {
		imgs = append(imgs, im...)
	}
	sc := &neural.Scan{
		Name:   ScanName(s),
		Images: imgs, NumImages: N, Height: h, Width: w,
		Responses: resp, Trials: T, Neurons: n,
		TrialImage: trialImage,
		Behavior:   behavior,
		Truth:      truth,
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return sc, nil
}

// ScanName is the directory name of scan s: scan0, scan1, …
func ScanName(s int) string { return fmt.Sprintf("scan%d", s) }

// Manifest is the manifest of a simulated data set of configuration c.
func Manifest(c Config, description string) *neural.Manifest {
	m := &neural.Manifest{Format: neural.FormatVersion, Description: description}
	for s := range c.Scans {
		m.Scans = append(m.Scans, ScanName(s))
	}
	for i := c.SingleImages; i < c.Images(); i++ {
		m.OracleImages = append(m.OracleImages, i)
	}
	return m
}

// Write simulates every scan of c and writes the data set into dir (scan
// directories first, manifest.json last), one scan in memory at a time.
// progress, if not nil, is called after each scan.
//
// Write checks ctx before each scan: once it is cancelled, Write returns
// ctx.Err() wrapped, after the scans already written, each whole (every file
// of a scan is written atomically), and without manifest.json, so dir is not
// a data set yet. The scans depend only on c and the images, so calling
// Write again into the same dir writes the same data set.
func Write(ctx context.Context, dir string, c Config, images [][]float32, h, w int, progress func(scan int)) error {
	if err := c.check(); err != nil {
		return err
	}
	m := Manifest(c, fmt.Sprintf("simulated mouse V1 (package v1sim), seed %d, %d scans × %d neurons, %d single + %d oracle images × %d repeats, %d×%d",
		c.Seed, c.Scans, c.Neurons, c.SingleImages, c.OracleImages, c.OracleRepeats, h, w))
	for s := range c.Scans {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("v1sim: stopped before scan %d of %d: %w", s+1, c.Scans, err)
		}
		sc, err := GenerateScan(c, images, h, w, s)
		if err != nil {
			return err
		}
		if err := neural.WriteScan(filepath.Join(dir, m.Scans[s]), sc); err != nil {
			return err
		}
		if progress != nil {
			progress(s)
		}
	}
	return neural.WriteManifest(filepath.Join(dir, neural.ManifestFile), m)
}
