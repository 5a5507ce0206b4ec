package corrupt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/brainreg/brainreg/internal/seed"
)

const (
	// Side is the image side: the corruptions are defined on 32×32 images (CIFAR).
	Side = 32
	// Size is the number of pixels of an image, Side·Side.
	Size = Side * Side
	// Severities is the number of severity levels, 1 … Severities.
	Severities = 5
)

// Families of the benchmark, as in Hendrycks & Dietterich (2019), Figure 1.
const (
	Noise   = "noise"
	Blur    = "blur"
	Weather = "weather"
	Digital = "digital"
)

// A Corruption is one of the 15 benchmark corruptions. Its Apply is a deterministic
// function of (image, severity, seed).
type Corruption struct {
	// Name is the reference's function name, which is also the file name of
	// CIFAR-10-C (gaussian_noise.npy, …).
	Name string
	// Family is Noise, Blur, Weather or Digital.
	Family string
	// Index is the position in the reference's list (0 gaussian_noise … 14
	// jpeg_compression); it selects the random stream, so that two corruptions
	// given the same seed draw independent numbers.
	Index int

	// apply corrupts a valid image at a valid severity with draws from src.
	apply func(img []uint8, severity int, src source) []uint8
}

// source is what a corruption draws: a *rand.Rand (PCG) in Apply; the tests
// replay NumPy's legacy stream through it to compare with the reference.
// Every use follows the reference: Float64 for np.random.uniform (as
// low + (high−low)·U), NormFloat64 for np.random.normal (loc + scale·Z), IntN
// for np.random.randint.
type source interface {
	Float64() float64
	NormFloat64() float64
	IntN(n int) int
}

var all = []Corruption{
	{Name: "gaussian_noise", Family: Noise, apply: gaussianNoise},
	{Name: "shot_noise", Family: Noise, apply: shotNoise},
	{Name: "impulse_noise", Family: Noise, apply: impulseNoise},
	{Name: "defocus_blur", Family: Blur, apply: defocusBlur},
	{Name: "glass_blur", Family: Blur, apply: glassBlur},
	{Name: "motion_blur", Family: Blur, apply: motionBlur},
	{Name: "zoom_blur", Family: Blur, apply: zoomBlur},
	{Name: "snow", Family: Weather, apply: snow},
	{Name: "frost", Family: Weather, apply: frost},
	{Name: "fog", Family: Weather, apply: fog},
	{Name: "brightness", Family: Weather, apply: brightness},
	{Name: "contrast", Family: Digital, apply: contrast},
	{Name: "elastic_transform", Family: Digital, apply: elasticTransform},
	{Name: "pixelate", Family: Digital, apply: pixelate},
	{Name: "jpeg_compression", Family: Digital, apply: jpegCompression},
}

func init() {
	for i := range all {
		all[i].Index = i
	}
}

// All returns the 15 corruptions in the reference's order (a new slice each call).
func All() []Corruption {
	return append([]Corruption(nil), all...)
}

// Names returns the names of All, in order.
func Names() []string {
	names := make([]string, len(all))
	for i, c := range all {
		names[i] = c.Name
	}
	return names
}

// notHere are the reference's corruptions that are not among the 15: saturate
// is defined on colour (HSV saturation) and has no grayscale meaning; the other
// three are the paper's held-out validation corruptions.
var notHere = map[string]string{
	"saturate":      "saturate changes HSV saturation, which a grayscale image does not have",
	"speckle_noise": "speckle_noise is one of the paper's held-out validation corruptions, not of the 15",
	"gaussian_blur": "gaussian_blur is one of the paper's held-out validation corruptions, not of the 15",
	"spatter":       "spatter is one of the paper's held-out validation corruptions, not of the 15",
}

// ByName returns the corruption called name (the reference's function name,
// e.g. "gaussian_noise"); the error lists the known names.
func ByName(name string) (Corruption, error) {
	for _, c := range all {
		if c.Name == name {
			return c, nil
		}
	}
	known := strings.Join(Names(), ", ")
	if why, ok := notHere[name]; ok {
		return Corruption{}, fmt.Errorf("corrupt: %q is not available: %s (known: %s)", name, why, known)
	}
	return Corruption{}, fmt.Errorf("corrupt: unknown corruption %q (known: %s)", name, known)
}

