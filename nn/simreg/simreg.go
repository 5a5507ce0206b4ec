// Package simreg is the similarity regulariser of Li et al. (2019): it
// penalises a CNN when its representational similarity between pairs of
// images departs from a target similarity (measured in mouse V1, or a
// control).
//
// For a batch of P image pairs the network's feature maps at K places (the
// stem and the output of every stage of a ResNet) give, per place k and pair
// p, the cosine similarity S_k(p) of the two images' flattened feature maps
// after subtracting a per-channel centre. The network's similarity is the
// mixture S(p) = Σ_k γ_k S_k(p) with γ = softmax(logits) and trainable logits
// starting at 0 (equal weights), and the loss is
//
//	α · mean_p [atanh(S(p)) − atanh(T(p))]²
//
// with both similarities clamped to [−1+ε, 1−ε] so atanh stays finite.
//
// The centre of place k is a running mean per channel over batch and space,
// updated in training mode as centre ← m·centre + (1−m)·batch mean (m =
// Momentum, 0.9), initialised from the first batch, and treated as a
// constant by the gradient, as in the paper. Evaluation mode uses it
// unchanged.
package simreg

import (
	"fmt"
	"math"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/simd"
)

// Config holds the regulariser's settings.
type Config struct {
	Alpha    float64 // weight of the penalty in the total loss (20 in the paper)
	Eps      float64 // clamp margin below |1| before atanh
	Momentum float64 // weight of the old running centre in its update
}

// DefaultConfig is the paper's setting: α = 20, ε = 1e-4, momentum 0.9.
func DefaultConfig() Config { return Config{Alpha: 20, Eps: 1e-4, Momentum: 0.9} }

// Penalty is the regulariser for K feature places.
type Penalty struct {
	Config
	Logits   *autograd.Tensor // [K] mixture logits, trainable
	Centres  [][]float32      // [K][C_k] running channel means
	started  bool             // Centres hold a running mean (after the first training batch)
	training bool
}

// New returns a penalty over feature maps with the given channel counts, in
// training mode.
func New(cfg Config, channels []int) *Penalty {
	p := &Penalty{Config: cfg, Logits: autograd.Param(make([]float32, len(channels)), len(channels)), training: true}
	for _, c := range channels {
		p.Centres = append(p.Centres, make([]float32, c))
	}
	return p
}

// SetTraining switches between updating the centres (training) and using
// them as they are (evaluation).
func (p *Penalty) SetTraining(t bool) { p.training = t }

