package main

// The end-to-end experiment (cifar_reg run, the default subcommand):
// neural target → classifiers trained identically towards each target (and
// the baseline) → robustness evaluation → report. Every stage keeps its
// outputs in a directory keyed by a hash of its configuration, so an
// interrupted run resumes where it stopped and a rerun skips finished work.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/experiments/internal/buildinfo"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/experiments/internal/trainer"
	"github.com/brainreg/brainreg/internal/progress"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/attack"
)

func init() {
	register(&command{name: "run", summary: "the whole experiment: neural target, baseline and regularised models, robustness, report (default)", run: runPipeline})
}

// Model kinds, trained identically except for the similarity target.
const (
	kindBaseline = "baseline" // no regulariser (α = 0)
	// kindBaselinePairs is the baseline (α = 0, no penalty gradient) with
	// the stimulus pairs appended to every training batch exactly as for
	// the regularised kinds (trainer.RegConfig.PairsOnly): the same pair
	// draws as the neural model of the same seed, so its batch norm sees
	// the same Batch + 2·Pairs images per step (96 for batch 64 and 16
	// pairs). It separates the penalty's effect from that of the appended
	// images. Like the baseline it is trained once per seed, whatever the
	// α sweep (units).
	kindBaselinePairs = "baseline-pairs"
	kindNeural        = "neural" // the denoised neural target
	// kindShuffled is the neural target with image identities permuted:
	// a permutation of its own for every training seed, drawn from (the
	// target's shuffle seed, the training seed) (shuffleSeedSubdir).
	kindShuffled = "shuffled"
	kindRaw      = "raw" // similarity of raw single-trial responses
	// kindRawWeighted is the similarity of the raw single-trial responses
	// with the neural target's per-neuron weights w_a·max(v_a, 0): its only
	// difference from the neural target is the denoising
	// (rawWeightedSubdir).
	kindRawWeighted = "raw-weighted"
	kindOther       = "other" // similarity of another trained network's features
	kindTruth       = "truth" // noise-free responses (simulations only): the most a denoiser could give
)

// allKinds is every model kind, in the order units lists them; the paper
// preset trains them all.
var allKinds = []string{kindBaseline, kindBaselinePairs, kindNeural, kindShuffled, kindRaw, kindRawWeighted, kindOther, kindTruth}

// quickKinds are the smoke and quick presets' kinds: all but the two
// confound controls (baseline-pairs, raw-weighted), which would add two
// trainings per seed and α to the quick preset's hour; -models selects
// them there.
var quickKinds = []string{kindBaseline, kindNeural, kindShuffled, kindRaw, kindOther, kindTruth}

// alphaFree reports whether a kind has no penalty, so that an α sweep
// trains it once per seed at α = 0: the baseline and its pairs control.
func alphaFree(kind string) bool { return kind == kindBaseline || kind == kindBaselinePairs }

// pipelineConfig is one experiment.
type pipelineConfig struct {
	Preset       string         `json:"preset"`
	TargetPreset string         `json:"target_preset"` // tiny, default or paper (simulation and predictor sizes)
	Train        trainer.Config `json:"train"`         // the baseline's training; regularised models add Reg
	Alphas       []float64      `json:"alphas"`        // penalty weights swept for every regularised kind
	Pairs        int            `json:"pairs"`         // stimulus pairs per step
	Seeds        int            `json:"seeds"`         // training seeds per model (Train.Seed, +1, …)
	Kinds        []string       `json:"kinds"`
	OtherModel   string         `json:"other_model"` // architecture of the "other network"
	OtherSeed    uint64         `json:"other_seed"`
	OtherPlace   int            `json:"other_place"` // feature map of the other network: 0 stem, k stage k
	Robust       robust.Config  `json:"robust"`
	// The target's similarity precision (see targetConfig.Precision):
	// absent for the default, fp32, so existing report names stay.
	SimilarityPrecision string `json:"similarity_precision,omitempty"`
}

func pipelinePreset(name string) (pipelineConfig, error) {
	var c pipelineConfig
	var err error
	c.Preset = name
	c.Kinds = slices.Clone(quickKinds)
	c.Alphas, c.Pairs = []float64{20}, 16
	c.OtherModel, c.OtherSeed, c.OtherPlace = "small", 1001, 2
	switch name {
	case "smoke":
		c.TargetPreset, c.Seeds = "tiny", 1
		c.Train, _ = trainer.Preset("smoke")
		c.OtherModel = "tiny"
		c.Robust = robust.Smoke()
	case "quick":
		// About an hour on 2 cores: a reduced simulation (4 scans × 1,000
		// neurons, 2,000 stimuli), 3 epochs of the small ResNet per model,
		// and the quick robustness evaluation (APGD-CE, APGD-T and FMN on
		// 200 test images, robust.Quick).
		c.TargetPreset, c.Seeds = "default", 1
		c.Train, _ = trainer.Preset("quick")
		c.Train.Epochs = 3
		c.Robust = robust.Quick()
	case "paper":
		c.TargetPreset, c.Seeds = "paper", 5
		c.Kinds = slices.Clone(allKinds)
		c.Train, _ = trainer.Preset("paper")
		c.OtherModel = "resnet18"
		c.Robust = robust.Paper()
	default:
		err = fmt.Errorf("-preset: unknown preset %q (want smoke, quick or paper)", name)
	}
	return c, err
}

