package attack

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn"
)

// Each objective's gradient with respect to the logits matches central
// finite differences (in float64, on logits away from ties).
func TestObjectiveGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for name, obj := range map[string]Objective{"ce": CrossEntropy, "dlr": DLR, "dlr_t": TargetedDLR, "margin": NegMargin} {
		for trial := range 50 {
			z := make([]float32, 10)
			for j := range z {
				z[j] = float32(3 * r.NormFloat64())
			}
			label, target := r.IntN(10), r.IntN(10)
			for target == label {
				target = r.IntN(10)
			}
			if name == "margin" && trial%2 == 0 {
				target = -1
			}
			dz := make([]float64, 10)
			obj(z, label, target, dz)
			scratch := make([]float64, 10)
			for j := range z {
				const h = 1e-3
				zp, zm := append([]float32(nil), z...), append([]float32(nil), z...)
				zp[j] += h
				zm[j] -= h
				hp := float64(zp[j]) - float64(z[j])
				num := (obj(zp, label, target, scratch) - obj(zm, label, target, scratch)) / (2 * hp)
				if math.Abs(num-dz[j]) > 1e-3*(1+math.Abs(dz[j])) {
					t.Errorf("%s trial %d: ∂/∂z%d = %.6g, finite differences %.6g", name, trial, j, dz[j], num)
				}
			}
		}
	}
}

// The objectives' values on a case worked by hand.
func TestObjectiveValues(t *testing.T) {
	z := []float32{1, 4, 2, 0.5, 3}
	dz := make([]float64, 5)
	// DLR, label 0: −(1 − 4)/(4 − 2).
	if v := DLR(z, 0, -1, dz); math.Abs(v-1.5) > 1e-9 {
		t.Errorf("DLR = %v, want 1.5", v)
	}
	// DLR, label 1 (the top class): −(4 − 3)/(4 − 2).
	if v := DLR(z, 1, -1, dz); math.Abs(v+0.5) > 1e-9 {
		t.Errorf("DLR = %v, want −0.5", v)
	}
	// Targeted, label 1, target 3: −(4 − 0.5)/(4 − (2 + 1)/2).
	if v := TargetedDLR(z, 1, 3, dz); math.Abs(v+3.5/2.5) > 1e-9 {
		t.Errorf("targeted DLR = %v, want %v", v, -3.5/2.5)
	}
	if v := NegMargin(z, 1, -1, dz); v != -1 {
		t.Errorf("margin = %v, want −1", v)
	}
	want := math.Log(math.Exp(1)+math.Exp(4)+math.Exp(2)+math.Exp(0.5)+math.Exp(3)) - 4
	if v := CrossEntropy(z, 1, -1, dz); math.Abs(v-want) > 1e-12 {
		t.Errorf("cross-entropy = %v, want %v", v, want)
	}
}

// The small ResNet and ResNet-18 give each image the same logits and input
// gradient, to the bit, alone and in a batch: what every batched attack's
// promise rests on.
func TestBatchInvariantModel(t *testing.T) {
	for name, cfg := range map[string]nn.ResNetConfig{"small": nn.SmallConfig, "resnet18": nn.ResNet18Config} {
		m := EvalModel(nn.NewResNet(rand.New(rand.NewPCG(1, 3)), cfg), 5, 0.5)
		n := 5
		if name == "resnet18" {
			n = 3
		}
		im := randomImages(t, m, n, 32, 4)
		w := &worker{grad: autograd.NewTape(autograd.Record), eval: autograd.NewTape(autograd.NoGrad)}
		b := &batcher{m: m, w: w, shape: im.Shape}
		loss, logits, grad := b.gradient(im.X, n, CrossEntropy, im.Labels, nil)
		plain, c := b.logits(im.X, n)
		if !sameBits32(plain, logits) {
			t.Errorf("%s: logits differ between the gradient and the evaluation pass", name)
		}
		d := im.Size()
		for i := range n {
			li, lgi, gi := b.gradient(im.At(i), 1, CrossEntropy, im.Labels[i:i+1], nil)
			if li[0] != loss[i] || !sameBits32(lgi, logits[i*c:(i+1)*c]) || !sameBits32(gi, grad[i*d:(i+1)*d]) {
				t.Errorf("%s: image %d alone: loss %v against %v in the batch; logits or gradient bits differ", name, i, li[0], loss[i])
			}
		}
	}
}

func sameBits32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
