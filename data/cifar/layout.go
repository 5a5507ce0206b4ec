package cifar

import (
	"fmt"
	"path"
)

// Image geometry, shared by CIFAR-10 and CIFAR-100.
const (
	Side      = 32                   // width and height in pixels
	Channels  = 3                    // red, green, blue planes
	PlaneSize = Side * Side          // 1024 bytes a plane
	ImageSize = Channels * PlaneSize // 3072 bytes an image: [3][32][32]
)

// FileSpec is one binary file of a data set.
type FileSpec struct {
	Name    string // base name inside the data directory
	Records int    // number of images it holds
	MD5     string // published MD5 as lower-case hex; "" where none is known (then only size is checked)
}

// Layout describes one data set in the official binary layout: a record is LabelBytes label bytes
// followed by the 3072 pixel bytes of one image.
//
// Use CIFAR10() or CIFAR100(); a test may change a copy (smaller files, its own checksums, a local URL).
type Layout struct {
	Name          string     // "CIFAR-10", for messages
	Dir           string     // directory the archive extracts to, e.g. "cifar-10-batches-bin"
	EnvVar        string     // environment variable naming that directory, e.g. "CIFAR10_DIR"
	LabelBytes    int        // 1 (CIFAR-10: class) or 2 (CIFAR-100: coarse, then fine class)
	Classes       int        // number of classes of the (fine) label
	CoarseClasses int        // number of coarse classes; 0 when there is no coarse label
	ClassNames    []string   // names of the classes where known, index = label
	Train, Test   []FileSpec // files of the training and the test set, in reading order
	URL           string     // official archive
	ArchiveMD5    string     // MD5 of the archive at URL
}

// RecordSize is the number of bytes of one record: label bytes and image.
func (l Layout) RecordSize() int { return l.LabelBytes + ImageSize }

// ArchiveName is the file name of the archive, taken from the URL.
func (l Layout) ArchiveName() string { return path.Base(l.URL) }

// CIFAR10 is the official CIFAR-10 binary version. The MD5s are those of the six .bin files inside
// cifar-10-binary.tar.gz (the same as MD5SUMS in ../shared/data/cifar-10-batches-bin).
func CIFAR10() Layout {
	const n = 10000
	return Layout{
		Name:       "CIFAR-10",
		Dir:        "cifar-10-batches-bin",
		EnvVar:     "CIFAR10_DIR",
		LabelBytes: 1,
		Classes:    10,
		ClassNames: []string{"airplane", "automobile", "bird", "cat", "deer",
			"dog", "frog", "horse", "ship", "truck"},
		Train: []FileSpec{
			{"data_batch_1.bin", n, "5dd7e06a14cb22eb9f671a540d1b7c25"},
			{"data_batch_2.bin", n, "5ea93a67294ea407fff1d09f752e9692"},
			{"data_batch_3.bin", n, "942cd6a4bcdd0dd3c604fbe906cb4421"},
			{"data_batch_4.bin", n, "ae636b3ba5c66a11e91e8cb52e771fcb"},
			{"data_batch_5.bin", n, "53f37980c15c3d472c316c40844f3f0d"},
		},
		Test:       []FileSpec{{"test_batch.bin", n, "803d5f7f4d78ea53de84dbe85f74fb6d"}},
		URL:        "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
		ArchiveMD5: "c32a1d4ab5d03f1284b67883e8d87530",
	}
}

// CIFAR100 is the official CIFAR-100 binary version: each record has a coarse (0..19) and a fine
// (0..99) label byte. The MD5s of train.bin and test.bin are not published, so only the archive's
// MD5 is checked (by Download); Open checks the sizes and labels of the files.
func CIFAR100() Layout {
	return Layout{
		Name:          "CIFAR-100",
		Dir:           "cifar-100-binary",
		EnvVar:        "CIFAR100_DIR",
		LabelBytes:    2,
		Classes:       100,
		CoarseClasses: 20,
		Train:         []FileSpec{{"train.bin", 50000, ""}},
		Test:          []FileSpec{{"test.bin", 10000, ""}},
		URL:           "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
		ArchiveMD5:    "03b5dce01913d631647c71ecec9e9cb8",
	}
}

// files lists the training and test files together.
func (l Layout) files() []FileSpec {
	return append(append([]FileSpec(nil), l.Train...), l.Test...)
}

// want describes what a file should be, for error messages.
func (l Layout) want(f FileSpec) string {
	sum := "MD5 " + f.MD5
	if f.MD5 == "" {
		sum = "no published MD5"
	}
	return fmt.Sprintf("want %d bytes = %d records of %d, %s", int64(f.Records)*int64(l.RecordSize()),
		f.Records, l.RecordSize(), sum)
}
