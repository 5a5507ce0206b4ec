package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/internal/progress"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/checkpoint"
	"github.com/brainreg/brainreg/nn/optim"
)

// Files in a training directory.
const (
	CheckpointFile = "checkpoint.safetensors" // latest state, for resuming
	ModelFile      = "model.safetensors"      // the trained model's state_dict
	MetricsFile    = "metrics.jsonl"          // one line per finished epoch
)

// ErrInterrupted is returned when the context is cancelled (SIGINT or
// SIGTERM): a checkpoint was saved and the run resumes from it.
var ErrInterrupted = errors.New("training interrupted; a checkpoint was saved and the next run resumes from it")

// EpochMetrics is one line of metrics.jsonl.
type EpochMetrics struct {
	Epoch           int                `json:"epoch"` // 1-based, finished epochs
	LR              float64            `json:"lr"`    // at the epoch's start
	TrainLoss       float64            `json:"train_loss"`
	TrainAcc        float64            `json:"train_acc"`
	TestLoss        float64            `json:"test_loss"`
	TestAcc         float64            `json:"test_acc"`
	ImagesPerSecond float64            `json:"images_per_second"`
	Seconds         float64            `json:"seconds"` // training time of this epoch, without evaluation
	Extra           map[string]float64 `json:"extra,omitempty"`
}

// Extra adds a term to the classification loss, such as the similarity
// penalty. Its images run through the network in the same forward pass as
// the training batch (appended after it, so batch norm sees both), and its
// loss is computed from their feature maps.
type Extra interface {
	// Inputs returns the network inputs to append to training step (epoch,
	// step), [m, 1, 32, 32] flattened, or nil for none this step. It must
	// depend only on (epoch, step), so resumed runs see the same inputs.
	Inputs(epoch, step int) []float32
	// Loss returns the extra loss and named values to log (averaged over the
	// epoch) from feats[k]: [n+m, C_k, H_k, W_k], the feature maps
	// (ResNet.ForwardFeatures) of the whole step: the batch's n images, then
	// the m appended inputs from row first = n on.
	Loss(feats []*autograd.Tensor, first, epoch, step int) (*autograd.Tensor, map[string]float64)
	// Params are trainable parameters of the extra term, optimised with the
	// model's.
	Params() []*autograd.Tensor
	// State and LoadState carry the term's state (including Params' values)
	// through checkpoints.
	State() map[string][]float32
	LoadState(map[string][]float32) error
}

// Options are the settings that do not change a run's numbers.
type Options struct {
	Log         io.Writer     // progress output (os.Stderr if nil)
	LogInterval time.Duration // between plain progress lines off a terminal
	Extra       Extra         // optional extra loss, besides the configured similarity penalty
	// Similarity is the target of the similarity penalty; needed when the
	// configuration has Reg with Alpha > 0 or PairsOnly (which uses its
	// stimuli and N only).
	Similarity *SimilarityData
	// StopAfterSteps, when positive, interrupts the run after that many
	// training steps of this call, as a signal would (tests of resuming).
	StopAfterSteps int
}

// Result is a finished run.
type Result struct {
	Epochs []EpochMetrics `json:"epochs"`
}

// Final is the last epoch's metrics.
func (r Result) Final() EpochMetrics {
	if len(r.Epochs) == 0 {
		return EpochMetrics{}
	}
	return r.Epochs[len(r.Epochs)-1]
}

// Seconds is the training's own measured time, summed over its epochs
// (across interruptions and resumptions: each epoch's time survives in its
// metrics).
func (r Result) Seconds() float64 {
	var s float64
	for _, e := range r.Epochs {
		s += e.Seconds
	}
	return s
}

// runState is what a checkpoint carries besides tensors.
type runState struct {
	ConfigHash string         `json:"config_hash"`
	Epoch      int            `json:"epoch"` // next step to run: (Epoch, Step)
	Step       int            `json:"step"`
	History    []EpochMetrics `json:"history"`
	// Running sums of the unfinished epoch, so its metrics equal an
	// uninterrupted run's.
	LossSum, Seconds float64
	Correct, Seen    int
	ExtraSums        map[string]float64
}

