package cifar

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// LoaderConfig says which batches a Loader makes. Every batch is a function of
// (Seed, epoch, step) alone, so the sequence never depends on timing and a run resumes exactly
// from a checkpointed (epoch, step).
type LoaderConfig struct {
	BatchSize  int
	Shuffle    bool    // a new order each epoch, drawn from (Seed, epoch)
	Augment    bool    // random crop and flip for each image, drawn from (Seed, epoch, step)
	DropLast   bool    // leave out an epoch's last partial batch, so every batch has BatchSize images
	Scaling    Scaling // pixel x in [0,1] → network input; the zero value means PaperScaling
	Seed       uint64
	Epochs     int // make epochs StartEpoch … Epochs−1 and stop; 0 means without end
	StartEpoch int // first batch is step StartStep of epoch StartEpoch (resuming a run)
	StartStep  int
	Prefetch   int // batches prepared ahead; 0 means 4
}

// TrainConfig is the paper's training stream: shuffled, augmented, fixed batch size, endless.
func TrainConfig(batchSize int, seed uint64) LoaderConfig {
	return LoaderConfig{BatchSize: batchSize, Shuffle: true, Augment: true, DropLast: true,
		Scaling: PaperScaling, Seed: seed}
}

// EvalConfig is one plain pass in index order: no shuffle, no augmentation, a last partial batch.
func EvalConfig(batchSize int) LoaderConfig {
	return LoaderConfig{BatchSize: batchSize, Scaling: PaperScaling, Epochs: 1}
}

// Batch is one batch of network inputs.
type Batch struct {
	X      []float32 // [B,1,32,32] NCHW network input, B = Len() ≤ BatchSize
	Labels []int     // [B] classes
	Index  []int     // [B] the images' indices in the Set
	Epoch  int       // this batch is step Step of epoch Epoch
	Step   int
	// NextEpoch, NextStep: where a run resumes after this batch (StartEpoch, StartStep).
	NextEpoch, NextStep int

	pool chan *Batch
}

// Len is the number of images in the batch.
func (b *Batch) Len() int { return len(b.Labels) }

// Release hands the batch's memory back to its Loader for reuse. Optional: a batch not
// released is left to the garbage collector. Release a batch at most once and do not use it
// afterwards: the loader refills it.
func (b *Batch) Release() {
	select {
	case b.pool <- b:
	default:
	}
}

// Loader makes batches on a background goroutine, Prefetch ahead of the consumer.
type Loader struct {
	set     *Set
	idx     []int // images used, in the order of an unshuffled epoch
	cfg     LoaderConfig
	steps   int
	lut     *[256]float32
	out     chan *Batch
	pool    chan *Batch
	done    chan struct{}
	closed  atomic.Bool
	once    sync.Once
	stopped sync.WaitGroup
}

// NewLoader starts making batches of the images idx of set (all images when idx is nil).
// Close it to stop the goroutine.
func NewLoader(set *Set, idx []int, cfg LoaderConfig) (*Loader, error) {
	if idx == nil {
		idx = complement(set.Len())
	}
	if cfg.Scaling == (Scaling{}) {
		cfg.Scaling = PaperScaling
	}
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 4
	}
	if cfg.BatchSize <= 0 {
		return nil, fmt.Errorf("cifar: loader: batch size %d", cfg.BatchSize)
	}
	for _, i := range idx {
		if i < 0 || i >= set.Len() {
			return nil, fmt.Errorf("cifar: loader: image index %d outside the set of %d", i, set.Len())
		}
	}
	l := &Loader{set: set, idx: slices.Clone(idx), cfg: cfg, lut: cfg.Scaling.table()}
	l.steps = len(idx) / cfg.BatchSize
	if !cfg.DropLast && len(idx)%cfg.BatchSize != 0 {
		l.steps++
	}
	if l.steps == 0 {
		return nil, fmt.Errorf("cifar: loader: %d images make no batch of %d", len(idx), cfg.BatchSize)
	}
	if cfg.StartEpoch < 0 || cfg.StartStep < 0 || cfg.StartStep >= l.steps {
		return nil, fmt.Errorf("cifar: loader: start at epoch %d step %d, but an epoch has %d steps",
			cfg.StartEpoch, cfg.StartStep, l.steps)
	}
	l.out = make(chan *Batch, cfg.Prefetch)
	l.pool = make(chan *Batch, cfg.Prefetch+2)
	l.done = make(chan struct{})
	set.Gray() // convert once here, not inside the first batch
	l.stopped.Add(1)
	go l.run()
	return l, nil
}

