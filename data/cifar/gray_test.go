package cifar

import (
	"math"
	"testing"
)

// pillowLuma: Pillow 9.4's Image.convert("L") of fixed colours, printed by testdata/pillow_luma.py.
var pillowLuma = [][4]uint8{
	{0, 0, 0, 0},
	{255, 255, 255, 255},
	{255, 0, 0, 76},
	{0, 255, 0, 150},
	{0, 0, 255, 29},
	{1, 1, 1, 1},
	{128, 128, 128, 128},
	{12, 200, 77, 130},
	{250, 3, 128, 91},
	{176, 30, 169, 89},
	{195, 19, 53, 75},
	{144, 84, 124, 106},
	{202, 128, 219, 160},
}

func TestLumaMatchesPillow(t *testing.T) {
	for _, c := range pillowLuma {
		if got := Luma(c[0], c[1], c[2]); got != c[3] {
			t.Errorf("Luma(%d, %d, %d) = %d, Pillow gives %d", c[0], c[1], c[2], got, c[3])
		}
	}
	// Luma is 0.299 R + 0.587 G + 0.114 B rounded, to within one level, for every colour.
	for r := 0; r < 256; r += 3 {
		for g := 0; g < 256; g += 5 {
			for b := range 256 {
				exact := 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)
				if d := math.Abs(float64(Luma(uint8(r), uint8(g), uint8(b))) - exact); d > 0.51 {
					t.Fatalf("Luma(%d, %d, %d) = %d, exact %.3f", r, g, b, Luma(uint8(r), uint8(g), uint8(b)), exact)
				}
			}
		}
	}
}

func TestGrayImages(t *testing.T) {
	d := realCIFAR10(t)
	s := d.Train
	idx := []int{0, 1, 49999}
	g8, gf := s.GrayBytes(idx), s.GrayFloat(idx)
	for k, i := range idx {
		img := s.Image(i)
		for p := range PlaneSize {
			want := Luma(img[p], img[PlaneSize+p], img[2*PlaneSize+p])
			if g8[k*PlaneSize+p] != want {
				t.Fatalf("image %d pixel %d: gray %d, want %d", i, p, g8[k*PlaneSize+p], want)
			}
			if gf[k*PlaneSize+p] != float32(want)/255 {
				t.Fatalf("image %d pixel %d: float %g, want %g", i, p, gf[k*PlaneSize+p], float32(want)/255)
			}
		}
	}
}

func TestScaling(t *testing.T) {
	for _, c := range []struct {
		sc   Scaling
		v    uint8
		want float32
	}{
		{PaperScaling, 0, -2.5}, {PaperScaling, 255, 2.5}, {PaperScaling, 51, 5 * (float32(51)/255 - 0.5)},
		{Identity, 0, 0}, {Identity, 255, 1}, {Identity, 128, float32(128) / 255},
	} {
		if got := c.sc.Apply(c.v); got != c.want {
			t.Errorf("%+v.Apply(%d) = %g, want %g", c.sc, c.v, got, c.want)
		}
	}
}
