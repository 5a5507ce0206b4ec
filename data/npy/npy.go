// Package npy reads and writes NumPy .npy files (format versions 1.0, 2.0
// and 3.0 on read, 1.0 on write) holding one numeric array.
//
// Why not codeberg.org/sbinet/npyio: it writes a Go slice only as a 1-D
// array (shape (len,)) and a matrix only as float64, so it cannot write the
// (N, H, W) float32 or uint8 images and (trials, neurons) float32 responses
// the recordings format needs, and it reads only into a Go type equal to the
// file's dtype. This package is the small part of the format the project
// uses; its tests check it against files written by NumPy and against npyio.
//
// # Format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
//
//	"\x93NUMPY" major minor  header-length (uint16 LE for 1.0, uint32 LE for 2.0/3.0)
//	header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, H, W), }
//	        padded with spaces and ended by '\n' so the data starts on a 64-byte boundary
//	data:   the elements, in C (row-major) or Fortran (column-major) order
//
// Supported dtypes: b1, u1, i1, u2, i2, u4, i4, u8, i8, f4, f8, either byte
// order, read by Read; and the fixed-width strings U<n> (UTF-32, what
// arr.astype(str) makes) and S<n> (bytes), read by ReadStrings. Arrays read
// in Fortran order are returned in C order. Object arrays (|O, pickled
// Python objects) are not supported.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/brainreg/brainreg/internal/atomicfile"
)

// magic opens every .npy file.
const magic = "\x93NUMPY"

// Array is one array read from a .npy file. Data holds the elements in C
// (row-major) order, little-endian, each Itemsize() bytes wide.
type Array struct {
	Dtype string // NumPy type code without byte order: "f4", "f8", "u1", "i8", "b1", ...
	Shape []int  // () for a scalar
	Data  []byte // little-endian elements in C order
}

// Len is the number of elements, the product of Shape.
func (a *Array) Len() int { return numElems(a.Shape) }

// Itemsize is the width of one element in bytes.
func (a *Array) Itemsize() int { return itemsize(a.Dtype) }

// IsFloat reports whether the array holds floating-point numbers.
func (a *Array) IsFloat() bool { return a.Dtype == "f4" || a.Dtype == "f8" }

// IsInt reports whether the array holds integers (signed or unsigned).
func (a *Array) IsInt() bool { return a.Dtype[0] == 'i' || a.Dtype[0] == 'u' }

// ShapeString formats the shape as NumPy prints it: (3,), (2, 4).
func ShapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func numElems(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// checkedElems is numElems that reports, instead of wrapping, a product
// that overflows int: a corrupt header must not pass as a small array.
func checkedElems(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d != 0 && n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// readChunk bounds what readExactly allocates ahead of the bytes it has
// actually read.
const readChunk = 64 << 20

// readExactly reads exactly n bytes. It grows its buffer a chunk at a time,
// so a header that claims more data than the file holds fails with
// io.ErrUnexpectedEOF after reading what is there, instead of first
// allocating (or failing to allocate) what the header claims.
func readExactly(r io.Reader, n int) ([]byte, error) {
	if n <= readChunk {
		data := make([]byte, n)
		_, err := io.ReadFull(r, data)
		return data, err
	}
	data := make([]byte, 0, readChunk)
	for len(data) < n {
		step := min(n-len(data), readChunk)
		data = slices.Grow(data, step)
		got, err := io.ReadFull(r, data[len(data):len(data)+step])
		data = data[:len(data)+got]
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// itemsize of a dtype code; 0 for an unsupported one.
func itemsize(dtype string) int {
	switch dtype {
	case "b1", "u1", "i1":
		return 1
	case "u2", "i2":
		return 2
	case "u4", "i4", "f4":
		return 4
	case "u8", "i8", "f8":
		return 8
	}
	return 0
}

// value returns element i as a float64 (exact for every supported type but
// 64-bit integers beyond 2⁵³).
func (a *Array) value(i int) float64 {
	d := a.Data
	switch a.Dtype {
	case "b1", "u1":
		return float64(d[i])
	case "i1":
		return float64(int8(d[i]))
	case "u2":
		return float64(binary.LittleEndian.Uint16(d[2*i:]))
	case "i2":
		return float64(int16(binary.LittleEndian.Uint16(d[2*i:])))
	case "u4":
		return float64(binary.LittleEndian.Uint32(d[4*i:]))
	case "i4":
		return float64(int32(binary.LittleEndian.Uint32(d[4*i:])))
	case "u8":
		return float64(binary.LittleEndian.Uint64(d[8*i:]))
	case "i8":
		return float64(int64(binary.LittleEndian.Uint64(d[8*i:])))
	case "f4":
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:])))
	case "f8":
		return math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:]))
	}
	panic("npy: unsupported dtype " + a.Dtype)
}

