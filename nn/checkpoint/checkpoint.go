// Package checkpoint reads and writes model and training state as
// safetensors files (https://github.com/huggingface/safetensors), the format
// PyTorch users load with safetensors.torch.load_file. Tensors are float32 or
// int64 (batch norm's num_batches_tracked), row-major, named as in a PyTorch
// state_dict; free-form string metadata (optimiser settings, random-number
// state, epoch) travels in the header's __metadata__.
//
// Writes are atomic and durable, through internal/atomicfile: the file is
// written to a temporary name in the same directory, synced, given mode
// 0644, and renamed over the target, and the directory is synced, so a
// crash or kill at any moment leaves either the old file or the new one,
// never a torn one.
package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/nlpodyssey/safetensors"

	"github.com/brainreg/brainreg/internal/atomicfile"
)

// Tensor is one named array: exactly one of F32 and I64 is set, holding the
// product of Shape elements.
type Tensor struct {
	Shape []int
	F32   []float32
	I64   []int64
}

// File is the content of a checkpoint.
type File struct {
	Tensors map[string]Tensor
	Meta    map[string]string
}

// view adapts a Tensor to safetensors.View.
type view struct {
	dtype safetensors.DType
	shape []uint64
	data  []byte
}

func (v view) DType() safetensors.DType { return v.dtype }
func (v view) Shape() []uint64          { return v.shape }
func (v view) Data() []byte             { return v.data }
func (v view) DataLen() uint64          { return uint64(len(v.data)) }

// Encode returns f in the safetensors format. It fails on a tensor whose data
// does not match its shape or that has both or neither of F32 and I64.
func Encode(f File) ([]byte, error) {
	views := make(map[string]view, len(f.Tensors))
	for name, t := range f.Tensors {
		n := 1
		shape := make([]uint64, len(t.Shape))
		for i, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("checkpoint: tensor %q has negative dimension in shape %v", name, t.Shape)
			}
			n *= d
			shape[i] = uint64(d)
		}
		var v view
		switch {
		case t.F32 != nil && t.I64 == nil:
			if len(t.F32) != n {
				return nil, fmt.Errorf("checkpoint: tensor %q has %d float32 values, shape %v holds %d", name, len(t.F32), t.Shape, n)
			}
			v = view{dtype: safetensors.F32, shape: shape, data: make([]byte, 4*n)}
			for i, x := range t.F32 {
				binary.LittleEndian.PutUint32(v.data[4*i:], math.Float32bits(x))
			}
		case t.I64 != nil && t.F32 == nil:
			if len(t.I64) != n {
				return nil, fmt.Errorf("checkpoint: tensor %q has %d int64 values, shape %v holds %d", name, len(t.I64), t.Shape, n)
			}
			v = view{dtype: safetensors.I64, shape: shape, data: make([]byte, 8*n)}
			for i, x := range t.I64 {
				binary.LittleEndian.PutUint64(v.data[8*i:], uint64(x))
			}
		default:
			return nil, fmt.Errorf("checkpoint: tensor %q must have exactly one of F32 and I64 set", name)
		}
		views[name] = v
	}
	return safetensors.Serialize(views, f.Meta)
}

// Decode parses a safetensors file. It accepts F32 and I64 tensors and
// fails, naming the tensor, on any other dtype or on inconsistent offsets.
func Decode(buf []byte) (File, error) {
	st, err := safetensors.Deserialize(buf)
	if err != nil {
		return File{}, fmt.Errorf("not a valid safetensors file: %w", err)
	}
	_, meta, err := safetensors.ReadMetadata(buf)
	if err != nil {
		return File{}, fmt.Errorf("not a valid safetensors file: %w", err)
	}
	f := File{Tensors: map[string]Tensor{}, Meta: meta.Metadata()}
	for _, nt := range st.Tensors() {
		tv := nt.TensorView
		shape := make([]int, len(tv.Shape()))
		n := uint64(1)
		for i, d := range tv.Shape() {
			if d > math.MaxInt32 {
				return File{}, fmt.Errorf("tensor %q: dimension %d is too large", nt.Name, d)
			}
			shape[i] = int(d)
			n *= d
		}
		data := tv.Data()
		t := Tensor{Shape: shape}
		switch tv.DType() {
		case safetensors.F32:
			if uint64(len(data)) != 4*n {
				return File{}, fmt.Errorf("tensor %q: %d bytes for shape %v of float32", nt.Name, len(data), shape)
			}
			t.F32 = make([]float32, n)
			for i := range t.F32 {
				t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			}
		case safetensors.I64:
			if uint64(len(data)) != 8*n {
				return File{}, fmt.Errorf("tensor %q: %d bytes for shape %v of int64", nt.Name, len(data), shape)
			}
			t.I64 = make([]int64, n)
			for i := range t.I64 {
				t.I64[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
			}
		default:
			return File{}, fmt.Errorf("tensor %q has dtype %s; only F32 and I64 are supported", nt.Name, tv.DType())
		}
		f.Tensors[nt.Name] = t
	}
	return f, nil
}

// Save writes f to path atomically (temporary file in the same directory,
// fsync, mode 0644, rename, fsync of the directory).
func Save(path string, f File) error {
	buf, err := Encode(f)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(path, buf); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Load reads and decodes the checkpoint at path; errors name the file.
func Load(path string) (File, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("checkpoint: %w", err)
	}
	f, err := Decode(buf)
	if err != nil {
		return File{}, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return f, nil
}

// WriteFileAtomic writes data to path so that readers see either the old
// content or all of the new, with mode 0644 whatever the umask: it is
// atomicfile.WriteFile with atomicfile.ResultPerm, kept here for the
// packages that write their JSON, Markdown and plots through it. On any
// error path is untouched, no temporary file is left, and the error names
// path.
func WriteFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, atomicfile.ResultPerm)
}

// Names returns the tensor names of f in sorted order.
func (f File) Names() []string {
	names := make([]string, 0, len(f.Tensors))
	for n := range f.Tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
