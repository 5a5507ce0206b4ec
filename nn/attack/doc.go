// Package attack measures how robust a classifier is to small input
// perturbations, in L∞ and L2, with the attacks of AutoAttack's protocol
// (Croce and Hein 2020) and the minimal-norm attacks that measure how far
// each image is from the decision boundary:
//
//   - APGD (apgd.go): step-size-free PGD with momentum on the cross-entropy
//     (APGD-CE), the DLR loss, or the targeted DLR loss towards the most
//     likely other classes (APGD-T);
//   - FMN (fmn.go, Pintor et al. 2021): the smallest adversarial
//     perturbation per image, by adaptive norm constraints;
//   - Square (square.go, Andriushchenko et al. 2020): score-based random
//     search that uses no gradients, the check against gradient masking;
//   - the Boundary attack (boundary.go, Brendel et al. 2018), decision
//     based, which BoundaryFrom starts from the best point the gradient
//     attacks found and refines until it converges;
//   - Ensemble (ensemble.go): robust accuracy at ε as AutoAttack's standard
//     version (robust only if every attack fails) and, per image, the
//     smallest perturbation any attack found;
//   - older tools kept for transfer sets and comparison: fixed-step PGD
//     (Madry et al. 2018), its binary search for minimal perturbations,
//     and transfer of adversarial examples from one model to others.
//
// # Units
//
// Images live in pixel space, values in [0, 1], and every size (ε, distances)
// is in those units, as in Li et al. (2019). A Model applies the network's
// own input scaling (5·(x − 0.5) in the paper) itself; EvalModel builds one
// from an nn.Module.
//
// # Exactness
//
// Every iterate lies in the ε-ball around the image and in the [0, 1] box
// exactly, not just up to rounding: a perturbed pixel is computed in float64,
// projected, and rounded to float32 towards the original pixel, so each
// coordinate of δ is at most as large as the projected one. Hence
// max|δ| ≤ ε exactly for L∞, and ‖δ‖₂ ≤ ε up to the float64 rounding of the
// norm for L2.
//
// # Batches, parallelism and determinism
//
// APGD, FMN and Square run many images per forward and backward pass
// (batch.go): the backward pass is seeded with each image's own ∂loss/∂z,
// and a network in evaluation mode gives each image the same logits and
// input gradient, to the bit, alone and in a batch (autograd chooses its
// convolution paths by the layer's shape, not by the number of images).
// Everything random in the attack of image i is drawn from a generator
// seeded by (seed, i), and an image leaves its batch when it is done
// without changing the others' computations. So an image's result depends
// on neither the batch it shared, nor the batch size, nor the number of
// goroutines (the tests check all three to the bit). Batches, and the
// per-image attacks (PGD, Boundary), run on a fixed number of goroutines
// that each take the next piece of work with their own tapes.
package attack
