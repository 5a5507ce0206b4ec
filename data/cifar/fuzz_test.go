package cifar

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen feeds arbitrary bytes as a CIFAR-10 batch file of two records:
// Open must either fail with an error or return exactly two images with
// labels 0–9. It never panics.
func FuzzOpen(f *testing.F) {
	rec := func(label byte) []byte {
		b := make([]byte, 1+ImageSize)
		b[0] = label
		for i := range ImageSize {
			b[1+i] = byte(i)
		}
		return b
	}
	f.Add(append(rec(3), rec(9)...))
	f.Add(append(rec(3), rec(10)...))
	f.Add(rec(1))
	f.Add([]byte{})
	l := CIFAR10()
	l.Train = []FileSpec{{Name: "train.bin", Records: 2}}
	l.Test = []FileSpec{{Name: "test.bin", Records: 2}}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.bin"), append(rec(0), rec(1)...), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, "train.bin"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := Open(l, dir, true)
		if err != nil {
			return
		}
		if d.Train.Len() != 2 {
			t.Fatalf("accepted %d bytes as %d images", len(data), d.Train.Len())
		}
		for _, y := range d.Train.Labels {
			if y < 0 || y > 9 {
				t.Fatalf("accepted label %d", y)
			}
		}
	})
}