// modelRun is one trained model and its evaluation, as results.json keeps it.
type modelRun struct {
	Kind       string                 `json:"kind"`
	Seed       uint64                 `json:"seed"`
	Alpha      float64                `json:"alpha"`
	TrainDir   string                 `json:"train_dir"`
	CleanAcc   float64                `json:"clean_test_accuracy"` // full test set (or the preset's limit)
	TrainSecs  float64                `json:"train_seconds"`
	Gamma      []float64              `json:"gamma,omitempty"` // final mixture weights of the feature places
	SimLoss    float64                `json:"final_sim_loss,omitempty"`
	Robustness *robust.Result         `json:"robustness"`
	Epochs     []trainer.EpochMetrics `json:"epochs"`
	// The builds that finished the training and the evaluation (nil for
	// stages finished before builds were recorded).
	TrainedBy   *buildinfo.Info `json:"trained_by"`
	EvaluatedBy *buildinfo.Info `json:"evaluated_by"`
}

// runFlags are the flags that define an experiment, shared by run and
// sweep.
type runFlags struct {
	preset, out, neural, alphas, kinds, simPrec *string
	seeds, epochs, threads                      *int
	trainOnly                                   *bool
	data                                        cifar.Options
}

var modelsUsage = "comma-separated model kinds, of " + strings.Join(allKinds, ",") +
	" (default: the preset's: smoke and quick all but baseline-pairs and raw-weighted, paper all)"

func addRunFlags(fs *flag.FlagSet) *runFlags {
	f := &runFlags{
		preset:  fs.String("preset", "quick", "smoke (CI, minutes), quick (default, about an hour here) or paper (ResNet-18, 40 epochs, 5 seeds)"),
		out:     fs.String("out", "runs", "directory for stage outputs and the report"),
		neural:  fs.String("neural", "", neuralUsage),
		alphas:  fs.String("alpha", "", "comma-separated penalty weights to sweep (default: the preset's, 20)"),
		kinds:   fs.String("models", "", modelsUsage),
		seeds:   fs.Int("seeds", 0, "training seeds per model (default: the preset's)"),
		epochs:  fs.Int("epochs", 0, "training epochs (default: the preset's)"),
		threads: fs.Int("threads", 0, "goroutines for the kernels (default: all cores, or SLURM_CPUS_PER_TASK)"),
		simPrec: fs.String("similarity-precision", "fp32", precisionUsage),
		trainOnly: fs.Bool("train-only", false, "build the targets and train every model, then stop before the robustness evaluation "+
			"and the report (a later run with the same flags reuses the models)"),
	}
	f.data.AddFlags(fs)
	return f
}

// config is the experiment the parsed flags describe.
func (f *runFlags) config() (pipelineConfig, error) {
	cfg, err := pipelinePreset(*f.preset)
	if err != nil {
		return cfg, err
	}
	if *f.alphas != "" {
		cfg.Alphas = nil
		for _, s := range strings.Split(*f.alphas, ",") {
			a, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || !(a >= 0) || math.IsInf(a, 0) {
				return cfg, fmt.Errorf("-alpha: %q is not a weight ≥ 0", s)
			}
			cfg.Alphas = append(cfg.Alphas, a)
		}
	}
	if *f.seeds != 0 {
		if *f.seeds < 1 {
			return cfg, fmt.Errorf("-seeds %d: want at least 1", *f.seeds)
		}
		cfg.Seeds = *f.seeds
	}
	if *f.epochs != 0 {
		cfg.Train.Epochs = *f.epochs
	}
	prec, err := parsePrecisionFlag(*f.simPrec)
	if err != nil {
		return cfg, err
	}
	cfg.SimilarityPrecision = precisionKey(prec)
	if *f.kinds != "" {
		cfg.Kinds = nil
		for _, k := range strings.Split(*f.kinds, ",") {
			k = strings.TrimSpace(k)
			if !contains(allKinds, k) {
				return cfg, fmt.Errorf("-models: unknown kind %q (known: %s)", k, strings.Join(allKinds, ", "))
			}
			cfg.Kinds = append(cfg.Kinds, k)
		}
	}
	if err := cfg.Train.Validate(); err != nil {
		return cfg, err
	}
	// Checked now, not after hours of training.
	return cfg, cfg.Robust.Validate()
}

