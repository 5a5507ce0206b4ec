// Package attack measures how robust a classifier is to small input
// perturbations: projected gradient descent (PGD, Madry et al. 2018) in L∞
// and L2 with robust accuracy at several sizes, the minimal perturbation of
// each image by a binary search over the PGD size, the decision-based
// Boundary attack (Brendel, Rauber and Bethge 2018), and transfer of
// adversarial examples from one model to others (a check against gradient
// masking).
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
// # Parallelism and determinism
//
// Attacks run image by image, on a fixed number of goroutines that take the
// next image when they are done with one. Each goroutine has its own tape,
// so that the forward passes (evaluation mode) and autograd.Grad calls of
// different images share only the read-only parameters. Everything random
// in the attack of image i is drawn from a generator seeded by (seed, i), so
// the results do not depend on the number of goroutines or on which
// goroutine took which image. Images are attacked one at a time (batch 1):
// on the small ResNet that is the fastest per image, and an image's result
// then cannot depend on which other images shared its batch.
package attack
