package rsa

import (
	"fmt"

	"github.com/brainreg/brainreg/data/neural"
)

// ScanReliability returns w_a (see Reliability) for every neuron of a scan
// from its repeats of the given oracle images.
func ScanReliability(s *neural.Scan, oracle []int) ([]float64, error) {
	rep, reps, err := s.Repeats(oracle)
	if err != nil {
		return nil, err
	}
	w, _, _ := Reliability(rep, reps, len(oracle), s.Neurons)
	return w, nil
}

// RawTarget is the control target from raw responses: for each scan the
// similarity of the single-trial responses to the images shown once (the
// data set's SingleImages, in index order), averaged over scans.
func RawTarget(d *neural.Dataset) ([]float32, error) {
	return meanOver(d, func(s *neural.Scan, images []int) ([]float32, error) {
		return s.MeanResponses(images) // one trial each
	})
}

// TruthTarget is the target from the noise-free responses of a simulated
// data set (responses_true.npy) on the images shown once, averaged over
// scans: what a perfect denoiser would give.
func TruthTarget(d *neural.Dataset) ([]float32, error) {
	return meanOver(d, func(s *neural.Scan, images []int) ([]float32, error) {
		if s.Truth == nil {
			return nil, fmt.Errorf("rsa.TruthTarget: scan %s has no %s", s.Name, neural.TruthFile)
		}
		out := make([]float32, 0, len(images)*s.Neurons)
		for _, i := range images {
			out = append(out, s.Truth[i*s.Neurons:(i+1)*s.Neurons]...)
		}
		return out, nil
	})
}

// meanOver averages, over the scans of d, the similarity of the response
// matrices resp gives for the images shown once.
func meanOver(d *neural.Dataset, resp func(*neural.Scan, []int) ([]float32, error)) ([]float32, error) {
	images := d.SingleImages()
	if len(images) < 2 {
		return nil, fmt.Errorf("rsa: data set %s has %d images shown once, want at least 2", d.Dir, len(images))
	}
	m := NewMean(len(images))
	for _, s := range d.Scans {
		r, err := resp(s, images)
		if err != nil {
			return nil, err
		}
		m.Add(r, s.Neurons)
	}
	return m.Result(), nil
}
