package cifar

// Luma is Pillow's "L" value of one RGB pixel, bit for bit: ITU-R 601-2 luma
// 0.299 R + 0.587 G + 0.114 B in 16-bit fixed point, rounded
// (Pillow's src/libImaging/Convert.c, rgb2l: L24(rgb) >> 16; checked against Pillow 9.4).
// The often quoted (299 R + 587 G + 114 B + 500) / 1000 differs from Pillow on about
// 0.05 % of colours, e.g. (176, 30, 169) is 89 in Pillow and 90 by that formula.
func Luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// GrayImage writes the Pillow "L" image of one [3][32][32] RGB image into dst [32][32].
func GrayImage(dst, rgb []uint8) {
	_ = dst[PlaneSize-1]
	r, g, b := rgb[:PlaneSize], rgb[PlaneSize:2*PlaneSize], rgb[2*PlaneSize:3*PlaneSize]
	for p := range PlaneSize {
		dst[p] = Luma(r[p], g[p], b[p])
	}
}

// Gray is every image of the set in grayscale, [N][32][32] uint8, computed on first use
// (50,000 images make 51 MB) and shared: do not modify it.
func (s *Set) Gray() []uint8 {
	s.grayOnce.Do(func() {
		s.gray = make([]uint8, s.Len()*PlaneSize)
		for i := range s.Len() {
			GrayImage(s.gray[i*PlaneSize:(i+1)*PlaneSize], s.Image(i))
		}
	})
	return s.gray
}

// GrayBytes copies the grayscale images idx into a new [len(idx)][32][32] uint8 slice.
func (s *Set) GrayBytes(idx []int) []uint8 {
	g := s.Gray()
	out := make([]uint8, len(idx)*PlaneSize)
	for k, i := range idx {
		copy(out[k*PlaneSize:], g[i*PlaneSize:(i+1)*PlaneSize])
	}
	return out
}

// GrayFloat returns the grayscale images idx as [len(idx)][32][32] float32 pixel values in [0, 1]
// (byte / 255, as torchvision's ToTensor), without the network's input scaling.
func (s *Set) GrayFloat(idx []int) []float32 {
	lut := Identity.table()
	g := s.Gray()
	out := make([]float32, len(idx)*PlaneSize)
	for k, i := range idx {
		o := out[k*PlaneSize : (k+1)*PlaneSize]
		for p, v := range g[i*PlaneSize : (i+1)*PlaneSize] {
			o[p] = lut[v]
		}
	}
	return out
}

// Scaling maps a pixel value x in [0, 1] to the network input Gain·(x − Center).
type Scaling struct {
	Gain, Center float32
}

var (
	// PaperScaling is the paper's input 5·(x − 0.5), in [−2.5, 2.5].
	PaperScaling = Scaling{Gain: 5, Center: 0.5}
	// Identity leaves x in [0, 1].
	Identity = Scaling{Gain: 1, Center: 0}
)

// Apply maps one byte: x = v/255 in float32 as ToTensor, then Gain·(x − Center).
func (sc Scaling) Apply(v uint8) float32 {
	x := float32(v) / 255
	return sc.Gain * (x - sc.Center)
}

// table is Apply for all 256 byte values.
func (sc Scaling) table() *[256]float32 {
	var t [256]float32
	for v := range t {
		t[v] = sc.Apply(uint8(v))
	}
	return &t
}
