// Package neural reads, checks and writes neural recordings in the project's
// recordings format, and adapts the small real mouse V1 data sets kept in
// ../shared/data/neural to it.
//
// # Recordings format
//
// A data set is a directory with a JSON manifest (manifest.json) and one
// directory per scan. A scan directory holds NumPy .npy files:
//
//	images.npy         (N, H, W)         uint8 or float32  the stimuli, grayscale
//	responses.npy      (trials, neurons) float32 or float64 one response per trial and neuron
//	trial_image.npy    (trials,)         any integer dtype  the image each trial showed, in [0, N)
//	behavior.npy       (trials, 4)       float32 or float64 optional: pupil x, pupil y, pupil size, running speed
//	responses_true.npy (N, neurons)      float32 or float64 optional, simulated data only: noise-free responses
//
// No value may be NaN or Inf. The manifest (see Manifest) names the scan
// directories and the oracle images: the images shown repeatedly, by index
// into each scan's images.npy. Unknown manifest fields are an error, so that
// a misspelt field is not silently ignored.
package neural

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/brainreg/brainreg/data/npy"
)

// File names inside a scan directory.
const (
	ImagesFile     = "images.npy"
	ResponsesFile  = "responses.npy"
	TrialImageFile = "trial_image.npy"
	BehaviorFile   = "behavior.npy"
	TruthFile      = "responses_true.npy"
)

// BehaviorColumns is the width of behavior.npy and the meaning of its columns.
var BehaviorColumns = [4]string{"pupil_x", "pupil_y", "pupil_size", "running_speed"}

// Scan is one recording session: a population of neurons recorded together
// while a set of images was shown, some of them repeatedly.
type Scan struct {
	Name string // the scan directory's name

	Images                   []float32 // NumImages×Height×Width, row-major
	NumImages, Height, Width int

	Responses       []float32 // Trials×Neurons
	Trials, Neurons int
	TrialImage      []int // Trials: the image each trial showed

	Behavior []float32 // Trials×4 (see BehaviorColumns), or nil
	Truth    []float32 // NumImages×Neurons noise-free responses (simulations), or nil
}

// Validate checks that the scan's arrays agree with each other and hold no
// NaN or Inf; the error names the file the problem would be in.
func (s *Scan) Validate() error {
	name := s.Name
	if s.NumImages < 1 || s.Height < 1 || s.Width < 1 || len(s.Images) != s.NumImages*s.Height*s.Width {
		return fmt.Errorf("scan %s: %s: %d values for shape (%d, %d, %d)", name, ImagesFile, len(s.Images), s.NumImages, s.Height, s.Width)
	}
	if s.Trials < 1 || s.Neurons < 1 || len(s.Responses) != s.Trials*s.Neurons {
		return fmt.Errorf("scan %s: %s: %d values for shape (%d, %d)", name, ResponsesFile, len(s.Responses), s.Trials, s.Neurons)
	}
	if len(s.TrialImage) != s.Trials {
		return fmt.Errorf("scan %s: %s has %d trials, %s has %d", name, TrialImageFile, len(s.TrialImage), ResponsesFile, s.Trials)
	}
	for t, i := range s.TrialImage {
		if i < 0 || i >= s.NumImages {
			return fmt.Errorf("scan %s: %s: trial %d shows image %d, out of range [0, %d) of %s", name, TrialImageFile, t, i, s.NumImages, ImagesFile)
		}
	}
	if err := finite(s.Images, s.Width*s.Height, "image", "pixel"); err != nil {
		return fmt.Errorf("scan %s: %s: %w", name, ImagesFile, err)
	}
	if err := finite(s.Responses, s.Neurons, "trial", "neuron"); err != nil {
		return fmt.Errorf("scan %s: %s: %w", name, ResponsesFile, err)
	}
	if s.Behavior != nil {
		if len(s.Behavior) != 4*s.Trials {
			return fmt.Errorf("scan %s: %s: %d values, want (%d, 4) to match the %d trials of %s", name, BehaviorFile, len(s.Behavior), s.Trials, s.Trials, ResponsesFile)
		}
		if err := finite(s.Behavior, 4, "trial", "column"); err != nil {
			return fmt.Errorf("scan %s: %s: %w", name, BehaviorFile, err)
		}
	}
	if s.Truth != nil {
		if len(s.Truth) != s.NumImages*s.Neurons {
			return fmt.Errorf("scan %s: %s: %d values, want (%d, %d) = (images, neurons)", name, TruthFile, len(s.Truth), s.NumImages, s.Neurons)
		}
		if err := finite(s.Truth, s.Neurons, "image", "neuron"); err != nil {
			return fmt.Errorf("scan %s: %s: %w", name, TruthFile, err)
		}
	}
	return nil
}

