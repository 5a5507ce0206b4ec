package main

// The sensorium stage: SENSORIUM 2022 scans given to -neural (a published
// zip file or its unzipped folder, package data/sensorium) converted once
// into a recordings data set that the predictor and target stages read
// like any other. The stage directory <out>/sensorium-<hash> is keyed by
// the conversion's options and a cheap identity of every source's content
// (a zip: its central directory's names, CRC-32s and sizes; a folder: its
// files' relative names, sizes and modification times), so an unchanged
// source is reused and a changed one converted again. It holds
//
//	manifest.json          the data set (package data/neural), written after the scans
//	<scan>/                each scan: images.npy (36×64), responses.npy, trial_image.npy, behavior.npy
//	cnn_images.npy         float32 (images, 32, 32): the same images for the CNN, pixel values 0–255
//	conversion.json        what was converted from where (sensorium.ConversionManifest per scan)
//	warnings.txt           the reader's and the conversion's warnings, one a line
//	config.json, DONE      the stage's configuration and its completion record (written last)
//
// Several scans make one data set only when they show the same images,
// compared by content: the similarity target averages the scans'
// similarity matrices over one image set.

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/brainreg/brainreg/data/neural"
	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/data/sensorium"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/internal/progress"
)

// Forms of a -neural path.
const (
	formRecordings = "recordings" // a directory with manifest.json
	formZip        = "zip"        // a SENSORIUM zip file
	formFolder     = "folder"     // an unzipped SENSORIUM folder
)

// neuralPath is one path of -neural and what it holds.
type neuralPath struct {
	Path string `json:"path"` // absolute; for a folder, the one holding data/ and meta/
	Form string `json:"form"`
	Scan string `json:"scan,omitempty"` // a SENSORIUM tree's scan name (sensorium.Tree.Name); "" for recordings
}

// neuralPaths splits -neural into its paths (comma-separated, unless the
// whole value names an existing file or directory) and finds what each
// holds: a recordings directory (with manifest.json), else a SENSORIUM
// zip file or unzipped folder by data/sensorium's rules (meta/trials/
// tiers.npy at the top or one folder down). A recordings directory is a
// data set of its own and must be given alone.
func neuralPaths(arg string) ([]neuralPath, error) {
	parts := []string{arg}
	if _, err := os.Stat(arg); err != nil && strings.Contains(arg, ",") {
		parts = strings.Split(arg, ",")
	}
	var out []neuralPath
	scans := map[string]string{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("-neural %q: an empty path in the list", arg)
		}
		np, err := classifyNeural(p)
		if err != nil {
			return nil, err
		}
		if np.Scan != "" {
			if prev, ok := scans[np.Scan]; ok {
				return nil, fmt.Errorf("-neural: %s and %s are both scan %s; give each scan once", prev, np.Path, np.Scan)
			}
			scans[np.Scan] = np.Path
		}
		out = append(out, np)
	}
	if len(out) > 1 {
		for _, np := range out {
			if np.Form == formRecordings {
				return nil, fmt.Errorf("-neural: %s is a recordings directory, a data set of its own: give it alone "+
					"(recordings directories are not combined with each other or with SENSORIUM scans; list their scans in one %s instead)",
					np.Path, neural.ManifestFile)
			}
		}
	}
	return out, nil
}

// classifyNeural finds what one -neural path holds.
func classifyNeural(p string) (neuralPath, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return neuralPath{}, fmt.Errorf("-neural %s: %w", p, err)
	}
	man := filepath.Join(p, neural.ManifestFile)
	info, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return neuralPath{}, fmt.Errorf("-neural %s: no such file or directory; want a recordings directory (with %s), a SENSORIUM zip file or an unzipped SENSORIUM folder", p, man)
	}
	if err != nil {
		return neuralPath{}, fmt.Errorf("-neural: %w", err)
	}
	if info.IsDir() {
		if _, err := os.Stat(man); err == nil {
			return neuralPath{Path: abs, Form: formRecordings}, nil
		}
	}
	t, err := sensorium.Open(abs)
	if err != nil {
		if info.IsDir() {
			return neuralPath{}, fmt.Errorf("-neural %s: neither a recordings directory (no %s) nor a SENSORIUM file tree: %w", p, man, err)
		}
		return neuralPath{}, fmt.Errorf("-neural %s: not a SENSORIUM zip file: %w", p, err)
	}
	defer t.Close()
	np := neuralPath{Path: abs, Form: formZip, Scan: t.Name}
	if info.IsDir() {
		np.Form, np.Path = formFolder, t.Root // the folder holding data/ and meta/
	}
	return np, nil
}