// Train trains cfg's model on the training split of data in dir, resuming
// from dir's checkpoint when there is one for the same configuration, and
// returns the model and per-epoch metrics. A directory whose run finished
// returns the saved model at once.
func Train(ctx context.Context, cfg Config, data *cifar.Data, dir string, opt Options) (*nn.ResNet, Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, Result{}, err
	}
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	if opt.LogInterval == 0 {
		opt.LogInterval = 30 * time.Second
	}
	model := cfg.NewModel()
	hash := runio.Hash(cfg)

	if runio.Done(dir) {
		st, err := loadInto(filepath.Join(dir, ModelFile), model, nil, nil)
		if err != nil {
			return nil, Result{}, err
		}
		return model, Result{Epochs: st.History}, nil
	}

	split, err := cifar.NewSplit(data.Train, cifar.SplitConfig{Stimuli: cfg.Stimuli, StimulusSeed: 1,
		Validation: cfg.Validation, ValidationSeed: 2})
	if err != nil {
		return nil, Result{}, err
	}
	trainIdx := split.Train
	if cfg.TrainLimit > 0 && cfg.TrainLimit < len(trainIdx) {
		trainIdx = trainIdx[:cfg.TrainLimit]
	}
	testIdx := allIndices(data.Test.Len(), cfg.TestLimit)

	if cfg.Reg.appendsPairs() {
		what := "a similarity penalty"
		if cfg.Reg.PairsOnly {
			what = "stimulus pairs without a penalty (pairs only)"
		}
		if opt.Extra != nil {
			return nil, Result{}, fmt.Errorf("trainer: %s and another extra term cannot be combined", what)
		}
		if opt.Similarity == nil {
			return nil, Result{}, fmt.Errorf("trainer: the configuration asks for %s (target %s) but no target was given", what, cfg.Reg.Target)
		}
		term, err := newSimilarityTerm(cfg.Reg, featureChannels(model), opt.Similarity, cfg.Seed)
		if err != nil {
			return nil, Result{}, err
		}
		opt.Extra = term
	}
	params := nn.Parameters(model)
	if opt.Extra != nil {
		params = append(params, opt.Extra.Params()...)
	}
	sgd := optim.NewSGD(params, cfg.Momentum, cfg.WeightDecay, cfg.Nesterov)
	schedule := cfg.NewSchedule()

	st := runState{ConfigHash: hash}
	ckPath := filepath.Join(dir, CheckpointFile)
	if _, err := os.Stat(ckPath); err == nil {
		if st, err = loadInto(ckPath, model, sgd, opt.Extra); err != nil {
			return nil, Result{}, err
		}
		if st.ConfigHash != hash {
			return nil, Result{}, fmt.Errorf("%s belongs to another configuration (hash %s, this run %s); use another output directory", ckPath, st.ConfigHash, hash)
		}
		fmt.Fprintf(opt.Log, "resuming from %s at epoch %d, step %d\n", ckPath, st.Epoch+1, st.Step)
	}

	lcfg := cifar.TrainConfig(cfg.Batch, cfg.Seed)
	lcfg.Epochs, lcfg.StartEpoch, lcfg.StartStep = cfg.Epochs, st.Epoch, st.Step
	loader, err := cifar.NewLoader(data.Train, trainIdx, lcfg)
	if err != nil {
		return nil, Result{}, err
	}
	defer loader.Close()
	steps := loader.StepsPerEpoch()

	tape := autograd.NewTape(autograd.Record)
	var bar *progress.Bar
	stepsThisCall := 0
	epochStart := time.Now()
	for {
		if err := ctx.Err(); err != nil || (opt.StopAfterSteps > 0 && stepsThisCall == opt.StopAfterSteps) {
			if serr := saveCheckpoint(ckPath, model, sgd, opt.Extra, st, time.Since(epochStart)); serr != nil {
				return nil, Result{}, errors.Join(ErrInterrupted, serr)
			}
			if bar != nil {
				bar.Finish(st.Seen)
			}
			return nil, Result{Epochs: st.History}, ErrInterrupted
		}
		batch, ok := loader.Next()
		if !ok {
			break
		}
		if bar == nil {
			bar = progress.New(opt.Log, fmt.Sprintf("train epoch %d/%d", batch.Epoch+1, cfg.Epochs), "img", steps*cfg.Batch, opt.LogInterval)
			bar.Update(st.Seen)
		}
		lr := schedule.LR(float64(batch.Epoch) + float64(batch.Step)/float64(steps))
		n := batch.Len()
		var extraX []float32
		if opt.Extra != nil {
			extraX = opt.Extra.Inputs(batch.Epoch, batch.Step)
		}
		loss, logits, total, vals := forwardLoss(tape, model, batch.X, batch.Labels, extraX, opt.Extra, batch.Epoch, batch.Step)
		lossVal := float64(loss.Item())
		st.Correct += countCorrect(logits.Data, batch.Labels, logits.Shape[1])
		if len(vals) > 0 && st.ExtraSums == nil {
			st.ExtraSums = map[string]float64{}
		}
		for k, v := range vals {
			st.ExtraSums[k] += v * float64(n)
		}
		if tv := float64(total.Item()); math.IsNaN(tv) || math.IsInf(tv, 0) {
			tape.Release()
			return nil, Result{}, fmt.Errorf("training diverged at epoch %d, step %d: the loss is %v (learning rate %g); the last good checkpoint is %s",
				batch.Epoch+1, batch.Step, tv, lr, ckPath)
		}
		autograd.Backward(total)
		if err := checkFinite(params); err != nil {
			tape.Release()
			return nil, Result{}, fmt.Errorf("training diverged at epoch %d, step %d: %v; the last good checkpoint is %s", batch.Epoch+1, batch.Step, err, ckPath)
		}
		sgd.Step(lr)
		sgd.ZeroGrad()
		tape.Release()
		st.LossSum += lossVal * float64(n)
		st.Seen += n
		st.Epoch, st.Step = batch.NextEpoch, batch.NextStep
		stepsThisCall++
		epochLR := schedule.LR(float64(batch.Epoch))
		batch.Release()
		bar.Update(st.Seen, progress.F("loss", "%.3f", st.LossSum/float64(st.Seen)),
			progress.F("acc", "%.1f%%", 100*float64(st.Correct)/float64(st.Seen)), progress.F("lr", "%.3g", lr))

		if st.Step != 0 {
			continue
		}
		// End of an epoch: evaluate, record, checkpoint.
		secs := st.Seconds + time.Since(epochStart).Seconds()
		bar.Finish(st.Seen, progress.F("loss", "%.3f", st.LossSum/float64(st.Seen)),
			progress.F("acc", "%.1f%%", 100*float64(st.Correct)/float64(st.Seen)))
		bar = nil
		testLoss, testAcc := Evaluate(model, data.Test, testIdx, cfg.EvalBatch, nil)
		m := EpochMetrics{
			Epoch: st.Epoch, LR: epochLR,
			TrainLoss: st.LossSum / float64(st.Seen), TrainAcc: float64(st.Correct) / float64(st.Seen),
			TestLoss: testLoss, TestAcc: testAcc,
			ImagesPerSecond: float64(st.Seen) / secs, Seconds: secs,
		}
		if len(st.ExtraSums) > 0 {
			m.Extra = map[string]float64{}
			for k, v := range st.ExtraSums {
				m.Extra[k] = v / float64(st.Seen)
			}
		}
		fmt.Fprintf(opt.Log, "epoch %d/%d: train loss %.4f acc %.2f%%, test loss %.4f acc %.2f%%, %.0f img/s\n",
			m.Epoch, cfg.Epochs, m.TrainLoss, 100*m.TrainAcc, m.TestLoss, 100*m.TestAcc, m.ImagesPerSecond)
		st.History = append(st.History, m)
		st.LossSum, st.Correct, st.Seen, st.Seconds, st.ExtraSums = 0, 0, 0, 0, nil
		if err := saveCheckpoint(ckPath, model, sgd, opt.Extra, st, 0); err != nil {
			return nil, Result{}, err
		}
		if err := writeMetrics(filepath.Join(dir, MetricsFile), st.History); err != nil {
			return nil, Result{}, err
		}
		epochStart = time.Now()
	}
	if err := saveCheckpoint(filepath.Join(dir, ModelFile), model, nil, opt.Extra, st, 0); err != nil {
		return nil, Result{}, err
	}
	if err := runio.MarkDone(dir); err != nil {
		return nil, Result{}, err
	}
	return model, Result{Epochs: st.History}, nil
}

