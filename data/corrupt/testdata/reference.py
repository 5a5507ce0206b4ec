#!/usr/bin/python3
"""Reference values for package data/corrupt, from the CIFAR-10-C definitions.

Hendrycks & Dietterich (ICLR 2019) made CIFAR-10-C with
ImageNet-C/create_c/make_cifar_c.py in github.com/hendrycks/robustness.  This
script applies those steps, with the libraries that script calls (NumPy,
Pillow, SciPy, scikit-image, OpenCV, Wand/ImageMagick), to a few grayscale
test images and writes reference.json beside itself:

  * deterministic corruptions, bytes: brightness (skimage's HSV round trip on
    the gray image repeated in R, G, B), contrast, pixelate (two Pillow BOX
    resizes), zoom_blur (scipy.ndimage.zoom, order 1), defocus_blur (the disk
    kernel through cv2.GaussianBlur and cv2.filter2D), jpeg_compression
    (Pillow's encoder and decoder on the "L" image; Go's encoder differs, so
    the test compares PSNR); and the five float32 disk kernels themselves;
  * random corruptions replayed: np.random.seed(seed) and then the
    reference's own draws (np.random.normal, uniform, randint, poisson, in the
    reference's order), for gaussian_noise, shot_noise, glass_blur,
    motion_blur, snow, fog and elastic_transform.  The Go test re-creates
    NumPy's legacy MT19937 stream from the same seed, so these compare byte
    for byte;
  * statistics: gaussian and shot noise on constant images, impulse noise
    (scikit-image's random_noise 's&p', whose own Generator cannot be
    replayed) on a mid-gray image.

Colour images enter the reference as 32x32x3 arrays; here the gray image is
repeated in three channels and channel 0 is kept, so the colour code paths
(and their quirks, e.g. glass blur's "swap" of numpy views that copies) are
the ones exercised.  The noise functions are elementwise and are run on the
32x32 array so that one draw is one pixel.  Output is np.uint8(result), as
the reference saves it (truncation).

Rerun (Debian 12 packages python3-numpy python3-pil python3-scipy
python3-skimage python3-opencv python3-wand):

    cd data/corrupt/testdata && /usr/bin/python3 reference.py

The versions used are recorded in reference.json ("versions").
"""

import base64
import ctypes
import json
import os
from io import BytesIO

import cv2
import numpy as np
import PIL
import scipy
import scipy.ndimage as ndi
import skimage
import skimage.color
import skimage.filters
import skimage.util
import wand.version
from PIL import Image
from wand.api import library as wandlib
from wand.image import Image as WandImage

wandlib.MagickMotionBlurImage.argtypes = (ctypes.c_void_p, ctypes.c_double,
                                          ctypes.c_double, ctypes.c_double)

# ---------------------------------------------------------------- test images


