package rsa_test

import (
	"fmt"

	"github.com/brainreg/brainreg/data/rsa"
)

// printMatrix prints an n×n similarity matrix, rounded, row by row.
func printMatrix(s []float32, n int) {
	for i := range n {
		fmt.Printf("row %d:", i)
		for j := range n {
			fmt.Printf(" %6.3f", s[i*n+j])
		}
		fmt.Println()
	}
}

// The target of one scan, as Li et al. (2019) build it: each neuron's
// reliability w from repeated presentations, the quality v of a predictor's
// responses on held-out images, and the similarity of the predicted
// responses scaled by w·v, so that unreliable or badly predicted neurons
// count less.
func ExampleTarget() {
	const neurons = 3
	// Observed responses to 4 oracle images, each shown twice:
	// rep[(repeat·4 + image)·neurons + neuron]. Neurons 0 and 1 follow the
	// images (neuron 1 noisily), neuron 2 is noise.
	rep := []float32{
		// repeat 0
		1.0, 0.9, 0.3,
		2.0, 2.6, 0.1,
		3.0, 2.4, 0.6,
		4.0, 4.3, 0.2,
		// repeat 1
		1.2, 1.5, 0.1,
		2.2, 1.8, 0.7,
		2.8, 3.5, 0.2,
		4.1, 3.6, 0.5,
	}
	w, _, _ := rsa.Reliability(rep, 2, 4, neurons)
	fmt.Printf("reliability w: %.2f\n", w)

	// A predictor's responses and the observed ones on 5 held-out images:
	// v is their correlation, neuron by neuron.
	pred := []float32{
		1, 3, 0.2,
		2, 1, 0.4,
		3, 4, 0.3,
		4, 1, 0.5,
		5, 5, 0.1,
	}
	obs := []float32{
		1.2, 2.7, 0.5,
		1.8, 1.2, 0.1,
		3.1, 3.8, 0.6,
		4.2, 1.1, 0.2,
		4.9, 5.3, 0.3,
	}
	v := rsa.Correlations(pred, obs, 5, neurons)
	fmt.Printf("prediction r v: %.2f\n", v)
	// As the project's pipeline does, an anti-correlated prediction counts
	// as noise, not signal.
	for a := range v {
		v[a] = max(v[a], 0)
	}

	// The target: the similarity of the weighted predictions on the
	// images that serve as the target (here the held-out ones).
	s := rsa.Target(pred, 5, neurons, w, v)
	fmt.Println("target", len(s), "= 5×5")
	printMatrix(s, 5)
	// Output:
	// reliability w: [9.79 2.00 0.33]
	// prediction r v: [0.99 0.99 -0.46]
	// target 25 = 5×5
	// row 0:  1.000  0.932  0.020 -0.946 -0.971
	// row 1:  0.932  1.000 -0.344 -0.763 -0.991
	// row 2:  0.020 -0.344  1.000 -0.344  0.219
	// row 3: -0.946 -0.763 -0.344  1.000  0.841
	// row 4: -0.971 -0.991  0.219  0.841  1.000
}

// The similarity matrix of a responses matrix (images×neurons): the cosine
// of every two images' population vectors after centring each neuron over
// the images. The shuffled control permutes the images, keeping the values
// and losing the relation to them (on five images its correlation with the
// original is anything; on the thousands of a stimulus set, near 0).
func ExampleSimilarity() {
	r := []float32{
		1, 0, 0, 2,
		0, 1, 0, 2,
		1, 1, 0, 0,
		0, 0, 1, 1,
		1, 0, 1, 0,
	}
	s := rsa.Similarity(r, 5, 4)
	printMatrix(s, 5)
	fmt.Printf("r with itself %.3f\n", rsa.OffDiagonalR(s, s, 5))
	sh, perm := rsa.Shuffle(s, 5, 1)
	fmt.Println("perm", perm)
	fmt.Printf("r with the shuffled control %.2f\n", rsa.OffDiagonalR(s, sh, 5))
	// Output:
	// row 0:  1.000  0.408 -0.583 -0.280 -0.583
	// row 1:  0.408  1.000 -0.405 -0.093 -0.968
	// row 2: -0.583 -0.405  1.000 -0.592  0.405
	// row 3: -0.280 -0.093 -0.592  1.000  0.230
	// row 4: -0.583 -0.968  0.405  0.230  1.000
	// r with itself 1.000
	// perm [3 2 0 1 4]
	// r with the shuffled control -0.81
}

// Scans that showed the same images, each with its own neurons, give one
// target: the mean of their similarity matrices. (For the denoised target,
// add each scan's Weighted predictions instead of its responses.)
func ExampleMean() {
	scanA := []float32{ // 3 images × 2 neurons
		1, 0,
		0, 1,
		1, 1,
	}
	scanB := []float32{ // the same 3 images × 3 neurons
		2, 0, 1,
		0, 2, 1,
		0, 0, 3,
	}
	m := rsa.NewMean(3)
	m.Add(scanA, 2)
	m.Add(scanB, 3)
	printMatrix(m.Result(), 3) // (−0.8 − 0.5)/2, (−1/√10 − 0.5)/2, …
	// Output:
	// row 0:  1.000 -0.650 -0.408
	// row 1: -0.650  1.000 -0.408
	// row 2: -0.408 -0.408  1.000
}
