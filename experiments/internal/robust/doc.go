// Package robust is the robustness evaluation of Li et al. (2019), §6, for
// one trained model: accuracy under Gaussian, uniform and salt-and-pepper
// pixel noise at increasing levels, PGD robust accuracy at a few sizes, the
// median minimal perturbation in L∞ and L2 (a PGD binary search, and the
// decision-based Boundary attack for L2), and accuracy on adversarial
// examples transferred from a source model (the baseline). Evaluate runs it
// all and returns a JSON-serialisable Result; the end-to-end experiment
// calls it per model and seed, and makes the plots and tables.
//
// Everything is in [0, 1] pixel units: noise is added to pixels before the
// network's input scaling and clamped to [0, 1], and the attacks perturb
// pixels. Every random choice has a fixed seed, so every model sees the same
// noisy images and the same random starts. Models are evaluated in
// evaluation mode, in parallel over images or batches.
//
// # Presets and their cost
//
// Costs are for the small ResNet on one core of this machine, where a
// forward pass takes about 4 ms per image and a forward and input-gradient
// pass about 5 ms (the 2-thread figures are about half):
//
//   - Paper: noise on the whole test set (31 noisy passes over 10,000
//     images: about 20 minutes), PGD robust accuracy on 1,000 images, the
//     minimal perturbations on 1,000 images (the paper's count) with a
//     1,000-step Boundary attack: several hours per model.
//   - Quick: noise on 2,000 test images, attacks on 200 images (Boundary on
//     100, 1,000 steps): about 15 minutes per model.
//   - Smoke: a few images and steps, seconds, for tests and CI.
package robust
