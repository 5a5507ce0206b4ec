// Package v1sim simulates two-photon recordings of a mouse V1 population
// viewing grayscale images, with the structure of the recordings in Li et
// al. (2019): scans of thousands of neurons, images shown once plus oracle
// images shown repeatedly, per-trial behaviour, and trial-to-trial
// variability that includes low-dimensional shared fluctuations. Every
// neuron's noise-free response is known, so denoising can be measured
// against the truth. Output is the recordings format of package neural.
//
// # Model of one neuron (spatial units: pixels; parameters drawn per neuron)
//
//	RF: Gabor at centre (cx, cy) (uniform within the central RFMargin..1−RFMargin
//	    of the image), orientation θ ~ U[0, π), phase φ ~ U[0, 2π), spatial
//	    frequency f ~ logNormal(median SFMedian cycles per image width, SFLogSD),
//	    envelope σ = EnvelopeCycles/f (cycles under one σ, ~ bandwidth), aspect γ.
//	    The even filter q0 (phase φ) has its DC removed; q0 and q1 (phase φ+90°)
//	    are scaled to unit norm.
//	simple cell: d = [q0·x]₊            complex cell: d = √((q0·x)² + (q1·x)²)
//	contrast normalisation: c = local RMS contrast of x under a Gaussian of
//	    σ·NormPoolScale, u = (d / (C50 + c))^Exponent
//	noise-free rate: μ(i) = Amp·(Baseline + u(i)/mean over images of u)
//	    with Amp ~ logNormal(MeanRate, AmpLogSD), scaled by PoorGain for a share
//	    PoorFraction of poorly driven neurons (which are then mostly baseline+noise).
//
// x is the image standardised with the mean and standard deviation of all
// pixels of the image set (so contrast differs between images) and, on each
// trial, shifted by the eye position (all receptive fields move together).
//
// # One trial t showing image i (behaviour written to behavior.npy)
//
//	eye position e_t (pixels): AR(1) over trials, SD EyeSD·width, correlation EyeAR
//	arousal a_t: AR(1) over trials (ArousalAR); pupil size = a_t + noise,
//	    running speed = softplus(RunGain·a_t + noise)   (both standardised)
//	latent shared state z_t ∈ R^K: K = SharedFactors, AR(1) (SharedAR), unit variance
//	rate_tn = max(0, μ_n(i; e_t) · g_tn · m_tn + Amp⁰_n·AddSD·(B_n·z_t))
//	    g_tn = exp(βpupil_n·pupil_t + βrun_n·run_t)       behavioural gain
//	    m_tn = exp(MultSD·(A_n·z_t) − MultSD²|A_n|²/2)     shared multiplicative gain
//	    A_n, B_n ~ N(0, I/K)                               per-neuron loadings
//	response_tn = max(0, rate_tn + √(Fano·rate_tn + (Amp⁰_n·NoiseFloor)²)·ε)  (Poisson-like)
//	    Amp⁰_n is Amp_n before PoorGain: poorly driven neurons are as noisy as
//	    the others, with less signal.
//
// The noise-free response written to responses_true.npy is μ_n(i; e = 0)
// for every image: the expected rate at the mean behavioural state.
//
// # Why shared variability
//
// Independent (Poisson-like) noise averages out over thousands of neurons:
// with moderate noise alone the single-trial similarity matrix matches the
// noise-free one almost exactly (r ≈ 0.98 with 4,000 neurons, as reported in
// the project's issue) and there is nothing to denoise. Real cortex has
// low-dimensional shared fluctuations that do not average out; AddSD and
// MultSD set them. The default (Paper) is calibrated on 5,100 grayscale
// CIFAR-10 images (one scan: 8,000 neurons, 5,000 single + 100×10 oracle
// images): single-trial vs noise-free similarity r = 0.40 (0.57 with the
// shared variability switched off), and single-trial single-neuron
// correlations with the noise-free response of median 0.26 (10th
// percentile 0.02, the poorly driven neurons; 90th 0.50). README.md has
// how these figures move with the knobs.
package v1sim

import "fmt"

