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
}

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
// images drawn afresh each step.
type similarityTerm struct {
	pen    *simreg.Penalty
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
		pen:   simreg.New(simreg.Config{Alpha: cfg.Alpha, Eps: cfg.Eps, Momentum: cfg.Momentum}, channels),
		data:  d,
		pairs: cfg.Pairs,
		seed:  seed,
	}
	t.inputs = make([]float32, len(d.Stimuli))
	sc := cifar.PaperScaling
	for i, v := range d.Stimuli {
		t.inputs[i] = sc.Gain * (v - sc.Center)
	}
	return t, nil
}

// Inputs draws the step's pairs (two different images each) from (seed,
// epoch, step) and returns their images: the first image of every pair,
// then the second.
func (t *similarityTerm) Inputs(epoch, step int) []float32 {
	const img = cifar.Side * cifar.Side
	r := rand.New(rand.NewPCG(t.seed^0x73696d, uint64(epoch)<<32|uint64(step)))
	t.a, t.b = t.a[:0], t.b[:0]
	for range t.pairs {
		i := r.IntN(t.data.N)
		j := r.IntN(t.data.N - 1)
		if j >= i {
			j++
		}
		t.a, t.b = append(t.a, i), append(t.b, j)
	}
	t.buf = t.buf[:0]
	for _, i := range append(append([]int(nil), t.a...), t.b...) {
		t.buf = append(t.buf, t.inputs[i*img:(i+1)*img]...)
	}
	return t.buf
}

func (t *similarityTerm) Loss(feats []*autograd.Tensor, first, epoch, step int) (*autograd.Tensor, map[string]float64) {
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

func (t *similarityTerm) Params() []*autograd.Tensor { return []*autograd.Tensor{t.pen.Logits} }

func (t *similarityTerm) State() map[string][]float32 {
	st := t.pen.State()
	st["logits"] = t.pen.Logits.Data
	return st
}

func (t *similarityTerm) LoadState(st map[string][]float32) error {
	l, ok := st["logits"]
	if !ok || len(l) != len(t.pen.Logits.Data) {
		return fmt.Errorf("similarity term: state has no logits of %d values", len(t.pen.Logits.Data))
	}
	copy(t.pen.Logits.Data, l)
	return t.pen.LoadState(st)
}