// StepsPerEpoch is the number of batches in one epoch.
func (l *Loader) StepsPerEpoch() int { return l.steps }

// Next returns the next batch, or false when the configured epochs are done or the loader is closed.
func (l *Loader) Next() (*Batch, bool) {
	if l.closed.Load() {
		return nil, false
	}
	b, ok := <-l.out
	return b, ok
}

// Close stops the background goroutine and waits for it. Safe to call more than once.
func (l *Loader) Close() {
	l.once.Do(func() {
		l.closed.Store(true)
		close(l.done)
		l.stopped.Wait()
	})
}

// run makes the batches in order and hands them over through l.out.
func (l *Loader) run() {
	defer l.stopped.Done()
	defer close(l.out)
	step := l.cfg.StartStep
	for e := l.cfg.StartEpoch; l.cfg.Epochs == 0 || e < l.cfg.Epochs; e++ {
		order := l.order(e)
		for ; step < l.steps; step++ {
			b := l.batch()
			l.fill(b, order, e, step)
			select {
			case l.out <- b:
			case <-l.done:
				return
			}
		}
		step = 0
	}
}

// order is the sequence of image indices of epoch e.
func (l *Loader) order(e int) []int {
	if !l.cfg.Shuffle {
		return l.idx
	}
	o := slices.Clone(l.idx)
	rng := newRand(l.cfg.Seed, streamShuffle, uint64(e), 0)
	rng.Shuffle(len(o), func(a, b int) { o[a], o[b] = o[b], o[a] })
	return o
}

// batch takes a released batch or makes a new one, at full size.
func (l *Loader) batch() *Batch {
	n := l.cfg.BatchSize
	select {
	case b := <-l.pool:
		b.X, b.Labels, b.Index = b.X[:n*PlaneSize], b.Labels[:n], b.Index[:n]
		return b
	default:
		return &Batch{X: make([]float32, n*PlaneSize), Labels: make([]int, n), Index: make([]int, n), pool: l.pool}
	}
}

// fill makes step s of epoch e from the epoch's order.
func (l *Loader) fill(b *Batch, order []int, e, s int) {
	lo := s * l.cfg.BatchSize
	hi := min(lo+l.cfg.BatchSize, len(order))
	n := hi - lo
	b.X, b.Labels, b.Index = b.X[:n*PlaneSize], b.Labels[:n], b.Index[:n]
	b.Epoch, b.Step = e, s
	b.NextEpoch, b.NextStep = e, s+1
	if s+1 == l.steps {
		b.NextEpoch, b.NextStep = e+1, 0
	}
	gray := l.set.Gray()
	rng := newRand(l.cfg.Seed, streamAugment, uint64(e), uint64(s))
	var crop [PlaneSize]uint8
	for k, i := range order[lo:hi] {
		b.Index[k], b.Labels[k] = i, l.set.Labels[i]
		src := gray[i*PlaneSize : (i+1)*PlaneSize]
		if l.cfg.Augment {
			top, left, flip := drawAugment(rng)
			CropFlip(crop[:], src, top, left, flip)
			src = crop[:]
		}
		x := b.X[k*PlaneSize : (k+1)*PlaneSize]
		for p, v := range src {
			x[p] = l.lut[v]
		}
	}
}