// sensoriumSource is one scan's part of the stage's configuration: its
// name and a cheap identity of its content (not its path, so a moved or
// copied source is reused).
type sensoriumSource struct {
	Scan  string `json:"scan"`
	Form  string `json:"form"` // zip or folder
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"` // uncompressed
	// Content is the SHA-256 of the listing: for a zip, every central
	// directory entry's name, CRC-32 and uncompressed size; for a folder,
	// every file's relative name, size and modification time (a changed
	// value in an .npy keeps its size, so the time stands in for the
	// checksum a folder lacks).
	Content string `json:"content"`
}

// sourceIdentity lists a SENSORIUM source's zip directory or folder.
func sourceIdentity(np neuralPath) (sensoriumSource, error) {
	src := sensoriumSource{Scan: np.Scan, Form: np.Form}
	var lines []string
	switch np.Form {
	case formZip:
		zr, err := zip.OpenReader(np.Path)
		if errors.Is(err, zip.ErrInsecurePath) && zr != nil {
			err = nil // as data/sensorium reads it
		}
		if err != nil {
			return src, fmt.Errorf("-neural %s: %w", np.Path, err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			lines = append(lines, fmt.Sprintf("%q %08x %d", f.Name, f.CRC32, f.UncompressedSize64))
			src.Bytes += int64(f.UncompressedSize64)
		}
	case formFolder:
		err := filepath.WalkDir(np.Path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			info, err := os.Stat(p) // follows a symlinked file
			if err != nil {
				return err
			}
			if info.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(np.Path, p)
			lines = append(lines, fmt.Sprintf("%q %d %d", filepath.ToSlash(rel), info.Size(), info.ModTime().UnixNano()))
			src.Bytes += info.Size()
			return nil
		})
		if err != nil {
			return src, fmt.Errorf("-neural %s: %w", np.Path, err)
		}
	default:
		return src, fmt.Errorf("-neural %s: %s is not a SENSORIUM form", np.Path, np.Form)
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintln(h, l)
	}
	src.Files, src.Content = len(lines), hex.EncodeToString(h.Sum(nil))
	return src, nil
}

// sensoriumConfig is what the sensorium stage's directory is keyed by.
type sensoriumConfig struct {
	Stage     string            `json:"stage"`
	Format    int               `json:"format"` // the stage directory's layout (sensoriumFormat)
	Sources   []sensoriumSource `json:"sources"`
	Predictor sensorium.Size    `json:"predictor_images"` // the scans' images.npy
	CNN       sensorium.Size    `json:"cnn_images"`       // cnn_images.npy
	Rule      string            `json:"rule"`             // sensorium.ResizeRule
	Withheld  string            `json:"withheld"`
}

// sensoriumGCPercent is the garbage collector's target (GOGC) while the
// stage runs.
const sensoriumGCPercent = 25

// sensoriumFormat is the layout the package comment describes; a change
// to it (or to what is converted) is a new number, so stages made before
// are not reused.
const sensoriumFormat = 1

// Files of the sensorium stage besides the recordings.
const (
	cnnImagesFile  = "cnn_images.npy"
	conversionFile = "conversion.json"
	warningsFile   = "warnings.txt"
)

// sensoriumRecord is conversion.json.
type sensoriumRecord struct {
	Sources []neuralPath                   `json:"sources"` // the paths this stage was converted from
	Scans   []sensorium.ConversionManifest `json:"scans"`   // image_ids in the data set's image order
	// CNNImages says what cnn_images.npy holds.
	CNNImages string  `json:"cnn_images"`
	Seconds   float64 `json:"seconds"`
}

const cnnImagesNote = "float32 (images, 32, 32): image k of every scan's images.npy at the CNN's size (rule in each scan's cnn_images), pixel values 0–255 as stored; the CNN's stimuli are value/255"

