package sensorium

import (
	"math"
	"testing"
)

func TestCenterCrop(t *testing.T) {
	for _, c := range []struct {
		src, to Size
		want    Rect
	}{
		{Size{144, 256}, PredictorSize, Rect{0, 0, 144, 256}}, // same aspect: no crop
		{Size{144, 256}, CNNSize, Rect{0, 56, 144, 144}},      // the central square
		{Size{10, 10}, Size{1, 2}, Rect{2, 0, 5, 10}},         // taller: 5 rows, the odd row cut at the bottom
		{Size{16, 32}, PredictorSize, Rect{0, 2, 16, 28}},     // 16·64/36 = 28.4 → 28
	} {
		if got := CenterCrop(c.src, c.to); got != c.want {
			t.Errorf("CenterCrop(%v, %v) = %+v, want %+v", c.src, c.to, got, c.want)
		}
	}
}

// blocks is an h×w image of constant bh×bw blocks, block (i, j) holding
// value(i, j).
func blocks(h, w, bh, bw int, value func(i, j int) float32) []float32 {
	img := make([]float32, h*w)
	for y := range h {
		for x := range w {
			img[y*w+x] = value(y/bh, x/bw)
		}
	}
	return img
}

// TestResizeBlocks: at the real size 144×256, constant 4×4 blocks average
// exactly to the 36×64 predictor images, and on two stacked images.
func TestResizeBlocks(t *testing.T) {
	value := func(k int) func(i, j int) float32 {
		return func(i, j int) float32 { return float32((i*64+j)%251) + float32(k)/4 }
	}
	src := append(blocks(144, 256, 4, 4, value(0)), blocks(144, 256, 4, 4, value(1))...)
	out, crop := Resize(src, 2, Size{144, 256}, PredictorSize)
	if crop != (Rect{0, 0, 144, 256}) || len(out) != 2*36*64 {
		t.Fatalf("crop %+v, %d values", crop, len(out))
	}
	for k := range 2 {
		for i := range 36 {
			for j := range 64 {
				if got, want := out[(k*36+i)*64+j], value(k)(i, j); got != want {
					t.Fatalf("image %d pixel (%d, %d) = %v, want %v", k, i, j, got, want)
				}
			}
		}
	}

	// 8×16 of constant 2×2 blocks to 4×4: the central 8×8, block by block.
	small := blocks(8, 16, 2, 2, func(i, j int) float32 { return float32(10*i + j) })
	out, crop = Resize(small, 1, Size{8, 16}, Size{4, 4})
	if crop != (Rect{0, 4, 8, 8}) {
		t.Fatalf("crop %+v", crop)
	}
	for i := range 4 {
		for j := range 4 {
			if got, want := out[i*4+j], float32(10*i+j+2); got != want {
				t.Errorf("pixel (%d, %d) = %v, want %v", i, j, got, want)
			}
		}
	}
}

// TestResizeFractionalCells: 144×256 to 32×32 has cells of 4.5×4.5 pixels
// over the central 144×144: on a ramp, partly covered pixels count by the
// area covered, two neighbouring cells together average 9 whole pixels, and
// a constant stays constant.
func TestResizeFractionalCells(t *testing.T) {
	ramp := make([]float32, 144*256)
	for y := range 144 {
		for x := range 256 {
			ramp[y*256+x] = float32(x) + 0.5
		}
	}
	out, crop := Resize(ramp, 1, Size{144, 256}, CNNSize)
	if crop != (Rect{0, 56, 144, 144}) {
		t.Fatalf("crop %+v", crop)
	}
	// Cell 0 covers pixels 56…59 and half of 60: (56.5+57.5+58.5+59.5+60.5/2)/4.5.
	if got, want := float64(out[0]), (56.5+57.5+58.5+59.5+60.5/2)/4.5; math.Abs(got-want) > 1e-4 {
		t.Errorf("pixel (0, 0) = %v, want %v", got, want)
	}
	// Cells 2m and 2m+1 together cover pixels 56+9m … 56+9m+8 exactly.
	for i := range 32 {
		for m := range 16 {
			got := (float64(out[i*32+2*m]) + float64(out[i*32+2*m+1])) / 2
			if want := 56 + 9*float64(m) + 4.5; math.Abs(got-want) > 1e-4 {
				t.Fatalf("row %d, cells %d and %d average %v, want %v", i, 2*m, 2*m+1, got, want)
			}
		}
	}
	constant := blocks(144, 256, 144, 256, func(int, int) float32 { return 117 })
	out, _ = Resize(constant, 1, Size{144, 256}, CNNSize)
	for j, v := range out {
		if math.Abs(float64(v)-117) > 1e-4 {
			t.Fatalf("constant image: pixel %d = %v", j, v)
		}
	}
}
