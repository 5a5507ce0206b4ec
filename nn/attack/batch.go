package attack

import (
	"fmt"
	"math"

	"github.com/brainreg/brainreg/autograd"
)

// Batched evaluation: the attacks that follow the AutoAttack protocol
// (APGD, FMN, Square, the ensemble) run many images per forward and
// backward pass. A network in evaluation mode computes each image's logits
// and input gradient with the same bits alone as in a batch (autograd's
// convolutions choose their path by the layer's shape, not by the number of
// images; TestBatchInvariantModel checks it on the ResNets), and every
// random draw of image i comes from its own stream, so an image's result
// does not depend on which images shared its batch, nor on the batch size.

// Objective is a per-image loss on the logits z of one image (float32, as
// the network gives them) with true class label and, for targeted losses,
// target class target (ignored otherwise). It returns the loss and writes
// ∂loss/∂z into dz (len(z)). Attacks ascend it.
type Objective func(z []float32, label, target int, dz []float64) float64

// CrossEntropy is −log softmax(z)[label], the loss of APGD-CE.
func CrossEntropy(z []float32, label, _ int, dz []float64) float64 {
	zmax := math.Inf(-1)
	for _, v := range z {
		zmax = max(zmax, float64(v))
	}
	s := 0.0
	for j, v := range z {
		dz[j] = math.Exp(float64(v) - zmax)
		s += dz[j]
	}
	for j := range dz {
		dz[j] /= s
	}
	dz[label]--
	return zmax + math.Log(s) - float64(z[label])
}

// sorted4 returns the indices of the four largest logits in decreasing
// order (ties to the lower index; −1 where there are fewer classes).
func sorted4(z []float32) (p [4]int) {
	p = [4]int{-1, -1, -1, -1}
	for j, v := range z {
		for k := range p {
			if p[k] < 0 || v > z[p[k]] {
				copy(p[k+1:], p[k:3])
				p[k] = j
				break
			}
		}
	}
	return p
}

// DLR is the untargeted difference-of-logits ratio of Croce and Hein
// (2020), −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3 + 10⁻¹²) with π the classes
// in decreasing order of logit: invariant to shifts and scales of the
// logits. It needs at least three classes.
func DLR(z []float32, label, _ int, dz []float64) float64 {
	p := sorted4(z)
	other := p[0]
	if other == label {
		other = p[1]
	}
	num := float64(z[label]) - float64(z[other])
	den := float64(z[p[0]]) - float64(z[p[2]]) + 1e-12
	clear(dz)
	dz[label] -= 1 / den
	dz[other] += 1 / den
	// d(−num/den)/d den = num/den².
	dz[p[0]] += num / (den * den)
	dz[p[2]] -= num / (den * den)
	return -num / den
}

// TargetedDLR is the targeted DLR loss of APGD-T, −(z_y − z_t) /
// (z_π1 − (z_π3 + z_π4)/2 + 10⁻¹²). It needs at least four classes.
func TargetedDLR(z []float32, label, target int, dz []float64) float64 {
	p := sorted4(z)
	num := float64(z[label]) - float64(z[target])
	den := float64(z[p[0]]) - (float64(z[p[2]])+float64(z[p[3]]))/2 + 1e-12
	clear(dz)
	dz[label] -= 1 / den
	dz[target] += 1 / den
	q := num / (den * den)
	dz[p[0]] += q
	dz[p[2]] -= q / 2
	dz[p[3]] -= q / 2
	return -num / den
}

// NegMargin is max_{j≠y} z_j − z_y (or z_t − z_y with a target ≥ 0): positive
// exactly when the image is misclassified (towards the target), the loss
// that FMN drives above zero.
func NegMargin(z []float32, label, target int, dz []float64) float64 {
	other := target
	if other < 0 {
		other = -1
		for j, v := range z {
			if j != label && (other < 0 || v > z[other]) {
				other = j
			}
		}
	}
	clear(dz)
	dz[label], dz[other] = -1, 1
	return float64(z[other]) - float64(z[label])
}

// batcher runs a Model on batches of images with one worker's tapes.
type batcher struct {
	m     Model
	w     *worker
	shape [3]int
}

// logits returns the logits of the n images in x ([n][C][H][W]) as a new
// slice [n][classes], and the number of classes.
func (b *batcher) logits(x []float32, n int) ([]float32, int) {
	defer b.w.eval.Release()
	out := b.m(b.w.eval.Attach(autograd.New(x[:n*b.size()], n, b.shape[0], b.shape[1], b.shape[2])))
	c := b.classes(out, n)
	return append([]float32(nil), out.Data...), c
}

func (b *batcher) size() int { return b.shape[0] * b.shape[1] * b.shape[2] }

func (b *batcher) classes(out *autograd.Tensor, n int) int {
	if len(out.Shape) != 2 || out.Shape[0] != n {
		panic(fmt.Sprintf("attack: logits of shape %v for %d images", out.Shape, n))
	}
	return out.Shape[1]
}

// gradient evaluates the n images in x and, for each image k, the
// objective with labels[k] and targets[k] (targets may be nil: −1). It
// returns the losses, the logits ([n][classes], a new slice) and the
// gradient of every image's loss with respect to its pixels ([n][C][H][W],
// a new slice). The backward pass is seeded with each image's ∂loss/∂z, so
// that image k's gradient is that of its own loss alone, with the bits it
// would have in a batch of one.
func (b *batcher) gradient(x []float32, n int, obj Objective, labels, targets []int) (loss []float64, logits, grad []float32) {
	defer b.w.grad.Release()
	xt := b.w.grad.Attach(autograd.New(x[:n*b.size()], n, b.shape[0], b.shape[1], b.shape[2]).SetRequiresGrad(true))
	out := b.m(xt)
	c := b.classes(out, n)
	seed := make([]float32, n*c)
	dz := make([]float64, c)
	loss = make([]float64, n)
	for k := range n {
		if labels[k] >= c {
			panic(fmt.Sprintf("attack: label %d for %d classes", labels[k], c))
		}
		t := -1
		if targets != nil {
			t = targets[k]
		}
		loss[k] = obj(out.Data[k*c:(k+1)*c], labels[k], t, dz)
		for j, v := range dz {
			seed[k*c+j] = float32(v)
		}
	}
	logits = append([]float32(nil), out.Data...)
	grad = autograd.Grad(autograd.Sum(autograd.Mul(out, autograd.New(seed, n, c))), xt)[0]
	return loss, logits, grad
}

// gather copies image idx[k] of src ([N][d]) to row k of dst and returns
// dst[:len(idx)·d], allocating a new slice when dst is too short.
func gather(dst, src []float32, d int, idx []int) []float32 {
	if cap(dst) < len(idx)*d {
		dst = make([]float32, len(idx)*d)
	}
	dst = dst[:len(idx)*d]
	for k, i := range idx {
		copy(dst[k*d:(k+1)*d], src[i*d:(i+1)*d])
	}
	return dst
}

// chunks splits [0, n) into consecutive ranges of at most size indices.
func chunks(n, size int) [][2]int {
	size = max(size, 1)
	var out [][2]int
	for lo := 0; lo < n; lo += size {
		out = append(out, [2]int{lo, min(lo+size, n)})
	}
	return out
}
