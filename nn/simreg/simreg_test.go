package simreg

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/autograd"
)

func randFeats(r *rand.Rand, pairs int, shapes [][3]int) []*autograd.Tensor {
	var fs []*autograd.Tensor
	for _, s := range shapes {
		t := autograd.New(make([]float32, 2*pairs*s[0]*s[1]*s[2]), 2*pairs, s[0], s[1], s[2])
		for i := range t.Data {
			t.Data[i] = float32(r.NormFloat64() + 0.3)
		}
		fs = append(fs, t)
	}
	return fs
}

// The loss, computed from its definition in float64.
func TestLossByHand(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	shapes := [][3]int{{3, 2, 2}, {2, 1, 3}}
	feats := randFeats(r, 4, shapes)
	p := New(DefaultConfig(), []int{3, 2})
	p.Logits.Data[0], p.Logits.Data[1] = 0.5, -0.25
	target := []float32{0.1, -0.5, 0.9, 0.99999}
	got := p.Loss(feats, target).Item()

	g0, g1 := math.Exp(0.5), math.Exp(-0.25)
	gamma := []float64{g0 / (g0 + g1), g1 / (g0 + g1)}
	var want float64
	for pair := range 4 {
		var s float64
		for k, f := range feats {
			c, hw := f.Shape[1], f.Shape[2]*f.Shape[3]
			// First training batch: the centre is this batch's channel mean.
			mean := make([]float64, c)
			for i := range 8 {
				for ch := range c {
					for _, v := range f.Data[(i*c+ch)*hw:][:hw] {
						mean[ch] += float64(v) / float64(8*hw)
					}
				}
			}
			var dot, na, nb float64
			for ch := range c {
				for q := range hw {
					a := float64(f.Data[(pair*c+ch)*hw+q]) - mean[ch]
					b := float64(f.Data[((pair+4)*c+ch)*hw+q]) - mean[ch]
					dot, na, nb = dot+a*b, na+a*a, nb+b*b
				}
			}
			s += gamma[k] * dot / math.Sqrt(na*nb)
		}
		clamp := func(x float64) float64 { return math.Min(math.Max(x, -1+1e-4), 1-1e-4) }
		d := math.Atanh(clamp(s)) - math.Atanh(clamp(float64(target[pair])))
		want += d * d / 4
	}
	want *= 20
	if math.Abs(float64(got)-want) > 1e-4*math.Abs(want) {
		t.Fatalf("loss %v, by hand %v", got, want)
	}
}

// Finite differences through the features and the mixture logits, in
// training mode with the running centres held (momentum 1: the update is
// the identity after the first batch) and in evaluation mode.
func TestGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	shapes := [][3]int{{2, 2, 2}, {3, 1, 2}, {2, 1, 1}}
	target := []float32{0.3, -0.2, 0.7}
	for _, training := range []bool{true, false} {
		cfg := DefaultConfig()
		cfg.Momentum = 1
		p := New(cfg, []int{2, 3, 2})
		p.Logits.Data[0], p.Logits.Data[2] = 0.4, -0.3
		feats := randFeats(r, 3, shapes)
		p.Loss(feats, target) // sets the centres from a first batch
		p.SetTraining(training)
		for _, f := range feats {
			for i := range f.Data {
				f.Data[i] += float32(0.1 * r.NormFloat64()) // no longer the centring batch
			}
			f.SetRequiresGrad(true)
		}
		fn := func(xs ...*autograd.Tensor) *autograd.Tensor {
			return p.Loss(xs[:len(feats)], target)
		}
		xs := append(append([]*autograd.Tensor(nil), feats...), p.Logits)
		if err := autograd.CheckGrad(fn, xs, autograd.CheckOptions{Step: 1e-3}); err != nil {
			t.Fatalf("training=%v: %v", training, err)
		}
	}
}

func TestCentreUpdate(t *testing.T) {
	p := New(DefaultConfig(), []int{1})
	batch := func(v float32) []*autograd.Tensor {
		return []*autograd.Tensor{autograd.New([]float32{v, v, v + 2, v + 2}, 4, 1, 1, 1)}
	}
	p.Similarity(batch(0)) // mean 1: the first batch sets the centre
	if p.Centres[0][0] != 1 {
		t.Fatalf("centre after the first batch %v, want 1", p.Centres[0][0])
	}
	p.Similarity(batch(10)) // mean 11: 0.9·1 + 0.1·11 = 2
	if math.Abs(float64(p.Centres[0][0])-2) > 1e-6 {
		t.Fatalf("centre after the second batch %v, want 2", p.Centres[0][0])
	}
	p.SetTraining(false)
	p.Similarity(batch(100))
	if math.Abs(float64(p.Centres[0][0])-2) > 1e-6 {
		t.Fatal("evaluation mode changed the centre")
	}
	q := New(DefaultConfig(), []int{1})
	if err := q.LoadState(p.State()); err != nil || q.Centres[0][0] != p.Centres[0][0] || !q.started {
		t.Fatalf("state round trip: %v, centre %v", err, q.Centres[0][0])
	}
}