// Float32 returns the elements converted to float32 (float64 values are
// rounded; integers and booleans converted).
func (a *Array) Float32() []float32 {
	out := make([]float32, a.Len())
	if a.Dtype == "f4" {
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
		}
		return out
	}
	for i := range out {
		out[i] = float32(a.value(i))
	}
	return out
}

// Float64 returns the elements converted to float64.
func (a *Array) Float64() []float64 {
	out := make([]float64, a.Len())
	for i := range out {
		out[i] = a.value(i)
	}
	return out
}

// Int returns the elements of an integer or boolean array as ints; for a
// float array it returns an error naming the dtype, since a silent
// truncation of indices would hide a bug in the file.
func (a *Array) Int() ([]int, error) {
	if a.IsFloat() {
		return nil, fmt.Errorf("dtype %s is floating point, want an integer dtype", a.Dtype)
	}
	out := make([]int, a.Len())
	for i := range out {
		switch a.Dtype {
		case "u8":
			v := binary.LittleEndian.Uint64(a.Data[8*i:])
			if v > math.MaxInt64 {
				return nil, fmt.Errorf("element %d = %d overflows int", i, v)
			}
			out[i] = int(v)
		case "i8":
			out[i] = int(int64(binary.LittleEndian.Uint64(a.Data[8*i:])))
		default:
			out[i] = int(a.value(i))
		}
	}
	return out, nil
}

// ErrUnsupportedDtype is wrapped by the error Read and ReadStrings return
// for a well-formed file whose dtype they do not read, so that a caller can
// tell such a file from a corrupt one with errors.Is.
var ErrUnsupportedDtype = errors.New("unsupported dtype")

