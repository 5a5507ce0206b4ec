package attack_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/attack"
)

// linearModel is the two-class classifier with logits (w·x + b, −(w·x + b))
// on images of two pixels, w = (3, 4), b = −3: the smallest L2 perturbation
// that changes its decision on x is |w·x + b| / ‖w‖₂ = |w·x + b| / 5 (as long
// as the [0, 1] box does not get in the way). A Model is any function from
// pixel-space images [N, C, H, W] to logits built from autograd operations.
func linearModel() attack.Model {
	lin := nn.NewLinear(rand.New(rand.NewPCG(1, 1)), 2, 2, true)
	copy(lin.Weight.Data, []float32{3, 4, -3, -4}) // [Out, In]
	copy(lin.Bias.Data, []float32{-3, 3})
	return func(x *autograd.Tensor) *autograd.Tensor {
		return lin.Forward(autograd.Reshape(x, x.Shape[0], -1))
	}
}

// Two images, one on each side of the boundary w·x + b = 0, at L2
// distances 0.5/5 = 0.1 and 1.2/5 = 0.24 from it.
func linearImages() attack.Images {
	return attack.Images{
		X:      []float32{0.5, 0.5, 0.2, 0.3}, // [N=2][C=1][H=1][W=2]
		Shape:  [3]int{1, 1, 2},
		Labels: []int{0, 1},
	}
}

// FMN finds each image's smallest adversarial perturbation; on the linear
// model it comes within a per cent of the exact distance.
func ExampleFMN() {
	ctx := context.Background()
	m, im := linearModel(), linearImages()
	exact := []float64{0.1, 0.24}
	r, err := attack.FMN(ctx, m, im, attack.FMNConfig{Norm: attack.L2, Steps: 100}, 0)
	if err != nil {
		log.Fatal(err)
	}
	pred, err := attack.Predict(ctx, m, attack.Images{X: r.Adv, Shape: im.Shape, Labels: im.Labels}, 32, 0)
	if err != nil {
		log.Fatal(err)
	}
	for i := range im.Len() {
		fmt.Printf("image %d: class %d → %d, ‖δ‖₂ %.3f (exact %.3f), within 1%%: %v\n",
			i, im.Labels[i], pred[i], r.Dist[i], exact[i], math.Abs(r.Dist[i]/exact[i]-1) < 0.01)
	}
	// Output:
	// image 0: class 0 → 1, ‖δ‖₂ 0.100 (exact 0.100), within 1%: true
	// image 1: class 1 → 0, ‖δ‖₂ 0.240 (exact 0.240), within 1%: true
}

// APGD-CE in an L2 ball of radius 0.12 fools the model on the image 0.1
// from the boundary and not on the one 0.24 away: robust accuracy 1/2. Its
// adversarial images lie in the ball exactly.
func ExampleAPGD() {
	ctx := context.Background()
	m, im := linearModel(), linearImages()
	cfg := attack.APGDConfig{Norm: attack.L2, Eps: 0.12, Steps: 50, Seed: 1}
	r, err := attack.APGD(ctx, m, im, cfg, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Name(), "fooled", r.Fooled)
	fmt.Printf("robust accuracy %.2f\n", r.Accuracy())
	d := im.Size()
	for i := range im.Len() {
		fmt.Println("in the ball:", attack.Distance(attack.L2, r.Adv[i*d:(i+1)*d], im.At(i)) <= cfg.Eps)
	}
	// Output:
	// apgd-ce fooled [true false]
	// robust accuracy 0.50
	// in the ball: true
	// in the ball: true
}

// A trained network is attacked through EvalModel, which puts it in
// evaluation mode and applies its input scaling (5·(x − 0.5) in the paper),
// so that ε is in pixel units. Here: a ResNet on four 8×8 images labelled
// with its own predictions, and APGD-CE in the L∞ ball of 8/255.
func ExampleEvalModel() {
	ctx := context.Background()
	net := nn.NewResNet(rand.New(rand.NewPCG(1, 2)), nn.TinyConfig) // or weights from a checkpoint
	m := attack.EvalModel(net, 5, 0.5)

	r := rand.New(rand.NewPCG(3, 4))
	im := attack.Images{X: make([]float32, 4*8*8), Shape: [3]int{1, 8, 8}, Labels: make([]int, 4)}
	for i := range im.X {
		im.X[i] = r.Float32()
	}
	labels, err := attack.Predict(ctx, m, im, 32, 0)
	if err != nil {
		log.Fatal(err)
	}
	copy(im.Labels, labels)
	acc, err := attack.Accuracy(ctx, m, im, 32, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("clean accuracy %.2f\n", acc)

	cfg := attack.APGDConfig{Norm: attack.Linf, Eps: 8.0 / 255, Steps: 10, Seed: 1}
	res, err := attack.APGD(ctx, m, im, cfg, 0)
	if err != nil {
		log.Fatal(err)
	}
	d := im.Size()
	inBall := true
	for i := range im.Len() {
		inBall = inBall && attack.Distance(attack.Linf, res.Adv[i*d:(i+1)*d], im.At(i)) <= cfg.Eps
	}
	fmt.Println(len(res.Fooled), "images attacked, every adversarial within ε:", inBall)
	// Output:
	// clean accuracy 1.00
	// 4 images attacked, every adversarial within ε: true
}
