package robust

import (
	"encoding/json"
	"math"

	"github.com/brainreg/brainreg/nn/attack"
)

// Result is the robustness of one model, ready for results.json.
type Result struct {
	Config        Config       `json:"config"`
	CleanAccuracy float64      `json:"clean_accuracy"` // on the noise images
	Noise         []NoiseCurve `json:"noise"`
	// Accuracy under the common corruptions, when Config.CorruptImages > 0.
	Corruption  *CorruptionResult  `json:"corruption,omitempty"`
	Adversarial []NormResult       `json:"adversarial"` // L∞, then L2
	Transfer    []TransferPoint    `json:"transfer"`
	Checks      []Check            `json:"checks"`
	Seconds     map[string]float64 `json:"seconds"` // wall time of each part
}

// NormResult is the ensemble's outcome in one norm on the attacked images.
type NormResult struct {
	Norm           attack.Norm     `json:"norm"`
	Eps            float64         `json:"eps"`
	Images         int             `json:"images"`
	CleanAccuracy  float64         `json:"clean_accuracy"`  // on these images
	RobustAccuracy float64         `json:"robust_accuracy"` // of the ensemble at Eps
	Attacks        []AttackSummary `json:"attacks"`         // the robust accuracy after each attack, in order
	Correct        []bool          `json:"correct"`         // [Images]: clean image classified correctly
	Robust         []bool          `json:"robust"`          // [Images]: no attack fooled it within Eps
	// Minimal perturbation of every image (0: misclassified clean; null:
	// no attack found one) and the attack that found it; the median is
	// over the correctly classified images (the report compares models on
	// the images every one of them classifies correctly).
	Minimal       []Dist   `json:"minimal"`
	MinimalBy     []string `json:"minimal_by"`
	MedianCorrect Dist     `json:"median_minimal_correct"`
	// Robust accuracy at the curve's sizes: the fraction of images whose
	// minimal perturbation exceeds the size (misclassified images count as
	// fooled at every size).
	CurveEps      []float64 `json:"curve_eps"`
	CurveAccuracy []float64 `json:"curve_accuracy"`
	// The Boundary attack's refinement, where it ran: medians over the
	// images it refined of the distance it started from, where it ended and
	// the steps it took.
	Boundary *BoundarySummary `json:"boundary,omitempty"`
}

// AttackSummary is one attack of an ensemble.
type AttackSummary struct {
	Name     string   `json:"name"`
	Attacked int      `json:"attacked"`        // images it ran on (those the attacks before it left robust, or all correct ones)
	Accuracy float64  `json:"accuracy"`        // robust accuracy at Eps after this attack and those before it
	Alone    *float64 `json:"alone,omitempty"` // by itself, for the attacks run on every correct image (FMN, Boundary)
	Fooled   int      `json:"fooled"`          // images it fooled within Eps among those it ran on
	Found    int      `json:"found"`           // images for which it found an adversarial of any size
	Seconds  float64  `json:"seconds"`
}

// BoundarySummary describes the Boundary attack's refinement.
type BoundarySummary struct {
	Images      int     `json:"images"`
	MedianStart float64 `json:"median_start"`
	MedianEnd   float64 `json:"median_end"`
	MedianSteps float64 `json:"median_steps"`
	Improved    int     `json:"improved"` // images whose distance it shrank
}

// TransferPoint is the accuracy on examples made on the source model.
type TransferPoint struct {
	Source         string      `json:"source"`
	Norm           attack.Norm `json:"norm"`
	Eps            float64     `json:"eps"`
	SourceAccuracy float64     `json:"source_accuracy"`     // the source's own robust accuracy on them
	Accuracy       float64     `json:"accuracy"`            // this model's accuracy on them
	CleanAccuracy  float64     `json:"clean_accuracy"`      // this model's accuracy on the same images, clean
	WhiteBox       *float64    `json:"white_box,omitempty"` // this model's ensemble robust accuracy on the same images, where it ran at this ε
	Images         int         `json:"images"`
}

// Check is one soundness check of the evaluation (Carlini et al. 2019).
type Check struct {
	Name   string  `json:"name"`
	Norm   string  `json:"norm"`
	Passed bool    `json:"passed"`
	Value  float64 `json:"value"` // what was measured
	Limit  float64 `json:"limit"` // the bound it must respect
	Detail string  `json:"detail"`
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

// Floats returns the sizes as float64 (+Inf for null).
func Floats(ds []Dist) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d)
	}
	return out
}
