package sensorium

import (
	"fmt"
	"slices"
	"strings"

	"github.com/brainreg/brainreg/data/neural"
)

// ConvertOptions configure Convert; the zero value makes PredictorSize scan
// images, CNNSize CNN images and keeps the behaviour.
type ConvertOptions struct {
	Predictor  Size // the neural.Scan's images (zero: PredictorSize)
	CNN        Size // Converted.CNNImages (zero: CNNSize)
	NoBehavior bool // leave the scan's behaviour out even when the recording has it
}

// Converted is one scan in the recordings format, with what the conversion did.
type Converted struct {
	// Scan has the images at the predictor size; it shares Responses and
	// TrialImage with the Recording (and its images, when the Recording
	// was read with that size in ReadOptions.Resize).
	Scan *neural.Scan
	// Manifest names Scan and its oracle images, ready for neural.Write.
	Manifest *neural.Manifest
	// CNNImages holds the same images at the CNN size:
	// Scan.NumImages×CNN.Height×CNN.Width, image k being Scan's image k
	// (shared with the Recording when read at that size).
	CNNImages []float32
	Info      ConversionManifest
	// Warnings are the Recording's followed by the conversion's.
	Warnings []string
}

// ConversionManifest records how a scan was converted; it encodes to JSON
// as is, for the caller to store beside the data set.
type ConversionManifest struct {
	Source        string         `json:"source"` // the Recording's Name
	Trials        int            `json:"trials"`
	Neurons       int            `json:"neurons"`
	Images        int            `json:"images"`
	SingleImages  int            `json:"single_images"`  // shown in one trial: the similarity target's images
	OracleImages  int            `json:"oracle_images"`  // shown in several trials: the manifest's oracle images
	OracleRepeats int            `json:"oracle_repeats"` // the fewest showings of an oracle image (0 without any)
	TierTrials    map[string]int `json:"tier_trials"`    // trials converted, by tier
	WithheldTiers []string       `json:"withheld_tiers"` // tiers with all-zero responses (dropped unless kept when reading)
	ImageIDs      []int          `json:"image_ids"`      // frame_image_id of each image index
	SourceSize    Size           `json:"source_size"`    // the images as stored
	Predictor     ImageRule      `json:"predictor_images"`
	CNN           ImageRule      `json:"cnn_images"`
	// Behavior is the source of each of neural.BehaviorColumns, or nil
	// when the scan has no behaviour.
	Behavior []string `json:"behavior_columns"`
}

// ImageRule is one resolution the images were brought to.
type ImageRule struct {
	Size Size   `json:"size"`
	Crop Rect   `json:"crop"` // of the source image
	Rule string `json:"rule"` // ResizeRule
}

// behaviorSources says where each of neural.BehaviorColumns comes from.
var behaviorSources = [4]string{
	"pupil_x = data/pupil_center[0] (horizontal eye position)",
	"pupil_y = data/pupil_center[1] (vertical eye position)",
	"pupil_size = data/behavior[0] (pupil dilation)",
	"running_speed = data/behavior[2] (running speed); data/behavior[1], the dilation's derivative, is dropped",
}

