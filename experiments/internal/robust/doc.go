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
// Measured with a small ResNet (briefly trained, every image labelled with
// its own prediction, so that every attack has work to do) on 2 goroutines
// while other jobs kept the 2-core machine's load average near 8: one
// forward pass costs about 6 ms of wall time per image, one forward and
// input-gradient pass about 10 ms. Per part, on 20 attacked images (10 for
// the Boundary attack) with the Quick settings before they were shortened
// (PGD-20 searches of 8 bisections, 1,000 Boundary steps): noise 25 s per
// 200 images, PGD robust accuracy 21 s, the L∞ and L2 searches 33 s and
// 18 s, the Boundary attack 32 s, the transfer sets 19 s (made once per
// source model). Hence, roughly:
//
//   - Paper: noise on the whole test set (about 20 minutes), PGD robust
//     accuracy on 1,000 images, minimal perturbations on 1,000 images (the
//     paper's count) with a 1,000-step Boundary attack: several hours per
//     model.
//   - Quick: about 7 minutes per model, plus about 2 minutes once per
//     transfer source.
//   - Smoke: a few images and steps; seconds (about 15 s on CIFAR-10 with
//     the load above).
package robust
