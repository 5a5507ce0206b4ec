package autograd

import (
	"math"
	"testing"
)

// TestPairCosineMatchesComposition: PairCosine is Sub, Slice and
// CosineSimilarity in one pass, in value and in gradient; images outside the
// pairs get no gradient.
func TestPairCosineMatchesComposition(t *testing.T) {
	r := newRand(7)
	const n, c, h, w, first, pairs = 9, 3, 4, 5, 2, 3
	x := uniform(r, -1, 1, n, c, h, w).SetRequiresGrad(true)
	centre := []float32{0.1, -0.2, 0.3}
	weights := uniform(r, -1, 1, pairs) // a random seed for the gradient

	fused := PairCosine(x, centre, first, pairs, 1e-12)
	gotGrad := Grad(Sum(Mul(fused, weights)), x)[0]

	centred := Reshape(Sub(x, New(centre, 1, c, 1, 1)), n, -1)
	a := Slice(centred, 0, first, first+pairs)
	b := Slice(centred, 0, first+pairs, first+2*pairs)
	plain := CosineSimilarity(a, b, 1e-12)
	wantGrad := Grad(Sum(Mul(plain, weights)), x)[0]

	for p := range pairs {
		if d := math.Abs(float64(fused.Data[p] - plain.Data[p])); d > 1e-6 {
			t.Errorf("pair %d: PairCosine %v, composition %v", p, fused.Data[p], plain.Data[p])
		}
	}
	d := c * h * w
	for i := range gotGrad {
		if diff := math.Abs(float64(gotGrad[i] - wantGrad[i])); diff > 1e-6 {
			t.Fatalf("gradient element %d (image %d): PairCosine %v, composition %v", i, i/d, gotGrad[i], wantGrad[i])
		}
		if img := i / d; (img < first || img >= first+2*pairs) && gotGrad[i] != 0 {
			t.Fatalf("image %d is outside the pairs but has gradient %v", img, gotGrad[i])
		}
	}
}

func TestPairCosineRejectsBadArguments(t *testing.T) {
	x := Zeros(4, 2, 3, 3)
	for _, tc := range []struct {
		name         string
		centre       []float32
		first, pairs int
	}{
		{"pairs past the end", []float32{0, 0}, 1, 2},
		{"wrong centre count", []float32{0}, 0, 2},
		{"no pairs", []float32{0, 0}, 0, 0},
		{"negative first", []float32{0, 0}, -1, 1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			PairCosine(x, tc.centre, tc.first, tc.pairs, 1e-8)
		}()
	}
}
