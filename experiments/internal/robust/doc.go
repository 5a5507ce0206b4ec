// Package robust is the robustness evaluation of one trained model:
// accuracy under Gaussian, uniform and salt-and-pepper pixel noise at
// increasing levels (Li et al. 2019, §6), accuracy under the 15 common
// corruptions of CIFAR-10-C at severities 1–5 (Hendrycks & Dietterich 2019;
// data/corrupt on the 8-bit grayscale images, each image with its own fixed
// seed, so every model sees the same corrupted images: CorruptionAccuracy),
// and an adversarial evaluation to
// the field's standard: in L∞ and in L2, AutoAttack's ensemble
// (attack.Ensemble: APGD-CE, APGD-T, FMN, Square and, in L2, the Boundary
// attack started from the best point found) gives the robust accuracy at ε
// and every image's minimal perturbation, from which robust-accuracy
// curves follow; soundness checks after Carlini et al. (2019, "On
// evaluating adversarial robustness") test the evaluation itself (accuracy
// reaches 0 at a large ε; twice the budget changes robust accuracy by at
// most a point; the black-box attack does no better than the white-box
// ones; transfer from the baseline is weaker than white box); and the
// accuracy on adversarial examples transferred from a source model (the
// baseline). Evaluate runs it all and returns a JSON-serialisable Result;
// the end-to-end experiment calls it per model and seed, and makes the
// plots, tables and paired tests.
//
// Everything is in [0, 1] pixel units: noise is added to pixels before the
// network's input scaling and clamped to [0, 1], and the attacks perturb
// pixels; the corruptions take the bytes round(255·x) (which data/cifar's
// byte/255 images give back exactly: ToBytes) and return byte/255. Every
// random choice has a fixed seed, so every model sees the same
// noisy images and the same random starts. Models are evaluated in
// evaluation mode, in parallel over batches.
//
// # Presets and their cost
//
// Quick runs the corruptions on 1,000 test images (Converged on 2,000,
// Paper on all 10,000, Smoke one corruption of each family on 20), and
// APGD-CE, APGD-T (3 target classes; 100 steps each) and FMN (500 steps) on
// 200 test images per norm; Converged and Paper the whole ensemble, Square
// with 5,000 queries and APGD-T with 9 target classes, on 500 and 1,000;
// Smoke every attack briefly, for CI. Each part's wall time is in
// Result.Seconds; the README gives the measured cost per model.
package robust