def test_images():
    y, x = np.mgrid[0:32, 0:32]
    ims = {}
    ims["gradient"] = np.round(255 * (x + y) / 62.0)
    e = np.full((32, 32), 30.0)
    e[x > y + 10] = 120
    e[8:24, 6:20] = 220
    ims["edges"] = e
    ims["checker"] = np.where(((x // 4) + (y // 4)) % 2 == 0, 40.0, 215.0)
    r = np.random.RandomState(7)
    s = ndi.gaussian_filter(r.normal(size=(32, 32)), 2.0, mode="wrap")
    s = (s - s.min()) / (s.max() - s.min())
    ims["smooth"] = np.round(10 + 235 * s)
    ims["bright"] = np.round(150 + 105 * s)
    ims["ramp"] = ((y * 32 + x) % 256).astype(np.float64)
    ims["mid"] = np.full((32, 32), 128.0)
    return {k: v.astype(np.uint8) for k, v in ims.items()}


def rgb(g):
    return np.repeat(g[:, :, None], 3, axis=2)


def u8(v):
    """np.uint8 of a 32x32 result (truncation, as the reference saves it), base64."""
    return base64.b64encode(np.uint8(v).reshape(-1).tobytes()).decode()


# ---------------------------------------------------- deterministic corruptions


def brightness(g, sev):
    c = [.05, .1, .15, .2, .3][sev - 1]
    x = rgb(g) / 255.
    x = skimage.color.rgb2hsv(x)
    x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)
    x = skimage.color.hsv2rgb(x)
    return np.clip(x, 0, 1)[:, :, 0] * 255


def contrast(g, sev):
    c = [.75, .5, .4, .3, 0.15][sev - 1]
    x = g / 255.
    m = np.mean(x, axis=(0, 1), keepdims=True)
    return np.clip((x - m) * c + m, 0, 1) * 255


def pixelate(g, sev):
    c = [0.95, 0.9, 0.85, 0.75, 0.65][sev - 1]
    im = Image.fromarray(g, mode="L")
    im = im.resize((int(32 * c), int(32 * c)), Image.BOX)
    im = im.resize((32, 32), Image.BOX)
    return np.array(im)


def jpeg(g, sev):
    q = [80, 65, 58, 50, 40][sev - 1]
    buf = BytesIO()
    Image.fromarray(g, mode="L").save(buf, "JPEG", quality=q)
    return np.array(Image.open(buf))


def clipped_zoom(img, z):
    h = img.shape[0]
    ch = int(np.ceil(h / z))
    top = (h - ch) // 2
    img = ndi.zoom(img[top:top + ch, top:top + ch], (z, z, 1), order=1)
    t = (img.shape[0] - h) // 2
    return img[t:t + h, t:t + h]


def zoom_blur(g, sev):
    hi = [1.06, 1.11, 1.16, 1.21, 1.26][sev - 1]
    zs = np.arange(1, hi, 0.01)
    x = (rgb(g) / 255.).astype(np.float32)
    out = np.zeros_like(x)
    for z in zs:
        out += clipped_zoom(x, z)
    x = (x + out) / (len(zs) + 1)
    return np.clip(x, 0, 1)[:, :, 0] * 255


def disk(radius, alias_blur):
    if radius <= 8:
        L, k = np.arange(-8, 9), (3, 3)
    else:
        L, k = np.arange(-radius, radius + 1), (5, 5)
    X, Y = np.meshgrid(L, L)
    d = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=np.float32)
    d /= np.sum(d)
    return cv2.GaussianBlur(d, ksize=k, sigmaX=alias_blur)


def defocus_blur(g, sev):
    c = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)][sev - 1]
    x = rgb(g) / 255.
    k = disk(c[0], c[1])
    ch = cv2.filter2D(x[:, :, 0], -1, k)
    return np.clip(ch, 0, 1) * 255


# -------------------------------------------------- random corruptions, replayed


def gaussian_noise(g, sev):
    c = [0.04, 0.06, .08, .09, .10][sev - 1]
    x = g / 255.
    return np.clip(x + np.random.normal(size=x.shape, scale=c), 0, 1) * 255


def shot_noise(g, sev):
    c = [500, 250, 100, 75, 50][sev - 1]
    x = g / 255.
    return np.clip(np.random.poisson(x * c) / c, 0, 1) * 255


def sk_gauss(x, s):
    return skimage.filters.gaussian(x, sigma=s, channel_axis=-1)


def glass_blur(g, sev):
    c = [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)][sev - 1]
    x = np.uint8(sk_gauss(rgb(g) / 255., c[0]) * 255)
    for _ in range(c[2]):
        for h in range(32 - c[1], c[1], -1):
            for w in range(32 - c[1], c[1], -1):
                dx, dy = np.random.randint(-c[1], c[1], size=(2,))
                hp, wp = h + dy, w + dx
                # numpy views: this "swap" copies x[hp, wp] into x[h, w]
                x[h, w], x[hp, wp] = x[hp, wp], x[h, w]
    return np.clip(sk_gauss(x / 255., c[0]), 0, 1)[:, :, 0] * 255


def im_motion(png, radius, sigma, angle):
    w = WandImage(blob=png)
    wandlib.MagickMotionBlurImage(w.wand, radius, sigma, angle)
    return cv2.imdecode(np.frombuffer(w.make_blob(), np.uint8), cv2.IMREAD_UNCHANGED)


