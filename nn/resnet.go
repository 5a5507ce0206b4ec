package nn

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/brainreg/brainreg/autograd"
)

// BasicBlock is the two-convolution residual block of ResNet-18/34:
//
//	out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
//
// conv1 has the block's stride; the shortcut is the identity, or a strided
// 1×1 convolution with batch norm ("downsample.0", "downsample.1", as in
// torchvision) where the shape changes.
type BasicBlock struct {
	Conv1, Conv2 *Conv2d
	BN1, BN2     *BatchNorm2d
	Down         *Conv2d      // nil for the identity shortcut
	DownBN       *BatchNorm2d // nil with Down
}

// NewBasicBlock returns a block from in to out channels with the given stride.
func NewBasicBlock(r *rand.Rand, in, out, stride int) *BasicBlock {
	b := &BasicBlock{
		Conv1: NewConv2d(r, in, out, 3, stride, 1, false),
		BN1:   NewBatchNorm2d(out),
		Conv2: NewConv2d(r, out, out, 3, 1, 1, false),
		BN2:   NewBatchNorm2d(out),
	}
	if stride != 1 || in != out {
		b.Down = NewConv2d(r, in, out, 1, stride, 0, false)
		b.DownBN = NewBatchNorm2d(out)
	}
	return b
}

// x: [N, in, H, W] → [N, out, H/stride, W/stride]
func (b *BasicBlock) Forward(x *autograd.Tensor) *autograd.Tensor {
	y := b.BN1.ForwardReLU(b.Conv1.Forward(x), nil)
	short := x
	if b.Down != nil {
		short = b.DownBN.Forward(b.Down.Forward(x))
	}
	return b.BN2.ForwardReLU(b.Conv2.Forward(y), short)
}

func (b *BasicBlock) Visit(prefix string, fn func(string, Entry)) {
	b.Conv1.Visit(prefix+"conv1.", fn)
	b.BN1.Visit(prefix+"bn1.", fn)
	b.Conv2.Visit(prefix+"conv2.", fn)
	b.BN2.Visit(prefix+"bn2.", fn)
	if b.Down != nil {
		b.Down.Visit(prefix+"downsample.0.", fn)
		b.DownBN.Visit(prefix+"downsample.1.", fn)
	}
}

func (b *BasicBlock) SetTraining(t bool) {
	for _, bn := range []*BatchNorm2d{b.BN1, b.BN2, b.DownBN} {
		if bn != nil {
			bn.SetTraining(t)
		}
	}
}

// ResNetConfig describes a ResNet of basic blocks without max-pool, as used
// on 32×32 images.
type ResNetConfig struct {
	InChannels int   // 1 for grayscale
	Classes    int   // 10 for CIFAR-10
	StemKernel int   // 7 in the paper's ResNet-18 (stride 1), 3 in the small ResNet
	Widths     []int // channels of each stage
	Blocks     []int // basic blocks in each stage
}

// The configurations of the paper (Li et al. 2019, §4) and a small ResNet for
// quick runs (He et al.'s CIFAR ResNet-20 widths with a 7×7-free stem).
var (
	ResNet18Config = ResNetConfig{InChannels: 1, Classes: 10, StemKernel: 7, Widths: []int{64, 128, 256, 512}, Blocks: []int{2, 2, 2, 2}}
	ResNet34Config = ResNetConfig{InChannels: 1, Classes: 10, StemKernel: 7, Widths: []int{64, 128, 256, 512}, Blocks: []int{3, 4, 6, 3}}
	SmallConfig    = ResNetConfig{InChannels: 1, Classes: 10, StemKernel: 3, Widths: []int{16, 32, 64}, Blocks: []int{3, 3, 3}}
	// TinyConfig is for tests and smoke runs of the pipeline: every part of a
	// ResNet (stem, identity and downsampling blocks, three stages) at a
	// fraction of the cost.
	TinyConfig = ResNetConfig{InChannels: 1, Classes: 10, StemKernel: 3, Widths: []int{4, 8, 16}, Blocks: []int{1, 1, 1}}
)

// ResNet is a stem (conv, batch norm, ReLU; stride 1, no max-pool), stages
// of basic blocks (the first block of every stage after the first has stride
// 2), global average pooling and a linear classifier. Its state names match
// torchvision's resnet: conv1, bn1, layer1.0.conv1, …, fc.
type ResNet struct {
	Config ResNetConfig
	Conv1  *Conv2d
	BN1    *BatchNorm2d
	Stages [][]*BasicBlock
	FC     *Linear
}

// NewResNet builds a ResNet with Kaiming-initialised convolutions.
func NewResNet(r *rand.Rand, cfg ResNetConfig) *ResNet {
	if len(cfg.Widths) == 0 || len(cfg.Widths) != len(cfg.Blocks) {
		panic(fmt.Sprintf("nn.NewResNet: %d widths and %d block counts", len(cfg.Widths), len(cfg.Blocks)))
	}
	m := &ResNet{
		Config: cfg,
		Conv1:  NewConv2d(r, cfg.InChannels, cfg.Widths[0], cfg.StemKernel, 1, cfg.StemKernel/2, false),
		BN1:    NewBatchNorm2d(cfg.Widths[0]),
	}
	in := cfg.Widths[0]
	for s, w := range cfg.Widths {
		var stage []*BasicBlock
		for j := range cfg.Blocks[s] {
			stride := 1
			if j == 0 && s > 0 {
				stride = 2
			}
			stage = append(stage, NewBasicBlock(r, in, w, stride))
			in = w
		}
		m.Stages = append(m.Stages, stage)
	}
	m.FC = NewLinear(r, in, cfg.Classes, true)
	return m
}

// Forward returns the logits: x: [N, InChannels, H, W] → [N, Classes].
func (m *ResNet) Forward(x *autograd.Tensor) *autograd.Tensor {
	logits, _ := m.ForwardFeatures(x)
	return logits
}

// ForwardFeatures returns the logits and the feature maps the similarity
// penalty reads: the stem's output and the output of every stage, in that
// order (for ResNet-18: conv layers 1, 5, 9, 13 and 17).
func (m *ResNet) ForwardFeatures(x *autograd.Tensor) (logits *autograd.Tensor, features []*autograd.Tensor) {
	y := m.BN1.ForwardReLU(m.Conv1.Forward(x), nil)
	features = append(features, y)
	for _, stage := range m.Stages {
		for _, b := range stage {
			y = b.Forward(y)
		}
		features = append(features, y)
	}
	return m.FC.Forward(autograd.GlobalAvgPool2d(y)), features
}

func (m *ResNet) Visit(prefix string, fn func(string, Entry)) {
	m.Conv1.Visit(prefix+"conv1.", fn)
	m.BN1.Visit(prefix+"bn1.", fn)
	for s, stage := range m.Stages {
		for j, b := range stage {
			b.Visit(prefix+"layer"+strconv.Itoa(s+1)+"."+strconv.Itoa(j)+".", fn)
		}
	}
	m.FC.Visit(prefix+"fc.", fn)
}

func (m *ResNet) SetTraining(t bool) {
	m.BN1.SetTraining(t)
	for _, stage := range m.Stages {
		for _, b := range stage {
			b.SetTraining(t)
		}
	}
}
