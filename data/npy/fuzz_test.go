package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader: it must return an error or
// an array whose data fits its shape, and what it accepts must survive a
// write and a second read unchanged.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	f.Add(buf.Bytes())
	buf.Reset()
	Write(&buf, []int{4}, []int64{1, -2, 3, 4})
	f.Add(buf.Bytes())
	buf.Reset()
	Write(&buf, []int{2, 2}, []uint8{1, 2, 3, 4})
	f.Add(buf.Bytes())
	if files, _ := filepath.Glob("testdata/*.npy"); len(files) > 0 {
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}\n"))
	buf.Reset()
	WriteStrings(&buf, []int{3}, []string{"train", "test", "final_test"})
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := ReadStrings(bytes.NewReader(data)); err == nil {
			if len(s.Values) != numElems(s.Shape) {
				t.Fatalf("accepted strings %s %v with %d values", s.Dtype, s.Shape, len(s.Values))
			}
			var out bytes.Buffer
			if err := WriteStrings(&out, s.Shape, s.Values); err == nil {
				if b, err := ReadStrings(&out); err != nil || !slices.Equal(b.Values, s.Values) {
					t.Fatalf("round trip of accepted strings: %v", err)
				}
			}
		}
		a, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(a.Data) != a.Len()*a.Itemsize() {
			t.Fatalf("accepted %s %v with %d data bytes", a.Dtype, a.Shape, len(a.Data))
		}
		if a.Dtype != "f4" {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, a.Shape, a.Float32()); err != nil {
			t.Fatalf("rewriting an accepted array: %v", err)
		}
		b, err := Read(&out)
		if err != nil || !bytes.Equal(b.Data, a.Data) {
			t.Fatalf("round trip of an accepted array: %v", err)
		}
	})
}
