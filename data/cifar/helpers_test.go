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

// RealCIFAR10Dir finds the real CIFAR-10 by the rule of package datatest (datatest.CIFAR10Dir:
// $CIFAR10_DIR, the shared copy beside the repository, then, outside CI, the download cache).
// Package cifar's own tests cannot import datatest, which imports cifar, so realdata_test.go
// (package cifar_test, built into the same test binary) sets it.
var RealCIFAR10Dir func(testing.TB) string

// realCIFAR10Dir returns the real CIFAR-10's directory (RealCIFAR10Dir); missing data fails the
// test, saying where it looked (see datatest).
func realCIFAR10Dir(t *testing.T) string {
	t.Helper()
	if RealCIFAR10Dir == nil {
		t.Fatal("RealCIFAR10Dir is not set: realdata_test.go (package cifar_test) sets it to datatest.CIFAR10Dir")
	}
	return RealCIFAR10Dir(t)
}

var realData struct {
	once sync.Once
	data *Data
	err  error
}

// realCIFAR10 reads the real CIFAR-10 (realCIFAR10Dir) once per test binary, checking the MD5s.
func realCIFAR10(t *testing.T) *Data {
	t.Helper()
	dir := realCIFAR10Dir(t)
	realData.once.Do(func() { realData.data, realData.err = Open(CIFAR10(), dir, false) })
	if realData.err != nil {
		t.Fatalf("reading the real CIFAR-10 from %s: %v", dir, realData.err)
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