// Config sets the size and every parameter of a simulation. Start from
// Paper() or Tiny() and change fields.
type Config struct {
	Seed uint64 // everything is deterministic given Seed and the images

	// Size.
	Scans         int // scans (independent populations, same images)
	Neurons       int // neurons per scan
	SingleImages  int // images shown once (the first SingleImages of the image set)
	OracleImages  int // images shown OracleRepeats times (the next OracleImages)
	OracleRepeats int

	// Receptive fields. Sizes are in fractions of the image width, so the
	// same config works for any H×W.
	SimpleFraction float64 // share of simple cells; the rest are complex
	RFMargin       float64 // RF centres lie in [RFMargin, 1−RFMargin] of each side
	SFMedian       float64 // median preferred spatial frequency, cycles per image width
	SFLogSD        float64 // SD of ln(spatial frequency)
	EnvelopeCycles float64 // envelope σ in cycles of the preferred frequency (σ = EnvelopeCycles/f)
	AspectMin      float64 // envelope aspect ratio γ ~ U[AspectMin, 1]

	// Nonlinearity and normalisation.
	NormPoolScale float64 // σ of the normalisation pool as a multiple of the RF σ
	C50           float64 // semi-saturation contrast, in standardised pixel units
	Exponent      float64 // output exponent of the normalised drive
	Baseline      float64 // spontaneous rate as a fraction of the mean driven rate
	MeanRate      float64 // median over neurons of Amp (response units, e.g. spikes per trial)
	AmpLogSD      float64 // SD of ln(Amp) across neurons
	PoorFraction  float64 // share of poorly driven neurons
	PoorGain      float64 // their Amp is multiplied by this

	// Behaviour and eye position.
	EyeSD        float64 // SD of the eye position per axis, fraction of image width
	EyeAR        float64 // trial-to-trial correlation of the eye position
	ArousalAR    float64 // trial-to-trial correlation of arousal
	RunGain      float64 // how strongly arousal drives running
	BehaviorGain float64 // SD across neurons of the pupil and running gain coefficients
	BehaviorMean float64 // mean of those coefficients

	// Trial-to-trial variability.
	SharedFactors int     // K, dimension of the latent shared state
	SharedAR      float64 // trial-to-trial correlation of the latent state
	AddSD         float64 // additive shared fluctuation, in units of Amp⁰ (Amp before PoorGain)
	MultSD        float64 // multiplicative shared gain (SD of its log)
	Fano          float64 // variance/mean of the independent noise
	NoiseFloor    float64 // independent noise SD at zero rate, in units of Amp⁰
}

// Paper is the paper's scale: 8 scans × 8,000 neurons, 5,000 images shown
// once and 100 oracle images shown 10 times, with the calibrated noise.
func Paper() Config {
	return Config{
		Seed:  1,
		Scans: 8, Neurons: 8000, SingleImages: 5000, OracleImages: 100, OracleRepeats: 10,

		SimpleFraction: 0.4, RFMargin: 0.15, SFMedian: 3.5, SFLogSD: 0.35,
		EnvelopeCycles: 0.45, AspectMin: 0.6,

		NormPoolScale: 1.5, C50: 0.3, Exponent: 2, Baseline: 0.2,
		MeanRate: 2, AmpLogSD: 0.3, PoorFraction: 0.3, PoorGain: 0.1,

		EyeSD: 0.02, EyeAR: 0.8, ArousalAR: 0.95, RunGain: 1.5,
		BehaviorGain: 0.15, BehaviorMean: 0.1,

		SharedFactors: 3, SharedAR: 0.5, AddSD: 1.2, MultSD: 0.3,
		Fano: 1.0, NoiseFloor: 4.5,
	}
}

// Tiny is Paper with a size that runs in about a second: 2 scans × 500
// neurons, 400 single images, 20 oracle images × 10 repeats.
func Tiny() Config {
	c := Paper()
	c.Scans, c.Neurons, c.SingleImages, c.OracleImages = 2, 500, 400, 20
	return c
}

// Preset returns a named configuration: "paper" or "tiny".
func Preset(name string) (Config, error) {
	switch name {
	case "paper":
		return Paper(), nil
	case "tiny":
		return Tiny(), nil
	}
	return Config{}, fmt.Errorf("v1sim: unknown preset %q (want paper or tiny)", name)
}

// Images is the number of images a simulation shows.
func (c *Config) Images() int { return c.SingleImages + c.OracleImages }

// Trials is the number of trials per scan.
func (c *Config) Trials() int { return c.SingleImages + c.OracleImages*c.OracleRepeats }

func (c *Config) check() error {
	switch {
	case c.Scans < 1, c.Neurons < 1, c.SingleImages < 0, c.OracleImages < 0, c.OracleRepeats < 1:
		return fmt.Errorf("v1sim: bad size: %d scans, %d neurons, %d single images, %d oracle images × %d repeats",
			c.Scans, c.Neurons, c.SingleImages, c.OracleImages, c.OracleRepeats)
	case c.Images() < 2:
		return fmt.Errorf("v1sim: %d images, want at least 2", c.Images())
	case c.SimpleFraction < 0 || c.SimpleFraction > 1, c.PoorFraction < 0 || c.PoorFraction > 1:
		return fmt.Errorf("v1sim: fractions must be in [0, 1]: SimpleFraction %v, PoorFraction %v", c.SimpleFraction, c.PoorFraction)
	case c.SFMedian <= 0, c.EnvelopeCycles <= 0, c.NormPoolScale <= 0, c.Exponent <= 0, c.MeanRate <= 0:
		return fmt.Errorf("v1sim: SFMedian, EnvelopeCycles, NormPoolScale, Exponent and MeanRate must be positive")
	case c.SharedFactors < 0, c.Fano < 0, c.AddSD < 0, c.MultSD < 0, c.EyeSD < 0:
		return fmt.Errorf("v1sim: SharedFactors, Fano, AddSD, MultSD and EyeSD must not be negative")
	case c.EyeAR < 0 || c.EyeAR >= 1, c.ArousalAR < 0 || c.ArousalAR >= 1, c.SharedAR < 0 || c.SharedAR >= 1:
		return fmt.Errorf("v1sim: AR coefficients must be in [0, 1)")
	}
	return nil
}