// Select returns the corruptions named, in the order given, or all 15 for
// none; an unknown name is ByName's error, a repeated one an error naming it.
func Select(names []string) ([]Corruption, error) {
	if len(names) == 0 {
		return All(), nil
	}
	seen := map[string]bool{}
	var out []Corruption
	for _, n := range names {
		c, err := ByName(n)
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("%q listed twice", n)
		}
		seen[n] = true
		out = append(out, c)
	}
	return out, nil
}

// check reports what is wrong with a call, naming the corruption.
func (c Corruption) check(n, severity int) error {
	if c.apply == nil {
		return fmt.Errorf("corrupt: zero Corruption (use All or ByName)")
	}
	if n != Size {
		return fmt.Errorf("corrupt: %s: image has %d pixels, want %d×%d = %d", c.Name, n, Side, Side, Size)
	}
	if severity < 1 || severity > Severities {
		return fmt.Errorf("corrupt: %s: severity %d out of range 1…%d", c.Name, severity, Severities)
	}
	return nil
}

// Apply returns the corrupted copy of img, a grayscale 32×32 image, row-major,
// one byte a pixel (data/cifar's Gray layout), at severity 1…5. The result is
// the same for the same (img, severity, seed); the random corruptions draw
// from a PCG stream seeded by (seed, c.Index), so a different seed gives
// different noise and a different corruption different numbers. img is not
// modified.
func (c Corruption) Apply(img []uint8, severity int, seed uint64) ([]uint8, error) {
	if err := c.check(len(img), severity); err != nil {
		return nil, err
	}
	return c.apply(img, severity, newSource(seed, c.Index)), nil
}

// ApplyFloat corrupts an image given as [0, 1] pixel values (data/cifar's
// GrayFloat, byte/255). As CIFAR-10-C is stored in bytes, the image is first
// rounded to bytes (round(255·x), clamped), corrupted by Apply, and returned
// as byte/255 in float32, exactly as GrayFloat converts.
func (c Corruption) ApplyFloat(img []float32, severity int, seed uint64) ([]float32, error) {
	if err := c.check(len(img), severity); err != nil {
		return nil, err
	}
	b := make([]uint8, Size)
	for i, x := range img {
		if math.IsNaN(float64(x)) {
			return nil, fmt.Errorf("corrupt: %s: pixel %d is NaN", c.Name, i)
		}
		b[i] = uint8(math.Round(float64(min(max(x, 0), 1)) * 255))
	}
	out := c.apply(b, severity, newSource(seed, c.Index))
	f := make([]float32, Size)
	for i, v := range out {
		f[i] = float32(v) / 255
	}
	return f, nil
}

// ApplyBatch corrupts n images stored back to back ([n][32][32] bytes): image k
// is Apply(image k, severity, ImageSeed(seed, k)).
func (c Corruption) ApplyBatch(imgs []uint8, severity int, seed uint64) ([]uint8, error) {
	if len(imgs)%Size != 0 {
		return nil, fmt.Errorf("corrupt: %s: batch has %d bytes, not a multiple of %d×%d", c.Name, len(imgs), Side, Side)
	}
	if err := c.check(Size, severity); err != nil {
		return nil, err
	}
	out := make([]uint8, len(imgs))
	for k := range len(imgs) / Size {
		copy(out[k*Size:], c.apply(imgs[k*Size:(k+1)*Size], severity, newSource(ImageSeed(seed, k), c.Index)))
	}
	return out, nil
}

// ImageSeed is the seed of image k of a batch seeded with s: the two mixed by
// SplitMix64, so that neighbouring batch seeds do not share images' streams.
func ImageSeed(s uint64, k int) uint64 {
	return seed.SplitMix64(seed.SplitMix64(s) + uint64(k))
}

// newSource is the PCG stream of (seed s, corruption index); both words pass
// through SplitMix64 so that small seeds and indices give unrelated states.
func newSource(s uint64, index int) *rand.Rand {
	return rand.New(rand.NewPCG(seed.SplitMix64(s), seed.SplitMix64(0x6a09e667f3bcc909^uint64(index))))
}