func runPipeline(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	f := addRunFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	setThreads(*f.threads)
	if err := runio.CheckWritable(*f.out, 500<<20); err != nil {
		return err
	}
	fmt.Fprint(os.Stderr, versionText())
	start := time.Now()
	if *f.trainOnly {
		if err := trainAll(ctx, cfg, *f.out, *f.neural, f.data, os.Stderr); err != nil {
			return err
		}
		fmt.Printf("trained every model in %s; %s in all\n", *f.out, time.Since(start).Round(time.Second))
		return nil
	}
	reportDir, err := pipeline(ctx, cfg, *f.out, *f.neural, f.data, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("report: %s (results.json, results.csv, summary.md, plots); %s in all\n",
		reportDir, time.Since(start).Round(time.Second))
	return nil
}

// pipeline runs the experiment and returns the report directory: prepare,
// every unit, the report.
func pipeline(ctx context.Context, cfg pipelineConfig, out, neuralDir string, dataOpt cifar.Options, log io.Writer) (string, error) {
	p, err := prepareRun(ctx, cfg, out, neuralDir, dataOpt, log, true, runPlan(cfg, true, log))
	if err != nil {
		return "", err
	}
	var runs []*modelRun
	for _, u := range units(cfg) {
		r, err := runUnit(ctx, p, u, log)
		if err != nil {
			return "", err
		}
		if r != nil {
			runs = append(runs, r)
		}
	}
	return writeReportOf(p, runs)
}

// trainAll builds the targets and trains every unit's model, as pipeline
// does, without the transfer examples, the evaluation and the report.
func trainAll(ctx context.Context, cfg pipelineConfig, out, neuralDir string, dataOpt cifar.Options, log io.Writer) error {
	p, err := prepareRun(ctx, cfg, out, neuralDir, dataOpt, log, false, runPlan(cfg, false, log))
	if err != nil {
		return err
	}
	for _, u := range units(cfg) {
		if u.Kind == kindTruth && !p.tsum.Simulated {
			p.plan.Skip(trainStage(u))
			continue
		}
		tc := p.trainConfig(u)
		dir, err := runio.StageDir(p.out, "train", tc)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "%s α=%g seed %d: training in %s\n", u.Kind, u.Alpha, tc.Seed, dir)
		p.plan.Begin(trainStage(u))
		sim, err := p.simFor(u)
		if err != nil {
			return err
		}
		_, res, err := trainer.Train(ctx, tc, p.data, dir, trainer.Options{Log: log, Similarity: sim})
		if err != nil {
			return fmt.Errorf("%s α=%g seed %d: %w", u.Kind, u.Alpha, tc.Seed, err)
		}
		p.plan.Finish(trainStage(u), res.Seconds())
		endStage(trainStage(u))
	}
	return nil
}

// runPlan lists the stages of a run for its progress lines (stage k of n,
// time left): the neural target, the other network, the transfer examples
// (withTransfer), and each unit's training and, withTransfer, evaluation.
// Trainings of one model form and penalty share a kind, as do the
// evaluations, so that a finished one times those still to come.
func runPlan(cfg pipelineConfig, withTransfer bool, log io.Writer) *progress.Plan {
	epochs := float64(cfg.Train.Epochs)
	stages := []progress.Stage{{Name: targetStage, Kind: "neural target", Size: 1}}
	if contains(cfg.Kinds, kindOther) {
		stages = append(stages, progress.Stage{Name: otherStage, Kind: "train " + cfg.OtherModel, Size: epochs})
	}
	us := units(cfg)
	if withTransfer && contains(cfg.Kinds, kindBaseline) {
		first := unit{Kind: kindBaseline}
		stages = append(stages, progress.Stage{Name: trainStage(first), Kind: trainKind(cfg, first), Size: epochs},
			progress.Stage{Name: transferStage, Kind: "transfer examples", Size: 1})
	}
	for _, u := range us {
		if !slices.ContainsFunc(stages, func(s progress.Stage) bool { return s.Name == trainStage(u) }) {
			stages = append(stages, progress.Stage{Name: trainStage(u), Kind: trainKind(cfg, u), Size: epochs})
		}
		if withTransfer {
			stages = append(stages, progress.Stage{Name: evaluateStage(u), Kind: "evaluate", Size: 1})
		}
	}
	return progress.NewPlan(log, stages)
}