var (
	reDescr   = regexp.MustCompile(`'descr'\s*:\s*'([<>|=])([a-zA-Z?])(\d*)'`)
	reFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	reShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// header is a parsed .npy header.
type header struct {
	order   string // "<", ">", "|" or "="
	kind    byte   // the type character: 'f', 'i', 'u', 'b', 'U', 'S', ...
	digits  string // the width after it, as written
	descr   string // the whole descr, for messages
	fortran bool
	shape   []int
}

// readHeader reads the magic string, version and header dictionary.
func readHeader(r io.Reader) (*header, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("reading the magic string: %w", err)
	}
	if string(pre[:6]) != magic {
		return nil, fmt.Errorf("not a .npy file: starts with %q, want %q", pre[:6], magic)
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("reading the header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("reading the header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > 1<<20 {
			return nil, fmt.Errorf("header length %d is implausibly large", hlen)
		}
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d.%d", pre[6], pre[7])
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("reading the %d-byte header: %w", hlen, err)
	}
	h := string(hdr)

	m := reDescr.FindStringSubmatch(h)
	if m == nil {
		return nil, fmt.Errorf("header %q: no simple 'descr' (structured dtypes are not supported)", strings.TrimSpace(h))
	}
	hd := &header{order: m[1], kind: m[2][0], digits: m[3], descr: m[1] + m[2] + m[3]}
	mf := reFortran.FindStringSubmatch(h)
	if mf == nil {
		return nil, fmt.Errorf("header %q: no 'fortran_order'", strings.TrimSpace(h))
	}
	hd.fortran = mf[1] == "True"
	ms := reShape.FindStringSubmatch(h)
	if ms == nil {
		return nil, fmt.Errorf("header %q: no 'shape'", strings.TrimSpace(h))
	}
	hd.shape = []int{}
	for _, f := range strings.Split(ms[1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("header shape (%s): bad dimension %q", ms[1], f)
		}
		hd.shape = append(hd.shape, d)
	}
	return hd, nil
}

// isString reports whether the header's dtype is a fixed-width string.
func (h *header) isString() bool { return h.kind == 'U' || h.kind == 'S' }

// unsupported returns the error for a dtype neither reader reads.
func (h *header) unsupported() error {
	if h.kind == 'O' {
		return fmt.Errorf("%w %q: an object array (pickled Python objects); save it with arr.astype(str) or a numeric dtype", ErrUnsupportedDtype, h.descr)
	}
	return fmt.Errorf("%w %q (want one of b1 u1 i1 u2 i2 u4 i4 u8 i8 f4 f8, or U<n> and S<n> strings)", ErrUnsupportedDtype, h.descr)
}

// readData reads the elements the header describes, size bytes each, and
// returns them little-endian (for strings: each 4-byte UTF-32 unit) in C
// order.
func (h *header) readData(r io.Reader, size int, dtype string) ([]byte, error) {
	n, ok := checkedElems(h.shape)
	if !ok || n > math.MaxInt/size {
		return nil, fmt.Errorf("shape %s is too large", ShapeString(h.shape))
	}
	data, err := readExactly(r, n*size)
	if err != nil {
		return nil, fmt.Errorf("reading %d elements of %s for shape %s: %w", n, dtype, ShapeString(h.shape), err)
	}
	if h.order == ">" {
		switch {
		case h.kind == 'U':
			swapBytes(data, 4)
		case size > 1 && h.kind != 'S':
			swapBytes(data, size)
		}
	}
	if h.fortran && len(h.shape) > 1 {
		data = fortranToC(data, h.shape, size)
	}
	return data, nil
}

// Read reads one numeric array from r. A string array is refused with an
// error saying to use ReadStrings.
func Read(r io.Reader) (*Array, error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	if h.isString() {
		return nil, fmt.Errorf("%w %q: a string array (read it with ReadStrings)", ErrUnsupportedDtype, h.descr)
	}
	dtype := string(h.kind) + h.digits
	if dtype == "?1" {
		dtype = "b1"
	}
	size := itemsize(dtype)
	if size == 0 {
		return nil, h.unsupported()
	}
	data, err := h.readData(r, size, dtype)
	if err != nil {
		return nil, err
	}
	return &Array{Dtype: dtype, Shape: h.shape, Data: data}, nil
}

// Strings is an array of strings read from a .npy file.
type Strings struct {
	Dtype  string   // "U<n>" (UTF-32, n characters) or "S<n>" (n bytes)
	Shape  []int    // () for a scalar
	Values []string // in C order, trailing NULs removed as NumPy does
}

// maxStringWidth bounds the width of one string element (characters or
// bytes), so that a corrupt header cannot claim gigabyte-wide strings.
const maxStringWidth = 1 << 20

// ReadStrings reads one array of fixed-width strings, dtype U<n> (what
// numpy.save writes for arr.astype(str)) or S<n> (bytes), from r. Each
// element is returned without its trailing NUL padding. A numeric array is
// refused with an error naming its dtype; a U element that is not valid
// UTF-32 is an error.
func ReadStrings(r io.Reader) (*Strings, error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	if !h.isString() {
		if itemsize(string(h.kind)+h.digits) != 0 || h.kind == '?' {
			return nil, fmt.Errorf("%w %q: a numeric array, want strings (U<n> or S<n>)", ErrUnsupportedDtype, h.descr)
		}
		return nil, h.unsupported()
	}
	width, err := strconv.Atoi(h.digits)
	if err != nil || width < 1 || width > maxStringWidth {
		return nil, fmt.Errorf("%w %q: bad string width", ErrUnsupportedDtype, h.descr)
	}
	size := width
	if h.kind == 'U' {
		size = 4 * width
	}
	dtype := string(h.kind) + h.digits
	data, err := h.readData(r, size, dtype)
	if err != nil {
		return nil, err
	}
	s := &Strings{Dtype: dtype, Shape: h.shape, Values: make([]string, len(data)/size)}
	var sb strings.Builder
	for i := range s.Values {
		el := data[i*size : (i+1)*size]
		if h.kind == 'S' {
			s.Values[i] = string(bytes.TrimRight(el, "\x00"))
			continue
		}
		sb.Reset()
		end := width
		for end > 0 && binary.LittleEndian.Uint32(el[4*(end-1):]) == 0 {
			end--
		}
		for k := range end {
			c := binary.LittleEndian.Uint32(el[4*k:])
			if c > unicode.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
				return nil, fmt.Errorf("element %d: character %d is 0x%X, not a Unicode code point", i, k, c)
			}
			sb.WriteRune(rune(c))
		}
		s.Values[i] = sb.String()
	}
	return s, nil
}

