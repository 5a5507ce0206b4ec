package checkpoint_test

import (
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/checkpoint"
)

// Named tensors and string metadata go to a safetensors file (which
// safetensors.torch.load_file reads) and come back bit for bit.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "checkpoint-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "state.safetensors")

	want := checkpoint.File{
		Tensors: map[string]checkpoint.Tensor{
			"fc.weight":              {Shape: []int{2, 3}, F32: []float32{0.5, -1, 2, 0, 1e-3, 3.25}},
			"fc.bias":                {Shape: []int{2}, F32: []float32{0.1, -0.1}},
			"bn.num_batches_tracked": {Shape: []int{}, I64: []int64{42}},
		},
		Meta: map[string]string{"epoch": "7"},
	}
	if err := checkpoint.Save(path, want); err != nil {
		log.Fatal(err)
	}

	got, err := checkpoint.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range got.Names() {
		t := got.Tensors[name]
		same := slices.Equal(t.F32, want.Tensors[name].F32) && slices.Equal(t.I64, want.Tensors[name].I64)
		fmt.Println(name, t.Shape, t.F32, t.I64, "round-trip:", same)
	}
	fmt.Println("epoch", got.Meta["epoch"])
	// Output:
	// bn.num_batches_tracked [] [] [42] round-trip: true
	// fc.bias [2] [0.1 -0.1] [] round-trip: true
	// fc.weight [2 3] [0.5 -1 2 0 0.001 3.25] [] round-trip: true
	// epoch 7
}

// A model's state dict (parameters, batch-norm statistics, counters) saved
// and loaded into a freshly built model of the same configuration: the two
// then hold the same weights.
func ExampleLoad_model() {
	dir, err := os.MkdirTemp("", "checkpoint-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	trained := nn.NewResNet(rand.New(rand.NewPCG(1, 1)), nn.TinyConfig)
	// StateDict's tensors are views of the model's slices; Save encodes them.
	if err := checkpoint.Save(path, checkpoint.File{
		Tensors: nn.StateDict(trained),
		Meta:    map[string]string{"config": "tiny"},
	}); err != nil {
		log.Fatal(err)
	}

	f, err := checkpoint.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	fresh := nn.NewResNet(rand.New(rand.NewPCG(2, 2)), nn.TinyConfig) // other weights
	if err := nn.LoadStateDict(fresh, f.Tensors); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(f.Names()), "tensors, config", f.Meta["config"])
	fmt.Println("conv1.weight", f.Tensors["conv1.weight"].Shape)
	fmt.Println("fc.weight", f.Tensors["fc.weight"].Shape)
	a, b := nn.Parameters(trained), nn.Parameters(fresh)
	same := len(a) == len(b)
	for i := range a {
		same = same && slices.Equal(a[i].Data, b[i].Data)
	}
	fmt.Println("same weights:", same)

	// LoadStateDict is strict: a missing entry is an error and leaves the
	// model unchanged.
	delete(f.Tensors, "fc.bias")
	fmt.Println(nn.LoadStateDict(fresh, f.Tensors))
	// Output:
	// 56 tensors, config tiny
	// conv1.weight [4 1 3 3]
	// fc.weight [10 16]
	// same weights: true
	// state dict does not fit the model: missing fc.bias
}
