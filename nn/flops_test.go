package nn

import (
	"math/rand/v2"
	"testing"
)

// ResNet-18 of the paper on 32×32: checked against a count by hand of its
// layers (stem 7×7 1→64 at 32×32; stage widths 64…512 at 32, 16, 8, 4;
// three 1×1 downsampling convolutions; fc 512→10).
func TestMultiplyAddsResNet18(t *testing.T) {
	m := NewResNet(rand.New(rand.NewPCG(1, 2)), ResNet18Config)
	fwd, bwd := m.MultiplyAdds(32, 32)
	stem := int64(64 * 1 * 49 * 32 * 32)
	var want int64 = stem
	sizes := []int{32, 16, 8, 4}
	in := 64
	for s, w := range []int{64, 128, 256, 512} {
		hw := int64(sizes[s] * sizes[s])
		// first block: conv1 in→w, conv2 w→w; second block: two w→w.
		want += int64(w*in*9)*hw + 3*int64(w*w*9)*hw
		if in != w {
			want += int64(w*in) * hw
		}
		in = w
	}
	want += 512 * 10
	if fwd != want {
		t.Fatalf("forward %d multiply-adds, want %d", fwd, want)
	}
	if bwd != 2*fwd-stem {
		t.Fatalf("backward %d, want 2·forward − stem = %d", bwd, 2*fwd-stem)
	}
	t.Logf("ResNet-18 on 32×32: %.3f G multiply-adds forward per image", float64(fwd)/1e9)
}

// A stride-2 convolution with padding: the output size follows PyTorch's
// floor((h + 2p − k)/s) + 1.
func TestConvMACsStrided(t *testing.T) {
	c := NewConv2d(rand.New(rand.NewPCG(1, 2)), 3, 5, 3, 2, 1, false)
	macs, ho, wo := c.convMACs(7, 8)
	if ho != 4 || wo != 4 || macs != 5*3*9*16 {
		t.Fatalf("got %d multiply-adds at %d×%d, want %d at 4×4", macs, ho, wo, 5*3*9*16)
	}
}
