package cifar

import (
	"crypto/md5"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Data is a whole data set in memory.
type Data struct {
	Layout      Layout
	Dir         string // where it was read from
	Train, Test *Set
}

// Set is N images with their labels, in file order.
type Set struct {
	Pixels  []uint8 // [N][3][32][32]: R, G, B planes, row-major, as in the files
	Labels  []int   // [N]: the class (for CIFAR-100 the fine class, 0..99)
	Coarse  []int   // [N]: CIFAR-100 coarse class (0..19); nil for CIFAR-10
	Classes int     // number of classes of Labels

	grayOnce sync.Once
	gray     []uint8 // [N][32][32]: Pillow "L" of every image, made on first use
}

// Len is the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image is image i as a [3][32][32] view into Pixels (not a copy).
func (s *Set) Image(i int) []uint8 { return s.Pixels[i*ImageSize : (i+1)*ImageSize] }

// Open reads the training and test files of the layout from dir. Unless skipVerify, each file's
// MD5 must equal the published one. Sizes and labels are always checked. Errors name the file.
func Open(l Layout, dir string, skipVerify bool) (*Data, error) {
	var scratch []byte // one file's bytes, reused
	train, err := readSet(l, dir, l.Train, skipVerify, &scratch)
	if err != nil {
		return nil, err
	}
	test, err := readSet(l, dir, l.Test, skipVerify, &scratch)
	if err != nil {
		return nil, err
	}
	return &Data{Layout: l, Dir: dir, Train: train, Test: test}, nil
}

// readSet reads files one after another into one Set.
func readSet(l Layout, dir string, files []FileSpec, skipVerify bool, scratch *[]byte) (*Set, error) {
	n := 0
	for _, f := range files {
		n += f.Records
	}
	s := &Set{Pixels: make([]uint8, n*ImageSize), Labels: make([]int, n), Classes: l.Classes}
	if l.CoarseClasses > 0 {
		s.Coarse = make([]int, n)
	}
	at := 0 // first image of the current file
	for _, f := range files {
		data, err := readFile(l, filepath.Join(dir, f.Name), f, skipVerify, scratch)
		if err != nil {
			return nil, err
		}
		rs := l.RecordSize()
		for r := 0; r < f.Records; r++ {
			rec := data[r*rs : (r+1)*rs]
			i := at + r
			s.Labels[i] = int(rec[l.LabelBytes-1])
			if s.Coarse != nil {
				s.Coarse[i] = int(rec[0])
			}
			copy(s.Image(i), rec[l.LabelBytes:])
		}
		at += f.Records
	}
	return s, nil
}

// readFile returns the checked bytes of one file, read into *scratch.
func readFile(l Layout, path string, f FileSpec, skipVerify bool, scratch *[]byte) ([]byte, error) {
	r, err := os.Open(path)
	if err != nil {
		return nil, openError(l, path, f, err)
	}
	defer r.Close()
	st, err := r.Stat()
	if err != nil {
		return nil, openError(l, path, f, err)
	}
	size := st.Size()
	if err := checkSize(l, path, f, size); err != nil {
		return nil, err
	}
	if int64(cap(*scratch)) < size {
		*scratch = make([]byte, size)
	}
	data := (*scratch)[:size]
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("cifar: %s: %w", path, err)
	}
	if !skipVerify {
		sum := md5.Sum(data)
		if err := checkMD5(l, path, f, sum[:], size); err != nil {
			return nil, err
		}
	}
	if err := checkLabels(l, path, data); err != nil {
		return nil, err
	}
	return data, nil
}
