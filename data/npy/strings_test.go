package npy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// String arrays written by NumPy (testdata/gen.py): tiers as a
// neuralpredictors file tree stores them, bytes, and big-endian UTF-32 in
// Fortran order with characters outside the BMP.
func TestReadStringsNumPyFiles(t *testing.T) {
	for _, tc := range []struct {
		file  string
		dtype string
		shape []int
		want  []string
	}{
		{"U10_tiers.npy", "U10", []int{4}, []string{"train", "validation", "test", "final_test"}},
		{"S2_3.npy", "S2", []int{3}, []string{"ab", "c", ""}},
		{"U3_2x3_big_endian_fortran.npy", "U3", []int{2, 3}, []string{"a", "bb", "ccc", "d", "\u00e9", "\u0192\U0001F642"}},
		{"numpy_U5_3.npy", "U5", []int{3}, []string{"train", "test", "val"}},
	} {
		s, err := ReadStringsFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if s.Dtype != tc.dtype || !reflect.DeepEqual(s.Shape, tc.shape) || !reflect.DeepEqual(s.Values, tc.want) {
			t.Errorf("%s: %s %v %q, want %s %v %q", tc.file, s.Dtype, s.Shape, s.Values, tc.dtype, tc.shape, tc.want)
		}
	}
}

// WriteStrings writes what np.save writes, and reads back.
func TestWriteStrings(t *testing.T) {
	want, err := os.ReadFile("testdata/numpy_U5_3.npy")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteStrings(&buf, []int{3}, []string{"train", "test", "val"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("wrote\n%q\nwant (np.save)\n%q", buf.Bytes(), want)
	}
	vals := []string{"", "ünïcode", "🙂x", "a"}
	buf.Reset()
	if err := WriteStrings(&buf, []int{2, 2}, vals); err != nil {
		t.Fatal(err)
	}
	s, err := ReadStrings(&buf)
	if err != nil || !reflect.DeepEqual(s.Values, vals) || s.Dtype != "U7" {
		t.Errorf("round trip: %+v, %v", s, err)
	}
	if err := WriteStrings(new(bytes.Buffer), []int{3}, []string{"a"}); err == nil || !strings.Contains(err.Error(), "1 elements do not fill shape (3,)") {
		t.Errorf("short data: error %v", err)
	}
	if err := WriteStrings(new(bytes.Buffer), []int{1}, []string{"a\x00b"}); err == nil {
		t.Error("a value with a NUL accepted")
	}
}

// Each reader refuses the other's arrays, and both the object array, with
// errors that say so and wrap ErrUnsupportedDtype; corrupt string data is an
// error, not ErrUnsupportedDtype.
func TestStringDtypeErrors(t *testing.T) {
	if _, err := ReadFile("testdata/U10_tiers.npy"); !errors.Is(err, ErrUnsupportedDtype) || !strings.Contains(err.Error(), "ReadStrings") {
		t.Errorf("Read of a string array: error %v", err)
	}
	if _, err := ReadStringsFile("testdata/i8_7.npy"); !errors.Is(err, ErrUnsupportedDtype) || !strings.Contains(err.Error(), `"<i8": a numeric array, want strings`) {
		t.Errorf("ReadStrings of an integer array: error %v", err)
	}
	for _, read := range []func(string) error{
		func(p string) error { _, err := ReadFile(p); return err },
		func(p string) error { _, err := ReadStringsFile(p); return err },
	} {
		if err := read("testdata/O_2.npy"); !errors.Is(err, ErrUnsupportedDtype) || !strings.Contains(err.Error(), "object array") {
			t.Errorf("object array: error %v", err)
		}
	}
	raw, _ := os.ReadFile("testdata/U10_tiers.npy")
	if _, err := ReadStrings(bytes.NewReader(raw[:len(raw)-1])); err == nil || errors.Is(err, ErrUnsupportedDtype) || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("truncated string array: error %v", err)
	}
	bad := bytes.Clone(raw)
	copy(bad[len(bad)-4:], []byte{0x00, 0xD8, 0, 0}) // a surrogate
	if _, err := ReadStrings(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "not a Unicode code point") {
		t.Errorf("invalid UTF-32: error %v", err)
	}
}