// Names of the plan's stages.
const (
	targetStage   = "neural target and controls"
	otherStage    = "train the other network"
	transferStage = "transfer examples"
)

func trainStage(u unit) string { return fmt.Sprintf("train %s α=%g seed %d", u.Kind, u.Alpha, u.Seed) }
func evaluateStage(u unit) string {
	return fmt.Sprintf("evaluate %s α=%g seed %d", u.Kind, u.Alpha, u.Seed)
}

// trainKind groups trainings that cost the same per epoch: the model, and
// whether the similarity penalty is computed or (baseline-pairs) only the
// pairs appended.
func trainKind(cfg pipelineConfig, u unit) string {
	switch u.Kind {
	case kindBaseline:
		return "train " + cfg.Train.Model
	case kindBaselinePairs:
		return "train " + cfg.Train.Model + " with the pairs"
	}
	return "train " + cfg.Train.Model + " with the penalty"
}

// prepared is what every unit of an experiment shares: the data, the
// targets and the transfer examples.
type prepared struct {
	cfg       pipelineConfig
	out       string
	data      *cifar.Data
	targetDir string
	tsum      *targetSummary
	// The targets by simKey: loaded in prepare, except the per-seed
	// shuffled ones, which simFor loads when a unit needs one (keeping
	// one at a time: each is images² floats).
	sims      map[string]*trainer.SimilarityData
	targetIDs map[string]string // identity of each target by simKey, for the run hash
	stimuli   []float32         // [images][32][32]: the stimulus of every target row
	images    int               // rows of the targets
	test      attack.Images
	transfer  []robust.TransferSet // made on the first baseline model
	plan      *progress.Plan       // the run's stages for progress lines; nil for a sweep's jobs
}

// prepare builds (or reuses) the neural target and its controls, the other
// network's target and, when withTransfer, the transfer examples of the
// first baseline model (training it if needed).
func prepare(ctx context.Context, cfg pipelineConfig, out, neuralDir string, dataOpt cifar.Options, log io.Writer, withTransfer bool) (*prepared, error) {
	return prepareRun(ctx, cfg, out, neuralDir, dataOpt, log, withTransfer, nil)
}

