package corrupt

import (
	"math"
	"testing"
)

// numpyStream is NumPy's legacy np.random (RandomState) after np.random.seed(s):
// MT19937 seeded by init_genrand, random_sample from two 32-bit words,
// standard normals by the polar method with one cached, randint by masked
// rejection on 32-bit words. It is the source through which the reference
// tests replay the reference's own random draws.
type numpyStream struct {
	mt       [624]uint32
	pos      int
	hasGauss bool
	gauss    float64
}

func newNumpyStream(seed uint32) *numpyStream {
	s := &numpyStream{pos: 624}
	s.mt[0] = seed
	for i := 1; i < 624; i++ {
		s.mt[i] = 1812433253*(s.mt[i-1]^(s.mt[i-1]>>30)) + uint32(i)
	}
	return s
}

func (s *numpyStream) uint32() uint32 {
	if s.pos >= 624 {
		const upper, lower = 0x80000000, 0x7fffffff
		for i := range 624 {
			y := (s.mt[i] & upper) | (s.mt[(i+1)%624] & lower)
			v := s.mt[(i+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			s.mt[i] = v
		}
		s.pos = 0
	}
	y := s.mt[s.pos]
	s.pos++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	return y ^ (y >> 18)
}

// Float64 is random_sample: (a>>5 · 2²⁶ + b>>6) / 2⁵³.
func (s *numpyStream) Float64() float64 {
	a, b := s.uint32()>>5, s.uint32()>>6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}

// NormFloat64 is legacy_gauss.
func (s *numpyStream) NormFloat64() float64 {
	if s.hasGauss {
		s.hasGauss = false
		return s.gauss
	}
	var x1, x2, r2 float64
	for {
		x1 = 2*s.Float64() - 1
		x2 = 2*s.Float64() - 1
		r2 = x1*x1 + x2*x2
		if r2 < 1 && r2 != 0 {
			break
		}
	}
	f := math.Sqrt(-2 * math.Log(r2) / r2)
	s.gauss, s.hasGauss = f*x1, true
	return f * x2
}

// IntN is randint(0, n): a 32-bit word masked to the smallest 2ᵏ − 1 ≥ n − 1,
// redrawn while above n − 1.
func (s *numpyStream) IntN(n int) int {
	rng := uint32(n - 1)
	if rng == 0 {
		return 0
	}
	mask := rng
	for i := uint(1); i < 32; i *= 2 {
		mask |= mask >> i
	}
	for {
		if v := s.uint32() & mask; v <= rng {
			return int(v)
		}
	}
}

// TestNumpyStream checks the replay against values printed by NumPy 1.24:
// np.random.seed(5); random_sample(2), standard_normal(3), randint(-1, 1, 4).
func TestNumpyStream(t *testing.T) {
	s := newNumpyStream(5)
	want := []float64{0.22199317108973948, 0.8707323061773764}
	for i, w := range want {
		if g := s.Float64(); g != w {
			t.Errorf("random_sample[%d] = %.17g, want %.17g", i, g, w)
		}
	}
	for i, w := range []float64{2.43077118700778, -0.2520921296030769, 0.10960984157818278} {
		if g := s.NormFloat64(); g != w {
			t.Errorf("standard_normal[%d] = %.17g, want %.17g", i, g, w)
		}
	}
	for i, w := range []int{0, -1, 0, 0} {
		if g := s.IntN(2) - 1; g != w {
			t.Errorf("randint(-1, 1)[%d] = %d, want %d", i, g, w)
		}
	}
	// First 32-bit output of MT19937 seeded with 5489, the reference generator's test value.
	if g := newNumpyStream(5489).uint32(); g != 3499211612 {
		t.Errorf("MT19937(5489) first word %d, want 3499211612", g)
	}
}
