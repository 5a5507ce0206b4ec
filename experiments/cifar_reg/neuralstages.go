package main

// The neural stages of the pipeline: simulate (a mouse-V1 recording of the
// stimulus images) or, for SENSORIUM 2022 scans given to -neural, sensorium
// (the scans converted to the recordings format, stage_sensorium.go),
// predictor (one denoising model per scan) and target (the neural
// similarity target and its controls). Each stage lives in a directory
// <out>/<stage>-<hash>, the hash taken over the stage's configuration and
// the identity of its inputs (the directory of the stage before it, for a
// recordings directory its path, manifest and file sizes and times, for
// SENSORIUM scans their content's listing), so a rerun with the same
// settings reuses finished stages (runio.Done) and a changed setting or
// input starts afresh. Every stage runs the ones it needs first.
//
// For the end-to-end command:
//
//	dir, summary, err := buildTarget(ctx, opts)
//
// returns the target stage's directory (targetFile there is the denoised
// similarity target, float32 images×images over the single-shown images)
// and its summary.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/rsa"
	"github.com/brainreg/brainreg/data/v1sim"
	"github.com/brainreg/brainreg/nn/predictor"
)

// Stimulus set: the CIFAR-10 training images held out of classification.
// The trainer excludes the same indices (Stimuli 5100, StimulusSeed 1).
const (
	stimulusCount = 5100
	stimulusSeed  = 1
)

// neuralOptions configure the neural stages.
type neuralOptions struct {
	Preset string // tiny, default or paper: sizes of the simulation and the predictor
	Out    string // root of the stage directories
	Seed   uint64 // seeds the simulation, the predictors and the shuffled control (0: the preset's)
	// Neural is what to use instead of simulating ("" to simulate): a
	// recordings directory (manifest.json), or one or more SENSORIUM 2022
	// scans, zip files or unzipped folders, comma-separated (neuralPaths),
	// converted by the sensorium stage.
	Neural string
	Data   cifar.Options // where the CIFAR-10 stimuli come from
	Log    io.Writer     // progress and messages (os.Stderr if nil)
	Cifar  *cifar.Data   // already loaded CIFAR-10, or nil to load when needed
	// Similarity is the precision of the target stage's products R·Rᵀ
	// (the zero value is rsa.FP32).
	Similarity rsa.Precision

	// sensoriumDir is set by recordings when Neural is SENSORIUM scans:
	// the sensorium stage's directory, whose cnn_images.npy gives the
	// target's stimuli (neuralStimuli).
	sensoriumDir string
	// recordingsDir is set by recordings when Neural is a recordings
	// directory: its absolute path.
	recordingsDir string
}

func (o *neuralOptions) log() io.Writer {
	if o.Log == nil {
		return os.Stderr
	}
	return o.Log
}

// addNeuralFlags registers the flags shared by the neural stages.
func addNeuralFlags(fs *flag.FlagSet, o *neuralOptions, withNeural bool) *int {
	fs.StringVar(&o.Preset, "preset", "default", "tiny (tests, a few minutes in all), default (reduced scale) or paper (8 scans × 8,000 neurons)")
	fs.StringVar(&o.Out, "out", "runs", "directory for stage outputs (a subdirectory per stage and configuration)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the simulation, the predictors and the shuffled control (default: the preset's, 1)")
	if withNeural {
		fs.StringVar(&o.Neural, "neural", "", neuralUsage)
	}
	o.Data.AddFlags(fs)
	return fs.Int("threads", 0, "goroutines for the kernels (default: all cores)")
}

// neuralUsage is the -neural flag's text.
const neuralUsage = "recordings to use instead of the simulation: a recordings directory (with manifest.json), " +
	"or a SENSORIUM 2022 scan (its zip file or unzipped folder; several comma-separated only if they show the same images), converted once into -out (docs/sensorium.md)"

// neuralPreset is the sizes of one preset.
type neuralPreset struct {
	Sim       v1sim.Config
	Predictor predictor.Config
}