// prepareRun is prepare reporting its stages to plan (which may be nil).
func prepareRun(ctx context.Context, cfg pipelineConfig, out, neuralDir string, dataOpt cifar.Options, log io.Writer, withTransfer bool, plan *progress.Plan) (*prepared, error) {
	d, err := cifar.Load(ctx, cifar.CIFAR10(), dataOpt)
	if err != nil {
		return nil, err
	}
	endStage("load CIFAR-10")
	p := &prepared{cfg: cfg, out: out, data: d, sims: map[string]*trainer.SimilarityData{}, targetIDs: map[string]string{}, plan: plan}
	// 1. The neural target and its controls.
	prec, err := parsePrecisionFlag(cfg.SimilarityPrecision)
	if err != nil {
		return nil, err
	}
	no := &neuralOptions{Preset: cfg.TargetPreset, Out: out, Seed: 0, Neural: neuralDir, Data: dataOpt, Log: log, Cifar: d, Similarity: prec}
	plan.Begin(targetStage)
	if p.targetDir, p.tsum, err = buildTarget(ctx, no); err != nil {
		return nil, err
	}
	plan.Finish(targetStage, -1)
	stimuli, n, err := neuralStimuli(p.targetDir, no, d)
	if err != nil {
		return nil, err
	}
	if err := p.loadTargets(stimuli, n); err != nil {
		return nil, err
	}

	// 2. The "other network": a separately trained classifier whose feature
	// similarity on the stimuli serves as a non-neural target.
	if contains(cfg.Kinds, kindOther) {
		oc := cfg.Train
		oc.Model, oc.Seed, oc.Reg = cfg.OtherModel, cfg.OtherSeed, nil
		dir, err := runio.StageDir(out, "train", oc)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "other network: %s (seed %d) in %s\n", oc.Model, oc.Seed, dir)
		plan.Begin(otherStage)
		m, res, err := trainer.Train(ctx, oc, d, dir, trainer.Options{Log: log})
		if err != nil {
			return nil, err
		}
		plan.Finish(otherStage, res.Seconds())
		p.sims[kindOther] = &trainer.SimilarityData{Stimuli: stimuli, Target: featureSimilarity(m, stimuli, n, cfg.OtherPlace), N: n}
		p.targetIDs[kindOther] = fmt.Sprintf("other:%s-%d-place%d:%s", cfg.OtherModel, cfg.OtherSeed, cfg.OtherPlace, runio.Hash(oc))
		endStage(otherStage)
	}

	p.test = robust.TestImages(d.Test, 0)
	if withTransfer {
		if err := p.makeTransfer(ctx, log); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// simKey is a unit's key in prepared.sims and targetIDs: its kind, or for
// the shuffled control the subdirectory of its training seed's permutation
// (shuffleSeedSubdir).
func (p *prepared) simKey(u unit) string {
	if u.Kind == kindShuffled {
		return shuffleSeedSubdir(p.cfg.Train.Seed + uint64(u.Seed))
	}
	return u.Kind
}

// loadTargets loads the targets that cfg.Kinds train towards from the
// target stage's directory (stimuli: [n][32][32], the image of every row)
// and records their identities: each kind's KIND:<target dir>; for
// baseline-pairs the neural target's stimuli and N (its pairs are the
// neural model's; the matrix is not used) as pairs:<target dir>; for the
// shuffled control, one permutation per training seed k, written beside
// the target when missing (ensureShuffled) and identified as
// shuffled:<target dir>/shuffled/seed-<k>, loaded later by simFor.
func (p *prepared) loadTargets(stimuli []float32, n int) error {
	p.stimuli, p.images = stimuli, n
	kinds := p.cfg.Kinds
	base := filepath.Base(p.targetDir)
	subdirs := map[string]string{kindNeural: "", kindRaw: rawSubdir, kindRawWeighted: rawWeightedSubdir}
	if p.tsum.Simulated {
		subdirs[kindTruth] = truthSubdir
	}
	load := func(kind string) error {
		s, err := readTarget(filepath.Join(p.targetDir, subdirs[kind], rsa.TargetFile), n)
		if err != nil {
			return err
		}
		p.sims[kind] = &trainer.SimilarityData{Stimuli: stimuli, Target: s, N: n}
		p.targetIDs[kind] = kind + ":" + base
		return nil
	}
	for _, kind := range []string{kindNeural, kindRaw, kindRawWeighted, kindTruth} {
		_, ok := subdirs[kind]
		if !ok || !(contains(kinds, kind) || kind == kindNeural && contains(kinds, kindBaselinePairs)) {
			continue
		}
		if err := load(kind); err != nil {
			return err
		}
	}
	if contains(kinds, kindBaselinePairs) {
		p.sims[kindBaselinePairs] = p.sims[kindNeural]
		p.targetIDs[kindBaselinePairs] = "pairs:" + base
	}
	if contains(kinds, kindShuffled) {
		seed, err := targetShuffleSeed(p.targetDir)
		if err != nil {
			return err
		}
		den := func() ([]float32, error) { // read only if a permutation is missing
			if p.sims[kindNeural] == nil {
				if err := load(kindNeural); err != nil {
					return nil, err
				}
			}
			return p.sims[kindNeural].Target, nil
		}
		for s := range p.cfg.Seeds {
			sub, err := ensureShuffled(p.targetDir, den, n, seed, p.cfg.Train.Seed+uint64(s))
			if err != nil {
				return err
			}
			p.targetIDs[sub] = "shuffled:" + base + "/" + filepath.ToSlash(sub)
		}
	}
	if !contains(kinds, kindNeural) {
		delete(p.sims, kindNeural) // loaded for the pairs or the shuffles only
		delete(p.targetIDs, kindNeural)
	}
	return nil
}

// readTarget reads an n×n similarity matrix, naming the file on error.
func readTarget(path string, n int) ([]float32, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 2 || a.Shape[0] != n || a.Shape[1] != n {
		return nil, fmt.Errorf("%s: shape %v, want (%d, %d)", path, a.Shape, n, n)
	}
	return a.Float32(), nil
}

// targetShuffleSeed is the shuffle seed of the target stage in dir, as its
// config.json records it (targetConfig.ShuffleSeed, the simulation seed).
func targetShuffleSeed(dir string) (uint64, error) {
	var c targetConfig
	path := filepath.Join(dir, "config.json")
	if err := runio.ReadJSON(path, &c); err != nil {
		return 0, fmt.Errorf("the shuffled control's seed: %w", err)
	}
	if c.Stage != "target" {
		return 0, fmt.Errorf("%s: stage %q, want the target stage's configuration", path, c.Stage)
	}
	return c.ShuffleSeed, nil
}

// ensureShuffled makes sure the target stage's directory holds the
// shuffled control of training seed k in shuffleSeedSubdir(k): the
// denoised target (n×n, from den, called only when the files are
// missing) with rows and columns permuted by rsa.ShuffleSeeds(…, seed, k),
// as target.npy, and the permutation as perm.npy. Files already there are
// kept; a pair cut short (one file missing) is written again, atomically
// and identically, so concurrent runs may race. It returns the
// subdirectory.
func ensureShuffled(targetDir string, den func() ([]float32, error), n int, seed, k uint64) (string, error) {
	sub := shuffleSeedSubdir(k)
	d := filepath.Join(targetDir, sub)
	if fileExists(filepath.Join(d, rsa.TargetFile)) && fileExists(filepath.Join(d, rsa.PermFile)) {
		return sub, nil
	}
	target, err := den()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	s, perm := rsa.ShuffleSeeds(target, n, seed, k)
	if err := rsa.WriteTarget(d, s, n, perm); err != nil {
		return "", err
	}
	return sub, nil
}

// simFor returns the target of a unit's training: nil for the baseline;
// for the shuffled control its training seed's, loaded on first use
// (dropping the one loaded before, so at most one is held).
func (p *prepared) simFor(u unit) (*trainer.SimilarityData, error) {
	key := p.simKey(u)
	if d := p.sims[key]; d != nil || u.Kind != kindShuffled {
		return d, nil
	}
	if _, ok := p.targetIDs[key]; !ok {
		return nil, fmt.Errorf("shuffled seed %d: no permutation was prepared (%d seeds, kinds %s)", u.Seed, p.cfg.Seeds, strings.Join(p.cfg.Kinds, ","))
	}
	for k := range p.sims {
		if strings.HasPrefix(k, shuffleSubdir+string(filepath.Separator)) {
			delete(p.sims, k)
		}
	}
	s, err := readTarget(filepath.Join(p.targetDir, key, rsa.TargetFile), p.images)
	if err != nil {
		return nil, err
	}
	d := &trainer.SimilarityData{Stimuli: p.stimuli, Target: s, N: p.images}
	p.sims[key] = d
	return d, nil
}

// makeTransfer trains (or reuses) the first baseline model and makes the
// transfer examples on it.
func (p *prepared) makeTransfer(ctx context.Context, log io.Writer) error {
	if !contains(p.cfg.Kinds, kindBaseline) {
		return nil
	}
	tc := p.trainConfig(unit{Kind: kindBaseline})
	dir, err := runio.StageDir(p.out, "train", tc)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "baseline seed %d (transfer source) in %s\n", tc.Seed, dir)
	first := unit{Kind: kindBaseline}
	p.plan.Begin(trainStage(first))
	m, res, err := trainer.Train(ctx, tc, p.data, dir, trainer.Options{Log: log})
	if err != nil {
		return err
	}
	p.plan.Finish(trainStage(first), res.Seconds())
	endStage(trainStage(first))
	fmt.Fprintln(log, "transfer examples: APGD-CE on the baseline")
	p.plan.Begin(transferStage)
	p.transfer, err = robust.MakeTransferSets(ctx, robust.ModelOf(m), "baseline", p.test, p.cfg.Robust, 0)
	p.plan.Finish(transferStage, -1)
	endStage(transferStage)
	return err
}

