package npy

import (
	"bytes"
	"os"
	"path/filepath"
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
	f.Fuzz(func(t *testing.T, data []byte) {
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
