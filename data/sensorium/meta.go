package sensorium

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/brainreg/brainreg/data/npy"
)

// Files under meta/ that Read uses (tiersFile marks the root).
const (
	imageIDFile  = "meta/trials/frame_image_id.npy"
	trialIdxFile = "meta/trials/trial_idx.npy"
	unitIDsFile  = "meta/neurons/unit_ids.npy"
	coordsFile   = "meta/neurons/cell_motor_coordinates.npy"
)

// trialsMeta is what meta/trials holds: one row per trial.
type trialsMeta struct {
	tiers    []string
	imageID  []int
	trialIdx []string // nil without trial_idx.npy
}

// readTrialsMeta reads tiers.npy (which fixes the number of trials),
// frame_image_id.npy and, if present, trial_idx.npy.
func (t *Tree) readTrialsMeta() (*trialsMeta, error) {
	s, err := t.readStrings(tiersFile)
	if err != nil {
		return nil, err
	}
	if len(s.Shape) != 1 || len(s.Values) == 0 {
		return nil, t.errorf(tiersFile, "shape %s, want (trials,) with at least one trial", npy.ShapeString(s.Shape))
	}
	m := &trialsMeta{tiers: s.Values}
	n := len(m.tiers)

	a, err := t.readArray(imageIDFile)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 1 || a.Shape[0] != n {
		return nil, t.errorf(imageIDFile, "shape %s, want (%d,) to match the %d trials of %s", npy.ShapeString(a.Shape), n, n, tiersFile)
	}
	if m.imageID, err = integers(a); err != nil {
		return nil, t.errorf(imageIDFile, "%w", err)
	}

	if !t.exists(trialIdxFile) {
		return m, nil
	}
	a, err = t.readArray(trialIdxFile)
	switch {
	case errors.Is(err, npy.ErrUnsupportedDtype): // hashed ids stored as strings
		s, err := t.readStrings(trialIdxFile)
		if err != nil {
			return nil, err
		}
		if len(s.Shape) != 1 || len(s.Values) != n {
			return nil, t.errorf(trialIdxFile, "shape %s, want (%d,) to match %s", npy.ShapeString(s.Shape), n, tiersFile)
		}
		m.trialIdx = s.Values
	case err != nil:
		return nil, err
	default:
		if len(a.Shape) != 1 || a.Shape[0] != n {
			return nil, t.errorf(trialIdxFile, "shape %s, want (%d,) to match %s", npy.ShapeString(a.Shape), n, tiersFile)
		}
		m.trialIdx = make([]string, n)
		if a.IsFloat() {
			for i, v := range a.Float64() {
				m.trialIdx[i] = strconv.FormatFloat(v, 'g', -1, 64)
			}
			break
		}
		ids, err := a.Int()
		if err != nil {
			return nil, t.errorf(trialIdxFile, "%w", err)
		}
		for i, v := range ids {
			m.trialIdx[i] = strconv.Itoa(v)
		}
	}
	return m, nil
}

// integers returns an integer array's elements, or a float array's when
// every one is a whole number (as h5py exports sometimes store ids).
func integers(a *npy.Array) ([]int, error) {
	if !a.IsFloat() {
		return a.Int()
	}
	out := make([]int, a.Len())
	for i, v := range a.Float64() {
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return nil, fmt.Errorf("element %d = %v is not an integer", i, v)
		}
		out[i] = int(v)
	}
	return out, nil
}

// readNeuronsMeta reads the optional unit_ids.npy (neurons,) and
// cell_motor_coordinates.npy (neurons, 3); a length other than neurons is an
// error, since it would mean the responses and the neuron table disagree.
func (t *Tree) readNeuronsMeta(neurons int) (unitIDs []int, coords []float32, err error) {
	if t.exists(unitIDsFile) {
		a, err := t.readArray(unitIDsFile)
		if err != nil {
			return nil, nil, err
		}
		if len(a.Shape) != 1 || a.Shape[0] != neurons {
			return nil, nil, t.errorf(unitIDsFile, "shape %s, want (%d,) for the %d neurons of data/responses", npy.ShapeString(a.Shape), neurons, neurons)
		}
		if unitIDs, err = integers(a); err != nil {
			return nil, nil, t.errorf(unitIDsFile, "%w", err)
		}
	}
	if t.exists(coordsFile) {
		a, err := t.readArray(coordsFile)
		if err != nil {
			return nil, nil, err
		}
		if len(a.Shape) != 2 || a.Shape[0] != neurons || a.Shape[1] != 3 {
			return nil, nil, t.errorf(coordsFile, "shape %s, want (%d, 3) for the %d neurons of data/responses", npy.ShapeString(a.Shape), neurons, neurons)
		}
		coords = a.Float32()
	}
	return unitIDs, coords, nil
}
