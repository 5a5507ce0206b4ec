package cifar

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// collect takes up to n batches and copies them (so the loader may reuse their memory).
func collect(t *testing.T, l *Loader, n int, release bool) []Batch {
	t.Helper()
	var out []Batch
	for len(out) < n {
		b, ok := l.Next()
		if !ok {
			break
		}
		c := *b
		c.X, c.Labels, c.Index = slices.Clone(b.X), slices.Clone(b.Labels), slices.Clone(b.Index)
		c.pool = nil
		out = append(out, c)
		if release {
			b.Release()
		}
	}
	return out
}

func sameBatch(a, b Batch) bool {
	return a.Epoch == b.Epoch && a.Step == b.Step && a.NextEpoch == b.NextEpoch && a.NextStep == b.NextStep &&
		slices.Equal(a.X, b.X) && slices.Equal(a.Labels, b.Labels) && slices.Equal(a.Index, b.Index)
}

func TestTrainLoaderDeterministic(t *testing.T) {
	s := testSet(200, 3)
	idx := complement(200, []int{5, 6, 7}) // 197 images: 12 full batches of 16, 5 left over
	cfg := TrainConfig(16, 42)
	cfg.Epochs = 3
	run := func(cfg LoaderConfig, release bool) []Batch {
		l, err := NewLoader(s, idx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if l.StepsPerEpoch() != 12 {
			t.Fatalf("StepsPerEpoch = %d, want 12", l.StepsPerEpoch())
		}
		return collect(t, l, 1000, release)
	}
	a := run(cfg, true)
	slow := cfg
	slow.Prefetch = 1
	b := run(slow, false)
	if len(a) != 36 || len(b) != 36 {
		t.Fatalf("%d and %d batches, want 3 epochs of 12", len(a), len(b))
	}
	for i := range a {
		if !sameBatch(a[i], b[i]) {
			t.Fatalf("batch %d differs between two runs of the same config", i)
		}
		if a[i].Len() != 16 || len(a[i].X) != 16*PlaneSize {
			t.Fatalf("batch %d has %d images", i, a[i].Len())
		}
		if a[i].Epoch != i/12 || a[i].Step != i%12 {
			t.Fatalf("batch %d at epoch %d step %d", i, a[i].Epoch, a[i].Step)
		}
	}
	// Each epoch draws distinct images of idx, in a new order.
	for e := range 3 {
		var seen []int
		for _, bt := range a[e*12 : (e+1)*12] {
			seen = append(seen, bt.Index...)
		}
		sorted := slices.Sorted(slices.Values(seen))
		if len(slices.Compact(sorted)) != 192 {
			t.Fatalf("epoch %d repeats images", e)
		}
		for _, i := range seen {
			if i >= 5 && i <= 7 {
				t.Fatalf("epoch %d uses excluded image %d", e, i)
			}
		}
	}
	if slices.Equal(a[0].Index, a[12].Index) {
		t.Error("epochs 0 and 1 start with the same images")
	}
	// Resuming at (epoch 1, step 5) continues exactly.
	res := cfg
	res.StartEpoch, res.StartStep = a[16].NextEpoch, a[16].NextStep
	r := run(res, true)
	if len(r) != 36-17 {
		t.Fatalf("resumed run made %d batches, want %d", len(r), 36-17)
	}
	for i := range r {
		if !sameBatch(r[i], a[17+i]) {
			t.Fatalf("resumed batch %d differs from batch %d of the full run", i, 17+i)
		}
	}
	// Another seed, other batches.
	other := cfg
	other.Seed = 43
	if o := run(other, true); sameBatch(o[0], a[0]) {
		t.Error("seeds 42 and 43 give the same first batch")
	}
}

// Augmented inputs are crops and flips of the scaled grayscale images.
func TestTrainLoaderAugments(t *testing.T) {
	s := testSet(64, 4)
	l, err := NewLoader(s, nil, TrainConfig(64, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	b, _ := l.Next()
	lut := PaperScaling.table()
	gray := s.Gray()
	var crop [PlaneSize]uint8
	unchanged := 0
	for k, i := range b.Index {
		if b.Labels[k] != s.Labels[i] {
			t.Fatalf("image %d: label %d, want %d", k, b.Labels[k], s.Labels[i])
		}
		x := b.X[k*PlaneSize : (k+1)*PlaneSize]
		src := gray[i*PlaneSize : (i+1)*PlaneSize]
		found := false
		for top := 0; top <= 2*Pad && !found; top++ {
			for left := 0; left <= 2*Pad && !found; left++ {
				for _, flip := range []bool{false, true} {
					CropFlip(crop[:], src, top, left, flip)
					match := true
					for p := range crop {
						if x[p] != lut[crop[p]] {
							match = false
							break
						}
					}
					if match {
						found = true
						if top == Pad && left == Pad && !flip {
							unchanged++
						}
						break
					}
				}
			}
		}
		if !found {
			t.Fatalf("image %d is no crop and flip of image %d", k, i)
		}
	}
	if unchanged > 8 { // 1 in 162 expected
		t.Errorf("%d of 64 images unchanged by augmentation", unchanged)
	}
}

func TestEvalLoader(t *testing.T) {
	s := testSet(70, 5)
	idx := []int{3, 1, 4, 15, 9, 26, 5, 35, 8, 9, 7, 69, 0}
	cfg := EvalConfig(5)
	cfg.Scaling = Identity
	l, err := NewLoader(s, idx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	bs := collect(t, l, 100, true)
	if len(bs) != 3 || bs[2].Len() != 3 || l.StepsPerEpoch() != 3 {
		t.Fatalf("%d batches, last of %d images; want 3, the last of 3", len(bs), bs[len(bs)-1].Len())
	}
	if bs[2].NextEpoch != 1 || bs[2].NextStep != 0 {
		t.Errorf("last batch resumes at epoch %d step %d", bs[2].NextEpoch, bs[2].NextStep)
	}
	var got []int
	for _, b := range bs {
		got = append(got, b.Index...)
	}
	if !slices.Equal(got, idx) {
		t.Fatalf("order %v, want %v", got, idx)
	}
	want := s.GrayFloat(idx)
	var x []float32
	for _, b := range bs {
		x = append(x, b.X...)
	}
	if !slices.Equal(x, want) {
		t.Error("eval inputs are not the plain grayscale images")
	}
	if _, ok := l.Next(); ok {
		t.Error("a batch after the end")
	}
}

func TestLoaderClose(t *testing.T) {
	s := testSet(100, 6)
	before := runtime.NumGoroutine()
	for range 3 {
		l, err := NewLoader(s, nil, TrainConfig(10, 1)) // endless
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := l.Next(); !ok {
			t.Fatal("no batch")
		}
		l.Close()
		l.Close()
		if _, ok := l.Next(); ok {
			t.Error("a batch after Close")
		}
	}
	// Goroutines of earlier tests (and the race detector's bookkeeping) may
	// still be winding down: give the count a few seconds to settle before
	// calling a goroutine leaked. This waits for the runtime, it does not
	// time the loader.
	after := runtime.NumGoroutine()
	for i := 0; i < 500 && after > before; i++ {
		time.Sleep(10 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		t.Errorf("%d goroutines before, %d after closing the loaders", before, after)
	}
}

func TestLoaderErrors(t *testing.T) {
	s := testSet(10, 7)
	for _, c := range []struct {
		idx  []int
		cfg  LoaderConfig
		want string
	}{
		{nil, TrainConfig(0, 1), "cifar: loader: batch size 0"},
		{[]int{1, 10}, TrainConfig(2, 1), "cifar: loader: image index 10 outside the set of 10"},
		{nil, TrainConfig(11, 1), "cifar: loader: 10 images make no batch of 11"},
		{nil, LoaderConfig{BatchSize: 3, StartStep: 4}, "cifar: loader: start at epoch 0 step 4, but an epoch has 4 steps"},
	} {
		if _, err := NewLoader(s, c.idx, c.cfg); err == nil || err.Error() != c.want {
			t.Errorf("got %v, want %s", err, c.want)
		}
	}
}
