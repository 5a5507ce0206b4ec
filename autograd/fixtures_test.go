package autograd

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The PyTorch fixtures: testdata/make_fixtures.py writes them; see there for
// the format.
type fixtureTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

type fixtureCase struct {
	Name    string                   `json:"name"`
	Op      string                   `json:"op"`
	Params  map[string]any           `json:"params"`
	Tensors map[string]fixtureTensor `json:"tensors"`
}

// loadFixtures reads testdata/fixtures.json.
func loadFixtures() (version string, cases []fixtureCase, err error) {
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures.json"))
	if err != nil {
		return "", nil, err
	}
	var f struct {
		Torch string        `json:"torch"`
		Cases []fixtureCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return "", nil, fmt.Errorf("fixtures.json: %w", err)
	}
	return f.Torch, f.Cases, nil
}

func (c fixtureCase) tensor(t *testing.T, name string) *Tensor {
	t.Helper()
	ft, ok := c.Tensors[name]
	if !ok {
		t.Fatalf("%s: no tensor %q", c.Name, name)
	}
	return New(append([]float32(nil), ft.Data...), ft.Shape...)
}

func (c fixtureCase) has(name string) bool { _, ok := c.Tensors[name]; return ok }

func (c fixtureCase) int(name string) int { return int(c.Params[name].(float64)) }

// closeTo fails unless got matches the fixture tensor want within
// atol + rtol·|want| elementwise, with the same shape.
func closeTo(t *testing.T, what string, got *Tensor, gotData []float32, want *Tensor) {
	t.Helper()
	const atol, rtol = 2e-5, 1e-4
	if !sameShape(got.Shape, want.Shape) {
		t.Errorf("%s: shape %v, PyTorch %v", what, got.Shape, want.Shape)
		return
	}
	worst, at := 0.0, -1
	for i, w := range want.Data {
		d := math.Abs(float64(gotData[i]) - float64(w))
		if excess := d - (atol + rtol*math.Abs(float64(w))); excess > worst || math.IsNaN(d) {
			worst, at = excess, i
		}
	}
	if at >= 0 {
		t.Errorf("%s: element %d = %v, PyTorch %v", what, at, gotData[at], want.Data[at])
	}
}

func TestPyTorchFixtures(t *testing.T) {
	version, cases, err := loadFixtures()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("only %d fixture cases", len(cases))
	}
	t.Logf("fixtures from PyTorch %s", version)
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Op] = true
		t.Run(c.Name, func(t *testing.T) {
			// inputs maps the fixture's input names to tensors that get
			// gradients; run computes the output from them.
			var inputs map[string]*Tensor
			var run func() *Tensor
			var extra func() // further checks after the run
			switch c.Op {
			case "conv2d":
				inputs = map[string]*Tensor{"x": c.tensor(t, "x"), "w": c.tensor(t, "w")}
				var b *Tensor
				if c.has("b") {
					b = c.tensor(t, "b")
					inputs["b"] = b
				}
				run = func() *Tensor {
					return Conv2d(inputs["x"], inputs["w"], b, c.int("stride"), c.int("padding"))
				}
			case "batch_norm2d":
				inputs = map[string]*Tensor{"x": c.tensor(t, "x"), "gamma": c.tensor(t, "gamma"), "beta": c.tensor(t, "beta")}
				st := &BatchNormStats{Mean: c.tensor(t, "running_mean").Data, Var: c.tensor(t, "running_var").Data,
					Momentum: float32(c.Params["momentum"].(float64)), Eps: float32(c.Params["eps"].(float64))}
				run = func() *Tensor {
					return BatchNorm2d(inputs["x"], inputs["gamma"], inputs["beta"], st, c.Params["training"].(bool))
				}
				extra = func() {
					m, v := c.tensor(t, "running_mean_after"), c.tensor(t, "running_var_after")
					closeTo(t, "running mean", m, st.Mean, m)
					closeTo(t, "running var", v, st.Var, v)
				}
			case "max_pool2d", "avg_pool2d":
				inputs = map[string]*Tensor{"x": c.tensor(t, "x")}
				pool := MaxPool2d
				if c.Op == "avg_pool2d" {
					pool = AvgPool2d
				}
				run = func() *Tensor { return pool(inputs["x"], c.int("kernel"), c.int("stride"), c.int("padding")) }
			case "global_avg_pool2d":
				inputs = map[string]*Tensor{"x": c.tensor(t, "x")}
				run = func() *Tensor { return GlobalAvgPool2d(inputs["x"]) }
			case "grid_sample":
				inputs = map[string]*Tensor{"x": c.tensor(t, "x"), "grid": c.tensor(t, "grid")}
				run = func() *Tensor { return GridSample(inputs["x"], inputs["grid"], c.Params["align_corners"].(bool)) }
			case "cross_entropy":
				inputs = map[string]*Tensor{"logits": c.tensor(t, "logits")}
				var labels []int
				for _, v := range c.tensor(t, "labels").Data {
					labels = append(labels, int(v))
				}
				run = func() *Tensor { return CrossEntropy(inputs["logits"], labels) }
			case "poisson_nll":
				inputs = map[string]*Tensor{"pred": c.tensor(t, "pred")}
				target := c.tensor(t, "target")
				run = func() *Tensor { return PoissonNLL(inputs["pred"], target, float32(c.Params["eps"].(float64))) }
			case "cosine_similarity":
				inputs = map[string]*Tensor{"a": c.tensor(t, "a"), "b": c.tensor(t, "b")}
				run = func() *Tensor {
					return CosineSimilarity(inputs["a"], inputs["b"], float32(c.Params["eps"].(float64)))
				}
			case "pad2d":
				inputs = map[string]*Tensor{"x": c.tensor(t, "x")}
				run = func() *Tensor {
					return Pad2d(inputs["x"], c.int("left"), c.int("right"), c.int("top"), c.int("bottom"), PadReflect)
				}
			case "log_softmax":
				inputs = map[string]*Tensor{"x": c.tensor(t, "x")}
				run = func() *Tensor { return LogSoftmax(inputs["x"]) }
			default:
				t.Fatalf("no Go counterpart for fixture op %q", c.Op)
			}
			var names []string
			var wrt []*Tensor
			for name, x := range inputs {
				x.SetRequiresGrad(true)
				names = append(names, name)
				wrt = append(wrt, x)
			}
			y := run()
			want := c.tensor(t, "y")
			closeTo(t, "output", y, y.Data, want)
			grads := gradFrom(y, c.tensor(t, "gy").Data, wrt)
			for i, name := range names {
				gw := c.tensor(t, "g"+name)
				closeTo(t, "gradient "+name, gw, grads[i], gw)
			}
			if extra != nil {
				extra()
			}
		})
	}
	for _, op := range []string{"conv2d", "batch_norm2d", "max_pool2d", "avg_pool2d", "global_avg_pool2d", "grid_sample", "cross_entropy"} {
		if !seen[op] {
			t.Errorf("no fixture for %s", op)
		}
	}
}
