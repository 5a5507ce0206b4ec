package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
)

// The fixtures in testdata are made by NumPy (testdata/gen.py); the value of
// every element is its C-order index.
func TestReadNumPyFiles(t *testing.T) {
	for _, tc := range []struct {
		file  string
		dtype string
		shape []int
	}{
		{"f4_2x3x4_c.npy", "f4", []int{2, 3, 4}},
		{"f8_3x5_fortran.npy", "f8", []int{3, 5}},
		{"f8_2x3x4_fortran.npy", "f8", []int{2, 3, 4}},
		{"f8_big_endian_4.npy", "f8", []int{4}},
		{"u1_2x2x3.npy", "u1", []int{2, 2, 3}},
		{"i8_7.npy", "i8", []int{7}},
		{"i4_7.npy", "i4", []int{7}},
		{"f4_scalar.npy", "f4", []int{}},
		{"f4_0x3.npy", "f4", []int{0, 3}},
		{"f4_2x3_v2.npy", "f4", []int{2, 3}},
	} {
		a, err := ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if a.Dtype != tc.dtype || !reflect.DeepEqual(a.Shape, tc.shape) {
			t.Errorf("%s: dtype %s shape %v, want %s %v", tc.file, a.Dtype, a.Shape, tc.dtype, tc.shape)
		}
		for i, v := range a.Float64() {
			if v != float64(i) {
				t.Errorf("%s: element %d = %v, want %d", tc.file, i, v, i)
				break
			}
		}
		f32 := a.Float32()
		for i, v := range f32 {
			if v != float32(i) {
				t.Errorf("%s: Float32 element %d = %v", tc.file, i, v)
				break
			}
		}
	}
}

func TestReadBoolAndInt(t *testing.T) {
	a, err := ReadFile("testdata/b1_3.npy")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Float64(); !reflect.DeepEqual(got, []float64{1, 0, 1}) {
		t.Errorf("bool array read as %v", got)
	}
	a, err = ReadFile("testdata/i8_7.npy")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := a.Int()
	if err != nil || !reflect.DeepEqual(idx, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("Int() = %v, %v", idx, err)
	}
	a, _ = ReadFile("testdata/f4_2x3x4_c.npy")
	if _, err := a.Int(); err == nil || !strings.Contains(err.Error(), "floating point") {
		t.Errorf("Int() on f4: error %v, want one saying floating point", err)
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := ReadFile("testdata/c8_2.npy"); err == nil || !strings.Contains(err.Error(), "unsupported dtype \"<c8\"") ||
		!strings.Contains(err.Error(), "c8_2.npy") {
		t.Errorf("complex file: error %v", err)
	}
	if _, err := Read(strings.NewReader("PK\x03\x04 not npy")); err == nil || !strings.Contains(err.Error(), "not a .npy file") {
		t.Errorf("foreign file: error %v", err)
	}
	raw, _ := os.ReadFile("testdata/f4_2x3x4_c.npy")
	if _, err := Read(bytes.NewReader(raw[:len(raw)-3])); err == nil || !strings.Contains(err.Error(), "reading 24 elements of f4 for shape (2, 3, 4)") {
		t.Errorf("truncated file: error %v", err)
	}
}

// A header may claim any shape. One whose byte count overflows int, or
// whose element count wraps to a small number, is refused as too large; one
// that claims far more data than follows fails on the missing data after
// reading what is there, without first allocating what it claims (the fuzzer
// found a shape that made the reader panic in makeslice).
func TestReadImplausibleShapes(t *testing.T) {
	header := func(shape string) []byte {
		h := "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }"
		h += strings.Repeat(" ", 63-(10+len(h))%64) + "\n"
		b := []byte("\x93NUMPY\x01\x00\x00\x00")
		binary.LittleEndian.PutUint16(b[8:], uint16(len(h)))
		return append(b, h...)
	}
	for _, tc := range []struct{ shape, want string }{
		{"4294967296, 4294967296", "shape (4294967296, 4294967296) is too large"},                             // 2^64 elements wrap to 0
		{"4611686018427387904,", "shape (4611686018427387904,) is too large"},                                 // 2^62 × 4 bytes overflows
		{"1099511627776,", "reading 1099511627776 elements of f4 for shape (1099511627776,): unexpected EOF"}, // 4 TiB claimed
		{"100000000,", "reading 100000000 elements of f4 for shape (100000000,): unexpected EOF"},             // 400 MB claimed
	} {
		raw := append(header(tc.shape), make([]byte, 64)...)
		_, err := Read(bytes.NewReader(raw))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("shape (%s): error %v, want one containing %q", tc.shape, err, tc.want)
		}
	}
}

// A large array that is all there reads whole across readExactly's chunks.
func TestReadAcrossChunks(t *testing.T) {
	n := readChunk/4 + 5
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i % 1000)
	}
	var buf bytes.Buffer
	if err := Write(&buf, []int{n}, x); err != nil {
		t.Fatal(err)
	}
	a, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Float32(); !slices.Equal(got, x) {
		t.Fatalf("read %d values back, not the %d written", len(got), n)
	}
}