// unit is one model of the experiment: a kind, a penalty weight and the
// index of a seed.
type unit struct {
	Kind  string  `json:"kind"`
	Alpha float64 `json:"alpha"`
	Seed  int     `json:"seed"` // 0 … Seeds−1, added to the training seed
}

// units lists the experiment's models in a fixed order (the index of a
// cluster's array task): per kind, per α, per seed. The baseline and
// baseline-pairs (alphaFree) are α = 0 controls, listed once per seed at
// α = 0 whatever the α sweep; every other kind at every α. The truth kind
// is listed but skipped on real recordings.
func units(cfg pipelineConfig) []unit {
	var us []unit
	for _, kind := range cfg.Kinds {
		alphas := cfg.Alphas
		if alphaFree(kind) {
			alphas = []float64{0}
		}
		for _, a := range alphas {
			for s := range cfg.Seeds {
				us = append(us, unit{Kind: kind, Alpha: a, Seed: s})
			}
		}
	}
	return us
}

// trainConfig is the training configuration of a unit: the baseline's with
// the training seed Train.Seed + u.Seed and, but for the baseline, the
// regulariser towards the unit's target (its identity in Reg.Target). The
// baseline-pairs control has Reg with α = 0 and PairsOnly (no Eps or
// Momentum: it computes no penalty), Reg.Target naming the stimulus set;
// the shuffled control's Reg.Target names its per-seed permutation's
// subdirectory.
func (p *prepared) trainConfig(u unit) trainer.Config {
	tc := p.cfg.Train
	tc.Seed += uint64(u.Seed)
	switch u.Kind {
	case kindBaseline:
	case kindBaselinePairs:
		tc.Reg = &trainer.RegConfig{Pairs: p.cfg.Pairs, Target: p.targetIDs[kindBaselinePairs], PairsOnly: true}
	default:
		tc.Reg = trainer.DefaultReg(p.targetIDs[p.simKey(u)])
		tc.Reg.Alpha, tc.Reg.Pairs = u.Alpha, p.cfg.Pairs
	}
	return tc
}

