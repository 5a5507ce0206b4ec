package v1sim

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brainreg/brainreg/data/npy"
)

// TestCalibrate measures Stats for one scan of the Paper configuration,
// resized by BRAINREG_V1SIM_CALIBRATE="neurons singleImages" (e.g. "8000
// 5000"); skipped when that is unset. The stimuli are dead leaves (32×32),
// or the (N, H, W) images in the .npy file BRAINREG_V1SIM_IMAGES names
// (the README's figures used 5,100 grayscale CIFAR-10 images made so).
// ADD, MULT, FLOOR and FANO override AddSD, MultSD, NoiseFloor and Fano.
func TestCalibrate(t *testing.T) {
	env := os.Getenv("BRAINREG_V1SIM_CALIBRATE")
	if env == "" {
		t.Skip(`set BRAINREG_V1SIM_CALIBRATE="neurons images" to run`)
	}
	f := strings.Fields(env)
	if len(f) != 2 {
		t.Fatalf("BRAINREG_V1SIM_CALIBRATE=%q: want two numbers, neurons and single images", env)
	}
	c := Paper()
	c.Scans = 1
	var err error
	if c.Neurons, err = strconv.Atoi(f[0]); err != nil {
		t.Fatal(err)
	}
	if c.SingleImages, err = strconv.Atoi(f[1]); err != nil {
		t.Fatal(err)
	}
	for name, dst := range map[string]*float64{"ADD": &c.AddSD, "MULT": &c.MultSD, "FLOOR": &c.NoiseFloor, "FANO": &c.Fano} {
		if s := os.Getenv(name); s != "" {
			if *dst, err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("%s=%q: %v", name, s, err)
			}
		}
	}
	h, w := 32, 32
	var imgs [][]float32
	if path := os.Getenv("BRAINREG_V1SIM_IMAGES"); path != "" {
		a, err := npy.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Shape) != 3 {
			t.Fatalf("%s: shape %v, want (N, H, W)", path, a.Shape)
		}
		h, w = a.Shape[1], a.Shape[2]
		x := a.Float32()
		for i := range a.Shape[0] {
			imgs = append(imgs, x[i*h*w:(i+1)*h*w])
		}
	} else {
		imgs = DeadLeaves(c.Images(), h, w, 7)
	}
	start := time.Now()
	sc, err := GenerateScan(c, imgs, h, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	gen := time.Since(start)
	st, err := Measure(sc, Manifest(c, "").OracleImages)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d neurons, %d+%d×%d images %d×%d; AddSD %.2f MultSD %.2f NoiseFloor %.2f Fano %.2f: generated in %v; %v",
		c.Neurons, c.SingleImages, c.OracleImages, c.OracleRepeats, h, w, c.AddSD, c.MultSD, c.NoiseFloor, c.Fano, gen.Round(time.Millisecond), st)
}