// Files written here must be byte-identical to np.save's.
func TestWriteMatchesNumPy(t *testing.T) {
	for _, tc := range []struct {
		file  string
		shape []int
		data  any
	}{
		{"numpy_f4_2x3.npy", []int{2, 3}, []float32{0, 1, 2, 3, 4, 5}},
		{"numpy_u1_2x2x2.npy", []int{2, 2, 2}, []uint8{0, 1, 2, 3, 4, 5, 6, 7}},
		{"numpy_i8_5.npy", []int{5}, []int{0, 1, 2, 3, 4}},
	} {
		want, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, tc.shape, tc.data); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: wrote\n%q\nwant\n%q", tc.file, buf.Bytes(), want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		shape []int
		data  any
		dtype string
	}{
		{[]int{2, 3, 2}, []float32{1.5, -2, 3e-8, 4, 5, 6, 7, 8, 9, 10, 11, -12}, "f4"},
		{[]int{3}, []float64{1e300, -0.25, 7}, "f8"},
		{[]int{1, 2}, []uint8{0, 255}, "u1"},
		{[]int{2}, []int32{-7, 1 << 30}, "i4"},
		{[]int{2}, []int64{-7, 1 << 40}, "i8"},
		{[]int{0, 5}, []float32{}, "f4"},
	}
	for i, tc := range cases {
		path := filepath.Join(dir, "a.npy")
		if err := WriteFile(path, tc.shape, tc.data); err != nil {
			t.Fatal(err)
		}
		a, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if a.Dtype != tc.dtype || !reflect.DeepEqual(a.Shape, tc.shape) {
			t.Errorf("case %d: read back %s %v", i, a.Dtype, a.Shape)
		}
		var got any
		switch tc.data.(type) {
		case []float32:
			got = a.Float32()
		case []float64:
			got = a.Float64()
		case []uint8:
			got = a.Data
		case []int32:
			v, _ := a.Int()
			w := make([]int32, len(v))
			for j := range v {
				w[j] = int32(v[j])
			}
			got = w
		case []int64:
			v, _ := a.Int()
			w := make([]int64, len(v))
			for j := range v {
				w[j] = int64(v[j])
			}
			got = w
		}
		if !reflect.DeepEqual(got, tc.data) {
			t.Errorf("case %d: read back %v, want %v", i, got, tc.data)
		}
	}
	// No temporary file is left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries after writes, want 1", len(ents))
	}
}

// npyio, the pure-Go NumPy library, reads what this package writes.
func TestNpyioReadsOurFiles(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	r, err := npyio.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Header.Descr.Shape, []int{2, 3}) || strings.Trim(r.Header.Descr.Type, "'") != "<f8" {
		t.Errorf("npyio header %+v", r.Header)
	}
	var got []float64
	if err := r.Read(&got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []float64{0, 1, 2, 3, 4, 5}) {
		t.Errorf("npyio read %v", got)
	}
}

func TestWriteErrors(t *testing.T) {
	if err := Write(new(bytes.Buffer), []int{2, 2}, []float32{1, 2, 3}); err == nil || !strings.Contains(err.Error(), "3 elements do not fill shape (2, 2)") {
		t.Errorf("short data: error %v", err)
	}
	if err := Write(new(bytes.Buffer), []int{2}, []string{"a", "b"}); err == nil {
		t.Error("strings accepted")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	if err := WriteFile(path, []int{3}, []float32{1, 2}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("failed WriteFile: error %v, want it to name %s", err, path)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("failed WriteFile left %s behind", path)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed WriteFile left %d files", len(ents))
	}
}

// A written .npy file is 0644, readable by all, not the 0600 of the
// temporary file it was written as (issue 18). That the umask does not
// change it is tested in internal/atomicfile.
func TestWriteFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	path := filepath.Join(t.TempDir(), "targets.npy")
	for range 2 { // a new file, then one replaced
		if err := WriteFile(path, []int{2}, []float32{1, 2}); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != 0o644 {
			t.Errorf("%s has mode %v, want -rw-r--r--", path, st.Mode())
		}
	}
}

// Write encodes its elements a chunk at a time; the bytes are those of
// encoding the whole array at once (the header, then every element
// little-endian), for empty arrays, arrays shorter than a chunk and arrays
// of several chunks with a partial last one.
func TestWriteChunksGiveWholeEncoding(t *testing.T) {
	for _, shape := range [][]int{{0}, {1}, {3, 5}, {6000, 8000 / 64}, {123456789, 0}, {2, 3, 4}, {70000}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		f32, f64, i64 := make([]float32, n), make([]float64, n), make([]int, n)
		for i := range n {
			f32[i], f64[i], i64[i] = float32(i%977)*0.37, float64(i%977)*-0.37, i*31-7
		}
		for _, c := range []struct {
			descr string
			data  any
		}{{"<f4", f32}, {"<f8", f64}, {"<i8", i64}} {
			var want bytes.Buffer
			if err := writeHeader(&want, c.descr, shape); err != nil {
				t.Fatal(err)
			}
			body := make([]byte, 0, 8*n)
			for i := range n {
				switch c.descr {
				case "<f4":
					body = binary.LittleEndian.AppendUint32(body, math.Float32bits(f32[i]))
				case "<f8":
					body = binary.LittleEndian.AppendUint64(body, math.Float64bits(f64[i]))
				default:
					body = binary.LittleEndian.AppendUint64(body, uint64(int64(i64[i])))
				}
			}
			want.Write(body)
			var got bytes.Buffer
			if err := Write(&got, shape, c.data); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s shape %v: Write's bytes differ from the whole array's encoding", c.descr, shape)
			}
		}
	}
}