// forwardLoss runs one training forward pass: the batch x: [n,1,32,32]
// (labels [n]) and, when extraX is not empty, the extra term's inputs
// appended after it. It returns the classification loss, the batch's
// logits, the total loss and the extra term's logged values.
func forwardLoss(tape *autograd.Tape, model *nn.ResNet, x []float32, labels []int, extraX []float32, extra Extra,
	epoch, step int) (loss, logits, total *autograd.Tensor, vals map[string]float64) {
	n := len(labels)
	const img = cifar.Side * cifar.Side
	if len(extraX) == 0 {
		logits = model.Forward(tape.Attach(autograd.New(x, n, 1, cifar.Side, cifar.Side)))
		loss = autograd.CrossEntropy(logits, labels)
		return loss, logits, loss, nil
	}
	m := len(extraX) / img
	both := append(append(make([]float32, 0, len(x)+len(extraX)), x...), extraX...)
	all, feats := model.ForwardFeatures(tape.Attach(autograd.New(both, n+m, 1, cifar.Side, cifar.Side)))
	logits = autograd.Slice(all, 0, 0, n)
	loss = autograd.CrossEntropy(logits, labels)
	// The extra term reads its rows of the feature maps in place: slicing
	// them out would copy every map and its gradient.
	extraLoss, vals := extra.Loss(feats, n, epoch, step)
	total = loss
	if extraLoss != nil {
		// The extra term first: the backward walk then runs each feature
		// map's own consumer in the network before the term's rule, so the
		// consumer writes the map's gradient outright and the term adds to
		// its rows; the other way round the walk would clear every map's
		// gradient for the term (about 16 MB a step for the small ResNet
		// with 16 pairs).
		total = autograd.Add(extraLoss, loss)
	}
	return loss, logits, total, vals
}

