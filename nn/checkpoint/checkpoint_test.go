package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sample() File {
	return File{
		Tensors: map[string]Tensor{
			"conv.weight":            {Shape: []int{2, 1, 3, 3}, F32: []float32{1, -2, 3.5, 4, 5, 6, 7, 8, 9, 0, float32(math.Inf(1)), -0.25, 1e-30, 2, 3, 4, 5, 6}},
			"bn.num_batches_tracked": {Shape: []int{}, I64: []int64{12345678901}},
			"empty":                  {Shape: []int{0, 4}, F32: []float32{}},
		},
		Meta: map[string]string{"epoch": "3", "rng": "abc=="},
	}
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	want := sample()
	if err := Save(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Names(), ",") != strings.Join(want.Names(), ",") {
		t.Fatalf("names %v, want %v", got.Names(), want.Names())
	}
	for name, w := range want.Tensors {
		g := got.Tensors[name]
		if len(g.Shape) != len(w.Shape) || len(g.F32) != len(w.F32) || len(g.I64) != len(w.I64) {
			t.Fatalf("%s: got shape %v (%d f32, %d i64), want %v", name, g.Shape, len(g.F32), len(g.I64), w.Shape)
		}
		for i := range w.F32 {
			if math.Float32bits(g.F32[i]) != math.Float32bits(w.F32[i]) {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g.F32[i], w.F32[i])
			}
		}
		for i := range w.I64 {
			if g.I64[i] != w.I64[i] {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g.I64[i], w.I64[i])
			}
		}
	}
	if got.Meta["epoch"] != "3" || got.Meta["rng"] != "abc==" {
		t.Fatalf("metadata %v", got.Meta)
	}
	// No temporary file is left beside the checkpoint.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries after Save, want 1", len(entries))
	}
}

// A file laid out by the specification with values from torch
// (testdata/make_fixture.py) reads back to the same numbers.
func TestReadsSpecFile(t *testing.T) {
	f, err := Load("testdata/torch_written.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/torch_written.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][]float32
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	w := f.Tensors["conv.weight"]
	if len(w.Shape) != 4 || w.Shape[0] != 2 || w.Shape[1] != 3 {
		t.Fatalf("conv.weight shape %v, want [2 3 1 1]", w.Shape)
	}
	for i, v := range want["conv.weight"] {
		if w.F32[i] != v {
			t.Fatalf("conv.weight[%d] = %v, torch wrote %v", i, w.F32[i], v)
		}
	}
	if n := f.Tensors["bn.num_batches_tracked"].I64; len(n) != 1 || n[0] != 7 {
		t.Fatalf("num_batches_tracked = %v, want [7]", n)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":            {},
		"short header len": good[:5],
		"truncated header": good[:20],
		"truncated data":   good[:len(good)-3],
		"garbage":          []byte("this is not a checkpoint at all, just text"),
	}
	for name, data := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		if err == nil {
			t.Errorf("%s: Load succeeded", name)
			continue
		}
		if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "not a valid safetensors file") {
			t.Errorf("%s: error %q should name the file and say it is not a valid safetensors file", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}

func TestEncodeRejectsInconsistentTensors(t *testing.T) {
	for name, tn := range map[string]Tensor{
		"wrong length": {Shape: []int{2, 2}, F32: []float32{1, 2, 3}},
		"both":         {Shape: []int{1}, F32: []float32{1}, I64: []int64{1}},
		"neither":      {Shape: []int{1}},
		"negative":     {Shape: []int{-1}, F32: []float32{}},
	} {
		if _, err := Encode(File{Tensors: map[string]Tensor{"x": tn}}); err == nil || !strings.Contains(err.Error(), `"x"`) {
			t.Errorf("%s: error %v, want one naming tensor \"x\"", name, err)
		}
	}
}

// A failed write leaves the old checkpoint in place and no temporary file.
func TestSaveFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ck.safetensors")
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	bad := File{Tensors: map[string]Tensor{"x": {Shape: []int{3}, F32: []float32{1}}}}
	if err := Save(path, bad); err == nil {
		t.Fatal("Save of an inconsistent tensor succeeded")
	}
	if _, err := Load(path); err != nil {
		t.Fatalf("old checkpoint no longer loads: %v", err)
	}
	if err := Save(filepath.Join(dir, "no-such-dir", "ck.safetensors"), sample()); err == nil ||
		!strings.Contains(err.Error(), "no-such-dir") {
		t.Fatalf("write into a missing directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the checkpoint", len(entries))
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(sample())
	f.Add(good)
	if b, err := os.ReadFile("testdata/torch_written.safetensors"); err == nil {
		f.Add(b)
	}
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		if err != nil {
			return
		}
		// Whatever decodes must encode and decode to the same tensors.
		again, err := Encode(file)
		if err != nil {
			t.Fatalf("decoded file does not re-encode: %v", err)
		}
		if _, err := Decode(again); err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
	})
}

// A header whose shape's element count wraps around uint64 (2^30 four times
// is 2^120, which wraps to 0, so it would agree with 0 data bytes) is refused
// by the decoder or by the safetensors parser beneath it, never accepted as
// an empty tensor nor allowed to reach an allocation of 2^120 elements.
func TestDecodeRefusesWrappingShape(t *testing.T) {
	header := `{"w":{"dtype":"F32","shape":[1073741824,1073741824,1073741824,1073741824],"data_offsets":[0,0]}}`
	buf := make([]byte, 8, 8+len(header))
	binary.LittleEndian.PutUint64(buf, uint64(len(header)))
	buf = append(buf, header...)
	f, err := Decode(buf)
	if err == nil {
		t.Fatalf("Decode accepted a shape of 2^120 elements over 0 bytes: %v", f.Tensors["w"].Shape)
	}
	t.Logf("refused: %v", err)
}