// robustDir is the directory of a unit's robustness evaluation.
func (p *prepared) robustDir(trainDir string) (string, error) {
	return runio.StageDir(p.out, "robust", struct {
		Train  string        `json:"train"`
		Robust robust.Config `json:"robust"`
	}{filepath.Base(trainDir), p.cfg.Robust})
}

// runUnit trains the unit's model and evaluates its robustness, reusing
// whatever is finished; it returns nil for a unit that does not apply
// (truth on real recordings).
func runUnit(ctx context.Context, p *prepared, u unit, log io.Writer) (*modelRun, error) {
	if u.Kind == kindTruth && !p.tsum.Simulated {
		fmt.Fprintln(log, "truth: skipped (real recordings have no noise-free responses)")
		p.plan.Skip(trainStage(u))
		p.plan.Skip(evaluateStage(u))
		return nil, nil
	}
	tc := p.trainConfig(u)
	dir, err := runio.StageDir(p.out, "train", tc)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "%s α=%g seed %d: training in %s\n", u.Kind, u.Alpha, tc.Seed, dir)
	p.plan.Begin(trainStage(u))
	sim, err := p.simFor(u)
	if err != nil {
		return nil, err
	}
	m, res, err := trainer.Train(ctx, tc, p.data, dir, trainer.Options{Log: log, Similarity: sim})
	if err != nil {
		return nil, fmt.Errorf("%s α=%g seed %d: %w", u.Kind, u.Alpha, tc.Seed, err)
	}
	p.plan.Finish(trainStage(u), res.Seconds())
	endStage(trainStage(u))
	r := newModelRun(u, tc, dir, res)
	rdir, err := p.robustDir(dir)
	if err != nil {
		return nil, err
	}
	resPath := filepath.Join(rdir, "robustness.json")
	if runio.Done(rdir) {
		p.plan.Skip(evaluateStage(u))
		var rr robust.Result
		if err := runio.ReadJSON(resPath, &rr); err != nil {
			return nil, err
		}
		r.Robustness, r.EvaluatedBy = &rr, runio.StageBuild(rdir)
		return r, nil
	}
	fmt.Fprintf(log, "robustness of %s α=%g seed %d\n", u.Kind, u.Alpha, tc.Seed)
	p.plan.Begin(evaluateStage(u))
	tr := p.transfer
	if u.Kind == kindBaseline && u.Seed == 0 {
		tr = nil // the source is not its own transfer target
	}
	rr, err := robust.Evaluate(ctx, robust.ModelOf(m), p.test, tr, p.cfg.Robust, 0, func(f string, a ...any) {
		fmt.Fprintf(log, f+"\n", a...)
	})
	if err != nil {
		return nil, fmt.Errorf("%s α=%g seed %d: %w", u.Kind, u.Alpha, tc.Seed, err)
	}
	if err := runio.WriteJSON(resPath, rr); err != nil {
		return nil, err
	}
	if err := runio.MarkDone(rdir); err != nil {
		return nil, err
	}
	p.plan.Finish(evaluateStage(u), -1)
	endStage(evaluateStage(u))
	r.Robustness, r.EvaluatedBy = rr, runio.StageBuild(rdir)
	return r, nil
}

// finishedUnit returns a unit's results if both its training and its
// robustness evaluation have finished, without computing anything.
func finishedUnit(p *prepared, u unit) (*modelRun, error) {
	if u.Kind == kindTruth && !p.tsum.Simulated {
		return nil, nil
	}
	tc := p.trainConfig(u)
	dir, err := runio.StageDir(p.out, "train", tc)
	if err != nil || !runio.Done(dir) {
		return nil, err
	}
	rdir, err := p.robustDir(dir)
	if err != nil || !runio.Done(rdir) {
		return nil, err
	}
	// A finished training directory returns its model without the target.
	_, res, err := trainer.Train(context.Background(), tc, p.data, dir, trainer.Options{Log: io.Discard})
	if err != nil {
		return nil, err
	}
	r := newModelRun(u, tc, dir, res)
	var rr robust.Result
	if err := runio.ReadJSON(filepath.Join(rdir, "robustness.json"), &rr); err != nil {
		return nil, err
	}
	r.Robustness, r.EvaluatedBy = &rr, runio.StageBuild(rdir)
	return r, nil
}

