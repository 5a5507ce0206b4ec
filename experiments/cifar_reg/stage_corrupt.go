package main

// cifar_reg corrupt: the CIFAR-10 test set under the common corruptions of
// CIFAR-10-C (data/corrupt), grayscale, as NPY files: the images the
// robustness evaluation classifies (robust.CorruptionAccuracy corrupts
// image k of the test set with corrupt.ImageSeed(seed, k), as ApplyBatch
// does here, and the default seed is the presets').

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/corrupt"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/experiments/internal/buildinfo"
	"github.com/brainreg/brainreg/experiments/internal/robust"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/internal/progress"
)

func init() {
	register(&command{name: "corrupt", summary: "write the CIFAR-10 test set under CIFAR-10-C's corruptions (grayscale, severities 1–5) as NPY files",
		run: runCorrupt})
}

// The files of cifar_reg corrupt's directory, besides <corruption>_s<severity>.npy.
const (
	corruptManifestFile = "manifest.json"
	corruptLabelsFile   = "labels.npy"
	corruptCleanFile    = "clean.npy"
)

// corruptFile is the file of one corruption at one severity.
func corruptFile(name string, severity int) string {
	return fmt.Sprintf("%s_s%d.npy", name, severity)
}

// corruptManifest describes what cifar_reg corrupt wrote. It is written
// last: a directory without it is incomplete.
type corruptManifest struct {
	Dataset     string         `json:"dataset"`
	Source      string         `json:"source"` // the CIFAR-10 directory read
	Images      int            `json:"images"` // the first Images test images, in file order
	Shape       []int          `json:"shape"`  // of every image file
	Dtype       string         `json:"dtype"`
	Seed        uint64         `json:"seed"`
	ImageSeeds  string         `json:"image_seeds"`
	Severities  []int          `json:"severities"`
	Corruptions []corruptEntry `json:"corruptions"`
	Clean       string         `json:"clean"`  // the uncorrupted images
	Labels      string         `json:"labels"` // int64 classes, (Images,)
	Seconds     float64        `json:"seconds"`
	Written     string         `json:"written"`
	Build       buildinfo.Info `json:"build"`
}

type corruptEntry struct {
	Name   string   `json:"name"`
	Family string   `json:"family"`
	Index  int      `json:"index"` // in data/corrupt's (the reference's) order; selects the random stream
	Files  []string `json:"files"` // severities 1 … 5
}

// parseCorruptions resolves a comma-separated list of names ("" or "all":
// the 15).
func parseCorruptions(list string) ([]corrupt.Corruption, error) {
	if list == "" || list == "all" {
		return corrupt.All(), nil
	}
	names := strings.Split(list, ",")
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
	}
	cs, err := corrupt.Select(names)
	if err != nil {
		return nil, fmt.Errorf("-corruptions: %w", err)
	}
	return cs, nil
}

// applyParallel is c.ApplyBatch(imgs, severity, seed) on threads
// goroutines: image k with corrupt.ImageSeed(seed, k).
func applyParallel(ctx context.Context, c corrupt.Corruption, imgs []uint8, severity int, seed uint64, threads int) ([]uint8, error) {
	n := len(imgs) / corrupt.Size
	out := make([]uint8, len(imgs))
	const chunk = 64
	chunks := (n + chunk - 1) / chunk
	var next atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	for range min(threads, chunks) {
		g.Go(func() error {
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				b := int(next.Add(1)) - 1
				if b >= chunks {
					return nil
				}
				for k := b * chunk; k < min((b+1)*chunk, n); k++ {
					img, err := c.Apply(imgs[k*corrupt.Size:(k+1)*corrupt.Size], severity, corrupt.ImageSeed(seed, k))
					if err != nil {
						return err
					}
					copy(out[k*corrupt.Size:], img)
				}
			}
		})
	}
	return out, g.Wait()
}

