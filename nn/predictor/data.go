package predictor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Recording is one scan's data as the predictor takes it (package neural's
// Scan, as plain arrays).
type Recording struct {
	Images                   []float32 // NumImages×Height×Width, any range (normalised here)
	NumImages, Height, Width int
	Responses                []float32 // Trials×Neurons, not negative (Poisson loss)
	Trials, Neurons          int
	TrialImage               []int     // Trials: the image of each trial
	Behavior                 []float32 // Trials×4 (pupil x, pupil y, pupil size, running speed), or nil
	Oracle                   []int     // the repeated images: the test set, never trained on
}

func (r *Recording) check() error {
	switch {
	case r.NumImages < 1 || len(r.Images) != r.NumImages*r.Height*r.Width:
		return fmt.Errorf("predictor: %d image values for %d images of %d×%d", len(r.Images), r.NumImages, r.Height, r.Width)
	case r.Neurons < 1 || len(r.Responses) != r.Trials*r.Neurons:
		return fmt.Errorf("predictor: %d response values for %d trials × %d neurons", len(r.Responses), r.Trials, r.Neurons)
	case len(r.TrialImage) != r.Trials:
		return fmt.Errorf("predictor: %d trial images for %d trials", len(r.TrialImage), r.Trials)
	case r.Behavior != nil && len(r.Behavior) != behaviorColumns*r.Trials:
		return fmt.Errorf("predictor: %d behaviour values for %d trials × 4", len(r.Behavior), r.Trials)
	}
	for t, i := range r.TrialImage {
		if i < 0 || i >= r.NumImages {
			return fmt.Errorf("predictor: trial %d shows image %d, out of [0, %d)", t, i, r.NumImages)
		}
	}
	for _, v := range r.Responses {
		if v < 0 || math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("predictor: response %v; the Poisson loss needs finite responses ≥ 0 (shift or rectify them first)", v)
		}
	}
	for _, i := range r.Oracle {
		if i < 0 || i >= r.NumImages {
			return fmt.Errorf("predictor: oracle image %d out of [0, %d)", i, r.NumImages)
		}
	}
	return nil
}

// split divides the trials: trials of oracle images are the test set; the
// other images are shuffled with the seed and a share frac of them (at
// least one) is the validation set, the rest the training set.
func split(r *Recording, frac float64, seed uint64) (train, val, test []int, err error) {
	oracle := make([]bool, r.NumImages)
	for _, i := range r.Oracle {
		oracle[i] = true
	}
	shown := make([]bool, r.NumImages)
	for _, i := range r.TrialImage {
		shown[i] = true
	}
	var single []int
	for i := range r.NumImages {
		if shown[i] && !oracle[i] {
			single = append(single, i)
		}
	}
	nVal := int(math.Ceil(frac * float64(len(single))))
	if len(single)-nVal < 2 {
		return nil, nil, nil, fmt.Errorf("predictor: %d non-oracle images shown, too few to train and validate on", len(single))
	}
	rng := rand.New(rand.NewPCG(seed, 0x73706c6974)) // "split"
	rng.Shuffle(len(single), func(a, b int) { single[a], single[b] = single[b], single[a] })
	isVal := make([]bool, r.NumImages)
	for _, i := range single[:nVal] {
		isVal[i] = true
	}
	for t, i := range r.TrialImage {
		switch {
		case oracle[i]:
			test = append(test, t)
		case isVal[i]:
			val = append(val, t)
		default:
			train = append(train, t)
		}
	}
	return train, val, test, nil
}

// imageStats returns the mean and SD of all pixels.
func imageStats(img []float32) (mean, sd float64) {
	var s, ss float64
	for _, v := range img {
		s += float64(v)
		ss += float64(v) * float64(v)
	}
	n := float64(len(img))
	mean = s / n
	sd = math.Sqrt(max(ss/n-mean*mean, 0))
	if sd == 0 {
		sd = 1
	}
	return mean, sd
}

