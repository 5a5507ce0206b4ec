package attack

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/datatest"
	"github.com/brainreg/brainreg/nn"
)

// cifarTestImages returns the first n grayscale CIFAR-10 test images;
// missing data fails the benchmark, naming where it looked.
func cifarTestImages(b *testing.B, n int) Images {
	dir := datatest.CIFAR10Dir(b)
	d, err := cifar.Open(cifar.CIFAR10(), dir, true)
	if err != nil {
		b.Fatalf("CIFAR-10 in %s: %v", dir, err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return Images{X: d.Test.GrayFloat(idx), Shape: [3]int{1, 32, 32}, Labels: append([]int(nil), d.Test.Labels[:n]...)}
}

// BenchmarkPGD20Linf: PGD-20 in L∞ (ε = 8/255, random start) on 100
// CIFAR-10 test images with the small ResNet on 2 goroutines. The network
// is randomly initialised (seed 1) and the images are labelled with its own
// predictions; it puts every image in the same class and no image is
// fooled, so every image costs the full 21 forward and 20 input-gradient
// passes: the most PGD-20 can cost, with no early stop.
func BenchmarkPGD20Linf(b *testing.B) {
	im := cifarTestImages(b, 100)
	m := EvalModel(nn.NewResNet(rand.New(rand.NewPCG(1, 1)), nn.SmallConfig), cifar.PaperScaling.Gain, cifar.PaperScaling.Center)
	ctx := context.Background()
	pred, err := Predict(ctx, m, im, 16, 2)
	if err != nil {
		b.Fatal(err)
	}
	copy(im.Labels, pred)
	cfg := PGDConfig{Norm: Linf, Eps: 8.0 / 255, Steps: 20, RandomStart: true, Seed: 1}
	b.ResetTimer()
	var fooled int
	for b.Loop() {
		r, err := PGD(ctx, m, im, cfg, 2)
		if err != nil {
			b.Fatal(err)
		}
		fooled = countTrue(r.Fooled)
	}
	b.ReportMetric(float64(fooled), "fooled/100")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/100-images")
}