func newModelRun(u unit, tc trainer.Config, dir string, res trainer.Result) *modelRun {
	r := &modelRun{Kind: u.Kind, Seed: tc.Seed, Alpha: u.Alpha, TrainDir: dir, CleanAcc: res.Final().TestAcc, Epochs: res.Epochs,
		TrainedBy: runio.StageBuild(dir), TrainSecs: res.Seconds()}
	if ex := res.Final().Extra; ex != nil {
		r.SimLoss = ex["sim_loss"]
		for k := 0; ; k++ {
			g, ok := ex[fmt.Sprintf("gamma_%d", k)]
			if !ok {
				break
			}
			r.Gamma = append(r.Gamma, g)
		}
	}
	return r
}

// writeReportOf writes the report of the given runs and returns its directory.
func writeReportOf(p *prepared, runs []*modelRun) (string, error) {
	dir := filepath.Join(p.out, "report-"+p.cfg.Preset+"-"+runio.Hash(p.cfg))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	err := writeReport(dir, p.cfg, p.tsum, runs)
	endStage("report")
	return dir, err
}

// targetStimuli returns the stimulus image of every target row as
// [N][32][32] pixels in [0,1]: CIFAR-10 training images for a simulation
// (cifar_index.npy), else the recordings' images resized to 32×32.
func targetStimuli(targetDir, neuralDir string, d *cifar.Data) ([]float32, int, error) {
	if idxPath := filepath.Join(targetDir, stimulusIndexFile); fileExists(idxPath) {
		a, err := npy.ReadFile(idxPath)
		if err != nil {
			return nil, 0, err
		}
		idx, err := a.Int()
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", idxPath, err)
		}
		return d.Train.GrayFloat(idx), len(idx), nil
	}
	a, err := npy.ReadFile(filepath.Join(targetDir, imagesFile))
	if err != nil {
		return nil, 0, err
	}
	rows, err := a.Int()
	if err != nil {
		return nil, 0, err
	}
	ds, err := neural.Load(filepath.Join(neuralDir, neural.ManifestFile))
	if err != nil {
		return nil, 0, err
	}
	s := ds.Scans[0]
	out := make([]float32, 0, len(rows)*1024)
	for _, i := range rows {
		img := s.Images[i*s.Height*s.Width : (i+1)*s.Height*s.Width]
		out = append(out, resize01(img, s.Height, s.Width, cifar.Side, cifar.Side)...)
	}
	return out, len(rows), nil
}

// resize01 resamples an h×w image to oh×ow bilinearly (pixel centres
// aligned) and rescales it to [0,1] by its own range if it is outside.
func resize01(img []float32, h, w, oh, ow int) []float32 {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range img {
		lo, hi = min(lo, v), max(hi, v)
	}
	scale, shift := float32(1), float32(0)
	if lo < 0 || hi > 1 {
		scale, shift = 1/max(hi-lo, 1e-12), lo
	}
	out := make([]float32, oh*ow)
	for y := range oh {
		fy := min(max((float64(y)+0.5)*float64(h)/float64(oh)-0.5, 0), float64(h-1))
		y0 := int(fy)
		y1, ty := min(y0+1, h-1), float32(fy-float64(y0))
		for x := range ow {
			fx := min(max((float64(x)+0.5)*float64(w)/float64(ow)-0.5, 0), float64(w-1))
			x0 := int(fx)
			x1, tx := min(x0+1, w-1), float32(fx-float64(x0))
			v := (1-ty)*((1-tx)*img[y0*w+x0]+tx*img[y0*w+x1]) + ty*((1-tx)*img[y1*w+x0]+tx*img[y1*w+x1])
			out[y*ow+x] = (v - shift) * scale
		}
	}
	return out
}

// featureSimilarity is the similarity of m's feature map at place on the
// stimuli (evaluation mode): every feature unit a "neuron", centred across
// images, each image's vector unit-normalised, S = F·Fᵀ.
func featureSimilarity(m *nn.ResNet, stimuli []float32, n, place int) []float32 {
	m.SetTraining(false)
	defer m.SetTraining(true)
	const batch = 100
	var feats []float32
	dim := 0
	tape := autograd.NewTape(autograd.NoGrad)
	sc := cifar.PaperScaling
	for i0 := 0; i0 < n; i0 += batch {
		nb := min(batch, n-i0)
		x := make([]float32, nb*1024)
		for i, v := range stimuli[i0*1024 : (i0+nb)*1024] {
			x[i] = sc.Gain * (v - sc.Center)
		}
		_, fs := m.ForwardFeatures(tape.Attach(autograd.New(x, nb, 1, cifar.Side, cifar.Side)))
		f := fs[place]
		dim = len(f.Data) / nb
		feats = append(feats, f.Data...)
		tape.Release()
	}
	return rsa.Similarity(feats, n, dim)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
