package robust

import (
	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/nn"
	"github.com/brainreg/brainreg/nn/attack"
)

// TestImages returns the first limit images of set (all when limit ≤ 0) as
// grayscale [N][1][32][32] pixels in [0, 1] with their labels, in file order.
func TestImages(set *cifar.Set, limit int) attack.Images {
	n := set.Len()
	if limit > 0 && limit < n {
		n = limit
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return attack.Images{X: set.GrayFloat(idx), Shape: [3]int{1, cifar.Side, cifar.Side}, Labels: append([]int(nil), set.Labels[:n]...)}
}

// ModelOf puts net in evaluation mode and returns it as a pixel-space
// classifier with the paper's input scaling, 5·(x − 0.5).
func ModelOf(net *nn.ResNet) attack.Model {
	return attack.EvalModel(net, cifar.PaperScaling.Gain, cifar.PaperScaling.Center)
}
