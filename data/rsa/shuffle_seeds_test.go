package rsa

import (
	"slices"
	"testing"
)

// isPerm reports whether p is a permutation of 0…n−1.
func isPerm(p []int, n int) bool {
	if len(p) != n {
		return false
	}
	seen := make([]bool, n)
	for _, v := range p {
		if v < 0 || v >= n || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

// ShuffleSeeds draws a permutation of 0…n−1 from both seeds: the same pair
// gives the same one, another training seed (stream) or target seed
// another, none is Shuffle's of the same target seed, and the matrix is
// the input with rows and columns permuted by it (Permute).
func TestShuffleSeeds(t *testing.T) {
	const n = 50
	s := make([]float32, n*n)
	for i := range s {
		s[i] = float32(i)
	}
	_, legacy := Shuffle(s, n, 1)
	var perms [][]int
	for _, seeds := range [][2]uint64{{1, 1}, {1, 2}, {1, 3}, {2, 1}, {1, 0}} {
		out, perm := ShuffleSeeds(s, n, seeds[0], seeds[1])
		out2, perm2 := ShuffleSeeds(s, n, seeds[0], seeds[1])
		if !slices.Equal(out, out2) || !slices.Equal(perm, perm2) {
			t.Fatalf("seeds %v: not deterministic", seeds)
		}
		if !isPerm(perm, n) {
			t.Fatalf("seeds %v: %v is not a permutation of 0…%d", seeds, perm, n-1)
		}
		if !slices.Equal(out, Permute(s, n, perm)) {
			t.Fatalf("seeds %v: the matrix is not the input permuted by perm", seeds)
		}
		for i := range n {
			for j := range n {
				if out[i*n+j] != s[perm[i]*n+perm[j]] {
					t.Fatalf("seeds %v: out[%d][%d] = %v, want s[%d][%d] = %v", seeds, i, j, out[i*n+j], perm[i], perm[j], s[perm[i]*n+perm[j]])
				}
			}
		}
		if slices.Equal(perm, legacy) {
			t.Errorf("seeds %v: the permutation of Shuffle(seed 1)", seeds)
		}
		for k, q := range perms {
			if slices.Equal(q, perm) {
				t.Errorf("seeds %v draw the permutation of pair %d", seeds, k)
			}
		}
		perms = append(perms, perm)
	}
}

func TestPermuteIdentityAndInverse(t *testing.T) {
	const n = 7
	s := make([]float32, n*n)
	for i := range s {
		s[i] = float32(i) * 0.5
	}
	id := []int{0, 1, 2, 3, 4, 5, 6}
	if !slices.Equal(Permute(s, n, id), s) {
		t.Error("the identity permutation changed the matrix")
	}
	p := []int{3, 0, 6, 1, 5, 2, 4}
	inv := make([]int, n)
	for i, v := range p {
		inv[v] = i
	}
	if !slices.Equal(Permute(Permute(s, n, p), n, inv), s) {
		t.Error("permuting by p and then its inverse did not restore the matrix")
	}
}
