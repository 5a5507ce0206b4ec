package npy_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/brainreg/brainreg/data/npy"
)

// A (trials, neurons) float32 matrix written as a .npy file (numpy.load
// reads it) and read back.
func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "npy-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "responses.npy")

	if err := npy.WriteFile(path, []int{2, 3}, []float32{0, 0.5, 1, 1.5, 2, 2.5}); err != nil {
		log.Fatal(err)
	}
	a, err := npy.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("dtype", a.Dtype, "shape", npy.ShapeString(a.Shape), "elements", a.Len())
	fmt.Println(a.Float32())
	// Output:
	// dtype f4 shape (2, 3) elements 6
	// [0 0.5 1 1.5 2 2.5]
}

// Integer arrays (image indices, labels) through any io.Writer and
// io.Reader; Int refuses float arrays rather than truncate them.
func ExampleRead() {
	var buf bytes.Buffer
	if err := npy.Write(&buf, []int{4}, []int64{3, 1, 4, 1}); err != nil {
		log.Fatal(err)
	}
	a, err := npy.Read(&buf)
	if err != nil {
		log.Fatal(err)
	}
	idx, err := a.Int()
	fmt.Println(a.Dtype, npy.ShapeString(a.Shape), a.IsInt(), idx, err)

	buf.Reset()
	if err := npy.Write(&buf, []int{1, 2}, []float64{0.25, 7}); err != nil {
		log.Fatal(err)
	}
	f, err := npy.Read(&buf)
	if err != nil {
		log.Fatal(err)
	}
	_, err = f.Int()
	fmt.Println(f.Dtype, npy.ShapeString(f.Shape), f.Float64())
	fmt.Println(err)
	// Output:
	// i8 (4,) true [3 1 4 1] <nil>
	// f8 (1, 2) [0.25 7]
	// dtype f8 is floating point, want an integer dtype
}