// sensoriumConfigFor is the stage's configuration for the sources.
func sensoriumConfigFor(paths []neuralPath) (sensoriumConfig, error) {
	cfg := sensoriumConfig{Stage: "sensorium", Format: sensoriumFormat, Predictor: sensorium.PredictorSize, CNN: sensorium.CNNSize,
		Rule: sensorium.ResizeRule, Withheld: "tiers whose responses are zero in every trial are dropped"}
	for _, np := range paths {
		src, err := sourceIdentity(np)
		if err != nil {
			return cfg, err
		}
		cfg.Sources = append(cfg.Sources, src)
	}
	return cfg, nil
}

// buildSensorium converts the SENSORIUM scans at paths into a recordings
// data set unless the stage is done, and returns its directory (the
// stage's, with manifest.json).
func buildSensorium(ctx context.Context, o *neuralOptions, paths []neuralPath) (string, error) {
	cfg, err := sensoriumConfigFor(paths)
	if err != nil {
		return "", err
	}
	dir, err := runio.StageDir(o.Out, "sensorium", cfg)
	if err != nil {
		return "", err
	}
	log := o.log()
	if runio.Done(dir) {
		fmt.Fprintf(log, "sensorium: reusing %s\n", dir)
		return dir, nil
	}
	// Reading makes garbage of every trial's files (≈ 70 kB a trial) beside
	// the arrays kept (≈ 0.26 GB for 6,000 trials × 8,000 neurons): with the
	// default GOGC the heap would grow to twice what is live before a
	// collection. A tighter target keeps the stage near what it holds, for
	// a few more collections of a heap that is mostly one big array.
	defer debug.SetGCPercent(debug.SetGCPercent(sensoriumGCPercent))
	start := time.Now()
	rec := sensoriumRecord{Sources: paths, CNNImages: cnnImagesNote}
	var ref *imageSet
	var warnings []string
	for k, np := range paths {
		info, set, warn, err := convertScan(ctx, o, np, dir, ref)
		if err != nil {
			// Unfinished, the stage is converted afresh next time: its
			// partial files are not worth the disk.
			os.RemoveAll(dir)
			return "", err
		}
		if k == 0 {
			ref = set
		}
		rec.Scans = append(rec.Scans, *info)
		for _, w := range warn {
			warnings = append(warnings, np.Scan+": "+w)
		}
	}
	names := make([]string, len(paths))
	for k, np := range paths {
		names[k] = np.Scan
	}
	m := &neural.Manifest{Format: neural.FormatVersion, Scans: names, OracleImages: ref.oracleList,
		Description: fmt.Sprintf("SENSORIUM 2022 scan %s (Willeke, Fahey et al. 2022), converted by cifar_reg's sensorium stage (data/sensorium)", strings.Join(names, ", "))}
	if err := neural.WriteManifest(filepath.Join(dir, neural.ManifestFile), m); err != nil {
		return "", err
	}
	if err := npy.AtomicWrite(filepath.Join(dir, warningsFile), func(w io.Writer) error {
		for _, l := range warnings {
			if _, err := fmt.Fprintln(w, l); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return "", err
	}
	rec.Seconds = time.Since(start).Seconds()
	if err := runio.WriteJSON(filepath.Join(dir, conversionFile), rec); err != nil {
		return "", err
	}
	if err := runio.MarkDone(dir); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "sensorium: %d scan(s) converted into %s (%s)\n", len(paths), dir, progress.Duration(time.Since(start)))
	endStage("sensorium")
	return dir, nil
}

// imageSet is the images of the data set's first scan, by content, that
// every other scan must show too.
type imageSet struct {
	scan       string
	path       string
	hash       []uint64 // per image index
	oracle     []bool   // per image index: shown in several trials
	oracleList []int    // the manifest's oracle images
}

// errImagesDiffer marks the error of scans that do not show the same images.
var errImagesDiffer = errors.New("-neural: the scans cannot make one data set")

// convertScan reads one scan (its images resized while reading), converts
// it and writes it into dir: the first scan (ref nil) with the CNN images,
// every later one with its images in the first scan's order, after checking
// that it shows the same single-trial and oracle images by content.
func convertScan(ctx context.Context, o *neuralOptions, np neuralPath, dir string, ref *imageSet) (*sensorium.ConversionManifest, *imageSet, []string, error) {
	log := o.log()
	t, err := sensorium.Open(np.Path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer t.Close()
	fmt.Fprintf(log, "sensorium %s: reading %s (%s) into %s\n", np.Scan, np.Path, np.Form, dir)
	start := time.Now()
	var bar *progress.Bar
	done := 0
	noBehavior := !t.HasBehavior()
	r, err := t.Read(ctx, sensorium.ReadOptions{
		NoBehavior: noBehavior,
		Resize:     []sensorium.Size{sensorium.PredictorSize, sensorium.CNNSize},
		Progress: func(d, total int) {
			if bar == nil {
				bar = progress.New(log, "sensorium "+np.Scan, "trials", total, 10*time.Second)
			}
			done = d
			bar.Update(d)
		},
	})
	if bar != nil {
		bar.Finish(done) // also when stopped: the trials read so far
	}
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := sensorium.Convert(r, sensorium.ConvertOptions{NoBehavior: noBehavior})
	if err != nil {
		return nil, nil, nil, err
	}
	if noBehavior {
		c.Warnings = append(c.Warnings, "the scan has no data/behavior or data/pupil_center: converted without behaviour (no shifter or modulator)")
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(log, "sensorium %s: warning: %s\n", np.Scan, w)
	}
	if len(c.Manifest.OracleImages) == 0 {
		withheld := ""
		if len(r.Withheld) > 0 {
			withheld = fmt.Sprintf(" (the responses of its tiers %s are withheld: zero in every trial)", strings.Join(r.Withheld, ", "))
		}
		return nil, nil, nil, fmt.Errorf("-neural %s: scan %s has no image with responses shown more than once%s: the target's reliability weights and the predictor's test correlation need the oracle repeats, so the scan cannot give a similarity target",
			np.Path, np.Scan, withheld)
	}
	if lo, hi := slices.Min(c.CNNImages), slices.Max(c.CNNImages); lo < 0 || hi > 255 {
		return nil, nil, nil, fmt.Errorf("%s: pixel values %g … %g, want 0–255 (the CNN's stimuli are pixel/255 in [0, 1])", np.Path, lo, hi)
	}
	oracle := make([]bool, c.Scan.NumImages)
	for _, k := range c.Manifest.OracleImages {
		oracle[k] = true
	}
	s := c.Scan
	if ref == nil {
		set := &imageSet{scan: np.Scan, path: np.Path, hash: r.ImageHash, oracle: oracle, oracleList: c.Manifest.OracleImages}
		if err := neural.WriteScan(filepath.Join(dir, s.Name), s); err != nil {
			return nil, nil, nil, err
		}
		if err := npy.WriteFile(filepath.Join(dir, cnnImagesFile), []int{s.NumImages, sensorium.CNNSize.Height, sensorium.CNNSize.Width}, c.CNNImages); err != nil {
			return nil, nil, nil, err
		}
		logConverted(o, np, c, start)
		return &c.Info, set, c.Warnings, nil
	}
	perm, err := matchImages(ref, np, r.ImageHash, oracle)
	if err != nil {
		return nil, nil, nil, err
	}
	// The scan in the first scan's image order.
	sz := s.Height * s.Width
	images := make([]float32, len(s.Images))
	ids := make([]int, len(perm))
	for own, k := range perm {
		copy(images[k*sz:(k+1)*sz], s.Images[own*sz:(own+1)*sz])
		ids[k] = c.Info.ImageIDs[own]
	}
	s.Images, c.Info.ImageIDs = images, ids
	for i, own := range s.TrialImage {
		s.TrialImage[i] = perm[own]
	}
	if err := neural.WriteScan(filepath.Join(dir, s.Name), s); err != nil {
		return nil, nil, nil, err
	}
	logConverted(o, np, c, start)
	return &c.Info, nil, c.Warnings, nil
}

// logConverted says what one scan became.
func logConverted(o *neuralOptions, np neuralPath, c *sensorium.Converted, start time.Time) {
	in := c.Info
	withheld := "none"
	if len(in.WithheldTiers) > 0 {
		withheld = strings.Join(in.WithheldTiers, ", ") + " (dropped)"
	}
	fmt.Fprintf(o.log(), "sensorium %s: %d trials × %d neurons, %d images (%d single-trial, %d oracle × ≥%d); withheld tiers: %s; %s\n",
		np.Scan, in.Trials, in.Neurons, in.Images, in.SingleImages, in.OracleImages, in.OracleRepeats, withheld, progress.Duration(time.Since(start)))
}

// matchImages maps a later scan's images onto the first scan's by content
// (perm[own] = the first scan's index): both must show the same
// single-trial images and the same oracle images, as multisets of
// content; otherwise the error names both scans and says why they are run
// one per run.
func matchImages(ref *imageSet, np neuralPath, hash []uint64, oracle []bool) ([]int, error) {
	type key struct {
		hash   uint64
		oracle bool
	}
	free := map[key][]int{}
	refSingle, refOracle := 0, 0
	for k, h := range ref.hash {
		free[key{h, ref.oracle[k]}] = append(free[key{h, ref.oracle[k]}], k)
		if ref.oracle[k] {
			refOracle++
		} else {
			refSingle++
		}
	}
	perm := make([]int, len(hash))
	ownSingle, ownOracle, missSingle, missOracle := 0, 0, 0, 0
	for own, h := range hash {
		if oracle[own] {
			ownOracle++
		} else {
			ownSingle++
		}
		q := free[key{h, oracle[own]}]
		if len(q) == 0 {
			if oracle[own] {
				missOracle++
			} else {
				missSingle++
			}
			continue
		}
		perm[own], free[key{h, oracle[own]}] = q[0], q[1:]
	}
	advice := fmt.Sprintf("the similarity target averages the similarity matrices of the scans of one image set, so such scans are run one per run (cifar_reg run -neural %s, then cifar_reg run -neural %s)",
		ref.path, np.Path)
	if missSingle > 0 || ownSingle != refSingle {
		return nil, fmt.Errorf("%w: scans %s and %s do not show the same single-trial images (compared by content, %d of %s's %d are not among %s's %d): %s",
			errImagesDiffer, ref.scan, np.Scan, missSingle, np.Scan, ownSingle, ref.scan, refSingle, advice)
	}
	if missOracle > 0 || ownOracle != refOracle {
		return nil, fmt.Errorf("%w: scans %s and %s show the same single-trial images but not the same repeated (oracle) images (%d of %s's %d are not among %s's %d), "+
			"and a data set lists one set of oracle images for all its scans: %s",
			errImagesDiffer, ref.scan, np.Scan, missOracle, np.Scan, ownOracle, ref.scan, refOracle, advice)
	}
	return perm, nil
}

// sensoriumStimuli returns the CNN's image of every target row (the
// target stage's images.npy) from a sensorium stage's cnn_images.npy, as
// [N][32][32] pixels/255 in [0, 1].
func sensoriumStimuli(targetDir, sensoriumDir string) ([]float32, int, error) {
	a, err := npy.ReadFile(filepath.Join(targetDir, imagesFile))
	if err != nil {
		return nil, 0, err
	}
	rows, err := a.Int()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", filepath.Join(targetDir, imagesFile), err)
	}
	path := filepath.Join(sensoriumDir, cnnImagesFile)
	c, err := npy.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	const side = 32
	if len(c.Shape) != 3 || c.Shape[1] != side || c.Shape[2] != side {
		return nil, 0, fmt.Errorf("%s: shape %s, want (images, %d, %d)", path, npy.ShapeString(c.Shape), side, side)
	}
	px := c.Float32()
	out := make([]float32, 0, len(rows)*side*side)
	for _, i := range rows {
		if i < 0 || i >= c.Shape[0] {
			return nil, 0, fmt.Errorf("%s: target row image %d out of range [0, %d) of %s", filepath.Join(targetDir, imagesFile), i, c.Shape[0], path)
		}
		for _, v := range px[i*side*side : (i+1)*side*side] {
			out = append(out, v/255)
		}
	}
	return out, len(rows), nil
}
