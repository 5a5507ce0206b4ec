package sensorium

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// tiny is a 7-trial scan small enough for a fuzz seed: 2 train images,
// 1 validation image, 1 test and 1 final_test image shown twice.
var tiny = shape{train: 2, validation: 1, test: 1, finalTest: 1, repeats: 2, neurons: 2, h: 2, w: 4}

// FuzzOpen: any bytes, opened as a zip and read, give a recording that
// converts to a valid scan or an error; never a panic.
func FuzzOpen(f *testing.F) {
	s := newSynth(f, tiny)
	for _, top := range []bool{true, false} {
		b, err := os.ReadFile(s.writeZip(f, f.TempDir(), top, 8, !top))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)-22])
	}
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := openZip(bytes.NewReader(data), int64(len(data)), "fuzz.zip")
		if err != nil {
			return
		}
		rec, err := tree.Read(context.Background(), ReadOptions{Workers: 2})
		if err != nil {
			return
		}
		if rec.Trials < 1 || len(rec.Responses) != rec.Trials*rec.Neurons || len(rec.Images) != rec.NumImages*rec.Height*rec.Width {
			t.Fatalf("inconsistent recording: %d trials, %d neurons, %d responses, %d images of %d×%d in %d values",
				rec.Trials, rec.Neurons, len(rec.Responses), rec.NumImages, rec.Height, rec.Width, len(rec.Images))
		}
		c, err := Convert(rec, ConvertOptions{Predictor: Size{2, 3}, CNN: Size{2, 2}})
		if err != nil {
			return
		}
		if err := c.Scan.Validate(); err != nil {
			t.Fatalf("Convert returned an invalid scan: %v", err)
		}
	})
}