func runCorrupt(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("corrupt", flag.ContinueOnError)
	out := fs.String("out", "", "directory for the NPY files and manifest.json, required")
	images := fs.Int("images", 0, "the first N test images (default: all 10,000)")
	list := fs.String("corruptions", "all", "comma-separated corruptions, of "+strings.Join(corrupt.Names(), ","))
	seed := fs.Uint64("seed", robust.DefaultCorruptSeed, "seed of the random corruptions (the robustness presets')")
	threads := fs.Int("threads", 0, "goroutines (default: all cores, or SLURM_CPUS_PER_TASK)")
	var data cifar.Options
	data.AddFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("corrupt: -out DIR is required (where the NPY files go)")
	}
	if *images < 0 {
		return fmt.Errorf("corrupt: -images %d: want a number of test images ≥ 0 (0: all)", *images)
	}
	cs, err := parseCorruptions(*list)
	if err != nil {
		return fmt.Errorf("corrupt: %w", err)
	}
	setThreads(*threads)
	// Room for the larger of the request and the whole test set.
	want := uint64(max(*images, 10000)) * uint64(corrupt.Size*(len(cs)*corrupt.Severities+1)+8)
	if err := runio.CheckWritable(*out, want+(16<<20)); err != nil {
		return err
	}
	d, err := cifar.Load(ctx, cifar.CIFAR10(), data)
	if err != nil {
		return err
	}
	n := d.Test.Len()
	if *images > n {
		return fmt.Errorf("corrupt: -images %d: the test set has only %d images", *images, n)
	}
	if *images > 0 {
		n = *images
	}
	// An earlier manifest would describe files about to be replaced.
	manifest := filepath.Join(*out, corruptManifestFile)
	if err := os.Remove(manifest); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	start := time.Now()
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	gray := d.Test.GrayBytes(idx)
	shape := []int{n, corrupt.Side, corrupt.Side}
	if err := npy.WriteFile(filepath.Join(*out, corruptCleanFile), shape, gray); err != nil {
		return err
	}
	if err := npy.WriteFile(filepath.Join(*out, corruptLabelsFile), []int{n}, d.Test.Labels[:n]); err != nil {
		return err
	}
	m := corruptManifest{
		Dataset: "CIFAR-10 test set, grayscale (data/cifar's Gray, Pillow's L), under the CIFAR-10-C corruptions of data/corrupt",
		Source:  d.Dir, Images: n, Shape: shape, Dtype: "uint8", Seed: *seed,
		ImageSeeds: "test image k is corrupted with corrupt.ImageSeed(seed, k) at every severity (corrupt.ApplyBatch over the images)",
		Clean:      corruptCleanFile, Labels: corruptLabelsFile,
	}
	for s := 1; s <= corrupt.Severities; s++ {
		m.Severities = append(m.Severities, s)
	}
	workers := runtime.GOMAXPROCS(0)
	for _, c := range cs {
		t0 := time.Now()
		e := corruptEntry{Name: c.Name, Family: c.Family, Index: c.Index}
		for s := 1; s <= corrupt.Severities; s++ {
			img, err := applyParallel(ctx, c, gray, s, *seed, workers)
			if err != nil {
				return fmt.Errorf("corrupt: %s severity %d: %w", c.Name, s, err)
			}
			name := corruptFile(c.Name, s)
			if err := npy.WriteFile(filepath.Join(*out, name), shape, img); err != nil {
				return err
			}
			e.Files = append(e.Files, name)
		}
		m.Corruptions = append(m.Corruptions, e)
		fmt.Fprintf(os.Stderr, "corrupt: %s, severities 1–%d, %d images (%s)\n", c.Name, corrupt.Severities, n, progress.Duration(time.Since(t0)))
	}
	m.Seconds = time.Since(start).Seconds()
	m.Written, m.Build = time.Now().UTC().Format(time.RFC3339), buildinfo.Get()
	if err := runio.WriteJSON(manifest, m); err != nil {
		return err
	}
	endStage("corrupt")
	fmt.Printf("wrote %d corruptions × %d severities of %d test images to %s (%s; %s)\n",
		len(cs), corrupt.Severities, n, *out, corruptManifestFile, progress.Duration(time.Since(start)))
	return nil
}