def motion_blur(g, sev):
    c = [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)][sev - 1]
    buf = BytesIO()
    Image.fromarray(rgb(g), mode="RGB").save(buf, format="PNG")
    y = im_motion(buf.getvalue(), c[0], c[1], np.random.uniform(-45, 45))
    if y.ndim == 3:
        y = y[:, :, 2]
    return np.clip(y, 0, 255)


def snow(g, sev):
    c = [(0.1, 0.2, 1, 0.6, 8, 3, 0.95),
         (0.1, 0.2, 1, 0.5, 10, 4, 0.9),
         (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
         (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85),
         (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)][sev - 1]
    x = np.array(rgb(g), dtype=np.float32) / 255.
    layer = np.random.normal(size=x.shape[:2], loc=c[0], scale=c[1])
    layer = clipped_zoom(layer[..., np.newaxis], c[2])
    layer[layer < c[3]] = 0
    im = Image.fromarray((np.clip(layer.squeeze(), 0, 1) * 255).astype(np.uint8), mode="L")
    buf = BytesIO()
    im.save(buf, format="PNG")
    layer = im_motion(buf.getvalue(), c[4], c[5], np.random.uniform(-135, -45)) / 255.
    layer = layer[..., np.newaxis]
    gray = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).reshape(32, 32, 1)
    x = c[6] * x + (1 - c[6]) * np.maximum(x, gray * 1.5 + 0.5)
    return np.clip(x + layer + np.rot90(layer, k=2), 0, 1)[:, :, 0] * 255


def plasma_fractal(mapsize=32, wibbledecay=3):
    a = np.empty((mapsize, mapsize), dtype=np.float64)
    a[0, 0] = 0
    step = mapsize
    wib = [100.0]

    def wmean(s):
        return s / 4 + wib[0] * np.random.uniform(-wib[0], wib[0], s.shape)

    while step >= 2:
        h = step // 2
        corners = a[0:mapsize:step, 0:mapsize:step]
        sq = corners + np.roll(corners, shift=-1, axis=0)
        sq += np.roll(sq, shift=-1, axis=1)
        a[h:mapsize:step, h:mapsize:step] = wmean(sq)
        centres = a[h:mapsize:step, h:mapsize:step]
        corners = a[0:mapsize:step, 0:mapsize:step]
        lt = (centres + np.roll(centres, 1, axis=0)) + (corners + np.roll(corners, -1, axis=1))
        a[0:mapsize:step, h:mapsize:step] = wmean(lt)
        tt = (centres + np.roll(centres, 1, axis=1)) + (corners + np.roll(corners, -1, axis=0))
        a[h:mapsize:step, 0:mapsize:step] = wmean(tt)
        step //= 2
        wib[0] /= wibbledecay
    a -= a.min()
    return a / a.max()


def fog(g, sev):
    c = [(.2, 3), (.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)][sev - 1]
    x = rgb(g) / 255.
    mx = x.max()
    x += c[0] * plasma_fractal(wibbledecay=c[1])[:32, :32][..., np.newaxis]
    return np.clip(x * mx / (mx + c[0]), 0, 1)[:, :, 0] * 255


def elastic_transform(g, sev):
    S = 32
    c = [(S * 0, S * 0, S * 0.08), (S * 0.05, S * 0.2, S * 0.07), (S * 0.08, S * 0.06, S * 0.06),
         (S * 0.1, S * 0.04, S * 0.05), (S * 0.1, S * 0.03, S * 0.03)][sev - 1]
    image = np.array(rgb(g), dtype=np.float32) / 255.
    shape = image.shape
    centre = np.float32(shape[:2]) // 2
    size = min(shape[:2]) // 3
    p1 = np.float32([centre + size, [centre[0] + size, centre[1] - size], centre - size])
    p2 = p1 + np.random.uniform(-c[2], c[2], size=p1.shape).astype(np.float32)
    M = cv2.getAffineTransform(p1, p2)
    image = cv2.warpAffine(image, M, shape[:2][::-1], borderMode=cv2.BORDER_REFLECT_101)
    dx = (skimage.filters.gaussian(np.random.uniform(-1, 1, size=shape[:2]), c[1],
                                   mode="reflect", truncate=3) * c[0]).astype(np.float32)
    dy = (skimage.filters.gaussian(np.random.uniform(-1, 1, size=shape[:2]), c[1],
                                   mode="reflect", truncate=3) * c[0]).astype(np.float32)
    dx, dy = dx[..., np.newaxis], dy[..., np.newaxis]
    xx, yy, zz = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]), np.arange(shape[2]))
    idx = np.reshape(yy + dy, (-1, 1)), np.reshape(xx + dx, (-1, 1)), np.reshape(zz, (-1, 1))
    out = ndi.map_coordinates(image, idx, order=1, mode="reflect").reshape(shape)
    return np.clip(out, 0, 1)[:, :, 0] * 255


