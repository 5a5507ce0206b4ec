package corrupt

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"
)

// reference is testdata/reference.json, written by testdata/reference.py from
// the reference's steps and libraries (see its docstring for how to rerun).
type reference struct {
	Versions map[string]string              `json:"versions"`
	Images   map[string][]byte              `json:"images"`
	Exact    map[string][]map[string][]byte `json:"exact"`
	Kernels  [][]float64                    `json:"defocus_kernels"`
	JPEG     map[string]map[string]struct {
		Bytes []byte   `json:"bytes"`
		PSNR  *float64 `json:"psnr"`
	} `json:"jpeg"`
	Replay map[string][]struct {
		Image    string `json:"image"`
		Severity int    `json:"severity"`
		Seed     uint32 `json:"seed"`
		Out      []byte `json:"out"`
	} `json:"replay"`
	Stats struct {
		Gaussian []moments            `json:"gaussian_noise"`
		Shot     map[string][]moments `json:"shot_noise"`
		Impulse  []struct {
			Salt   float64 `json:"salt"`
			Pepper float64 `json:"pepper"`
			N      int     `json:"n"`
		} `json:"impulse_noise"`
	} `json:"stats"`
}

type moments struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	N    int     `json:"n"`
}

var (
	refOnce sync.Once
	ref     reference
	refErr  error
)

func loadReference(t *testing.T) *reference {
	t.Helper()
	refOnce.Do(func() {
		b, err := os.ReadFile("testdata/reference.json")
		if err != nil {
			refErr = err
			return
		}
		refErr = json.Unmarshal(b, &ref)
	})
	if refErr != nil {
		t.Fatalf("testdata/reference.json: %v", refErr)
	}
	return &ref
}

// diff counts the pixels that differ and the largest difference.
func diff(got, want []byte) (n, most int) {
	for i := range want {
		d := int(got[i]) - int(want[i])
		if d != 0 {
			n++
			most = max(most, d, -d)
		}
	}
	return n, most
}

func mustByName(t *testing.T, name string) Corruption {
	t.Helper()
	c, err := ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReferenceExact compares the deterministic corruptions byte for byte
// with the reference's libraries on the fixture's images at every severity:
// brightness and contrast follow from the parameters, pixelate reproduces
// Pillow's fixed point, zoom_blur scipy's zoom and the float32 sum,
// defocus_blur OpenCV's float32 kernel (TestDefocusKernels).
func TestReferenceExact(t *testing.T) {
	r := loadReference(t)
	t.Logf("fixture made with %v", r.Versions)
	want := []string{"brightness", "contrast", "defocus_blur", "pixelate", "zoom_blur"}
	if len(r.Exact) != len(want) {
		t.Errorf("fixture has %d deterministic corruptions, want %v", len(r.Exact), want)
	}
	for _, name := range want {
		sevs := r.Exact[name]
		c := mustByName(t, name)
		if len(sevs) != Severities {
			t.Fatalf("%s: %d severities in the fixture", name, len(sevs))
		}
		for s, imgs := range sevs {
			for img, want := range imgs {
				got, err := c.Apply(r.Images[img], s+1, 1)
				if err != nil {
					t.Fatal(err)
				}
				if n, m := diff(got, want); n > 0 {
					t.Errorf("%s severity %d %s: %d pixels differ from the reference, by up to %d", name, s+1, img, n, m)
				}
			}
		}
	}
}

// TestDefocusKernels compares the float32 disk kernels with OpenCV's.
func TestDefocusKernels(t *testing.T) {
	r := loadReference(t)
	for s, want := range r.Kernels {
		p := defocusParams[s]
		got := defocusKernel(p[0], p[1])
		sum := 0.0
		for i, w := range want {
			if float64(got[i]) != w {
				t.Errorf("severity %d kernel[%d] = %.9g, OpenCV %.9g", s+1, i, got[i], w)
			}
			sum += float64(got[i])
		}
		if math.Abs(sum-1) > 1e-7 {
			t.Errorf("severity %d: kernel sums to %.12g", s+1, sum)
		}
	}
}

// TestReferenceReplay replays NumPy's stream from the fixture's seeds through
// the random corruptions (the reference's draws in the reference's order) and
// compares with the reference's output byte for byte: 10 cases each, two
// images at five severities.
func TestReferenceReplay(t *testing.T) {
	r := loadReference(t)
	want := []string{"elastic_transform", "fog", "gaussian_noise", "glass_blur", "motion_blur", "shot_noise", "snow"}
	if len(r.Replay) != len(want) {
		t.Errorf("fixture replays %d corruptions, want %v", len(r.Replay), want)
	}
	for _, name := range want {
		c := mustByName(t, name)
		cases := r.Replay[name]
		if len(cases) != 10 {
			t.Errorf("%s: %d cases in the fixture", name, len(cases))
		}
		for _, k := range cases {
			got := c.apply(r.Images[k.Image], k.Severity, newNumpyStream(k.Seed))
			if n, m := diff(got, k.Out); n > 0 {
				t.Errorf("%s severity %d %s seed %d: %d pixels differ from the reference, by up to %d", name, k.Severity, k.Image, k.Seed, n, m)
			}
		}
	}
}

// psnr is the peak signal-to-noise ratio of b against a, in dB.
func psnr(a, b []byte) float64 {
	se := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(len(a))))
}

// TestReferenceJPEG compares the error of Go's JPEG with Pillow's (libjpeg)
// at each severity's quality: PSNR within 0.5 dB on every image and within
// 0.2 dB on average (measured: within 0.1 dB; Go's integer DCT and tables
// are libjpeg's, the rounding of the quantisation differs).
func TestReferenceJPEG(t *testing.T) {
	r := loadReference(t)
	c := mustByName(t, "jpeg_compression")
	for s := 1; s <= Severities; s++ {
		var gap float64
		n := 0
		for img, w := range r.JPEG[fmt.Sprint(s)] {
			got, err := c.Apply(r.Images[img], s, 0)
			if err != nil {
				t.Fatal(err)
			}
			pg := psnr(r.Images[img], got)
			pp := psnr(r.Images[img], w.Bytes)
			n1, m1 := diff(got, w.Bytes)
			t.Logf("quality %d %s: PSNR Go %.2f dB, Pillow %.2f dB; %d pixels differ from Pillow's, by up to %d", jpegQuality[s-1], img, pg, pp, n1, m1)
			if w.PSNR != nil && math.Abs(*w.PSNR-pp) > 1e-6 {
				t.Errorf("fixture PSNR %.3f, recomputed %.3f", *w.PSNR, pp)
			}
			if math.Abs(pg-pp) > 0.5 {
				t.Errorf("quality %d %s: PSNR %.2f dB, Pillow's %.2f dB", jpegQuality[s-1], img, pg, pp)
			}
			gap += pg - pp
			n++
		}
		if math.Abs(gap/float64(n)) > 0.2 {
			t.Errorf("quality %d: mean PSNR gap to Pillow %.2f dB", jpegQuality[s-1], gap/float64(n))
		}
	}
}