// finite reports the first NaN or Inf in x, a row-major matrix with the
// given row length, naming its row and column.
func finite(x []float32, cols int, row, col string) error {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%v at %s %d, %s %d", v, row, i/cols, col, i%cols)
		}
	}
	return nil
}

// ReadScan reads and validates the scan in directory dir.
func ReadScan(dir string) (*Scan, error) {
	s := &Scan{Name: filepath.Base(dir)}
	read := func(file string, optional bool) (*npy.Array, error) {
		path := filepath.Join(dir, file)
		a, err := npy.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			if optional {
				return nil, nil
			}
			return nil, fmt.Errorf("scan %s: missing %s (looked for %s)", s.Name, file, path)
		}
		return a, err
	}

	a, err := read(ImagesFile, false)
	if err != nil {
		return nil, err
	}
	if a.Dtype != "u1" && a.Dtype != "f4" {
		return nil, fmt.Errorf("%s: dtype %s, want uint8 or float32", filepath.Join(dir, ImagesFile), a.Dtype)
	}
	if len(a.Shape) != 3 {
		return nil, fmt.Errorf("%s: shape %s, want 3-D (images, height, width)", filepath.Join(dir, ImagesFile), npy.ShapeString(a.Shape))
	}
	s.NumImages, s.Height, s.Width, s.Images = a.Shape[0], a.Shape[1], a.Shape[2], a.Float32()

	a, err = read(ResponsesFile, false)
	if err != nil {
		return nil, err
	}
	if a.Dtype != "f4" && a.Dtype != "f8" {
		return nil, fmt.Errorf("%s: dtype %s, want float32 or float64", filepath.Join(dir, ResponsesFile), a.Dtype)
	}
	if len(a.Shape) != 2 {
		return nil, fmt.Errorf("%s: shape %s, want 2-D (trials, neurons)", filepath.Join(dir, ResponsesFile), npy.ShapeString(a.Shape))
	}
	s.Trials, s.Neurons, s.Responses = a.Shape[0], a.Shape[1], a.Float32()

	a, err = read(TrialImageFile, false)
	if err != nil {
		return nil, err
	}
	if !a.IsInt() {
		return nil, fmt.Errorf("%s: dtype %s, want an integer dtype", filepath.Join(dir, TrialImageFile), a.Dtype)
	}
	if len(a.Shape) != 1 {
		return nil, fmt.Errorf("%s: shape %s, want 1-D (trials,)", filepath.Join(dir, TrialImageFile), npy.ShapeString(a.Shape))
	}
	if s.TrialImage, err = a.Int(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, TrialImageFile), err)
	}

	for _, opt := range []struct {
		file string
		dst  *[]float32
		cols int
		what string
	}{
		{BehaviorFile, &s.Behavior, 4, "(trials, 4)"},
		{TruthFile, &s.Truth, s.Neurons, "(images, neurons)"},
	} {
		a, err = read(opt.file, true)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue
		}
		path := filepath.Join(dir, opt.file)
		if a.Dtype != "f4" && a.Dtype != "f8" {
			return nil, fmt.Errorf("%s: dtype %s, want float32 or float64", path, a.Dtype)
		}
		if len(a.Shape) != 2 || a.Shape[1] != opt.cols {
			return nil, fmt.Errorf("%s: shape %s, want %s with %d columns", path, npy.ShapeString(a.Shape), opt.what, opt.cols)
		}
		*opt.dst = a.Float32()
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return s, nil
}

