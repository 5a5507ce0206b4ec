package nn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/brainreg/brainreg/nn/checkpoint"
)

// StateDict returns m's parameters and buffers as checkpoint tensors under
// their PyTorch state_dict names. The float data are views of the model's
// own slices, not copies: encode or copy before training on.
func StateDict(m Module) map[string]checkpoint.Tensor {
	out := map[string]checkpoint.Tensor{}
	m.Visit("", func(name string, e Entry) {
		switch {
		case e.Param != nil:
			out[name] = checkpoint.Tensor{Shape: append([]int(nil), e.Param.Shape...), F32: e.Param.Data}
		case e.Buffer != nil:
			out[name] = checkpoint.Tensor{Shape: e.Shape, F32: e.Buffer}
		case e.Counter != nil:
			out[name] = checkpoint.Tensor{Shape: []int{}, I64: []int64{*e.Counter}}
		}
	})
	return out
}

// LoadStateDict copies the tensors of a state dict into m. It is strict, as
// torch's load_state_dict: every entry of m must be present with the same
// shape and type, and no entry may be left over; otherwise it returns an
// error naming every problem and leaves m unchanged.
func LoadStateDict(m Module, sd map[string]checkpoint.Tensor) error {
	var problems []string
	seen := map[string]bool{}
	type copyOp struct {
		dst []float32
		src []float32
		ctr *int64
		val int64
	}
	var ops []copyOp
	m.Visit("", func(name string, e Entry) {
		seen[name] = true
		t, ok := sd[name]
		if !ok {
			problems = append(problems, "missing "+name)
			return
		}
		switch {
		case e.Counter != nil:
			if len(t.I64) != 1 {
				problems = append(problems, fmt.Sprintf("%s: want one int64, got %d int64 and %d float32 values", name, len(t.I64), len(t.F32)))
				return
			}
			ops = append(ops, copyOp{ctr: e.Counter, val: t.I64[0]})
		default:
			dst, shape := e.Buffer, e.Shape
			if e.Param != nil {
				dst, shape = e.Param.Data, e.Param.Shape
			}
			if !equalShape(shape, t.Shape) || t.F32 == nil {
				problems = append(problems, fmt.Sprintf("%s: shape %v float32 in the model, %v %s in the file", name, shape, t.Shape, dtypeName(t)))
				return
			}
			ops = append(ops, copyOp{dst: dst, src: t.F32})
		}
	})
	var extra []string
	for name := range sd {
		if !seen[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		problems = append(problems, "unexpected "+name)
	}
	if len(problems) > 0 {
		return fmt.Errorf("state dict does not fit the model: %s", strings.Join(problems, "; "))
	}
	for _, op := range ops {
		if op.ctr != nil {
			*op.ctr = op.val
		} else {
			copy(op.dst, op.src)
		}
	}
	return nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func dtypeName(t checkpoint.Tensor) string {
	if t.I64 != nil {
		return "int64"
	}
	return "float32"
}