// presetFor returns the preset's configurations with the seed applied.
func presetFor(name string, seed uint64) (neuralPreset, error) {
	var p neuralPreset
	var err error
	switch name {
	case "tiny":
		// 2 scans × 500 neurons, 400 single + 20 oracle images × 10.
		p.Sim = v1sim.Tiny()
	case "default":
		// 4 scans × 1,000 neurons, 2,000 single + 100 oracle images × 10:
		// a few minutes per scan.
		p.Sim = v1sim.Paper()
		p.Sim.Scans, p.Sim.Neurons, p.Sim.SingleImages = 4, 1000, 2000
	case "paper":
		p.Sim = v1sim.Paper()
	default:
		return p, fmt.Errorf("-preset: unknown preset %q (want tiny, default or paper)", name)
	}
	if p.Predictor, err = predictor.Preset(name); err != nil {
		return p, err
	}
	if seed != 0 {
		p.Sim.Seed, p.Predictor.Seed = seed, seed
	}
	return p, nil
}

// recordingsIdentity identifies a recordings directory given by the user:
// its absolute path, the manifest's bytes and the name, size and
// modification time of every file in the scan directories. A change to any
// of them changes the hash of the stages that read it.
func recordingsIdentity(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	man := filepath.Join(abs, neural.ManifestFile)
	raw, err := os.ReadFile(man)
	if err != nil {
		return "", fmt.Errorf("-neural: %w (want a recordings directory with %s)", err, neural.ManifestFile)
	}
	m, err := neural.ReadManifest(man)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", abs, raw)
	for _, s := range m.Scans {
		entries, err := os.ReadDir(filepath.Join(abs, s))
		if err != nil {
			return "", err
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, n := range names {
			info, err := os.Stat(filepath.Join(abs, s, n))
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s/%s %d %d\n", s, n, info.Size(), info.ModTime().UnixNano())
		}
	}
	return "recordings:" + abs + "@" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// recordings returns the recordings directory the later stages read and
// its identity: the one given by -neural, the sensorium stage's for
// SENSORIUM scans given by -neural (converted first if need be; identity
// sensorium:<stage directory>, whose hash covers the sources' content), or
// the simulation's (run first if need be).
func recordings(ctx context.Context, o *neuralOptions) (dir, identity string, simulated bool, err error) {
	if o.Neural != "" {
		paths, err := neuralPaths(o.Neural)
		if err != nil {
			return "", "", false, err
		}
		if paths[0].Form != formRecordings {
			dir, err := buildSensorium(ctx, o, paths)
			if err != nil {
				return "", "", false, err
			}
			o.sensoriumDir = dir
			return dir, "sensorium:" + filepath.Base(dir), false, nil
		}
		id, err := recordingsIdentity(paths[0].Path)
		if err != nil {
			return "", "", false, err
		}
		o.recordingsDir = paths[0].Path
		return paths[0].Path, id, false, nil
	}
	dir, err = buildSimulation(ctx, o)
	if err != nil {
		return "", "", false, err
	}
	return dir, "simulation:" + filepath.Base(dir), true, nil
}

// toRecording converts a scan for the predictor; oracle lists the repeated
// images.
func toRecording(s *neural.Scan, oracle []int) *predictor.Recording {
	return &predictor.Recording{
		Images: s.Images, NumImages: s.NumImages, Height: s.Height, Width: s.Width,
		Responses: s.Responses, Trials: s.Trials, Neurons: s.Neurons,
		TrialImage: s.TrialImage, Behavior: s.Behavior, Oracle: oracle,
	}
}

// neuralStimuli is the stimulus image of every row of the target in
// targetDir, [N][32][32] in [0, 1], for the recordings o's stages read
// (call it after buildTarget): for SENSORIUM scans their 32×32 CNN images
// (sensoriumStimuli), else what targetStimuli gives (CIFAR-10 images for a
// simulation, a recordings directory's images resized).
func neuralStimuli(targetDir string, o *neuralOptions, d *cifar.Data) ([]float32, int, error) {
	if o.sensoriumDir != "" {
		return sensoriumStimuli(targetDir, o.sensoriumDir)
	}
	neuralDir := o.Neural
	if o.recordingsDir != "" {
		neuralDir = o.recordingsDir
	}
	return targetStimuli(targetDir, neuralDir, d)
}
