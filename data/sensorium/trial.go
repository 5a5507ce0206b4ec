package sensorium

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/brainreg/brainreg/data/npy"
)

// The data folders: one file <i>.npy per trial i.
const (
	imagesDir    = "data/images"
	responsesDir = "data/responses"
	behaviorDir  = "data/behavior"
	pupilDir     = "data/pupil_center"
)

// trialFile is trial i's file in a data folder.
func trialFile(dir string, i int) string { return dir + "/" + strconv.Itoa(i) + ".npy" }

// checkFolder checks that dir holds exactly the files 0.npy … (n−1).npy,
// one per trial of tiers.npy; entries not ending in .npy are ignored.
func (t *Tree) checkFolder(dir string, n int) error {
	entries, err := fs.ReadDir(t.fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return t.errorf(dir, "missing folder (want %s … %s for the %d trials of %s)", trialFile(dir, 0), trialFile(dir, n-1), n, tiersFile)
	}
	if err != nil {
		return t.errorf(dir, "%w", err)
	}
	seen := make([]bool, n)
	for _, e := range entries {
		stem, ok := strings.CutSuffix(e.Name(), ".npy")
		if !ok || e.IsDir() {
			continue
		}
		i, err := strconv.Atoi(stem)
		if err != nil || i < 0 || i >= n || stem != strconv.Itoa(i) {
			return t.errorf(dir+"/"+e.Name(), "no such trial: %s has %d trials, files 0.npy … %d.npy", tiersFile, n, n-1)
		}
		seen[i] = true
	}
	for i, ok := range seen {
		if !ok {
			return t.errorf(trialFile(dir, i), "missing: %s lists trial %d", tiersFile, i)
		}
	}
	return nil
}

// vectorLen is k for a (k,) or (1, k) array, else −1.
func vectorLen(shape []int) int {
	switch {
	case len(shape) == 1:
		return shape[0]
	case len(shape) == 2 && shape[0] == 1:
		return shape[1]
	}
	return -1
}

// imageSize is (H, W) for a (1, H, W) or (H, W) array.
func imageSize(shape []int) (h, w int, ok bool) {
	switch {
	case len(shape) == 3 && shape[0] == 1:
		return shape[1], shape[2], true
	case len(shape) == 2:
		return shape[0], shape[1], true
	}
	return 0, 0, false
}

// decodeInto writes a's elements into dst (len(dst) = a.Len()), float64
// straight to float32 with no intermediate slice.
func decodeInto(dst []float32, a *npy.Array) {
	d := a.Data
	switch a.Dtype {
	case "f4":
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:]))
		}
	case "f8":
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])))
		}
	case "u1":
		for i := range dst {
			dst[i] = float32(d[i])
		}
	default:
		copy(dst, a.Float32())
	}
}

// firstNonFinite is the index of the first NaN or Inf in x, or −1 (a float64
// too large for float32 has become Inf by then and is caught too).
func firstNonFinite(x []float32) int {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i
		}
	}
	return -1
}

// pixelHash is FNV-1a over the pixels' bits: repeats of an image are
// compared by it without keeping their pixels.
func pixelHash(x []float32) uint64 {
	h := uint64(14695981039346656037)
	for _, v := range x {
		h = (h ^ uint64(math.Float32bits(v))) * 1099511628211
	}
	return h
}

// trialReader reads trials into a Recording whose arrays are allocated.
type trialReader struct {
	t        *Tree
	rec      *Recording
	owner    []int      // per image: the trial whose pixels are kept (its first showing)
	hash     []uint64   // per trial: pixelHash of its image
	behavior bool       // read data/behavior and data/pupil_center
	resizers []*resizer // ReadOptions.Resize's, in its order (Recording.Resized)
	scratch  sync.Pool  // *imageScratch
}

// imageScratch is one worker's buffers for an image: its pixels at full
// resolution, and what a resizer needs.
type imageScratch struct {
	px  []float32
	tmp []float64
}

// isFloat reports whether a is float32 or float64.
func isFloat(a *npy.Array) bool { return a.Dtype == "f4" || a.Dtype == "f8" }

// read reads trial i's files into row i of the recording's arrays.
func (r *trialReader) read(i int) error {
	t, rec := r.t, r.rec
	nn := rec.Neurons

	rel := trialFile(responsesDir, i)
	a, err := t.readArray(rel)
	if err != nil {
		return err
	}
	if !isFloat(a) {
		return t.errorf(rel, "dtype %s, want float32 or float64", a.Dtype)
	}
	if k := vectorLen(a.Shape); k != nn {
		return t.errorf(rel, "shape %s: %d neurons, want %d as in %s", npy.ShapeString(a.Shape), a.Len(), nn, trialFile(responsesDir, 0))
	}
	row := rec.Responses[i*nn : (i+1)*nn]
	decodeInto(row, a)
	if j := firstNonFinite(row); j >= 0 {
		return t.errorf(rel, "%v at neuron %d", row[j], j)
	}

	if r.behavior {
		for _, v := range []struct {
			dir  string
			cols int
			dst  []float32
		}{{behaviorDir, 3, rec.Behavior}, {pupilDir, 2, rec.PupilCenter}} {
			rel := trialFile(v.dir, i)
			a, err := t.readArray(rel)
			if err != nil {
				return err
			}
			if !isFloat(a) || vectorLen(a.Shape) != v.cols {
				return t.errorf(rel, "dtype %s shape %s, want float32 or float64 (%d,)", a.Dtype, npy.ShapeString(a.Shape), v.cols)
			}
			row := v.dst[i*v.cols : (i+1)*v.cols]
			decodeInto(row, a)
			if j := firstNonFinite(row); j >= 0 {
				return t.errorf(rel, "%v at column %d", row[j], j)
			}
		}
	}

	rel = trialFile(imagesDir, i)
	a, err = t.readArray(rel)
	if err != nil {
		return err
	}
	if a.Dtype != "u1" && !isFloat(a) {
		return t.errorf(rel, "dtype %s, want uint8, float32 or float64", a.Dtype)
	}
	if h, w, ok := imageSize(a.Shape); !ok || h != rec.Height || w != rec.Width {
		return t.errorf(rel, "shape %s, want (1, %d, %d) as in %s", npy.ShapeString(a.Shape), rec.Height, rec.Width, trialFile(imagesDir, 0))
	}
	hw := rec.Height * rec.Width
	img := rec.TrialImage[i]
	first := r.owner[img] == i
	var px []float32
	var buf *imageScratch
	if first && rec.Images != nil {
		px = rec.Images[img*hw : (img+1)*hw]
	} else {
		buf, _ = r.scratch.Get().(*imageScratch)
		if buf == nil {
			buf = &imageScratch{px: make([]float32, hw)}
		}
		defer r.scratch.Put(buf)
		px = buf.px
	}
	decodeInto(px, a)
	if j := firstNonFinite(px); j >= 0 {
		return t.errorf(rel, "%v at pixel (%d, %d)", px[j], j/rec.Width, j%rec.Width)
	}
	r.hash[i] = pixelHash(px)
	if first {
		for k, z := range r.resizers {
			if n := z.to.Height * rec.Width; len(buf.tmp) < n {
				buf.tmp = make([]float64, n)
			}
			sz := z.to.Height * z.to.Width
			z.into(rec.Resized[k].Images[img*sz:(img+1)*sz], px, buf.tmp[:z.to.Height*rec.Width])
		}
	}
	return nil
}