// prepareImages normalises n raw H×W images with the model's pixel mean
// and SD and average-pools them by Downsample (cropping any remainder):
// → n×h×w with h, w = InputSize().
func (m *Model) prepareImages(raw []float32, n int) []float32 {
	H, W, d := m.Height, m.Width, m.Config.Downsample
	h, w := m.InputSize()
	mean, inv := m.ImageStats[0], 1/m.ImageStats[1]
	out := make([]float32, n*h*w)
	scale := inv / float32(d*d)
	for i := range n {
		src := raw[i*H*W : (i+1)*H*W]
		dst := out[i*h*w : (i+1)*h*w]
		for y := range h {
			for x := range w {
				var s float32
				for dy := range d {
					for dx := range d {
						s += src[(y*d+dy)*W+x*d+dx]
					}
				}
				dst[y*w+x] = (s - float32(d*d)*mean) * scale
			}
		}
	}
	return out
}

// columnStats returns the mean and SD over the given rows of each column
// of a rows×cols matrix (SD 1 for a constant column, so it can divide).
func columnStats(x []float32, cols int, rows []int) (mean, sd []float64) {
	mean, sd = make([]float64, cols), make([]float64, cols)
	for _, r := range rows {
		for c, v := range x[r*cols : (r+1)*cols] {
			mean[c] += float64(v)
			sd[c] += float64(v) * float64(v)
		}
	}
	n := float64(len(rows))
	for c := range cols {
		mean[c] /= n
		sd[c] = math.Sqrt(max(sd[c]/n-mean[c]*mean[c], 0))
		if sd[c] < 1e-12 {
			sd[c] = 1
		}
	}
	return mean, sd
}

// dataset is a recording prepared for one model: images normalised and
// pooled, responses divided by ResponseScale, behaviour standardised.
type dataset struct {
	img        []float32 // NumImages×h×w
	h, w       int
	resp       []float32 // Trials×Neurons, scaled
	beh        []float32 // Trials×4 standardised, or nil
	trialImage []int
	neurons    int
}

// fitNormalisation sets the model's normalisation from the recording
// (pixels of all images; behaviour and response scale over the training
// trials) and returns the prepared data.
func (m *Model) fitNormalisation(r *Recording, train []int) *dataset {
	mean, sd := imageStats(r.Images)
	m.ImageStats[0], m.ImageStats[1] = float32(mean), float32(sd)
	if r.Behavior != nil && m.UsesBehavior {
		bm, bs := columnStats(r.Behavior, behaviorColumns, train)
		for c := range behaviorColumns {
			m.BehaviorMean[c], m.BehaviorSD[c] = float32(bm[c]), float32(bs[c])
		}
	}
	_, rs := columnStats(r.Responses, r.Neurons, train)
	for n := range rs {
		m.ResponseScale[n] = float32(rs[n])
	}
	return m.prepare(r)
}

// prepare applies the model's normalisation to a recording.
func (m *Model) prepare(r *Recording) *dataset {
	d := &dataset{img: m.prepareImages(r.Images, r.NumImages), trialImage: r.TrialImage, neurons: r.Neurons}
	d.h, d.w = m.InputSize()
	d.resp = make([]float32, len(r.Responses))
	for t := range r.Trials {
		for n := range r.Neurons {
			d.resp[t*r.Neurons+n] = r.Responses[t*r.Neurons+n] / m.ResponseScale[n]
		}
	}
	if r.Behavior != nil && m.UsesBehavior {
		d.beh = make([]float32, len(r.Behavior))
		for t := range r.Trials {
			for c := range behaviorColumns {
				k := t*behaviorColumns + c
				d.beh[k] = (r.Behavior[k] - m.BehaviorMean[c]) / m.BehaviorSD[c]
			}
		}
	}
	return d
}

// batch fills x: [B, 1, h, w], beh: [B, 4] (if any) and y: [B, N] for the
// given trials into the caller's buffers (grown as needed).
func (d *dataset) batch(trials []int, x, beh, y []float32) ([]float32, []float32, []float32) {
	hw, n := d.h*d.w, d.neurons
	x = grow(x, len(trials)*hw)
	y = grow(y, len(trials)*n)
	for k, t := range trials {
		i := d.trialImage[t]
		copy(x[k*hw:(k+1)*hw], d.img[i*hw:(i+1)*hw])
		copy(y[k*n:(k+1)*n], d.resp[t*n:(t+1)*n])
	}
	if d.beh != nil {
		beh = grow(beh, len(trials)*behaviorColumns)
		for k, t := range trials {
			copy(beh[k*behaviorColumns:(k+1)*behaviorColumns], d.beh[t*behaviorColumns:(t+1)*behaviorColumns])
		}
	}
	return x, beh, y
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}
