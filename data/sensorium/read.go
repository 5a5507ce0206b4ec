package sensorium

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"slices"
	"sync"

	"github.com/brainreg/brainreg/data/npy"
	"golang.org/x/sync/errgroup"
)

// ReadOptions configure Tree.Read; the zero value reads everything with
// one goroutine per core.
type ReadOptions struct {
	// Workers bounds the goroutines reading trials (0: GOMAXPROCS).
	Workers int
	// Progress, if not nil, is called after each trial is read with the
	// trials done so far and the total, one call at a time and with done
	// increasing, so it needs no locking of its own.
	Progress func(done, total int)
	// NoBehavior reads the scan without data/behavior and data/pupil_center
	// (Behavior and PupilCenter stay nil); without it their absence is an error.
	NoBehavior bool
	// KeepWithheld keeps the trials of withheld tiers (responses all zero)
	// instead of dropping them; they are still listed in Withheld.
	KeepWithheld bool
	// Resize, if not empty, brings each distinct image to these sizes by
	// ResizeRule as it is read and keeps only them: Recording.Images is
	// nil and Recording.Resized holds one set per size, so the images cost
	// NumImages × the sizes' pixels rather than NumImages × 144×256 (a
	// full-resolution image is held only while it is read, one per
	// worker). Convert then takes its sizes from them, with the same
	// result as from the full images.
	Resize []Size
}

// Resized is the distinct images at one size of ReadOptions.Resize.
type Resized struct {
	Size   Size
	Crop   Rect      // of the source image (CenterCrop)
	Images []float32 // NumImages×Size.Height×Size.Width, image k being Recording image k
}

// Recording is one scan as read: the distinct images once each, and per
// trial its response, image, tier and behaviour. Trial order is that of the
// files (0.npy, 1.npy, …), which says nothing of presentation order.
type Recording struct {
	Name string // the tree's name, e.g. static26872-17-20-GrayImageNet-94c6ff995dac583098847cfecd43e7b6
	Key  string // animal-session-scan, e.g. 26872-17-20 (sensorium's data_key), or "" when Name is not so formed

	// Images holds the distinct images, sorted by frame_image_id, pixel
	// values as stored (0–255): NumImages×Height×Width, row-major; nil
	// when read with ReadOptions.Resize, which keeps Resized instead.
	// Height and Width are the stored size all the same.
	Images                   []float32
	NumImages, Height, Width int
	ImageID                  []int     // NumImages: each image's frame_image_id
	Resized                  []Resized // the images at the sizes of ReadOptions.Resize, in its order; nil without it
	// ImageHash identifies each image's content: FNV-1a over the bits of
	// its pixels as float32 (so a uint8 200 and a float 200.0 hash alike),
	// from the full-resolution pixels of its first showing. Scans compare
	// their images by it.
	ImageHash []uint64

	Trials, Neurons int
	Responses       []float32 // Trials×Neurons: data/responses/<TrialFile[i]>.npy in row i
	TrialImage      []int     // Trials: index into Images
	TrialFile       []int     // Trials: the <i> of the trial's files and its row in meta/trials (differs from the row when trials were dropped)
	Tier            []string  // Trials: meta/trials/tiers.npy
	TrialIdx        []string  // Trials: meta/trials/trial_idx.npy as text (hashed in the competition scans), or nil without the file

	Behavior    []float32 // Trials×3: pupil dilation, its derivative, running speed; nil with ReadOptions.NoBehavior
	PupilCenter []float32 // Trials×2: horizontal, vertical pupil position; nil with ReadOptions.NoBehavior

	UnitIDs              []int     // Neurons: meta/neurons/unit_ids.npy, or nil without it
	CellMotorCoordinates []float32 // Neurons×3 (x, y, z in µm), or nil without it

	Withheld []string // tiers whose responses are zero in every trial, in order of first trial
	Warnings []string // what was dropped or looks wrong, one sentence each
}

