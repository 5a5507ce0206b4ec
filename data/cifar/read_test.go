package cifar

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRealCIFAR10(t *testing.T) {
	d := realCIFAR10(t)
	if d.Train.Len() != 50000 || d.Test.Len() != 10000 {
		t.Fatalf("got %d training and %d test images, want 50000 and 10000", d.Train.Len(), d.Test.Len())
	}
	for _, c := range []struct {
		s    *Set
		want int
	}{{d.Train, 5000}, {d.Test, 1000}} {
		count := make([]int, 10)
		for _, y := range c.s.Labels {
			count[y]++
		}
		for y, n := range count {
			if n != c.want {
				t.Errorf("class %d (%s): %d images, want %d", y, d.Layout.ClassNames[y], n, c.want)
			}
		}
	}
	// The usual per-channel means of the training set.
	want := [3]float64{0.4914, 0.4822, 0.4465}
	var sum [3]float64
	for i := range d.Train.Len() {
		img := d.Train.Image(i)
		for c := range 3 {
			for _, v := range img[c*PlaneSize : (c+1)*PlaneSize] {
				sum[c] += float64(v)
			}
		}
	}
	for c := range 3 {
		m := sum[c] / 255 / float64(d.Train.Len()*PlaneSize)
		if math.Abs(m-want[c]) > 5e-4 {
			t.Errorf("channel %d mean %.5f, want %.4f", c, m, want[c])
		}
	}
}

