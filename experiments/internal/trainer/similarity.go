package trainer

import (
	"fmt"
	"math/rand/v2"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/nn/simreg"
)

// RegConfig configures the similarity regulariser of a run. Target names
// the target matrix (its kind and a hash of its content), so runs towards
// different targets get different directories.
type RegConfig struct {
	Alpha    float64 `json:"alpha"`    // weight of the penalty (20 in the paper)
	Pairs    int     `json:"pairs"`    // stimulus image pairs per step (16)
	Eps      float64 `json:"eps"`      // clamp margin before atanh
	Momentum float64 `json:"momentum"` // of the running feature centres (0.9)
	Target   string  `json:"target"`   // identity of the target, e.g. "neural:3f2a…"
	// PairsOnly appends the step's Pairs stimulus pairs to every training
	// batch, drawn exactly as a penalised run of the same Seed, Pairs and
	// target size N draws them (PairDraws), but computes no penalty: Alpha
	// must be 0. It is the α = 0 control whose batch norm sees the same
	// Batch + 2·Pairs images per step as a regularised model's. Target
	// then names the stimulus set the pairs come from. Absent (false) in
	// every other configuration, so their hashes are as before the field.
	PairsOnly bool `json:"pairs_only,omitempty"`
}

// appendsPairs reports whether a run of c appends stimulus pairs to its
// batches: a penalty (Alpha > 0) or the pairs-only control.
func (c *RegConfig) appendsPairs() bool { return c != nil && (c.Alpha > 0 || c.PairsOnly) }

// DefaultReg is the paper's regulariser setting towards the named target.
func DefaultReg(target string) *RegConfig {
	c := simreg.DefaultConfig()
	return &RegConfig{Alpha: c.Alpha, Pairs: 16, Eps: c.Eps, Momentum: c.Momentum, Target: target}
}

// SimilarityData is what the regulariser regularises towards: the stimulus
// images and their target similarity matrix.
type SimilarityData struct {
	Stimuli []float32 // [N][32][32] grayscale pixels in [0,1]
	Target  []float32 // [N][N] similarity, symmetric
	N       int
}

// Validate checks that the arrays fit N.
func (d *SimilarityData) Validate() error {
	const img = cifar.Side * cifar.Side
	if d.N < 2 || len(d.Stimuli) != d.N*img || len(d.Target) != d.N*d.N {
		return fmt.Errorf("similarity data: %d stimulus values and %d target values for N = %d images (want N·1024 and N·N)",
			len(d.Stimuli), len(d.Target), d.N)
	}
	return nil
}

// similarityTerm is the Extra that applies the penalty to pairs of stimulus
// images drawn afresh each step; for a pairs-only run (pen nil) it only
// appends the pairs' images.
type similarityTerm struct {
	pen    *simreg.Penalty // nil: pairs only, no penalty
	data   *SimilarityData
	inputs []float32 // network inputs of all stimuli, [N][1024]
	pairs  int
	seed   uint64
	a, b   []int // the current step's pairs
	buf    []float32
}

func newSimilarityTerm(cfg *RegConfig, channels []int, d *SimilarityData, seed uint64) (*similarityTerm, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if cfg.Pairs < 1 {
		return nil, fmt.Errorf("-pairs %d: want at least 1", cfg.Pairs)
	}
	t := &similarityTerm{
		data:  d,
		pairs: cfg.Pairs,
		seed:  seed,
	}
	if !cfg.PairsOnly {
		t.pen = simreg.New(simreg.Config{Alpha: cfg.Alpha, Eps: cfg.Eps, Momentum: cfg.Momentum}, channels)
	}
	t.inputs = make([]float32, len(d.Stimuli))
	sc := cifar.PaperScaling
	for i, v := range d.Stimuli {
		t.inputs[i] = sc.Gain * (v - sc.Center)
	}
	return t, nil
}

// drawPairs appends to a and b the pairs of training step (epoch, step) of
// a run with the given seed: pairs draws of two different rows i ≠ j of an
// n-row target, from (seed, epoch, step) alone. Penalised and pairs-only
// runs of one seed therefore see the same pairs.
func drawPairs(a, b []int, seed uint64, n, pairs, epoch, step int) ([]int, []int) {
	r := rand.New(rand.NewPCG(seed^0x73696d, uint64(epoch)<<32|uint64(step)))
	for range pairs {
		i := r.IntN(n)
		j := r.IntN(n - 1)
		if j >= i {
			j++
		}
		a, b = append(a, i), append(b, j)
	}
	return a, b
}

// PairDraws returns the stimulus pairs a run of cfg appends to training
// step (epoch, step) towards an n-row target: a[p], b[p] are the target
// rows (stimulus images) of pair p, cfg.Reg.Pairs of them. It returns nil,
// nil when cfg appends none (no Reg, or Alpha = 0 without PairsOnly). The
// draws depend only on cfg.Seed, cfg.Reg.Pairs, n, epoch and step.
func PairDraws(cfg Config, n, epoch, step int) (a, b []int) {
	if !cfg.Reg.appendsPairs() || n < 2 {
		return nil, nil
	}
	return drawPairs(nil, nil, cfg.Seed, n, cfg.Reg.Pairs, epoch, step)
}

// Inputs draws the step's pairs (two different images each) from (seed,
// epoch, step) and returns their images: the first image of every pair,
// then the second.
func (t *similarityTerm) Inputs(epoch, step int) []float32 {
	const img = cifar.Side * cifar.Side
	t.a, t.b = drawPairs(t.a[:0], t.b[:0], t.seed, t.data.N, t.pairs, epoch, step)
	t.buf = t.buf[:0]
	for _, i := range append(append([]int(nil), t.a...), t.b...) {
		t.buf = append(t.buf, t.inputs[i*img:(i+1)*img]...)
	}
	return t.buf
}

// Loss is the penalty on the step's pairs, or nil (no loss, nothing
// logged) for a pairs-only run.
func (t *similarityTerm) Loss(feats []*autograd.Tensor, first, epoch, step int) (*autograd.Tensor, map[string]float64) {
	if t.pen == nil {
		return nil, nil
	}
	target := make([]float32, t.pairs)
	for p := range target {
		target[p] = t.data.Target[t.a[p]*t.data.N+t.b[p]]
	}
	loss := t.pen.LossAt(feats, first, target)
	vals := map[string]float64{"sim_loss": float64(loss.Item())}
	for k, w := range t.pen.Weights() {
		vals[fmt.Sprintf("gamma_%d", k)] = w
	}
	return loss, vals
}

func (t *similarityTerm) Params() []*autograd.Tensor {
	if t.pen == nil {
		return nil
	}
	return []*autograd.Tensor{t.pen.Logits}
}

func (t *similarityTerm) State() map[string][]float32 {
	if t.pen == nil {
		return map[string][]float32{}
	}
	st := t.pen.State()
	st["logits"] = t.pen.Logits.Data
	return st
}

func (t *similarityTerm) LoadState(st map[string][]float32) error {
	if t.pen == nil {
		return nil // pairs only: no state
	}
	l, ok := st["logits"]
	if !ok || len(l) != len(t.pen.Logits.Data) {
		return fmt.Errorf("similarity term: state has no logits of %d values", len(t.pen.Logits.Data))
	}
	copy(t.pen.Logits.Data, l)
	return t.pen.LoadState(st)
}
