package main

import "testing"

// Every experiment preset is valid as a whole before hours of work start:
// the training configuration and the robustness evaluation (which would
// otherwise only be checked after training).
func TestPipelinePresetsValidate(t *testing.T) {
	for _, p := range []string{"smoke", "quick", "paper"} {
		c, err := pipelinePreset(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Train.Validate(); err != nil {
			t.Errorf("%s training: %v", p, err)
		}
		if err := c.Robust.Validate(); err != nil {
			t.Errorf("%s robustness: %v", p, err)
		}
		if len(units(c)) == 0 {
			t.Errorf("%s: no models", p)
		}
	}
}
