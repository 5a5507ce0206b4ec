package robust

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/data/corrupt"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/nn/attack"
)

// gratings32 returns n 32×32 gratings on the byte grid (byte/255, as
// data/cifar's GrayFloat), labelled with m's predictions.
func gratings32(t testing.TB, m attack.Model, n int, seed uint64) attack.Images {
	const side = 32
	r := rand.New(rand.NewPCG(seed, 17))
	im := attack.Images{X: make([]float32, n*side*side), Shape: [3]int{1, side, side}, Labels: make([]int, n)}
	for i := range n {
		theta, f, phase := math.Pi*r.Float64(), 0.1+0.8*r.Float64(), 2*math.Pi*r.Float64()
		mean, contrast := 0.2+0.6*r.Float64(), 0.5*r.Float64()
		for y := range side {
			for x := range side {
				v := mean + contrast*math.Sin(f*(float64(x)*math.Cos(theta)+float64(y)*math.Sin(theta))+phase)
				im.X[(i*side+y)*side+x] = float32(math.Round(min(max(v, 0), 1)*255)) / 255
			}
		}
	}
	pred, err := attack.Predict(context.Background(), m, im, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	copy(im.Labels, pred)
	return im
}

// The corruption accuracy is what a direct computation gives: the images as
// bytes, corrupted by data/corrupt's ApplyBatch with the seed, as byte/255,
// classified one at a time. Neither the batch size nor the thread count
// changes it, and it survives JSON.
func TestCorruptionAccuracyDirect(t *testing.T) {
	m := tinyModel(3)
	im := gratings32(t, m, 23, 1)
	names := []string{"shot_noise", "zoom_blur", "snow", "elastic_transform"}
	const seed = 77
	ctx := context.Background()
	got, err := CorruptionAccuracy(ctx, m, im, names, seed, 5, 3) // a last batch of 3
	if err != nil {
		t.Fatal(err)
	}
	one, err := CorruptionAccuracy(ctx, m, im, names, seed, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, one) {
		t.Errorf("batch 5 on 3 threads: %+v\nbatch 64 on 1 thread: %+v", got, one)
	}
	if got.Images != 23 || got.Seed != seed || got.CleanAccuracy != 1 || len(got.Curves) != len(names) {
		t.Fatalf("result %+v", got)
	}
	n, d := im.Len(), im.Size()
	clean := make([]uint8, n*d)
	for i, v := range im.X {
		clean[i] = uint8(math.Round(float64(v) * 255))
	}
	below := false
	for k, name := range names {
		c, _ := corrupt.ByName(name)
		cv := got.Curves[k]
		if cv.Name != name || cv.Family != c.Family || len(cv.Accuracy) != corrupt.Severities {
			t.Fatalf("curve %d: %+v", k, cv)
		}
		for s := 1; s <= corrupt.Severities; s++ {
			bytes, err := c.ApplyBatch(clean, s, seed)
			if err != nil {
				t.Fatal(err)
			}
			right := 0
			for i := range n {
				x := make([]float32, d)
				for p, v := range bytes[i*d : (i+1)*d] {
					x[p] = float32(v) / 255
				}
				pred, err := attack.Predict(ctx, m, attack.Images{X: x, Shape: im.Shape, Labels: im.Labels[i : i+1]}, 1, 1)
				if err != nil {
					t.Fatal(err)
				}
				if pred[0] == im.Labels[i] {
					right++
				}
			}
			if want := float64(right) / float64(n); cv.Accuracy[s-1] != want {
				t.Errorf("%s severity %d: accuracy %v, direct %v", name, s, cv.Accuracy[s-1], want)
			}
			below = below || cv.Accuracy[s-1] < 1
		}
	}
	if !below {
		t.Errorf("no corruption changed a prediction of the tiny model: %+v", got.Curves)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back CorruptionResult
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, got) {
		t.Errorf("JSON round trip: %v\n%s", err, b)
	}
	t.Logf("%s", b)
}

// recorder is a model that keeps every image it is shown (as bytes), then
// answers as m.
type recorder struct {
	mu   sync.Mutex
	seen map[string]int
}

func (r *recorder) model(m attack.Model, d int) attack.Model {
	r.seen = map[string]int{}
	return func(x *autograd.Tensor) *autograd.Tensor {
		r.mu.Lock()
		for i := 0; i+d <= len(x.Data); i += d {
			b := make([]byte, d)
			for p, v := range x.Data[i : i+d] {
				b[p] = byte(math.Round(float64(v) * 255))
			}
			r.seen[string(b)]++
		}
		r.mu.Unlock()
		return m(x)
	}
}

// Two different models, evaluated with different batch sizes and thread
// counts, are shown exactly the same images: the clean ones and, for every
// corruption and severity, ApplyBatch's.
func TestCorruptionSameImages(t *testing.T) {
	im := gratings32(t, tinyModel(3), 9, 2)
	names := []string{"gaussian_noise", "glass_blur", "frost"}
	const seed = 5
	var a, b recorder
	ctx := context.Background()
	ra, err := CorruptionAccuracy(ctx, a.model(tinyModel(3), im.Size()), im, names, seed, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := CorruptionAccuracy(ctx, b.model(tinyModel(4), im.Size()), im, names, seed, 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.seen, b.seen) {
		t.Errorf("the two models saw different images (%d and %d distinct)", len(a.seen), len(b.seen))
	}
	want := map[string]int{}
	clean := make([]uint8, im.Len()*im.Size())
	ToBytes(clean, im.X)
	for i := range im.Len() {
		want[string(clean[i*im.Size():(i+1)*im.Size()])]++
	}
	for _, name := range names {
		c, _ := corrupt.ByName(name)
		for s := 1; s <= corrupt.Severities; s++ {
			out, err := c.ApplyBatch(clean, s, seed)
			if err != nil {
				t.Fatal(err)
			}
			for i := range im.Len() {
				want[string(out[i*im.Size():(i+1)*im.Size()])]++
			}
		}
	}
	if !reflect.DeepEqual(a.seen, want) {
		t.Errorf("the models saw %d distinct images, want the %d of the clean set and ApplyBatch's", len(a.seen), len(want))
	}
	if reflect.DeepEqual(ra.Curves, rb.Curves) {
		t.Logf("the two tiny models have the same accuracies: %+v", ra.Curves)
	}
	// Another seed gives other noise.
	var c recorder
	if _, err := CorruptionAccuracy(ctx, c.model(tinyModel(3), im.Size()), im, names[:1], seed+1, 4, 2); err != nil {
		t.Fatal(err)
	}
	for k := range c.seen {
		if _, ok := want[k]; !ok {
			return
		}
	}
	t.Error("seed+1 showed only images of seed")
}

// ToBytes inverts byte/255 exactly and clamps.
func TestToBytes(t *testing.T) {
	x := make([]float32, 258)
	for v := range 256 {
		x[v] = float32(v) / 255
	}
	x[256], x[257] = -0.3, 1.7
	b := make([]uint8, len(x))
	ToBytes(b, x)
	for v := range 256 {
		if b[v] != uint8(v) {
			t.Fatalf("ToBytes(%d/255) = %d", v, b[v])
		}
	}
	if b[256] != 0 || b[257] != 255 {
		t.Errorf("clamping: %d, %d", b[256], b[257])
	}
}

// The corruption settings: validated by name, left out of the JSON when
// zero, so that a preset without them has the hash it had before they
// existed (recorded from that code); the presets now include them.
func TestCorruptionConfig(t *testing.T) {
	before := map[string]string{"paper": "09f2c5d94eaa", "converged": "7edda5791970", "quick": "5505dd9883cb", "smoke": "71c994f485a5"}
	images := map[string]int{"paper": 10000, "converged": 2000, "quick": 1000, "smoke": 20}
	for name, h := range before {
		c, _ := Preset(name)
		if c.CorruptImages != images[name] || c.CorruptSeed != DefaultCorruptSeed || len(c.Corruptions) == 0 {
			t.Errorf("%s: %d corruption images, seed %d, corruptions %v", name, c.CorruptImages, c.CorruptSeed, c.Corruptions)
		}
		if name != "smoke" && !slices.Equal(c.Corruptions, corrupt.Names()) {
			t.Errorf("%s: corruptions %v, want all 15", name, c.Corruptions)
		}
		if runio.Hash(c) == h {
			t.Errorf("%s: the corruptions did not change the hash", name)
		}
		c.CorruptImages, c.Corruptions, c.CorruptSeed = 0, nil, 0
		if got := runio.Hash(c); got != h {
			b, _ := json.Marshal(c)
			t.Errorf("%s without corruptions hashes to %s, before them %s: %s", name, got, h, b)
		}
	}
	for _, bad := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.Corruptions = []string{"fog", "saturate"} }, "saturate"},
		{func(c *Config) { c.Corruptions = []string{"fog", "fogg"} }, "unknown corruption"},
		{func(c *Config) { c.Corruptions = []string{"fog", "fog"} }, "twice"},
		{func(c *Config) { c.CorruptImages = -1 }, "corrupt -1"},
	} {
		c := Smoke()
		bad.set(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("error %v, want one mentioning %q", err, bad.want)
		}
	}
	// Images that are not grayscale 32×32 are refused, naming the shape.
	m := tinyModel(3)
	if _, err := CorruptionAccuracy(context.Background(), m, gratings(t, m, 4, 1), nil, 1, 4, 1); err == nil || !strings.Contains(err.Error(), "[1 8 8]") {
		t.Errorf("8×8 images: %v", err)
	}
}

