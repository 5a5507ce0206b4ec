package v1sim

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// TestCalibrate measures Stats at a size given by BRAINREG_V1SIM_CALIBRATE
// ("neurons singleImages"), e.g. "8000 1000"; skipped when unset.
func TestCalibrate(t *testing.T) {
	env := os.Getenv("BRAINREG_V1SIM_CALIBRATE")
	if env == "" {
		t.Skip("set BRAINREG_V1SIM_CALIBRATE=\"neurons images\" to run")
	}
	var nn, ni int
	for k, f := range splitSpace(env) {
		v, _ := strconv.Atoi(f)
		if k == 0 {
			nn = v
		} else {
			ni = v
		}
	}
	c := Paper()
	c.Scans, c.Neurons, c.SingleImages = 1, nn, ni
	if s := os.Getenv("ADD"); s != "" {
		c.AddSD, _ = strconv.ParseFloat(s, 64)
	}
	if s := os.Getenv("MULT"); s != "" {
		c.MultSD, _ = strconv.ParseFloat(s, 64)
	}
	if s := os.Getenv("FLOOR"); s != "" {
		c.NoiseFloor, _ = strconv.ParseFloat(s, 64)
	}
	if s := os.Getenv("FANO"); s != "" {
		c.Fano, _ = strconv.ParseFloat(s, 64)
	}
	imgs := DeadLeaves(c.Images(), 32, 32, 7)
	start := time.Now()
	sc, err := GenerateScan(c, imgs, 32, 32, 0)
	if err != nil {
		t.Fatal(err)
	}
	gen := time.Since(start)
	st, err := Measure(sc, Manifest(c, "").OracleImages)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d neurons, %d images, add %.2f mult %.2f fano %.2f floor %.2f: generated in %v; %v", nn, ni, c.AddSD, c.MultSD, c.Fano, c.NoiseFloor, gen, st)
}

func splitSpace(s string) []string {
	var out []string
	cur := ""
	for _, c := range s + " " {
		if c == ' ' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
		} else {
			cur += string(c)
		}
	}
	return out
}