// keyPattern extracts animal-session-scan from a SENSORIUM file name.
var keyPattern = regexp.MustCompile(`^static(\d+-\d+-\d+)-`)

// Read reads every trial, Workers at a time, and checks the tree as the
// package comment describes. Cancelling ctx stops it with ctx's error.
func (t *Tree) Read(ctx context.Context, opts ReadOptions) (*Recording, error) {
	meta, err := t.readTrialsMeta()
	if err != nil {
		return nil, err
	}
	n := len(meta.tiers)
	dirs := []string{responsesDir, imagesDir}
	if !opts.NoBehavior {
		dirs = append(dirs, behaviorDir, pupilDir)
	}
	for _, dir := range dirs {
		if err := t.checkFolder(dir, n); err != nil {
			if dir == behaviorDir || dir == pupilDir {
				return nil, fmt.Errorf("%w (ReadOptions.NoBehavior reads the scan without behaviour)", err)
			}
			return nil, err
		}
	}

	rec := &Recording{Name: t.Name, Trials: n, Tier: meta.tiers, TrialIdx: meta.trialIdx, TrialFile: make([]int, n), TrialImage: make([]int, n)}
	if m := keyPattern.FindStringSubmatch(t.Name); m != nil {
		rec.Key = m[1]
	}
	for i := range rec.TrialFile {
		rec.TrialFile[i] = i
	}
	rec.ImageID = slices.Compact(slices.Sorted(slices.Values(meta.imageID)))
	rec.NumImages = len(rec.ImageID)
	owner := make([]int, rec.NumImages)
	for k := range owner {
		owner[k] = -1
	}
	for i, id := range meta.imageID {
		k, _ := slices.BinarySearch(rec.ImageID, id)
		rec.TrialImage[i] = k
		if owner[k] < 0 {
			owner[k] = i
		}
	}

	if err := t.sizes(rec); err != nil {
		return nil, err
	}
	if len(opts.Resize) == 0 {
		rec.Images = make([]float32, rec.NumImages*rec.Height*rec.Width)
	}
	r := &trialReader{t: t, rec: rec, owner: owner, hash: make([]uint64, n), behavior: !opts.NoBehavior}
	src := Size{Height: rec.Height, Width: rec.Width}
	for _, to := range opts.Resize {
		if to.Height < 1 || to.Width < 1 {
			return nil, fmt.Errorf("sensorium: ReadOptions.Resize: image size %s: want positive", to)
		}
		if !fits(t.budget, rec.NumImages, to.Height, to.Width) {
			return nil, fmt.Errorf("%s: %d images of %s are more than its %d bytes can hold (corrupt?)", t.Path, rec.NumImages, to, t.budget/maxDeflateRatio)
		}
		z := newResizer(src, to)
		r.resizers = append(r.resizers, z)
		rec.Resized = append(rec.Resized, Resized{Size: to, Crop: z.crop, Images: make([]float32, rec.NumImages*to.Height*to.Width)})
	}
	rec.Responses = make([]float32, n*rec.Neurons)
	if !opts.NoBehavior {
		rec.Behavior = make([]float32, 3*n)
		rec.PupilCenter = make([]float32, 2*n)
	}
	if err := readAll(ctx, n, opts, r.read); err != nil {
		return nil, err
	}

	rec.ImageHash = make([]uint64, rec.NumImages)
	for k, i := range owner {
		rec.ImageHash[k] = r.hash[i]
	}
	if err := t.compareRepeats(r); err != nil {
		return nil, err
	}
	if err := rec.dropWithheld(opts.KeepWithheld); err != nil {
		return nil, fmt.Errorf("%s: %w", t.Path, err)
	}
	if rec.Behavior != nil && allZero(rec.Behavior) && allZero(rec.PupilCenter) {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("%s and %s are zero in every trial (withheld, as in the competition scan 26872-17-20): the behaviour carries no information", behaviorDir, pupilDir))
	}
	if rec.UnitIDs, rec.CellMotorCoordinates, err = t.readNeuronsMeta(rec.Neurons); err != nil {
		return nil, err
	}
	return rec, nil
}