// Convert makes a neural.Scan and its manifest from rec. Trials of withheld
// tiers are left out (if ReadOptions.KeepWithheld kept them). The images
// are resized from rec.Images or, for a Recording read with
// ReadOptions.Resize, taken from rec.Resized, which must then hold both
// sizes (the same values either way). Images shown
// in one trial are the single-trial images; images shown in several are the
// oracle images, their trials the repeats. The scan is validated.
func Convert(rec *Recording, opts ConvertOptions) (*Converted, error) {
	if opts.Predictor == (Size{}) {
		opts.Predictor = PredictorSize
	}
	if opts.CNN == (Size{}) {
		opts.CNN = CNNSize
	}
	for _, s := range []Size{opts.Predictor, opts.CNN} {
		if s.Height < 1 || s.Width < 1 {
			return nil, fmt.Errorf("sensorium.Convert: image size %s: want positive", s)
		}
	}
	src := Size{Height: rec.Height, Width: rec.Width}
	c := &Converted{Warnings: slices.Clone(rec.Warnings)}
	if r := rec.withoutWithheld(); r != rec {
		c.Warnings = append(c.Warnings, fmt.Sprintf("the %d trials of the withheld tiers (%s) kept when reading are left out of the scan",
			rec.Trials-r.Trials, strings.Join(rec.Withheld, ", ")))
		rec = r
	}

	shown := make([]int, rec.NumImages)
	inTest := make([]bool, rec.NumImages)
	tierTrials := map[string]int{}
	for i, k := range rec.TrialImage {
		shown[k]++
		inTest[k] = inTest[k] || rec.Tier[i] == "test"
		tierTrials[rec.Tier[i]]++
	}
	oracle := []int{}
	repeats, outside, testOnce := 0, 0, 0
	for k, n := range shown {
		switch {
		case n >= 2:
			oracle = append(oracle, k)
			if len(oracle) == 1 || n < repeats {
				repeats = n
			}
			if !inTest[k] {
				outside++
			}
		case inTest[k]:
			testOnce++
		}
	}
	if len(oracle) == 0 {
		c.Warnings = append(c.Warnings, "no image is shown in more than one trial: the manifest lists no oracle images, so there are no repeats for reliability weights")
	}
	if outside > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d images shown repeatedly are not in the test tier; they are oracle images all the same", outside))
	}
	if testOnce > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d test-tier images are shown in one trial only; they are single-trial images", testOnce))
	}

	predictor, pcrop, err := rec.imagesAt(opts.Predictor)
	if err != nil {
		return nil, err
	}
	cnn, ccrop, err := rec.imagesAt(opts.CNN)
	if err != nil {
		return nil, err
	}
	s := &neural.Scan{
		Name:   rec.Name,
		Images: predictor, NumImages: rec.NumImages, Height: opts.Predictor.Height, Width: opts.Predictor.Width,
		Responses: rec.Responses, Trials: rec.Trials, Neurons: rec.Neurons, TrialImage: rec.TrialImage,
	}
	if rec.Behavior != nil && !opts.NoBehavior {
		s.Behavior = make([]float32, 4*rec.Trials)
		for i := range rec.Trials {
			b, p := rec.Behavior[3*i:3*i+3], rec.PupilCenter[2*i:2*i+2]
			copy(s.Behavior[4*i:], []float32{p[0], p[1], b[0], b[2]})
		}
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("sensorium.Convert: %w", err)
	}
	c.Scan, c.CNNImages = s, cnn
	c.Manifest = &neural.Manifest{
		Format:       neural.FormatVersion,
		Description:  fmt.Sprintf("SENSORIUM 2022 scan %s (Willeke, Fahey et al. 2022), converted by data/sensorium", rec.Name),
		Scans:        []string{rec.Name},
		OracleImages: oracle,
	}
	c.Info = ConversionManifest{
		Source: rec.Name, Trials: rec.Trials, Neurons: rec.Neurons, Images: rec.NumImages,
		SingleImages: rec.NumImages - len(oracle), OracleImages: len(oracle), OracleRepeats: repeats,
		TierTrials: tierTrials, WithheldTiers: append([]string{}, rec.Withheld...), ImageIDs: slices.Clone(rec.ImageID),
		SourceSize: src,
		Predictor:  ImageRule{Size: opts.Predictor, Crop: pcrop, Rule: ResizeRule},
		CNN:        ImageRule{Size: opts.CNN, Crop: ccrop, Rule: ResizeRule},
	}
	if s.Behavior != nil {
		c.Info.Behavior = behaviorSources[:]
	}
	return c, nil
}

// imagesAt returns the images at size to and the crop they came from:
// resized from the full images, or as read (ReadOptions.Resize).
func (r *Recording) imagesAt(to Size) ([]float32, Rect, error) {
	if r.Images != nil {
		out, crop := Resize(r.Images, r.NumImages, Size{Height: r.Height, Width: r.Width}, to)
		return out, crop, nil
	}
	var have []string
	for _, z := range r.Resized {
		if z.Size == to {
			return z.Images, z.Crop, nil
		}
		have = append(have, z.Size.String())
	}
	return nil, Rect{}, fmt.Errorf("sensorium.Convert: %s was read with its images at %s only (ReadOptions.Resize), not at %s",
		r.Name, strings.Join(have, ", "), to)
}
