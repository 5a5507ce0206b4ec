package neural

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/brainreg/brainreg/data/npy"
)

// readFloat reads a float .npy file and checks its shape; want entries < 0
// match any size. It returns the data and the shape.
func readFloat(path string, want ...int) ([]float32, []int, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if !a.IsFloat() {
		return nil, nil, fmt.Errorf("%s: dtype %s, want float32 or float64", path, a.Dtype)
	}
	ok := len(a.Shape) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i] < 0 || want[i] == a.Shape[i]
	}
	if !ok {
		return nil, nil, fmt.Errorf("%s: shape %s, want %v (-1: any)", path, npy.ShapeString(a.Shape), want)
	}
	x := a.Float32()
	if err := finite(x, max(1, a.Shape[len(a.Shape)-1]), "row", "column"); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, a.Shape, nil
}

// Antolik is one region of Antolik, Hofer, Bednar and Mrsic-Flogel (2016):
// mouse V1, two-photon calcium imaging, one inferred-spike value per trial.
// Only the 50 validation images have pixels; they were each shown Repeats
// times and are the oracle images.
type Antolik struct {
	// Scan holds the 50 validation images (31×31, 0–255) and their single
	// trials: trial r·50+i is repeat r of image i.
	Scan    *Scan
	Oracle  []int // 0…49: every image of Scan is an oracle image
	Repeats int

	// Mean is validation_set.npy (50×Neurons), the published repeat means.
	Mean []float32
	// Training is training_set.npy (TrainingTrials×Neurons): responses to
	// images whose pixels are not available, for response statistics only.
	Training       []float32
	TrainingTrials int
}

// LoadAntolik reads one region directory (…/antolik2016/regionN).
func LoadAntolik(dir string) (*Antolik, error) {
	img, _, err := readFloat(filepath.Join(dir, "validation_inputs.npy"), -1, 961)
	if err != nil {
		return nil, err
	}
	nImg := len(img) / 961
	for i := range img {
		img[i] *= 1e6 // stored as pixel/1e6
	}
	raw, rs, err := readFloat(filepath.Join(dir, "raw_validation_set.npy"), -1, nImg, -1)
	if err != nil {
		return nil, err
	}
	reps, neurons := rs[0], rs[2]
	mean, _, err := readFloat(filepath.Join(dir, "validation_set.npy"), nImg, neurons)
	if err != nil {
		return nil, err
	}
	train, ts, err := readFloat(filepath.Join(dir, "training_set.npy"), -1, neurons)
	if err != nil {
		return nil, err
	}
	s := &Scan{
		Name:   filepath.Base(dir),
		Images: img, NumImages: nImg, Height: 31, Width: 31,
		Responses: raw, Trials: reps * nImg, Neurons: neurons,
		TrialImage: make([]int, reps*nImg),
	}
	for t := range s.TrialImage {
		s.TrialImage[t] = t % nImg
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	a := &Antolik{Scan: s, Repeats: reps, Mean: mean, Training: train, TrainingTrials: ts[0]}
	for i := range nImg {
		a.Oracle = append(a.Oracle, i)
	}
	return a, nil
}

// Allen is the Allen Brain Observatory natural-scenes set kept in
// ../shared/data/neural/allen2016 (container 511510667, VISp layer 2/3,
// 212 neurons; 118 scenes at 31×31).
//
// What the files really hold, as checked against the data (see
// TestAllenLayout and the package README):
//   - Allen_train_output (100×212) and Allen_test_output (18×212), described
//     as means over 50 repeats, are single trials: their spread across
//     scenes equals that of single trials, and 13 of the 100 train rows and
//     2 of the 18 test rows are bit-identical to rows of Allen_test_output_big.
//   - Allen_test_output_big (900×212) is not 50 trials of each of the 18 test
//     scenes in any fixed order: it contains trials of training scenes (the
//     13 rows above), and no grouping of its rows into 18 groups (blocks of
//     50, interleaved by 18) separates responses better than random groups.
//     It is consistent with 900 trials drawn from the whole 118×50-trial
//     session (expected overlap with the 118 single-trial rows: 118·900/5900
//     ≈ 18; found 15). Only those 15 rows can be assigned a scene.
//
// So this set has no usable repeats: it gives no reliability weights and no
// leave-one-out comparison, only one single trial per scene.
type Allen struct {
	Images  []float32 // 118×31×31 scenes, 0–255 (all_input_scenes_118_961.npy)
	Neurons int

	TrainScenes []int     // 100: the scene (index into Images) of each row of Allen_train_input
	TestScenes  []int     // 18: likewise for Allen_test_input
	Train       []float32 // 100×Neurons: Allen_train_output, one single trial per scene
	Test        []float32 // 18×Neurons: Allen_test_output, one single trial per scene

	Big      []float32 // 900×Neurons: Allen_test_output_big, single trials
	BigScene []int     // 900: the scene of each row of Big where known (bit-identical to a Train or Test row), else -1
}

// LoadAllen reads the allen2016 directory.
func LoadAllen(dir string) (*Allen, error) {
	all, _, err := readFloat(filepath.Join(dir, "all_input_scenes_118_961.npy"), 118, 961)
	if err != nil {
		return nil, err
	}
	a := &Allen{Images: all}
	find := func(file string, n int) ([]int, error) {
		in, _, err := readFloat(filepath.Join(dir, file), n, 961)
		if err != nil {
			return nil, err
		}
		idx := make([]int, n)
		for j := range n {
			idx[j] = matchRow(all, in[j*961:(j+1)*961], 961)
			if idx[j] < 0 {
				return nil, fmt.Errorf("%s: row %d matches no scene of all_input_scenes_118_961.npy", filepath.Join(dir, file), j)
			}
		}
		return idx, nil
	}
	if a.TrainScenes, err = find("Allen_train_input.npy", 100); err != nil {
		return nil, err
	}
	if a.TestScenes, err = find("Allen_test_input.npy", 18); err != nil {
		return nil, err
	}
	var shape []int
	if a.Train, shape, err = readFloat(filepath.Join(dir, "Allen_train_output.npy"), 100, -1); err != nil {
		return nil, err
	}
	a.Neurons = shape[1]
	if a.Test, _, err = readFloat(filepath.Join(dir, "Allen_test_output.npy"), 18, a.Neurons); err != nil {
		return nil, err
	}
	if a.Big, _, err = readFloat(filepath.Join(dir, "Allen_test_output_big.npy"), 900, a.Neurons); err != nil {
		return nil, err
	}
	a.BigScene = make([]int, 900)
	for t := range a.BigScene {
		a.BigScene[t] = -1
		row := a.Big[t*a.Neurons : (t+1)*a.Neurons]
		if j := matchRow(a.Train, row, a.Neurons); j >= 0 {
			a.BigScene[t] = a.TrainScenes[j]
		} else if j := matchRow(a.Test, row, a.Neurons); j >= 0 {
			a.BigScene[t] = a.TestScenes[j]
		}
	}
	return a, nil
}

// matchRow returns the index of the row of m (rows of length n) equal to
// row bit for bit, or -1.
func matchRow(m, row []float32, n int) int {
	for j := 0; j < len(m)/n; j++ {
		same := true
		for k, v := range m[j*n : (j+1)*n] {
			if math.Float32bits(v) != math.Float32bits(row[k]) {
				same = false
				break
			}
		}
		if same {
			return j
		}
	}
	return -1
}
