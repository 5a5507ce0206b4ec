// Package corrupt applies the CIFAR-10-C corruptions of Hendrycks & Dietterich,
// "Benchmarking neural network robustness to common corruptions and
// perturbations" (ICLR 2019), to grayscale 32×32 images, following the
// reference script that made CIFAR-10-C, ImageNet-C/create_c/make_cifar_c.py
// in github.com/hendrycks/robustness: its CIFAR severity parameters, its steps
// and its arithmetic, on one channel.
//
// Files by topic:
//
//	corrupt.go  Corruption, All, ByName, Apply (bytes), ApplyFloat ([0, 1]), ApplyBatch, seeding
//	noise.go    gaussian_noise, shot_noise (NumPy's Poisson sampler), impulse_noise
//	blur.go     defocus_blur, glass_blur, motion_blur, zoom_blur
//	weather.go  snow, frost, fog (plasma fractal), brightness
//	frost.go    the procedural frost texture
//	digital.go  contrast, elastic_transform (OpenCV's affine warp), pixelate, jpeg_compression
//	filter.go   the libraries' numerics: scipy's Gaussian filter, zoom and order-1
//	            interpolation, ImageMagick's motion blur, Pillow's BOX resize
//
// The 15 corruptions, four families, five severities each:
//
//	noise    gaussian_noise, shot_noise, impulse_noise
//	blur     defocus_blur, glass_blur, motion_blur, zoom_blur
//	weather  snow, frost, fog, brightness
//	digital  contrast, elastic_transform, pixelate, jpeg_compression
//
// Saturate is left out: it scales HSV saturation, which a gray image does not
// have (it is also one of the paper's held-out corruptions, with speckle_noise,
// gaussian_blur and spatter, none of which is here).
//
// # Protocol
//
// An image is 32×32 bytes, row-major: data/cifar's Gray (Pillow's "L" of the
// RGB image). Each corruption computes on x = byte/255 as the reference does
// on 0–255 values divided by 255, clips to [0, 1], multiplies by 255 and
// stores np.uint8 of that — which truncates, so that is what Apply returns.
// Corruptions that the reference passes through PIL or ImageMagick
// (pixelate, jpeg_compression, motion_blur) return those libraries' bytes.
// Where the reference computes in float32 (zoom_blur, snow, elastic_transform)
// so does this package. Where a colour step meets a gray image it is applied
// to the one channel: fog's plasma map, frost's texture and the per-channel
// means, filters and warps of the others; snow's own gray (cv2 RGB2GRAY) of a
// gray image is the image up to OpenCV's float32 rounding, which is
// reproduced; brightness's HSV round trip is exact on gray (S = 0, V = x).
// glass_blur's "swap" of pixels copies one into the other, as NumPy views
// made it do on the reference's colour arrays (see glassBlur).
//
// # Agreement with the reference
//
// The tests compare with the reference's libraries (NumPy 1.24, Pillow 9.4,
// SciPy 1.10, scikit-image 0.19, OpenCV 4.6, ImageMagick 6.9.11 Q16; see
// testdata/reference.py). Deterministic corruptions — brightness, contrast,
// pixelate, zoom_blur, defocus_blur — agree byte for byte. The random ones
// draw through an internal source interface; fed NumPy's legacy MT19937
// stream from the same seed, gaussian_noise, shot_noise, glass_blur,
// motion_blur, snow, fog and elastic_transform also agree byte for byte, so
// the only difference from the reference is the random numbers (PCG here,
// MT19937 there). The remaining departures:
//
//   - impulse_noise is scikit-image ≥ 0.19's s&p (an independent Bernoulli
//     draw a pixel); its 2018 version set a fixed number of random
//     coordinates (see impulseNoise).
//   - jpeg_compression uses Go's image/jpeg at the reference's quality, not
//     libjpeg: same quantisation tables, slightly different rounding; the
//     PSNR agrees with Pillow's to about 0.1 dB on the test images.
//   - motion_blur and snow use ImageMagick's kernel re-implemented (a
//     one-sided Gaussian line; see magickMotionBlur), with the 8-bit output
//     truncated as ImageMagick 6.9.11 writes it; other ImageMagick builds
//     (HDRI, other versions) may round instead.
//   - elastic_transform solves the 3-point affine system in closed form
//     rather than by OpenCV's LU, and reproduces OpenCV's 1/32-pixel fixed
//     point and scipy 1.10's reflect edges; scipy releases before 1.6 treated
//     map_coordinates' "reflect" edges differently.
//   - frost uses a procedural texture instead of the reference's photographs
//     (see frost.go): its blend weights are the reference's, its values are
//     not comparable with CIFAR-10-C's frost.
//
// # Severity
//
// The mean absolute change from the clean image grows with severity for most
// corruptions. Where the reference itself does not, the tests check what its
// parameters do imply:
//
//   - motion_blur severities 3 and 4, (radius 6, σ 2) and (8, 2), are the same
//     kernel to 1e−9: ImageMagick's radius only lengthens a Gaussian tail
//     already below exp(−169/8).
//   - frost's image weight falls (1, 1, 0.9, 0.85, 0.75) while the frost
//     weight rises (0.2, 0.3, 0.4, 0.4, 0.45), so the change peaks at
//     severity 3; the correlation with the clean image falls throughout.
//   - elastic_transform's random affine shrinks (±2.56 … ±0.96 pixels) as
//     its elastic field grows, and the affine dominates the change, which
//     therefore falls with severity; the elastic part grows.
//   - pixelate's point-sampled Pillow box filter aliases with periodic edges
//     (a 4-pixel checkerboard is restored exactly at severity 4, 32→24→32);
//     on smooth images the change grows.
//
// # Randomness
//
// Apply is a deterministic function of (image, severity, seed): the random
// corruptions draw from a math/rand/v2 PCG seeded from (seed, the
// corruption's Index), both mixed by SplitMix64, so there is no global state,
// a different seed gives different noise, and two corruptions given one seed
// draw unrelated numbers. Products are rounded before they are summed
// (float64(a·b)), so that no architecture's FMA changes a byte.
package corrupt
