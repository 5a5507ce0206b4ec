package cifar

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// DefaultStimuli is the size of the neural stimulus set reserved from the training images.
const DefaultStimuli = 5100

// SplitConfig says how the training set is divided. The stimulus set depends only on
// (Stimuli, StimulusSeed), so changing the validation size never changes which images the
// neural pipeline saw.
type SplitConfig struct {
	Stimuli        int    // images reserved as the neural stimulus set, never used for classification
	StimulusSeed   uint64 // chooses them
	Validation     int    // images held out for validation, chosen from the rest
	ValidationSeed uint64 // chooses them
}

// DefaultSplitConfig reserves 5,100 stimuli and holds out 5,000 validation images, which leaves
// 39,900 CIFAR-10 training images.
func DefaultSplitConfig() SplitConfig {
	return SplitConfig{Stimuli: DefaultStimuli, StimulusSeed: 1, Validation: 5000, ValidationSeed: 2}
}

// Split divides a training Set. The three lists are indices into the Set, ascending, disjoint,
// and together cover every image once.
type Split struct {
	Train      []int // for the classification loss
	Validation []int // held out, for model selection
	Stimuli    []int // the neural stimulus set: never classified
}

// Seeds of the independent random streams; the values only need to differ.
const (
	streamStimuli    = 0x5354494d554c49 // "STIMULI"
	streamValidation = 0x56414c4944     // "VALID"
	streamShuffle    = 0x53485546464c45 // "SHUFFLE"
	streamAugment    = 0x4155474d454e54 // "AUGMENT"
)

// NewSplit divides train as cfg says. Both the stimulus set and the validation set are drawn
// class-balanced (equal numbers per class as far as the classes allow, the remainder spread over
// randomly chosen classes), so the training images stay balanced too.
func NewSplit(train *Set, cfg SplitConfig) (Split, error) {
	stim, err := ReserveStimuli(train, cfg.Stimuli, cfg.StimulusSeed)
	if err != nil {
		return Split{}, err
	}
	rest := complement(train.Len(), stim)
	rng := newRand(cfg.ValidationSeed, streamValidation, 0, 0)
	val, err := pickBalanced(train.Labels, train.Classes, rest, cfg.Validation, rng)
	if err != nil {
		return Split{}, fmt.Errorf("cifar: validation split: %w", err)
	}
	return Split{Train: complement(train.Len(), stim, val), Validation: val, Stimuli: stim}, nil
}

// ReserveStimuli returns the neural stimulus set: n indices into train, ascending, class-balanced,
// a function of (n, seed) only. NewSplit with the same Stimuli and StimulusSeed excludes exactly
// these images from training and validation.
func ReserveStimuli(train *Set, n int, seed uint64) ([]int, error) {
	rng := newRand(seed, streamStimuli, 0, 0)
	idx, err := pickBalanced(train.Labels, train.Classes, complement(train.Len()), n, rng)
	if err != nil {
		return nil, fmt.Errorf("cifar: stimulus set: %w", err)
	}
	return idx, nil
}

// NeuralStimuli is the stimulus set as the neural pipeline takes it: the indices and the images
// as grayscale [n][32][32] float32 in [0, 1] (use train.GrayBytes(idx) for bytes).
func NeuralStimuli(train *Set, n int, seed uint64) (idx []int, gray []float32, err error) {
	idx, err = ReserveStimuli(train, n, seed)
	if err != nil {
		return nil, nil, err
	}
	return idx, train.GrayFloat(idx), nil
}

// pickBalanced draws n of the pool with as equal counts per class as possible: it deals one image
// of each class in turn, the classes in a random order, skipping classes that have run out.
func pickBalanced(labels []int, classes int, pool []int, n int, rng *rand.Rand) ([]int, error) {
	if n < 0 || n > len(pool) {
		return nil, fmt.Errorf("cannot take %d of %d images", n, len(pool))
	}
	byClass := make([][]int, classes)
	for _, i := range pool {
		byClass[labels[i]] = append(byClass[labels[i]], i)
	}
	for _, c := range byClass {
		rng.Shuffle(len(c), func(a, b int) { c[a], c[b] = c[b], c[a] })
	}
	order := rng.Perm(classes)
	taken := make([]int, classes)
	out := make([]int, 0, n)
	for len(out) < n {
		for _, c := range order {
			if len(out) < n && taken[c] < len(byClass[c]) {
				out = append(out, byClass[c][taken[c]])
				taken[c]++
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// complement returns 0..n-1 without the members of the (ascending) lists.
func complement(n int, minus ...[]int) []int {
	drop := make([]bool, n)
	for _, l := range minus {
		for _, i := range l {
			drop[i] = true
		}
	}
	out := make([]int, 0, n)
	for i, d := range drop {
		if !d {
			out = append(out, i)
		}
	}
	return out
}
