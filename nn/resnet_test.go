package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/brainreg/brainreg/autograd"
	"github.com/brainreg/brainreg/nn/checkpoint"
)

// torchFixture is a file made by testdata/make_fixtures.py.
type torchFixture map[string]checkpoint.Tensor

func loadTorchFixture(t *testing.T, name string) torchFixture {
	t.Helper()
	f, err := checkpoint.Load("testdata/" + name + ".safetensors")
	if err != nil {
		t.Fatal(err)
	}
	return f.Tensors
}

// closeTo fails unless got and want agree element by element within
// atol + rtol·|want|.
func closeTo(t *testing.T, what string, got, want []float32, atol, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, PyTorch has %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > atol+rtol*math.Abs(float64(want[i])) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %v, PyTorch %v", what, i, got[i], want[i])
		}
	}
}

// A model loaded with PyTorch's initial weights gives PyTorch's logits,
// features, loss, parameter gradients and updated batch-norm statistics in
// training mode, and PyTorch's logits in evaluation mode afterwards.
func TestResNetMatchesPyTorch(t *testing.T) {
	cases := map[string]ResNetConfig{
		"small_narrow":    {InChannels: 1, Classes: 10, StemKernel: 3, Widths: []int{4, 8, 16}, Blocks: []int{2, 1, 1}},
		"resnet18_narrow": {InChannels: 1, Classes: 10, StemKernel: 7, Widths: []int{4, 8, 8, 16}, Blocks: []int{1, 1, 1, 1}},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			fx := loadTorchFixture(t, name)
			m := NewResNet(rand.New(rand.NewPCG(9, 9)), cfg)
			init := map[string]checkpoint.Tensor{}
			for k := range StateDict(m) {
				init[k] = fx[k]
			}
			if err := LoadStateDict(m, init); err != nil {
				t.Fatal(err)
			}
			x := fx["x"]
			labels := make([]int, len(fx["y"].I64))
			for i, v := range fx["y"].I64 {
				labels[i] = int(v)
			}
			tape := autograd.NewTape(autograd.Record)
			defer tape.Release()
			in := tape.Attach(autograd.New(append([]float32(nil), x.F32...), x.Shape...))
			logits, feats := m.ForwardFeatures(in)
			closeTo(t, "logits", logits.Data, fx["logits"].F32, 1e-4, 1e-4)
			for i, f := range feats {
				closeTo(t, "features."+string(rune('0'+i)), f.Data, fx["features."+string(rune('0'+i))].F32, 1e-4, 1e-4)
			}
			loss := autograd.CrossEntropy(logits, labels)
			closeTo(t, "loss", loss.Data, fx["loss"].F32, 1e-5, 1e-5)
			autograd.Backward(loss)
			names, params := NamedParameters(m)
			for i, p := range params {
				closeTo(t, "grad."+names[i], p.Grad, fx["grad."+names[i]].F32, 1e-4, 1e-3)
			}
			for k, v := range StateDict(m) {
				if after, ok := fx["after."+k]; ok {
					if v.I64 != nil {
						if v.I64[0] != after.I64[0] {
							t.Fatalf("%s = %d, PyTorch %d", k, v.I64[0], after.I64[0])
						}
						continue
					}
					closeTo(t, "after."+k, v.F32, after.F32, 1e-5, 1e-4)
				}
			}
			m.SetTraining(false)
			evalTape := autograd.NewTape(autograd.NoGrad)
			defer evalTape.Release()
			out := m.Forward(evalTape.Attach(autograd.New(append([]float32(nil), x.F32...), x.Shape...)))
			closeTo(t, "logits_eval", out.Data, fx["logits_eval"].F32, 1e-4, 1e-4)
		})
	}
}

// The state dict carries torchvision's names and layouts.
func TestResNet18StateDictNames(t *testing.T) {
	m := NewResNet(rand.New(rand.NewPCG(1, 1)), ResNet18Config)
	sd := StateDict(m)
	for name, shape := range map[string][]int{
		"conv1.weight":                              {64, 1, 7, 7},
		"bn1.running_var":                           {64},
		"layer1.0.conv1.weight":                     {64, 64, 3, 3},
		"layer2.0.downsample.0.weight":              {128, 64, 1, 1},
		"layer2.0.downsample.1.num_batches_tracked": {},
		"layer4.1.bn2.bias":                         {512},
		"fc.weight":                                 {10, 512},
		"fc.bias":                                   {10},
	} {
		got, ok := sd[name]
		if !ok {
			t.Fatalf("state dict lacks %s", name)
		}
		if !equalShape(got.Shape, shape) {
			t.Fatalf("%s has shape %v, want %v", name, got.Shape, shape)
		}
	}
	if _, ok := sd["layer1.0.downsample.0.weight"]; ok {
		t.Fatal("layer1.0 has a downsampling shortcut; its shape does not change")
	}
	// Parameter counts of the torch twins in testdata/torch_models.py.
	if n := CountParameters(m); n != 11_175_370 {
		t.Fatalf("ResNet-18 has %d parameters, torch_models.resnet18() 11175370", n)
	}
	if n := CountParameters(NewResNet(rand.New(rand.NewPCG(1, 1)), SmallConfig)); n != 272_186 {
		t.Fatalf("small ResNet has %d parameters, torch_models.small_resnet() 272186", n)
	}
}

func TestLoadStateDictStrict(t *testing.T) {
	m := NewResNet(rand.New(rand.NewPCG(1, 1)), SmallConfig)
	sd := StateDict(m)
	bad := map[string]checkpoint.Tensor{}
	for k, v := range sd {
		bad[k] = v
	}
	delete(bad, "fc.bias")
	bad["fc.weight"] = checkpoint.Tensor{Shape: []int{3}, F32: []float32{1, 2, 3}}
	bad["extra.thing"] = checkpoint.Tensor{Shape: []int{1}, F32: []float32{1}}
	before := append([]float32(nil), m.Conv1.Weight.Data...)
	err := LoadStateDict(m, bad)
	want := "state dict does not fit the model: fc.weight: shape [10 64] float32 in the model, [3] float32 in the file; missing fc.bias; unexpected extra.thing"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n %v\nwant\n %s", err, want)
	}
	for i := range before {
		if m.Conv1.Weight.Data[i] != before[i] {
			t.Fatal("a failed load changed the model")
		}
	}
}

// Finite differences through a whole basic block with a downsampling
// shortcut, in training mode (batch statistics).
func TestBasicBlockGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	b := NewBasicBlock(r, 2, 3, 2)
	for _, bn := range []*BatchNorm2d{b.BN1, b.BN2, b.DownBN} {
		bn.Stats.Momentum = 0 // keep the running statistics fixed across evaluations
	}
	x := autograd.New(make([]float32, 2*2*5*5), 2, 2, 5, 5)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	x.SetRequiresGrad(true)
	params := Parameters(b)
	f := func(xs ...*autograd.Tensor) *autograd.Tensor { return b.Forward(xs[0]) }
	if err := autograd.CheckGrad(f, append([]*autograd.Tensor{x}, params...), autograd.CheckOptions{}); err != nil {
		t.Fatal(err)
	}
}