// The MD5s embedded in CIFAR10() are those in the data directory's MD5SUMS. A copy that
// cifar.Download put in the cache has no MD5SUMS (the archive holds none); there the check is the
// one realCIFAR10's Open made, of the embedded MD5s against the files themselves.
func TestEmbeddedMD5s(t *testing.T) {
	dir := realCIFAR10(t).Dir
	f, err := os.Open(filepath.Join(dir, "MD5SUMS"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Logf("%s has no MD5SUMS (a downloaded copy has none): the embedded MD5s were checked against its files when it was opened", dir)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 {
			listed[fields[1]] = fields[0]
		}
	}
	for _, spec := range CIFAR10().files() {
		if listed[spec.Name] != spec.MD5 {
			t.Errorf("%s: embedded MD5 %s, MD5SUMS says %q", spec.Name, spec.MD5, listed[spec.Name])
		}
	}
}

func TestCIFAR100Reader(t *testing.T) {
	dir := t.TempDir()
	l := writeTiny(t, tiny(CIFAR100(), 250), dir, 7)
	d, err := Open(l, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.Len() != 250 || d.Test.Len() != 250 || len(d.Train.Coarse) != 250 {
		t.Fatalf("got %d/%d images, %d coarse labels", d.Train.Len(), d.Test.Len(), len(d.Train.Coarse))
	}
	// writeTiny numbers records k = 0, 1, … across files: coarse k%20, fine k%100.
	raw, err := os.ReadFile(filepath.Join(dir, "test.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 250 {
		k := 250 + i
		if d.Test.Coarse[i] != k%20 || d.Test.Labels[i] != k%100 {
			t.Fatalf("test image %d: coarse %d fine %d, want %d %d", i, d.Test.Coarse[i], d.Test.Labels[i], k%20, k%100)
		}
		if string(d.Test.Image(i)) != string(raw[i*3074+2:(i+1)*3074]) {
			t.Fatalf("test image %d: pixels differ from the file", i)
		}
	}
	if d.Train.Classes != 100 {
		t.Errorf("Classes = %d", d.Train.Classes)
	}
	// A fine label of 100 and a coarse label of 20 are errors.
	for _, c := range []struct {
		at    int // 0: coarse label byte, 1: fine label byte
		label byte
		want  string
	}{{1, 100, "fine label 100, want 0..99"}, {0, 20, "coarse label 20, want 0..19"}} {
		raw := append([]byte(nil), raw...)
		raw[3*3074+c.at] = c.label
		bad := filepath.Join(dir, "test.bin")
		if err := os.WriteFile(bad, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(l, dir, true)
		want := fmt.Sprintf("cifar: %s: record 3: label out of range: %s", bad, c.want)
		if err == nil || err.Error() != want || !errors.Is(err, ErrLabel) {
			t.Errorf("got error %v\nwant %s", err, want)
		}
	}
}

// Each way a file can be wrong gives an error naming the file, its size and the expected MD5.
func TestFileErrors(t *testing.T) {
	const records = 4
	dir := t.TempDir()
	l := writeTiny(t, tiny(CIFAR10(), records), dir, 3)
	if _, err := Open(l, dir, false); err != nil {
		t.Fatalf("good files: %v", err)
	}
	name := filepath.Join(dir, "data_batch_2.bin")
	good, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := l.Train[1].MD5
	want := fmt.Sprintf("want %d bytes = %d records of 3073, MD5 %s", 4*3073, 4, sum)
	corrupt := append([]byte(nil), good...)
	corrupt[100] ^= 1
	badLabel := append([]byte(nil), good...)
	badLabel[2*3073] = 10
	foreign := make([]byte, len(good)) // right size, other content

	for _, c := range []struct {
		name     string
		content  []byte // nil: remove the file
		skip     bool   // skip verification
		want     string
		sentinel error
	}{
		{"missing", nil, false, name + ": no such file or directory (" + want + ")", fs.ErrNotExist},
		{"truncated", good[:len(good)-5], false,
			fmt.Sprintf("%s: wrong size: %d bytes, %s: truncated or not the official CIFAR-10 file", name, len(good)-5, want), ErrSize},
		{"too long", append(append([]byte(nil), good...), 0), false,
			fmt.Sprintf("%s: wrong size: %d bytes, %s: not the official CIFAR-10 file", name, len(good)+1, want), ErrSize},
		{"truncated, unverified", good[:3073*3], true,
			fmt.Sprintf("%s: wrong size: %d bytes, %s: truncated or not the official CIFAR-10 file", name, 3073*3, want), ErrSize},
		{"corrupt", corrupt, false,
			fmt.Sprintf("%s: checksum mismatch: MD5 %s (%d bytes), want MD5 %s: corrupt or not the official CIFAR-10 file "+
				"(-skip-verify loads another copy)", name, md5hex(corrupt), len(good), sum), ErrChecksum},
		{"foreign", foreign, false,
			fmt.Sprintf("%s: checksum mismatch: MD5 %s (%d bytes), want MD5 %s: corrupt or not the official CIFAR-10 file "+
				"(-skip-verify loads another copy)", name, md5hex(foreign), len(good), sum), ErrChecksum},
		{"bad label", badLabel, true, name + ": record 2: label out of range: label 10, want 0..9", ErrLabel},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.content == nil {
				os.Remove(name)
			} else if err := os.WriteFile(name, c.content, 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(name, good, 0o644)
			_, err := Open(l, dir, c.skip)
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != "cifar: "+c.want {
				t.Errorf("got  %s\nwant cifar: %s", got, c.want)
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("error does not wrap %v", c.sentinel)
			}
			if c.name != "bad label" {
				if err := Verify(l, dir); err == nil || err.Error() != "cifar: "+c.want {
					t.Errorf("Verify: got %v", err)
				}
			}
		})
	}
	// Skipping verification accepts another copy of the right size.
	if err := os.WriteFile(name, foreign, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(l, dir, true); err != nil {
		t.Errorf("skip verification: %v", err)
	}
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// The real layout's messages: a truncated copy of a real file and a missing one.
func TestRealLayoutErrors(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(realCIFAR10(t).Dir, "data_batch_1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "data_batch_1.bin")
	if err := os.WriteFile(name, src[:30000000], 0o644); err != nil {
		t.Fatal(err)
	}
	want := "cifar: " + name + ": wrong size: 30000000 bytes, want 30730000 bytes = 10000 records of 3073, " +
		"MD5 5dd7e06a14cb22eb9f671a540d1b7c25: truncated or not the official CIFAR-10 file"
	if _, err := Open(CIFAR10(), dir, false); err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	os.Remove(name)
	want = "cifar: " + name + ": no such file or directory (want 30730000 bytes = 10000 records of 3073, " +
		"MD5 5dd7e06a14cb22eb9f671a540d1b7c25)"
	if _, err := Open(CIFAR10(), dir, false); err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
