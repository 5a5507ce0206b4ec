package attack

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// BoundaryConfig sets up the Boundary attack (Brendel, Rauber and Bethge
// 2018), which needs only the model's decisions. Zero fields take the
// defaults. The step-size rules follow Foolbox 3's BoundaryAttack; its
// statistics windows (100 and 30 checks, every 10 steps) suit its 25,000
// steps, and are shorter here by default so that they act within a few
// hundred steps.
type BoundaryConfig struct {
	Steps           int     `json:"steps"`            // proposals per image; default 1000
	SphericalStep   float64 `json:"spherical_step"`   // initial orthogonal step, relative to the distance; default 0.01
	SourceStep      float64 `json:"source_step"`      // initial step towards the image, relative; default 0.01
	StepAdaptation  float64 `json:"step_adaptation"`  // factor by which steps grow or shrink; default 1.5
	StatsEvery      int     `json:"stats_every"`      // check the orthogonal proposal every this many steps; default 5
	SphericalWindow int     `json:"spherical_window"` // checks of the orthogonal proposal per adaptation; default 20
	SourceWindow    int     `json:"source_window"`    // checks of the full proposal per adaptation; default 10
	InitTries       int     `json:"init_tries"`       // uniform-noise images tried as a start; default 50
	InitSearch      int     `json:"init_search"`      // bisection steps of the blend towards the image; default 20
	// The walk stops early once ConvergeWindow steps have shrunk the
	// distance by less than the fraction ConvergeTol; Steps is then only a
	// cap. ConvergeWindow 0 never stops early.
	ConvergeWindow int     `json:"converge_window"`
	ConvergeTol    float64 `json:"converge_tol"` // default 1e-3 when ConvergeWindow > 0
	Seed           uint64  `json:"seed"`         // image i draws from (Seed, i)
}

func (c BoundaryConfig) withDefaults() BoundaryConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	deff := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Steps, 1000)
	deff(&c.SphericalStep, 0.01)
	deff(&c.SourceStep, 0.01)
	deff(&c.StepAdaptation, 1.5)
	def(&c.StatsEvery, 5)
	def(&c.SphericalWindow, 20)
	def(&c.SourceWindow, 10)
	def(&c.InitTries, 50)
	def(&c.InitSearch, 20)
	if c.ConvergeWindow > 0 {
		deff(&c.ConvergeTol, 1e-3)
	}
	return c
}

func (c BoundaryConfig) validate() error {
	switch {
	case c.ConvergeWindow < 0 || c.ConvergeTol < 0:
		return fmt.Errorf("attack: boundary converge_window %d, converge_tol %v: want ≥ 0", c.ConvergeWindow, c.ConvergeTol)
	case c.Steps < 0 || c.StatsEvery < 1 || c.SphericalWindow < 1 || c.SourceWindow < 1 || c.InitTries < 0 || c.InitSearch < 0:
		return fmt.Errorf("attack: boundary steps %d, stats_every %d, windows %d and %d, init_tries %d, init_search %d: "+
			"want counts ≥ 0 and stats_every and windows ≥ 1",
			c.Steps, c.StatsEvery, c.SphericalWindow, c.SourceWindow, c.InitTries, c.InitSearch)
	case !(c.SphericalStep > 0) || !(c.SourceStep > 0) || !(c.SourceStep < 1) || !(c.StepAdaptation > 1):
		return fmt.Errorf("attack: boundary spherical_step %v, source_step %v, step_adaptation %v: "+
			"want steps > 0, source_step < 1 and adaptation > 1", c.SphericalStep, c.SourceStep, c.StepAdaptation)
	}
	return nil
}

// BoundaryResult is the outcome of the Boundary attack on N images.
type BoundaryResult struct {
	Adv      []float32 // [N][C][H][W]: a misclassified image (the clean one when that is misclassified, or when Found is false)
	Found    []bool    // [N]: a misclassified Adv was found; false only when no starting point was misclassified
	L2, Linf []float64 // [N]: distance of Adv from the image; 0 for misclassified clean images, +Inf when not found
	InitL2   []float64 // [N]: L2 distance of the starting point, after the blend search
	Queries  []int     // [N]: model decisions spent
	Steps    []int     // [N]: walk steps taken (fewer than the cap when it converged)
}

// Boundary runs the Boundary attack on every image on threads goroutines.
// The start is the closest misclassified blend (1−t)·x + t·s of the image x
// with a uniform-noise image s (InitTries draws) or, when none of these is
// misclassified, with the first image of starts (which may be empty) that
// the model puts in another class, from a per-image random offset. Each
// step proposes a random move on the sphere around x through the current
// point, orthogonal to the direction to x, followed by a step towards x, and
// keeps the proposal when it is misclassified and closer (in L2); the step
// sizes adapt to the success rates. Only misclassified points are ever kept,
// and the distance never grows.
func Boundary(ctx context.Context, m Model, im Images, starts Images, cfg BoundaryConfig, threads int) (*BoundaryResult, error) {
	if starts.Len() > 0 {
		if err := starts.Validate(); err != nil {
			return nil, fmt.Errorf("starting images: %w", err)
		}
		if starts.Shape != im.Shape {
			return nil, fmt.Errorf("attack: starting images of shape %v for images of shape %v", starts.Shape, im.Shape)
		}
	}
	return boundary(ctx, m, im, starts, nil, cfg, threads)
}