// Evaluate returns the mean cross-entropy and accuracy of m on the images
// idx of set in evaluation mode, in batches of batch images; transform, if
// not nil, changes each batch's network input in place first (noise for
// robustness tests). m is left in evaluation mode.
func Evaluate(m *nn.ResNet, set *cifar.Set, idx []int, batch int, transform func(x []float32, labels []int)) (loss, acc float64) {
	m.SetTraining(false)
	defer m.SetTraining(true)
	loader, err := cifar.NewLoader(set, idx, cifar.EvalConfig(batch))
	if err != nil {
		panic(err) // idx and batch come from a validated configuration
	}
	defer loader.Close()
	tape := autograd.NewTape(autograd.NoGrad)
	var lossSum float64
	var correct, seen int
	for b, ok := loader.Next(); ok; b, ok = loader.Next() {
		if transform != nil {
			transform(b.X, b.Labels)
		}
		x := tape.Attach(autograd.New(b.X, b.Len(), 1, cifar.Side, cifar.Side))
		logits := m.Forward(x)
		lossSum += float64(autograd.CrossEntropy(logits, b.Labels).Item()) * float64(b.Len())
		correct += countCorrect(logits.Data, b.Labels, logits.Shape[1])
		seen += b.Len()
		tape.Release()
		b.Release()
	}
	return lossSum / float64(seen), float64(correct) / float64(seen)
}