// ReadFile reads one array from the .npy file at path; errors name the file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

func swapBytes(data []byte, size int) {
	for i := 0; i < len(data); i += size {
		for a, b := i, i+size-1; a < b; a, b = a+1, b-1 {
			data[a], data[b] = data[b], data[a]
		}
	}
}

// fortranToC reorders column-major elements into row-major order.
func fortranToC(src []byte, shape []int, size int) []byte {
	dst := make([]byte, len(src))
	nd := len(shape)
	// Fortran strides (in elements): the first index varies fastest.
	fstride := make([]int, nd)
	s := 1
	for d := range nd {
		fstride[d] = s
		s *= shape[d]
	}
	idx := make([]int, nd) // the C-order multi-index of element i
	for i := 0; i < numElems(shape); i++ {
		off := 0
		for d := range nd {
			off += idx[d] * fstride[d]
		}
		copy(dst[i*size:(i+1)*size], src[off*size:(off+1)*size])
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return dst
}

// Write writes data as a C-order array of the given shape in format 1.0
// (2.0 if the header would not fit). data is []float32 (<f4), []float64
// (<f8), []uint8 (|u1), []int32 (<i4), []int64 (<i8) or []int (<i8); its
// length must equal the product of shape.
func Write(w io.Writer, shape []int, data any) error {
	var (
		descr string
		n     int
		size  int                   // bytes an element
		put   func(b []byte, i int) // encodes element i into b[:size]
	)
	switch v := data.(type) {
	case []float32:
		descr, n, size = "<f4", len(v), 4
		put = func(b []byte, i int) { binary.LittleEndian.PutUint32(b, math.Float32bits(v[i])) }
	case []float64:
		descr, n, size = "<f8", len(v), 8
		put = func(b []byte, i int) { binary.LittleEndian.PutUint64(b, math.Float64bits(v[i])) }
	case []uint8:
		descr, n = "|u1", len(v)
	case []int32:
		descr, n, size = "<i4", len(v), 4
		put = func(b []byte, i int) { binary.LittleEndian.PutUint32(b, uint32(v[i])) }
	case []int64:
		descr, n, size = "<i8", len(v), 8
		put = func(b []byte, i int) { binary.LittleEndian.PutUint64(b, uint64(v[i])) }
	case []int:
		descr, n, size = "<i8", len(v), 8
		put = func(b []byte, i int) { binary.LittleEndian.PutUint64(b, uint64(int64(v[i]))) }
	default:
		return fmt.Errorf("npy.Write: unsupported data type %T", data)
	}
	if err := checkShape("npy.Write", shape, n); err != nil {
		return err
	}
	if err := writeHeader(w, descr, shape); err != nil {
		return err
	}
	if put == nil { // bytes: written as they are
		_, err := w.Write(data.([]uint8))
		return err
	}
	// The elements are encoded 64 KiB at a time, so that writing an array
	// needs no copy of it in bytes beside it.
	buf := make([]byte, min(n*size, 64<<10)/size*size)
	for i := 0; i < n; {
		k := min(n-i, len(buf)/size)
		for j := range k {
			put(buf[j*size:], i+j)
		}
		if _, err := w.Write(buf[:k*size]); err != nil {
			return err
		}
		i += k
	}
	return nil
}

// checkShape checks that shape has no negative dimension and holds n
// elements.
func checkShape(fn string, shape []int, n int) error {
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("%s: negative dimension in shape %v", fn, shape)
		}
	}
	if numElems(shape) != n {
		return fmt.Errorf("%s: %d elements do not fill shape %s (%d)", fn, n, ShapeString(shape), numElems(shape))
	}
	return nil
}

