// Package predictor is the neural predictor of Li et al. (2019), the
// "denoiser": a convolutional model of one scan of mouse V1 neurons that
// predicts every neuron's response to an image, trained on single trials.
// Its predictions replace the noisy single-trial responses when the neural
// similarity target is built.
//
// # Model (per scan)
//
//	image x: [B, 1, H, W], grayscale, normalised with the mean and SD of all
//	    pixels of the scan's images, optionally average-pooled (Downsample)
//	core: Layers conv layers, each conv (no bias) → batch norm → ELU, with
//	    dense skip connections: layer l sees Concat(x, h₁, …, h_{l−1}) and the
//	    core's output is Concat(h₁, …, h_L): [B, L·Channels, H, W]. The first
//	    layer has InputKernel×InputKernel kernels, the others HiddenKernel;
//	    "same" zero padding keeps H×W.
//	readout (per neuron n): position p_n = (x, y) ∈ [−1, 1]², features
//	    w_n ∈ R^{L·Channels}, bias b_n:
//	    y_bn = b_n + Σ_c w_cn · core(x_b)[c](p_n + s_b)   (bilinear sampling)
//	    all neurons at once: GridSample(core, grid [B, 1, N, 2]) → [B, C, 1, N]
//	shifter (optional): s_b = MLP(pupil x, y of trial b) ∈ R², added to every
//	    position (the eye moved, so every receptive field moved)
//	modulator (optional): g_bn = ELU(MLP(pupil size, running speed)_n) + 1, a
//	    per-neuron gain of the trial's behavioural state
//	rate: ρ_bn = g_bn · (ELU(y_bn) + 1)  (or softplus(y_bn)): positive
//
// Responses are divided by each neuron's SD over the training trials
// before fitting (every neuron weighs alike in the loss); predictions are
// returned in the original units.
//
// # Loss and training
//
//	L = PoissonNLL(ρ, r) (mean over trials and neurons)
//	  + Laplace · Σ_k ‖Δ * W₁ₖ‖²   (Δ the 3×3 Laplacian, W₁ₖ each first-layer kernel: smooth filters)
//	  + CoreL2 · Σ ‖W_conv‖²       (every core convolution)
//	  + ReadoutL2 · Σ w² / N       (readout feature weights, per neuron)
//
// Adam on minibatches of trials. The images shown once are split (by the
// seed) into training images and a validation share; after each epoch the
// mean over neurons of the correlation between prediction and response on
// the validation trials is measured, the best parameters are kept, and when
// it has not improved for Patience epochs the learning rate is multiplied
// by LRDecay and training goes on from the best parameters, LRSteps times;
// then it stops. The oracle images (shown repeatedly) are never trained on:
// they are the test set. Same seed and data, same numbers, on any number of
// threads (autograd and simd are deterministic).
//
// # Metrics (see Metrics)
//
//	test correlation of neuron n: Pearson r over the oracle trials between
//	    the prediction (with the trial's behaviour) and the single-trial response
//	oracle correlation (the ceiling): Pearson r over the oracle trials between
//	    the response and the mean of the other repeats of the same image
//	    (leave-one-out, as Walker et al. 2019); a model that predicted the
//	    repeat mean perfectly would reach about this value
//	correlation with the oracle means: r over the oracle images between the
//	    prediction averaged over an image's trials and the repeat-mean response
//	fraction of oracle: the least-squares slope through the origin of test
//	    correlation against oracle correlation over neurons whose oracle
//	    correlation is positive, Σ t·o / Σ o² (as in the literature), and the
//	    per-neuron ratio t/o for the same neurons
//
// # Files
//
// Save writes a safetensors file with readable names (core.layer0.conv.weight,
// core.layer0.bn.running_mean, readout.positions, readout.features,
// readout.bias, shifter.hidden.weight, modulator.out.bias,
// norm.response_scale, …) and the configuration in the metadata; Load
// rebuilds the model from it.
//
// The package takes plain arrays (Recording), not package neural's types, so
// that nn does not import data.
package predictor