// Evaluate runs the corruptions of the preset, on its first images.
func TestEvaluateCorruptions(t *testing.T) {
	m := tinyModel(3)
	test := gratings32(t, m, 30, 3)
	cfg := Smoke()
	cfg.AttackImages, cfg.DoubledImages, cfg.TransferImages = 0, 0, 0
	res, err := Evaluate(context.Background(), m, test, nil, cfg, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Corruption
	if c == nil || c.Images != cfg.CorruptImages || len(c.Curves) != len(cfg.Corruptions) || res.Seconds["corruption"] <= 0 {
		t.Fatalf("corruption result %+v, seconds %v", c, res.Seconds)
	}
	want, err := CorruptionAccuracy(context.Background(), m, test.Subset(cfg.CorruptImages), cfg.Corruptions, cfg.CorruptSeed, 3, 1)
	if err != nil || !reflect.DeepEqual(c, want) {
		t.Errorf("Evaluate's %+v, direct %+v (%v)", c, want, err)
	}
	cfg.CorruptImages = 0
	res, err = Evaluate(context.Background(), m, test, nil, cfg, 2, nil)
	if err != nil || res.Corruption != nil {
		t.Fatalf("without corruption images: %+v, %v", res.Corruption, err)
	}
	res.Config.Corruptions, res.Config.CorruptSeed = nil, 0
	b, _ := json.Marshal(res)
	if strings.Contains(string(b), "corrupt") {
		t.Errorf("a result without corruptions mentions them: %s", b)
	}
}
