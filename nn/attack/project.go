package attack

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Norm is the norm that measures a perturbation.
type Norm int

const (
	Linf Norm = iota // max |δᵢ|
	L2               // √Σ δᵢ²
)

func (n Norm) String() string {
	switch n {
	case Linf:
		return "linf"
	case L2:
		return "l2"
	}
	return fmt.Sprintf("Norm(%d)", int(n))
}

// MarshalText writes "linf" or "l2", for JSON results and flags.
func (n Norm) MarshalText() ([]byte, error) {
	if n != Linf && n != L2 {
		return nil, fmt.Errorf("attack: unknown norm %d", int(n))
	}
	return []byte(n.String()), nil
}

// UnmarshalText reads "linf" or "l2".
func (n *Norm) UnmarshalText(b []byte) error {
	switch string(b) {
	case "linf":
		*n = Linf
	case "l2":
		*n = L2
	default:
		return fmt.Errorf("attack: norm %q: want linf or l2", b)
	}
	return nil
}

// Distance is ‖a − b‖ in the norm n, summed in float64.
func Distance(n Norm, a, b []float32) float64 {
	s := 0.0
	for i, v := range a {
		d := math.Abs(float64(v) - float64(b[i]))
		if n == Linf {
			s = max(s, d)
		} else {
			s += d * d
		}
	}
	if n == L2 {
		return math.Sqrt(s)
	}
	return s
}

// towards rounds v to a float32 no farther from x0 than v itself: round to
// nearest, then one step towards x0 if that overshot. So |result − x0| ≤
// |v − x0|, and a v between x0 and a bound lands between them too.
func towards(x0 float32, v float64) float32 {
	r := float32(v)
	if math.Abs(float64(r)-float64(x0)) > math.Abs(v-float64(x0)) {
		r = math.Nextafter32(r, x0)
	}
	return r
}

// project writes into x the point x0 + d projected onto the ε-ball of the
// norm around x0 and then onto the [0, 1] box, rounded towards x0. d
// ([C·H·W] float64) is modified. Clipping to the box moves every coordinate
// towards x0 (which is in the box), so the result stays in the ball.
func project(n Norm, eps float64, x0 []float32, d []float64, x []float32) {
	if n == L2 {
		s := 0.0
		for _, v := range d {
			s += v * v
		}
		if nrm := math.Sqrt(s); nrm > eps {
			f := eps / nrm
			for i := range d {
				d[i] *= f
			}
		}
	}
	for i, v := range d {
		if n == Linf {
			v = min(max(v, -eps), eps)
		}
		x[i] = towards(x0[i], min(max(float64(x0[i])+v, 0), 1))
	}
}

// randomStart writes into d a random perturbation in the ε-ball: uniform on
// [−ε, ε]ᴰ for L∞, uniform in the ball for L2 (a Gaussian direction, radius
// ε·u^(1/D)).
func randomStart(n Norm, eps float64, rng *rand.Rand, d []float64) {
	if n == Linf {
		for i := range d {
			d[i] = eps * (2*rng.Float64() - 1)
		}
		return
	}
	s := 0.0
	for i := range d {
		d[i] = rng.NormFloat64()
		s += d[i] * d[i]
	}
	r := eps * math.Pow(rng.Float64(), 1/float64(len(d))) / math.Sqrt(s)
	for i := range d {
		d[i] *= r
	}
}
