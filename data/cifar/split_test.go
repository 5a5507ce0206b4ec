package cifar

import (
	"slices"
	"testing"
)

func TestSplitReal(t *testing.T) {
	tr := realCIFAR10(t).Train
	cfg := DefaultSplitConfig()
	sp, err := NewSplit(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Stimuli) != 5100 || len(sp.Validation) != 5000 || len(sp.Train) != 39900 {
		t.Fatalf("sizes %d stimuli, %d validation, %d train", len(sp.Stimuli), len(sp.Validation), len(sp.Train))
	}
	// Disjoint and together every image once.
	seen := make([]int, tr.Len())
	for _, l := range [][]int{sp.Train, sp.Validation, sp.Stimuli} {
		if !slices.IsSorted(l) {
			t.Error("indices not ascending")
		}
		for _, i := range l {
			seen[i]++
		}
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("image %d is in %d of the three sets", i, n)
		}
	}
	// Class-balanced: 510 stimuli, 500 validation and 3990 training images per class.
	for _, c := range []struct {
		l    []int
		want int
	}{{sp.Stimuli, 510}, {sp.Validation, 500}, {sp.Train, 3990}} {
		count := make([]int, 10)
		for _, i := range c.l {
			count[tr.Labels[i]]++
		}
		for y, n := range count {
			if n != c.want {
				t.Errorf("class %d: %d images, want %d", y, n, c.want)
			}
		}
	}
	// Deterministic; the stimuli depend on their own seed only.
	again, _ := NewSplit(tr, cfg)
	if !slices.Equal(again.Train, sp.Train) || !slices.Equal(again.Validation, sp.Validation) {
		t.Error("same config, different split")
	}
	other := cfg
	other.Validation, other.ValidationSeed = 1234, 99
	sp2, err := NewSplit(tr, other)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp2.Stimuli, sp.Stimuli) {
		t.Error("changing the validation split changed the stimulus set")
	}
	if slices.Equal(sp2.Validation[:1000], sp.Validation[:1000]) {
		t.Error("another validation seed gave the same validation images")
	}
	other = cfg
	other.StimulusSeed = 5
	if sp3, _ := NewSplit(tr, other); slices.Equal(sp3.Stimuli, sp.Stimuli) {
		t.Error("another stimulus seed gave the same stimuli")
	}

	// NeuralStimuli is the same set, as grayscale in [0, 1].
	idx, gray, err := NeuralStimuli(tr, cfg.Stimuli, cfg.StimulusSeed)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(idx, sp.Stimuli) || len(gray) != 5100*PlaneSize {
		t.Fatalf("NeuralStimuli: %d indices (same as split: %v), %d values", len(idx), slices.Equal(idx, sp.Stimuli), len(gray))
	}
	g8 := tr.GrayBytes(idx)
	for p, v := range gray {
		if v != float32(g8[p])/255 {
			t.Fatalf("stimulus value %d: %g, want %g", p, v, float32(g8[p])/255)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	s := testSet(100, 1)
	if _, err := NewSplit(s, SplitConfig{Stimuli: 101}); err == nil || err.Error() != "cifar: stimulus set: cannot take 101 of 100 images" {
		t.Errorf("got %v", err)
	}
	if _, err := NewSplit(s, SplitConfig{Stimuli: 50, Validation: 51}); err == nil || err.Error() != "cifar: validation split: cannot take 51 of 50 images" {
		t.Errorf("got %v", err)
	}
	// 100 images, 10 a class: after 95 stimuli five classes are empty, and the validation
	// images come from the others.
	sp, err := NewSplit(s, SplitConfig{Stimuli: 95, Validation: 5})
	if err != nil || len(sp.Validation) != 5 || len(sp.Train) != 0 {
		t.Errorf("95 + 5: %v, %d validation, %d train", err, len(sp.Validation), len(sp.Train))
	}
}
