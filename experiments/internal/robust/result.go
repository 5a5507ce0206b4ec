package robust

import (
	"encoding/json"
	"math"

	"github.com/brainreg/brainreg/nn/attack"
)

// Result is the robustness of one model, ready for results.json.
type Result struct {
	Config        Config             `json:"config"`
	CleanAccuracy float64            `json:"clean_accuracy"` // on the noise images
	Noise         []NoiseCurve       `json:"noise"`
	PGD           []RobustCurve      `json:"pgd"`
	Minimal       []MinimalResult    `json:"minimal"`
	Transfer      []TransferPoint    `json:"transfer"`
	Seconds       map[string]float64 `json:"seconds"` // wall time of each part
}

// RobustCurve is the PGD robust accuracy at several sizes in one norm.
type RobustCurve struct {
	Norm     attack.Norm `json:"norm"`
	Eps      []float64   `json:"eps"`
	Accuracy []float64   `json:"accuracy"`
	Images   int         `json:"images"`
}

// MinimalResult is the per-image minimal perturbation found by one method
// in one norm, and its median over the images (the paper's table). A
// misclassified clean image counts as 0; an image for which the method found
// nothing counts as +Inf (null in JSON) and so as larger than any other in
// the median.
type MinimalResult struct {
	Method string      `json:"method"` // "pgd_search" or "boundary"
	Norm   attack.Norm `json:"norm"`
	Median Dist        `json:"median"`
	Dist   []Dist      `json:"dist"`
	Failed int         `json:"failed"` // images with no adversarial found
}

// TransferPoint is the accuracy on examples made on the source model.
type TransferPoint struct {
	Source         string      `json:"source"`
	Norm           attack.Norm `json:"norm"`
	Eps            float64     `json:"eps"`
	SourceAccuracy float64     `json:"source_accuracy"` // the source's own robust accuracy on them
	Accuracy       float64     `json:"accuracy"`        // this model's accuracy on them
	CleanAccuracy  float64     `json:"clean_accuracy"`  // this model's accuracy on the same images, clean
	Images         int         `json:"images"`
}

// Dist is a perturbation size that may be +Inf (nothing found), which JSON
// cannot hold: it is written as null and read back as +Inf.
type Dist float64

func (d Dist) MarshalJSON() ([]byte, error) {
	if math.IsInf(float64(d), 0) || math.IsNaN(float64(d)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(d))
}

func (d *Dist) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Dist(math.Inf(1))
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*d = Dist(v)
	return nil
}

func minimalResult(method string, norm attack.Norm, dist []float64) MinimalResult {
	r := MinimalResult{Method: method, Norm: norm, Median: Dist(attack.Median(dist)), Dist: make([]Dist, len(dist))}
	for i, v := range dist {
		r.Dist[i] = Dist(v)
		if math.IsInf(v, 1) {
			r.Failed++
		}
	}
	return r
}