// BoundaryFrom runs the Boundary attack from given misclassified points:
// adv ([N][C][H][W], pixels in [0, 1]) holds for every image the best
// adversarial point that other attacks found, or the clean image itself
// where they found none, and those images start from noise as in Boundary
// (without the fallback of other test images). Starting points that the
// model classifies correctly are refused. Since only misclassified points
// that are closer are ever kept, the attack can only shrink the distance:
// it refines what the gradient attacks found, and its InitL2 is their
// distance.
func BoundaryFrom(ctx context.Context, m Model, im Images, adv []float32, cfg BoundaryConfig, threads int) (*BoundaryResult, error) {
	if len(adv) != len(im.X) {
		return nil, fmt.Errorf("attack: %d starting pixel values for %d images of shape %v", len(adv), im.Len(), im.Shape)
	}
	for i, v := range adv {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("attack: starting pixel %d of image %d is %v, outside [0, 1]", i%im.Size(), i/im.Size(), v)
		}
	}
	return boundary(ctx, m, im, Images{Shape: im.Shape}, adv, cfg, threads)
}

func boundary(ctx context.Context, m Model, im Images, starts Images, from []float32, cfg BoundaryConfig, threads int) (*BoundaryResult, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := im.Validate(); err != nil {
		return nil, err
	}
	n, d := im.Len(), im.Size()
	res := &BoundaryResult{Adv: make([]float32, len(im.X)), Found: make([]bool, n), L2: make([]float64, n),
		Linf: make([]float64, n), InitL2: make([]float64, n), Queries: make([]int, n), Steps: make([]int, n)}
	err := forEach(ctx, n, threads, func(w *worker, i int) error {
		b := &boundaryRun{m: m, w: w, shape: im.Shape, label: im.Labels[i], cfg: cfg,
			rng: imageRand(cfg.Seed, streamBoundary, i), x0: im.At(i), adv: res.Adv[i*d : (i+1)*d]}
		if from != nil && Distance(Linf, from[i*d:(i+1)*d], b.x0) > 0 {
			copy(b.adv, from[i*d:(i+1)*d])
			if !b.misclassified(b.adv)[0] {
				return fmt.Errorf("attack: the starting point of image %d is classified correctly", i)
			}
			res.Found[i], res.InitL2[i] = true, Distance(L2, b.adv, b.x0)
			b.walk()
		} else {
			res.Found[i], res.InitL2[i] = b.run(starts)
		}
		res.Queries[i], res.Steps[i] = b.queries, b.steps
		if res.Found[i] {
			res.L2[i], res.Linf[i] = Distance(L2, b.adv, b.x0), Distance(Linf, b.adv, b.x0)
		} else {
			res.L2[i], res.Linf[i] = math.Inf(1), math.Inf(1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// boundaryRun is the attack of one image.
type boundaryRun struct {
	m       Model
	w       *worker
	shape   [3]int
	label   int
	cfg     BoundaryConfig
	rng     *rand.Rand
	x0      []float32 // the image
	adv     []float32 // the best misclassified point so far (output)
	queries int
	steps   int // walk steps taken
	pred    [2]int
	buf     []float32 // one or two images to classify
}

// misclassified classifies the images in x (one or two) and reports, per
// image, whether the model's class differs from the label.
func (b *boundaryRun) misclassified(x ...[]float32) [2]bool {
	d := len(b.x0)
	b.buf = b.buf[:0]
	for _, v := range x {
		b.buf = append(b.buf, v...)
	}
	classify(b.m, b.w.eval, b.buf[:len(x)*d], b.shape, b.pred[:len(x)])
	b.queries += len(x)
	var out [2]bool
	for k := range x {
		out[k] = b.pred[k] != b.label
	}
	return out
}

// run attacks the image and returns whether a misclassified point was found
// and the L2 distance of the start.
func (b *boundaryRun) run(starts Images) (found bool, initL2 float64) {
	copy(b.adv, b.x0)
	if b.misclassified(b.x0)[0] {
		return true, 0
	}
	if !b.start(starts) {
		copy(b.adv, b.x0)
		return false, math.Inf(1)
	}
	initL2 = Distance(L2, b.adv, b.x0)
	b.walk()
	return true, initL2
}

// start finds a misclassified starting point and blends it towards the
// image; it leaves the result in b.adv.
func (b *boundaryRun) start(starts Images) bool {
	s := make([]float32, len(b.x0))
	ok := false
	for range b.cfg.InitTries {
		for j := range s {
			s[j] = b.rng.Float32()
		}
		if b.misclassified(s)[0] {
			ok = true
			break
		}
	}
	if !ok && starts.Len() > 0 {
		off := b.rng.IntN(starts.Len())
		for k := range starts.Len() {
			copy(s, starts.At((off+k)%starts.Len()))
			if b.misclassified(s)[0] {
				ok = true
				break
			}
		}
	}
	if !ok {
		return false
	}
	// Bisect t in (1−t)·x0 + t·s: misclassified at hi (= 1 at first).
	copy(b.adv, s)
	lo, hi := 0.0, 1.0
	blend := make([]float32, len(s))
	for range b.cfg.InitSearch {
		mid := (lo + hi) / 2
		for j, v := range b.x0 {
			blend[j] = towards(v, float64(v)+mid*(float64(s[j])-float64(v)))
		}
		if b.misclassified(blend)[0] {
			hi = mid
			copy(b.adv, blend)
		} else {
			lo = mid
		}
	}
	return true
}

// walk runs the Boundary attack's steps from b.adv.
func (b *boundaryRun) walk() {
	c := b.cfg
	d := len(b.x0)
	sph, src := c.SphericalStep, c.SourceStep
	var sphStats, srcStats window
	sphStats.size, srcStats.size = c.SphericalWindow, c.SourceWindow
	eta := make([]float64, d)
	sphCand, cand := make([]float32, d), make([]float32, d)
	sphF, candF := make([]float64, d), make([]float64, d)
	best := Distance(L2, b.adv, b.x0)
	windowStart := best // the distance ConvergeWindow steps ago
	for step := range c.Steps {
		if c.ConvergeWindow > 0 && step > 0 && step%c.ConvergeWindow == 0 {
			if windowStart-best < c.ConvergeTol*windowStart {
				return
			}
			windowStart = best
		}
		b.steps = step + 1
		// The direction from the current point to the image, and its length.
		srcNorm := 0.0
		for j := range eta {
			v := float64(b.x0[j]) - float64(b.adv[j])
			srcNorm += v * v
		}
		srcNorm = math.Sqrt(srcNorm)
		if srcNorm == 0 {
			return
		}
		// η: Gaussian, orthogonal to the source direction, of length
		// sph·srcNorm.
		dot := 0.0
		for j := range eta {
			eta[j] = b.rng.NormFloat64()
			dot += eta[j] * (float64(b.x0[j]) - float64(b.adv[j])) / srcNorm
		}
		etaNorm := 0.0
		for j := range eta {
			eta[j] -= dot * (float64(b.x0[j]) - float64(b.adv[j])) / srcNorm
			etaNorm += eta[j] * eta[j]
		}
		etaNorm = math.Sqrt(etaNorm)
		// The spherical proposal: adv + η pulled back onto the sphere of
		// radius srcNorm around x0.
		scale := sph * srcNorm / etaNorm
		shrink := 1 / math.Sqrt(sph*sph+1)
		newNorm := 0.0
		for j := range eta {
			v := float64(b.x0[j]) + (float64(b.adv[j])-float64(b.x0[j])+scale*eta[j])*shrink
			sphF[j] = v
			v -= float64(b.x0[j])
			newNorm += v * v
		}
		newNorm = math.Sqrt(newNorm)
		// The full proposal: from the spherical one towards x0, so that its
		// distance is (1 − src)·srcNorm.
		length := max(0, src*srcNorm+newNorm-srcNorm) / newNorm
		for j := range eta {
			candF[j] = sphF[j] + length*(float64(b.x0[j])-sphF[j])
			cand[j] = towards(b.x0[j], min(max(candF[j], 0), 1))
			sphCand[j] = towards(b.x0[j], min(max(sphF[j], 0), 1))
		}
		checkStats := step%c.StatsEvery == 0
		var isAdv, sphAdv bool
		if checkStats {
			r := b.misclassified(cand, sphCand)
			isAdv, sphAdv = r[0], r[1]
		} else {
			isAdv = b.misclassified(cand)[0]
		}
		if isAdv {
			if dist := Distance(L2, cand, b.x0); dist < best {
				best = dist
				copy(b.adv, cand)
			}
		}
		if !checkStats {
			continue
		}
		sphStats.add(sphAdv)
		srcStats.add(isAdv)
		if p, full := sphStats.rate(); full {
			switch {
			case p > 0.5:
				sph *= c.StepAdaptation
				src *= c.StepAdaptation
				sphStats.clear()
			case p < 0.2:
				sph /= c.StepAdaptation
				src /= c.StepAdaptation
				sphStats.clear()
			}
		}
		if p, full := srcStats.rate(); full {
			switch {
			case p > 0.25:
				src *= c.StepAdaptation
				srcStats.clear()
			case p < 0.1:
				src /= c.StepAdaptation
				srcStats.clear()
			}
		}
		src = min(src, 0.5) // a step towards x0 must not reach it
	}
}

// window holds the last size outcomes of a proposal.
type window struct {
	size int
	hist []bool
}

func (w *window) add(v bool) {
	w.hist = append(w.hist, v)
	if len(w.hist) > w.size {
		w.hist = w.hist[1:]
	}
}

// rate is the fraction of successes, and whether the window is full.
func (w *window) rate() (float64, bool) {
	n := 0
	for _, v := range w.hist {
		if v {
			n++
		}
	}
	return float64(n) / float64(max(len(w.hist), 1)), len(w.hist) == w.size
}

func (w *window) clear() { w.hist = w.hist[:0] }