// sizes sets the recording's neurons and image size from trial 0, and
// checks that the arrays they imply fit in what the tree can hold.
func (t *Tree) sizes(rec *Recording) error {
	rel := trialFile(responsesDir, 0)
	a, err := t.readArray(rel)
	if err != nil {
		return err
	}
	if rec.Neurons = vectorLen(a.Shape); rec.Neurons < 1 {
		return t.errorf(rel, "shape %s, want (neurons,) with at least one neuron", npy.ShapeString(a.Shape))
	}
	rel = trialFile(imagesDir, 0)
	if a, err = t.readArray(rel); err != nil {
		return err
	}
	h, w, ok := imageSize(a.Shape)
	if !ok || h < 1 || w < 1 {
		return t.errorf(rel, "shape %s, want (1, height, width)", npy.ShapeString(a.Shape))
	}
	rec.Height, rec.Width = h, w
	if !fits(t.budget, rec.NumImages, h, w) || !fits(t.budget, rec.Trials, rec.Neurons) {
		return fmt.Errorf("%s: %d images of %d×%d and %d trials of %d neurons are more than its %d bytes can hold (corrupt?)",
			t.Path, rec.NumImages, h, w, rec.Trials, rec.Neurons, t.budget/maxDeflateRatio)
	}
	return nil
}

// fits reports whether the product of dims is at most limit.
func fits(limit int, dims ...int) bool {
	p := 1
	for _, d := range dims {
		if d != 0 && p > limit/d {
			return false
		}
		p *= d
	}
	return p <= limit
}

// readAll calls read for trials 0 … n−1 on at most opts.Workers goroutines
// and reports progress; the first error stops the rest.
func readAll(ctx context.Context, n int, opts ReadOptions, read func(int) error) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	var mu sync.Mutex
	done := 0
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			if err := read(i); err != nil {
				return err
			}
			if opts.Progress != nil {
				mu.Lock()
				done++
				opts.Progress(done, n)
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// compareRepeats warns about trials whose image has the frame_image_id of
// an earlier trial but other pixels; the earlier trial's are kept.
func (t *Tree) compareRepeats(r *trialReader) error {
	rec := r.rec
	var differ []int
	for i, k := range rec.TrialImage {
		if r.hash[i] != r.hash[r.owner[k]] {
			differ = append(differ, i)
		}
	}
	if len(differ) == 0 {
		return nil
	}
	i, k := differ[0], rec.TrialImage[differ[0]]
	a, err := t.readArray(trialFile(imagesDir, i))
	if err != nil {
		return err
	}
	hw := rec.Height * rec.Width
	px := make([]float32, hw)
	decodeInto(px, a)
	var first []float32
	if rec.Images != nil {
		first = rec.Images[k*hw : (k+1)*hw]
	} else { // read with ReadOptions.Resize: read the first showing again
		if a, err = t.readArray(trialFile(imagesDir, r.owner[k])); err != nil {
			return err
		}
		first = make([]float32, hw)
		decodeInto(first, a)
	}
	maxDiff := 0.0
	for j, v := range first {
		maxDiff = math.Max(maxDiff, math.Abs(float64(v)-float64(px[j])))
	}
	rec.Warnings = append(rec.Warnings, fmt.Sprintf(
		"%d trials show an image whose pixels differ from the first trial with its frame_image_id, e.g. %s (id %d) differs from %s by up to %g; the first trial's pixels are used",
		len(differ), trialFile(imagesDir, i), rec.ImageID[k], trialFile(imagesDir, r.owner[k]), maxDiff))
	return nil
}

// allZero reports whether every element of x is zero.
func allZero(x []float32) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}