// WriteScan validates s and writes it into directory dir (created if need
// be) as float32 images, responses and behaviour and int64 trial indices.
// Every file is written atomically (temporary file and rename).
func WriteScan(dir string, s *Scan) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name  string
		shape []int
		data  any
	}{
		{ImagesFile, []int{s.NumImages, s.Height, s.Width}, s.Images},
		{ResponsesFile, []int{s.Trials, s.Neurons}, s.Responses},
		{TrialImageFile, []int{s.Trials}, s.TrialImage},
	}
	if s.Behavior != nil {
		files = append(files, struct {
			name  string
			shape []int
			data  any
		}{BehaviorFile, []int{s.Trials, 4}, s.Behavior})
	}
	if s.Truth != nil {
		files = append(files, struct {
			name  string
			shape []int
			data  any
		}{TruthFile, []int{s.NumImages, s.Neurons}, s.Truth})
	}
	for _, f := range files {
		if err := npy.WriteFile(filepath.Join(dir, f.name), f.shape, f.data); err != nil {
			return err
		}
	}
	return nil
}

// ImageTrials lists, for every image, the trials that showed it, in trial order.
func (s *Scan) ImageTrials() [][]int {
	out := make([][]int, s.NumImages)
	for t, i := range s.TrialImage {
		out[i] = append(out[i], t)
	}
	return out
}

// MeanResponses returns the response to each of the given images averaged
// over the trials that showed it: len(images)×Neurons. An image never shown
// is an error.
func (s *Scan) MeanResponses(images []int) ([]float32, error) {
	trials := s.ImageTrials()
	out := make([]float32, len(images)*s.Neurons)
	acc := make([]float64, s.Neurons)
	for k, i := range images {
		if i < 0 || i >= s.NumImages || len(trials[i]) == 0 {
			return nil, fmt.Errorf("scan %s: image %d was never shown", s.Name, i)
		}
		clear(acc)
		for _, t := range trials[i] {
			for n, v := range s.Responses[t*s.Neurons : (t+1)*s.Neurons] {
				acc[n] += float64(v)
			}
		}
		for n := range acc {
			out[k*s.Neurons+n] = float32(acc[n] / float64(len(trials[i])))
		}
	}
	return out, nil
}

// Repeats arranges the trials of the given images as a repeats×images×
// neurons array: element [r][k][n] is neuron n's response on the r-th
// showing (in trial order) of image images[k]. When the images were shown a
// different number of times, only the first min-count showings are used;
// repeats is that count. Fewer than 2 repeats is an error.
func (s *Scan) Repeats(images []int) (data []float32, repeats int, err error) {
	trials := s.ImageTrials()
	repeats = math.MaxInt
	for _, i := range images {
		if i < 0 || i >= s.NumImages {
			return nil, 0, fmt.Errorf("scan %s: image %d out of range [0, %d)", s.Name, i, s.NumImages)
		}
		repeats = min(repeats, len(trials[i]))
	}
	if len(images) == 0 || repeats < 2 {
		return nil, 0, fmt.Errorf("scan %s: the %d images given were shown at least %d times each, want at least 2", s.Name, len(images), repeats)
	}
	nn := s.Neurons
	data = make([]float32, repeats*len(images)*nn)
	for r := range repeats {
		for k, i := range images {
			t := trials[i][r]
			copy(data[(r*len(images)+k)*nn:], s.Responses[t*nn:(t+1)*nn])
		}
	}
	return data, repeats, nil
}
