// Package seed derives independent, reproducible random streams from a seed
// and the words that name a use of it (a stream number, an image index, an
// epoch, a noise level …), so that different uses of one seed do not share
// draws and neighbouring seeds or indices give unrelated generators.
//
// The streams are part of the project's reproducible results (attack
// starts, noise images, data augmentation): SplitMix64 and NewRand must never
// change, or every result made with a seed changes with them.
package seed

import "math/rand/v2"

// SplitMix64 is the output function of Steele, Lea and Flood's SplitMix64
// generator (Vigna's splitmix64.c) for the state x: it adds the golden-ratio
// increment and scrambles the sum. It is a bijection of uint64 that turns
// neighbouring inputs into unrelated outputs; SplitMix64(0) =
// 0xe220a8397b1dcdaf, the first output of splitmix64.c seeded with 0.
func SplitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Mix combines a word with a key: SplitMix64(x ^ SplitMix64(key)).
func Mix(x, key uint64) uint64 {
	return SplitMix64(x ^ SplitMix64(key))
}

// NewRand returns a generator on math/rand/v2's PCG whose two state words
// are Mix(base, stream) and Mix(word, salt):
//
//	rand.New(rand.NewPCG(Mix(base, stream), Mix(word, salt)))
//
// base is usually the user's seed and stream a constant naming the use; word
// and salt are whatever else tells the draws apart (an index, an epoch and
// step packed together, a level's bits), salt also keeping the second word
// of two streams apart when word is the same.
func NewRand(base, stream, word, salt uint64) *rand.Rand {
	return rand.New(rand.NewPCG(Mix(base, stream), Mix(word, salt)))
}