# ------------------------------------------------------------------ statistics


def noise_stats(fn, g, sev, n, seed):
    np.random.seed(seed)
    out = np.stack([np.uint8(fn(g, sev)) for _ in range(n)]).astype(np.float64)
    return {"mean": out.mean(), "std": out.std(), "n": out.size}


def impulse_stats(g, sev, n):
    c = [.01, .02, .03, .05, .07][sev - 1]
    salt = pepper = 0
    for i in range(n):
        x = skimage.util.random_noise(g / 255., mode="s&p", amount=c, seed=i)
        y = np.uint8(np.clip(x, 0, 1) * 255)
        salt += int(np.sum(y == 255))
        pepper += int(np.sum(y == 0))
    return {"salt": salt / (n * g.size), "pepper": pepper / (n * g.size), "n": n * g.size}


# Images of the byte-for-byte comparisons ("ramp", all 256 levels, is added for brightness).
EXACT = ["gradient", "edges", "checker", "smooth", "bright"]


def main():
    ims = test_images()
    out = {
        "versions": {"numpy": np.__version__, "pillow": PIL.__version__, "scipy": scipy.__version__,
                     "skimage": skimage.__version__, "opencv": cv2.__version__,
                     "imagemagick": wand.version.MAGICK_VERSION},
        "images": {k: u8(v) for k, v in ims.items()},
        "exact": {}, "replay": {}, "jpeg": {}, "stats": {},
    }
    for name, fn in [("brightness", brightness), ("contrast", contrast), ("pixelate", pixelate),
                     ("zoom_blur", zoom_blur), ("defocus_blur", defocus_blur)]:
        keep = EXACT + (["ramp"] if name == "brightness" else [])
        out["exact"][name] = [{k: u8(fn(ims[k], s)) for k in keep} for s in range(1, 6)]
    out["defocus_kernels"] = [disk(*c).astype(np.float64).reshape(-1).tolist()
                              for c in [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)]]
    for s in range(1, 6):
        row = {}
        for k in EXACT:
            v = ims[k]
            d = jpeg(v, s)
            mse = np.mean((d.astype(np.float64) - v) ** 2)
            row[k] = {"bytes": u8(d), "psnr": 10 * np.log10(255.0 ** 2 / mse) if mse > 0 else None}
        out["jpeg"][str(s)] = row
    rnames = [("gaussian_noise", gaussian_noise), ("shot_noise", shot_noise),
              ("glass_blur", glass_blur), ("motion_blur", motion_blur), ("snow", snow),
              ("fog", fog), ("elastic_transform", elastic_transform)]
    for i, (name, fn) in enumerate(rnames):
        cases = []
        for s in range(1, 6):
            for j, k in enumerate(["smooth", "edges"]):
                seed = 1000 * (i + 1) + 10 * s + j
                np.random.seed(seed)
                cases.append({"image": k, "severity": s, "seed": seed, "out": u8(fn(ims[k], s))})
        out["replay"][name] = cases
    st = out["stats"]
    st["gaussian_noise"] = [noise_stats(gaussian_noise, ims["mid"], s, 100, 77 + s) for s in range(1, 6)]
    st["shot_noise"] = {str(lv): [noise_stats(shot_noise, np.full((32, 32), lv, np.uint8), s, 100, 99 + s)
                                  for s in range(1, 6)] for lv in (32, 128, 200)}
    st["impulse_noise"] = [impulse_stats(ims["mid"], s, 100) for s in range(1, 6)]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "reference.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
