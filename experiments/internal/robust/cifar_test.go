package robust

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/datatest"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/attack"
	"github.com/brainreg/brainreg/nn/optim"
)

var realData struct {
	once sync.Once
	data *cifar.Data
	err  error
	dir  string
}

// cifarTest reads CIFAR-10 (see datatest). Missing data fails the test,
// saying where it looked.
func cifarTest(t *testing.T) *cifar.Set {
	t.Helper()
	dir := datatest.CIFAR10Dir(t)
	realData.once.Do(func() {
		realData.dir = dir
		realData.data, realData.err = cifar.Open(cifar.CIFAR10(), realData.dir, true)
	})
	if realData.err != nil {
		t.Fatalf("CIFAR-10 in %s: %v", realData.dir, realData.err)
	}
	return realData.data.Test
}

// The smoke preset on real test images with a briefly trained small ResNet
// (the one the quick experiments train) finishes in seconds. The images are
// labelled with the network's predictions, so that every attack has
// correctly classified images to work on.
func TestEvaluateSmokeCIFAR(t *testing.T) {
	set := cifarTest(t)
	test := TestImages(set, 200)
	if test.Len() != 200 || test.Shape != [3]int{1, 32, 32} || !slices.Equal(test.X[:1024], set.GrayFloat([]int{0})) {
		t.Fatalf("TestImages: %d images of shape %v", test.Len(), test.Shape)
	}
	net := briefTrain(t, realData.data.Train)
	m := ModelOf(net)
	ctx := context.Background()
	pred, err := attack.Predict(ctx, m, test, 16, 2)
	if err != nil {
		t.Fatal(err)
	}
	copy(test.Labels, pred)
	cfg := Smoke()
	start := time.Now()
	sets, err := MakeTransferSets(ctx, m, "self", test, cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(ctx, m, test, sets, cfg, 2, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if res.CleanAccuracy != 1 {
		t.Errorf("clean accuracy %v with the network's own predictions as labels", res.CleanAccuracy)
	}
	for _, nr := range res.Adversarial {
		for i, d := range nr.Minimal {
			if !(d > 0) || math.IsInf(float64(d), 1) {
				t.Errorf("%v image %d: minimal perturbation %v of a correctly classified image", nr.Norm, i, d)
			}
		}
	}
	for _, c := range res.Noise {
		if c.Accuracy[0] != res.CleanAccuracy || c.Images != cfg.NoiseImages {
			t.Errorf("%s: accuracy %v at level 0 on %d images, clean %v", c.Kind, c.Accuracy[0], c.Images, res.CleanAccuracy)
		}
	}
	if c := res.Corruption; c == nil || c.Images != cfg.CorruptImages || c.CleanAccuracy != 1 || len(c.Curves) != len(cfg.Corruptions) {
		t.Errorf("corruptions: %+v", c)
	} else {
		t.Logf("corruptions on %d images: %+v", c.Images, c.Curves)
	}
	for _, c := range res.Checks {
		t.Logf("check %s (%s) passed %v: %s", c.Name, c.Norm, c.Passed, c.Detail)
	}
	t.Logf("smoke evaluation on CIFAR-10 in %v; clean accuracy on its own labels %.3g; adversarial %+v",
		time.Since(start).Round(time.Millisecond), res.CleanAccuracy, res.Adversarial)
}

// briefTrain trains the small ResNet for a few Adam steps on the first
// training images: enough that it tells images apart (a randomly
// initialised one puts every image in one class, which no attack can
// change), far from a good classifier. It returns the network in
// evaluation mode.
func briefTrain(t *testing.T, train *cifar.Set) *nn.ResNet {
	t.Helper()
	net := nn.NewResNet(rand.New(rand.NewPCG(1, 1)), nn.TinyConfig)
	opt := optim.NewAdam(nn.Parameters(net), 0)
	tape := autograd.NewTape(autograd.Record)
	const batch, steps = 32, 12
	for s := range steps {
		idx := make([]int, batch)
		labels := make([]int, batch)
		for i := range idx {
			idx[i] = s*batch + i
			labels[i] = train.Labels[idx[i]]
		}
		x := train.GrayFloat(idx)
		for i, v := range x {
			x[i] = cifar.PaperScaling.Gain * (v - cifar.PaperScaling.Center)
		}
		loss := autograd.CrossEntropy(net.Forward(tape.Attach(autograd.New(x, batch, 1, 32, 32))), labels)
		autograd.Backward(loss)
		opt.Step(3e-3)
		opt.ZeroGrad()
		tape.Release()
	}
	net.SetTraining(false)
	return net
}