// Weights returns γ = softmax(logits), for logging.
func (p *Penalty) Weights() []float64 {
	w := make([]float64, len(p.Logits.Data))
	mx := math.Inf(-1)
	for _, l := range p.Logits.Data {
		mx = math.Max(mx, float64(l))
	}
	var s float64
	for i, l := range p.Logits.Data {
		w[i] = math.Exp(float64(l) - mx)
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// Similarity returns the network's mixed similarity S: [P] for feature maps
// feats[k]: [2P, C_k, H_k, W_k], whose rows p and P+p are the two images of
// pair p. In training mode it first updates the running centres.
func (p *Penalty) Similarity(feats []*autograd.Tensor) *autograd.Tensor {
	return p.SimilarityAt(feats, 0, pairsOf(feats))
}

// pairsOf returns P for feature maps that all hold exactly 2P images.
func pairsOf(feats []*autograd.Tensor) int {
	if len(feats) == 0 || len(feats[0].Shape) == 0 || feats[0].Shape[0]%2 != 0 || feats[0].Shape[0] == 0 {
		var shape []int
		if len(feats) > 0 {
			shape = feats[0].Shape
		}
		panic(fmt.Sprintf("simreg: %d feature maps, the first of shape %v; want maps of [2P, C, H, W]", len(feats), shape))
	}
	n := feats[0].Shape[0]
	for k, f := range feats {
		if len(f.Shape) == 0 || f.Shape[0] != n {
			panic(fmt.Sprintf("simreg: feature map %d has shape %v, map 0 has %d images", k, f.Shape, n))
		}
	}
	return n / 2
}

// SimilarityAt is Similarity for pairs inside larger feature maps: the two
// images of pair p are rows first+p and first+pairs+p of every feats[k]:
// [N, C_k, H_k, W_k] (a training step appends the pair images to its
// batch). Only those rows are read, and only they get gradients.
func (p *Penalty) SimilarityAt(feats []*autograd.Tensor, first, pairs int) *autograd.Tensor {
	if len(feats) != len(p.Centres) {
		panic(fmt.Sprintf("simreg: %d feature maps for a penalty over %d places", len(feats), len(p.Centres)))
	}
	rows := make([]*autograd.Tensor, len(feats))
	for k, f := range feats {
		if len(f.Shape) != 4 || f.Shape[1] != len(p.Centres[k]) || pairs < 1 || first < 0 || first+2*pairs > f.Shape[0] {
			panic(fmt.Sprintf("simreg: feature map %d has shape %v; want [N, %d, H, W] holding %d pairs from row %d",
				k, f.Shape, len(p.Centres[k]), pairs, first))
		}
		if p.training {
			p.updateCentre(k, f, first, 2*pairs)
		}
		// The centre is a constant: no gradient.
		rows[k] = autograd.Reshape(autograd.PairCosine(f, p.Centres[k], first, pairs, 1e-12), 1, pairs)
	}
	if p.training {
		p.started = true
	}
	perPlace := autograd.Concat(0, rows...)                              // [K, P]
	gamma := autograd.Reshape(autograd.Softmax(p.Logits), 1, len(feats)) // [1, K]
	return autograd.Reshape(autograd.MatMul(gamma, perPlace), pairs)     // [P]
}

// Loss returns α · mean_p [atanh(S(p)) − atanh(T(p))]² for the network's
// similarity S of feats (see Similarity) and the target similarities target:
// [P].
func (p *Penalty) Loss(feats []*autograd.Tensor, target []float32) *autograd.Tensor {
	if pairs := pairsOf(feats); pairs != len(target) {
		panic(fmt.Sprintf("simreg: %d target similarities for %d pairs", len(target), pairs))
	}
	return p.LossAt(feats, 0, target)
}

// LossAt is Loss for pairs inside larger feature maps, as SimilarityAt: the
// len(target) pairs start at row first.
func (p *Penalty) LossAt(feats []*autograd.Tensor, first int, target []float32) *autograd.Tensor {
	s := p.SimilarityAt(feats, first, len(target))
	lo, hi := -1+p.Eps, 1-p.Eps
	tz := make([]float32, len(target))
	for i, t := range target {
		tz[i] = float32(math.Atanh(math.Min(math.Max(float64(t), lo), hi)))
	}
	d := autograd.Sub(autograd.Atanh(autograd.Clamp(s, lo, hi)), autograd.New(tz, len(tz)))
	return autograd.MulScalar(autograd.Mean(autograd.Mul(d, d)), float32(p.Alpha))
}

// updateCentre folds the per-channel mean of images [first, first+n) of f
// into centre k. Channels run in parallel; each channel's sum is over its
// planes, each plane summed by simd.Sum, the planes' sums added in float64
// in image order.
func (p *Penalty) updateCentre(k int, f *autograd.Tensor, first, n int) {
	c, hw := f.Shape[1], f.Shape[2]*f.Shape[3]
	centre := p.Centres[k]
	grain := max(1, (1<<15)/(n*hw)) // channels per block: about 32k elements
	autograd.ParallelFor(c, grain, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var s float64
			for i := first; i < first+n; i++ {
				s += float64(simd.Sum(f.Data[(i*c+ch)*hw:][:hw]))
			}
			mean := s / float64(n*hw)
			if !p.started {
				centre[ch] = float32(mean)
			} else {
				centre[ch] = float32(p.Momentum*float64(centre[ch]) + (1-p.Momentum)*mean)
			}
		}
	})
}

// State returns the non-trainable state for a checkpoint: the centres and
// whether they have started ("centre.K", "started").
func (p *Penalty) State() map[string][]float32 {
	st := map[string][]float32{"started": {0}}
	if p.started {
		st["started"][0] = 1
	}
	for k, c := range p.Centres {
		st[fmt.Sprintf("centre.%d", k)] = c
	}
	return st
}

// LoadState restores State's output.
func (p *Penalty) LoadState(st map[string][]float32) error {
	s, ok := st["started"]
	if !ok || len(s) != 1 {
		return fmt.Errorf("simreg: state has no started entry")
	}
	for k, c := range p.Centres {
		v, ok := st[fmt.Sprintf("centre.%d", k)]
		if !ok || len(v) != len(c) {
			return fmt.Errorf("simreg: state centre.%d missing or not of %d channels", k, len(c))
		}
		copy(c, v)
	}
	p.started = s[0] == 1
	return nil
}