// featureChannels lists the channels of the feature maps ForwardFeatures
// returns: the stem, then every stage.
func featureChannels(m *nn.ResNet) []int {
	return append([]int{m.Config.Widths[0]}, m.Config.Widths...)
}

func countCorrect(logits []float32, labels []int, classes int) int {
	n := 0
	for i, y := range labels {
		row := logits[i*classes : (i+1)*classes]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == y {
			n++
		}
	}
	return n
}

func checkFinite(params []*autograd.Tensor) error {
	for i, p := range params {
		for _, g := range p.Grad {
			if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
				return fmt.Errorf("the gradient of parameter %d (shape %v) holds %v", i, p.Shape, g)
			}
		}
	}
	return nil
}

func allIndices(n, limit int) []int {
	if limit > 0 && limit < n {
		n = limit
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// saveCheckpoint writes the model's state_dict, the optimiser's and the
// extra term's state ("optim.*", "extra.*") and the run state (metadata).
func saveCheckpoint(path string, m *nn.ResNet, opt optim.Optimizer, extra Extra, st runState, partial time.Duration) error {
	st.Seconds += partial.Seconds()
	tensors := nn.StateDict(m)
	if opt != nil {
		for k, v := range opt.State() {
			tensors["optim."+k] = checkpoint.Tensor{Shape: []int{len(v)}, F32: v}
		}
	}
	if extra != nil {
		for k, v := range extra.State() {
			tensors["extra."+k] = checkpoint.Tensor{Shape: []int{len(v)}, F32: v}
		}
	}
	meta, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return checkpoint.Save(path, checkpoint.File{Tensors: tensors, Meta: map[string]string{
		"brainreg_run_state": string(meta), "format": "pt"}})
}

// loadInto reads a checkpoint into m (and opt and extra, when not nil) and
// returns its run state.
func loadInto(path string, m *nn.ResNet, opt optim.Optimizer, extra Extra) (runState, error) {
	f, err := checkpoint.Load(path)
	if err != nil {
		return runState{}, err
	}
	model := map[string]checkpoint.Tensor{}
	optState := map[string][]float32{}
	extraState := map[string][]float32{}
	for k, v := range f.Tensors {
		switch {
		case len(k) > 6 && k[:6] == "optim.":
			optState[k[6:]] = v.F32
		case len(k) > 6 && k[:6] == "extra.":
			extraState[k[6:]] = v.F32
		default:
			model[k] = v
		}
	}
	if err := nn.LoadStateDict(m, model); err != nil {
		return runState{}, fmt.Errorf("%s: %w", path, err)
	}
	if opt != nil {
		if err := opt.LoadState(optState); err != nil {
			return runState{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	if extra != nil {
		if err := extra.LoadState(extraState); err != nil {
			return runState{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	var st runState
	if err := json.Unmarshal([]byte(f.Meta["brainreg_run_state"]), &st); err != nil {
		return runState{}, fmt.Errorf("%s: no valid run state in the metadata: %w", path, err)
	}
	return st, nil
}

// writeMetrics rewrites metrics.jsonl from the history atomically, so a kill
// never leaves a torn or duplicated line.
func writeMetrics(path string, history []EpochMetrics) error {
	var b []byte
	for _, m := range history {
		line, err := json.Marshal(m)
		if err != nil {
			return err
		}
		b = append(append(b, line...), '\n')
	}
	return checkpoint.WriteFileAtomic(path, b)
}

// LoadModel reads a trained model saved by Train (model.safetensors) for cfg.
func LoadModel(cfg Config, path string) (*nn.ResNet, error) {
	m := cfg.NewModel()
	if _, err := loadInto(path, m, nil, nil); err != nil {
		return nil, err
	}
	return m, nil
}