// Equal logits weigh every place equally; the loss is zero when the
// network's similarity equals the target.
func TestZeroAtTarget(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	feats := randFeats(r, 5, [][3]int{{4, 2, 2}})
	p := New(DefaultConfig(), []int{4})
	s := p.Similarity(feats)
	p.SetTraining(false)
	if w := p.Weights(); len(w) != 1 || w[0] != 1 {
		t.Fatalf("weights %v", w)
	}
	if l := p.Loss(feats, s.Data).Item(); l > 1e-9 {
		t.Fatalf("loss at the target %v, want 0", l)
	}
}

// LossAt on feature maps with other images around the pairs gives the same
// loss, centres and gradients as Loss on the pairs' rows alone, and no
// gradient to the other rows.
func TestLossAtMatchesLossOnSlices(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const pairs, before, after = 3, 4, 1
	shapes := [][3]int{{3, 2, 2}, {2, 1, 3}}
	var big, small []*autograd.Tensor
	for _, s := range shapes {
		n := before + 2*pairs + after
		d := s[0] * s[1] * s[2]
		f := autograd.New(make([]float32, n*d), n, s[0], s[1], s[2])
		for i := range f.Data {
			f.Data[i] = float32(r.NormFloat64() + 0.3)
		}
		f.SetRequiresGrad(true)
		big = append(big, f)
		part := autograd.New(append([]float32(nil), f.Data[before*d:(before+2*pairs)*d]...), 2*pairs, s[0], s[1], s[2])
		small = append(small, part.SetRequiresGrad(true))
	}
	target := []float32{0.2, -0.4, 0.7}
	for step := range 2 { // the second step uses the running centres
		pa, pb := New(DefaultConfig(), []int{3, 2}), New(DefaultConfig(), []int{3, 2})
		for range step + 1 {
			la := pa.LossAt(big, before, target)
			lb := pb.Loss(small, target)
			if d := math.Abs(float64(la.Item() - lb.Item())); d > 1e-6 {
				t.Fatalf("step %d: LossAt %v, Loss on slices %v", step, la.Item(), lb.Item())
			}
			ga := autograd.Grad(la, big...)
			gb := autograd.Grad(lb, small...)
			for k := range big {
				d := len(small[k].Data) / (2 * pairs)
				for i, g := range ga[k] {
					row := i / d
					want := float32(0)
					if row >= before && row < before+2*pairs {
						want = gb[k][i-before*d]
					}
					if math.Abs(float64(g-want)) > 1e-6 {
						t.Fatalf("step %d, map %d, row %d: gradient %v, want %v", step, k, row, g, want)
					}
				}
			}
		}
		for k := range pa.Centres {
			for ch := range pa.Centres[k] {
				if math.Abs(float64(pa.Centres[k][ch]-pb.Centres[k][ch])) > 1e-7 {
					t.Errorf("centre %d.%d: %v after LossAt, %v after Loss", k, ch, pa.Centres[k][ch], pb.Centres[k][ch])
				}
			}
		}
	}
}

// Feature maps and targets that do not fit together panic with a message
// naming what is wrong.
func TestBadShapesPanic(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	shapes := [][3]int{{3, 2, 2}, {2, 1, 3}}
	two := randFeats(r, 2, shapes)   // 4 images a map
	three := randFeats(r, 3, shapes) // 6 images a map
	odd := autograd.New(make([]float32, 3*3*2*2), 3, 3, 2, 2)
	for _, tc := range []struct {
		name, want string
		f          func(p *Penalty)
	}{
		{"maps of different sizes", "map 0 has 4 images", func(p *Penalty) { p.Similarity([]*autograd.Tensor{two[0], three[1]}) }},
		{"odd image count", "want maps of [2P", func(p *Penalty) { p.Similarity([]*autograd.Tensor{odd, two[1]}) }},
		{"target of the wrong length", "3 target similarities for 2 pairs", func(p *Penalty) { p.Loss(two, []float32{0, 0, 0}) }},
		{"pairs past the end", "holding 2 pairs from row 3", func(p *Penalty) { p.LossAt(three, 3, []float32{0, 0}) }},
		{"wrong channel count", "want [N, 2, H, W]", func(p *Penalty) { p.Similarity([]*autograd.Tensor{two[0], two[0]}) }},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("%s: panic %q, want one containing %q", tc.name, msg, tc.want)
				}
			}()
			tc.f(New(DefaultConfig(), []int{3, 2}))
		}()
	}
}
