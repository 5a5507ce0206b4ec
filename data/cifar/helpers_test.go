package cifar

import (
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var realData struct {
	once sync.Once
	data *Data
	err  error
}

// realCIFAR10 reads the real CIFAR-10 from $CIFAR10_DIR once per test binary. Missing data fails
// the test: the Makefile sets CIFAR10_DIR to ../shared/data/cifar-10-batches-bin.
func realCIFAR10(t *testing.T) *Data {
	t.Helper()
	dir := os.Getenv("CIFAR10_DIR")
	if dir == "" {
		t.Fatalf("CIFAR10_DIR is not set: it must name the real cifar-10-batches-bin directory " +
			"(make test sets it to ../shared/data/cifar-10-batches-bin)")
	}
	realData.once.Do(func() { realData.data, realData.err = Open(CIFAR10(), dir, false) })
	if realData.err != nil {
		t.Fatalf("reading the real CIFAR-10 from CIFAR10_DIR=%s: %v", dir, realData.err)
	}
	return realData.data
}

// tiny returns a copy of base whose files hold few records, with checksums filled in by
// writeTiny: the official layouts at test size.
func tiny(base Layout, records int) Layout {
	l := base
	l.Train = append([]FileSpec(nil), base.Train...)
	l.Test = append([]FileSpec(nil), base.Test...)
	for i := range l.Train {
		l.Train[i].Records = records
	}
	for i := range l.Test {
		l.Test[i].Records = records
	}
	return l
}

// writeTiny writes random files of layout l into dir and records their MD5s in the returned
// layout. Labels cycle through the classes (and coarse classes) so every class occurs.
func writeTiny(t *testing.T, l Layout, dir string, seed uint64) Layout {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	k := 0
	set := func(files []FileSpec) {
		for i, f := range files {
			data := make([]byte, f.Records*l.RecordSize())
			for r := range f.Records {
				rec := data[r*l.RecordSize():]
				if l.CoarseClasses > 0 {
					rec[0] = byte(k % l.CoarseClasses)
				}
				rec[l.LabelBytes-1] = byte(k % l.Classes)
				for p := l.LabelBytes; p < l.RecordSize(); p++ {
					rec[p] = byte(rng.IntN(256))
				}
				k++
			}
			if err := os.WriteFile(filepath.Join(dir, f.Name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			sum := md5.Sum(data)
			files[i].MD5 = hex.EncodeToString(sum[:])
		}
	}
	set(l.Train)
	set(l.Test)
	return l
}

// testSet is n random images labelled i % 10.
func testSet(n int, seed uint64) *Set {
	rng := rand.New(rand.NewPCG(seed, 2))
	s := &Set{Pixels: make([]uint8, n*ImageSize), Labels: make([]int, n), Classes: 10}
	for i := range s.Pixels {
		s.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = i % 10
	}
	return s
}