// writeHeader writes the magic string, version and header dictionary of a
// C-order array, as np.save does.
func writeHeader(w io.Writer, descr string, shape []int) error {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, ShapeString(shape))
	// NumPy (1.24 and later) leaves room for the first dimension to grow to
	// 21 digits so the header can be rewritten in place; doing the same makes
	// the files byte-identical to np.save's.
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, 21-len(strconv.Itoa(shape[0]))))
	}
	var head bytes.Buffer
	head.WriteString(magic)
	// Pad with spaces so magic+version+length+dict+'\n' is a multiple of 64,
	// as NumPy does, so the data is aligned for memory mapping.
	lenField := 2
	if len(dict)+1+10 > math.MaxUint16 {
		lenField = 4
	}
	pre := len(magic) + 2 + lenField
	total := (pre + len(dict) + 1 + 63) / 64 * 64
	hlen := total - pre
	dict += strings.Repeat(" ", hlen-len(dict)-1) + "\n"
	if lenField == 2 {
		head.Write([]byte{1, 0})
		head.Write(binary.LittleEndian.AppendUint16(nil, uint16(hlen)))
	} else {
		head.Write([]byte{2, 0})
		head.Write(binary.LittleEndian.AppendUint32(nil, uint32(hlen)))
	}
	head.WriteString(dict)
	_, err := w.Write(head.Bytes())
	return err
}

// WriteStrings writes values as a C-order array of the given shape with
// dtype <U n, n the longest value in characters (at least 1), as np.save
// writes a NumPy string array; the bytes are those np.save writes. A value
// holding a NUL character is refused, since NumPy would drop it when it
// ends a value.
func WriteStrings(w io.Writer, shape []int, values []string) error {
	if err := checkShape("npy.WriteStrings", shape, len(values)); err != nil {
		return err
	}
	width := 1
	for i, v := range values {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return fmt.Errorf("npy.WriteStrings: value %d (%q) is not valid UTF-8 without NUL", i, v)
		}
		width = max(width, utf8.RuneCountInString(v))
	}
	body := make([]byte, 4*width*len(values))
	for i, v := range values {
		k := 0
		for _, c := range v {
			binary.LittleEndian.PutUint32(body[4*(i*width+k):], uint32(c))
			k++
		}
	}
	if err := writeHeader(w, "<U"+strconv.Itoa(width), shape); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// ReadStringsFile reads one string array from the .npy file at path (see
// ReadStrings); errors name the file.
func ReadStringsFile(path string) (*Strings, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := ReadStrings(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// WriteFile writes data as a .npy file at path atomically and durably,
// with mode 0644 whatever the umask (see AtomicWrite): a reader never sees
// a half-written file and a crash leaves either the old file or the new
// one.
func WriteFile(path string, shape []int, data any) error {
	return AtomicWrite(path, func(w io.Writer) error { return Write(w, shape, data) })
}

// AtomicWrite creates path with what write writes into a buffered writer,
// through internal/atomicfile: a temporary file in the same directory,
// fsync, mode 0644 (atomicfile.ResultPerm, set with chmod so the umask does
// not narrow it), rename over path, fsync of the directory. On any error
// path is untouched, the temporary file is removed, and the error names
// path.
func AtomicWrite(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, atomicfile.ResultPerm, write)
}
