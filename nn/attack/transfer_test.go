package attack

import (
	"context"
	"math"
	"testing"
)

// Transferred to the model that made them, the examples are exactly as
// effective as in the white-box attack; clean accuracies are reported too.
func TestTransfer(t *testing.T) {
	src, other := tinyResNet(3), tinyResNet(4)
	ctx := context.Background()
	im := labelled(t, src, patternImages(12, 8, 31))
	cfg := PGDConfig{Norm: Linf, Eps: 0.05, Steps: 5, Seed: 1}
	r, err := Transfer(ctx, src, []Model{src, other}, im, cfg, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.TargetAccuracy[0] != r.SourceAccuracy {
		t.Errorf("the source model as a target: accuracy %v, white-box %v", r.TargetAccuracy[0], r.SourceAccuracy)
	}
	if r.TargetCleanAcc[0] != 1 {
		t.Errorf("clean accuracy of the source on its own labels is %v, want 1", r.TargetCleanAcc[0])
	}
	otherClean, _ := Accuracy(ctx, other, im, 5, 1)
	if r.TargetCleanAcc[1] != otherClean {
		t.Errorf("clean accuracy of the other model %v, Accuracy says %v", r.TargetCleanAcc[1], otherClean)
	}
	t.Logf("source robust accuracy %.3g; other model %.3g clean, %.3g on transferred examples",
		r.SourceAccuracy, r.TargetCleanAcc[1], r.TargetAccuracy[1])
}

func TestMedian(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{1, inf, inf, 0}, inf}, {[]float64{inf, 0, 1}, 1},
	} {
		if got := Median(c.xs); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median of nothing is not NaN")
	}
}
