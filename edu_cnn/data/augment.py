"""Data augmentation for images: random shifts, rotations, scalings and elastic distortion.

Every transformation here is one **displacement field**: output pixel (r, c)
takes the value the input has at the source point (r + dr[r, c], c + dc[r, c]),
read by bilinear interpolation (zero outside the image)::

    r0 = ⌊r_src⌋, fr = r_src − r0   (same for columns)
    out = (1−fr)(1−fc)·x[r0, c0] + (1−fr)fc·x[r0, c0+1] + fr(1−fc)·x[r0+1, c0] + fr·fc·x[r0+1, c0+1]

- shift by (tr, tc) whole pixels:   source = p − t                  (exact, no blur)
- rotation by θ and scaling by s about the centre o:
                                    source = o + R(−θ)(p − o) / s
- elastic distortion (Simard, Steinkraus & Platt 2003, "Best practices for
  convolutional neural networks applied to visual document analysis"): draw
  dr, dc uniform in [−1, 1] for every pixel, smooth each field with a Gaussian
  of width σ (zero outside the image), multiply by α. Small σ gives random
  noise, large σ an almost rigid shift; σ ≈ 4, α ≈ 8..34 look like handwriting.

``bilinear_sample_naive`` loops over pixels and reads like the formula;
``bilinear_sample`` does all pixels at once (what ``Augment`` uses). NumPy
only: the whole module is a few dozen lines, so a dependency (scipy.ndimage,
albumentations, torchvision) would buy nothing here.

    augment = Augment(shift=2, rotate=10, scale=0.1, elastic_alpha=8, elastic_sigma=4, rng=0)
    x_aug = augment(x)            # (N, C, H, W) -> (N, C, H, W); labels unchanged
    fit(model, x, y, ..., transform=augment)      # a new random version of every batch
"""
import numpy as np

from .. import _checks

__all__ = ["Augment", "bilinear_sample", "bilinear_sample_naive", "gaussian_matrix",
           "elastic_field"]


def bilinear_sample_naive(images, rows, cols):
    """Loop version: images (N, C, H, W), source rows/cols (N, H, W) -> (N, C, H, W)."""
    N, C, H, W = images.shape
    out = np.zeros_like(images)
    for n in range(N):
        for r in range(H):
            for c in range(W):
                r0, c0 = int(np.floor(rows[n, r, c])), int(np.floor(cols[n, r, c]))
                fr, fc = rows[n, r, c] - r0, cols[n, r, c] - c0
                for dr, dc, weight in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc),
                                       (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
                    if 0 <= r0 + dr < H and 0 <= c0 + dc < W:      # zero outside the image
                        out[n, :, r, c] += weight * images[n, :, r0 + dr, c0 + dc]
    return out


def bilinear_sample(images, rows, cols):
    """Vectorised: images (N, C, H, W), source rows/cols (N, H, W) -> (N, C, H, W)."""
    N, C, H, W = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))   # a zero border all round
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = (rows - r0).astype(images.dtype), (cols - c0).astype(images.dtype)
    # corners outside the image read the zero border (index 0 or H+1 of padded)
    r0, r1 = (np.clip(r, -1, H).astype(np.intp) + 1 for r in (r0, r0 + 1))
    c0, c1 = (np.clip(c, -1, W).astype(np.intp) + 1 for c in (c0, c0 + 1))
    n = np.arange(N)[:, None, None]

    def at(r, c):                                                # (N, H, W, C)
        return padded[n, :, r, c]

    out = (at(r0, c0) * ((1 - fr) * (1 - fc))[..., None] + at(r0, c1) * ((1 - fr) * fc)[..., None]
           + at(r1, c0) * (fr * (1 - fc))[..., None] + at(r1, c1) * (fr * fc)[..., None])
    return np.moveaxis(out, -1, 1)                               # (N, C, H, W)


def gaussian_matrix(size, sigma):
    """(size, size) matrix G with G @ f = f smoothed along axis 0 by a Gaussian of width sigma.

    Zero outside: rows near the border sum to less than 1 (as scipy's mode="constant").
    """
    d = np.arange(size)[:, None] - np.arange(size)[None, :]
    return np.exp(-d ** 2 / (2 * sigma ** 2)) / (np.sqrt(2 * np.pi) * sigma)


def elastic_field(n, shape, alpha, sigma, rng):
    """Simard's displacement fields: dr, dc of shape (n, H, W), smooth random, scaled by alpha."""
    H, W = shape
    gr, gc = gaussian_matrix(H, sigma), gaussian_matrix(W, sigma)
    noise = rng.uniform(-1.0, 1.0, size=(2, n, H, W))
    smooth = gr @ noise @ gc.T                                   # smooth rows, then columns
    return alpha * smooth[0], alpha * smooth[1]


class Augment:
    """A random transformation of every image of a batch (a ``fit(transform=...)`` hook).

    Each image gets its own random shift, rotation, scaling and elastic field,
    combined into one displacement field and applied with one bilinear
    resampling. With every strength 0 it returns its input unchanged.

    Parameters
    ----------
    shift : int >= 0, default 0
        Largest shift in whole pixels (each axis uniform in −shift..shift).
    rotate : float >= 0, default 0
        Largest rotation in degrees (uniform in [−rotate, rotate]).
    scale : float in [0, 1), default 0
        Largest relative change of size (factor uniform in [1 − scale, 1 + scale]).
    elastic_alpha : float >= 0, default 0
        Strength α of the elastic distortion (pixels, before smoothing); 0 turns it off.
    elastic_sigma : float > 0, default 4
        Width σ of the Gaussian that smooths the elastic field, in pixels.
    rng : numpy.random.Generator, int or None
        Source of randomness (an int is a seed: the same seed, the same sequence).
    """

    def __init__(self, shift=0, rotate=0.0, scale=0.0, elastic_alpha=0.0, elastic_sigma=4.0,
                 rng=None):
        self.shift = _checks.check_number("Augment", "shift", shift, ">= 0")
        if self.shift != int(self.shift):
            raise ValueError(f"Augment: shift is in whole pixels, got {shift!r}. "
                             f"Use e.g. shift={int(round(self.shift))}.")
        self.shift = int(self.shift)
        self.rotate = _checks.check_number("Augment", "rotate", rotate, ">= 0")
        self.scale = _checks.check_number("Augment", "scale", scale, "in [0, 1)")
        self.elastic_alpha = _checks.check_number("Augment", "elastic_alpha", elastic_alpha,
                                                  ">= 0")
        self.elastic_sigma = _checks.check_number("Augment", "elastic_sigma", elastic_sigma,
                                                  "> 0")
        self.rng = _checks.as_rng(rng, "Augment")

    def __call__(self, x):
        """x (N, C, H, W) float -> a randomly transformed copy of the same shape and dtype."""
        _checks.check_floating(x, "Augment")
        if x.ndim != 4:
            raise ValueError(f"Augment expected images of shape (N, C, H, W), got "
                             f"{_checks.format_shape(x.shape)}. Reshape flat vectors first, "
                             "e.g. x.reshape(-1, 1, 28, 28).")
        if not (self.shift or self.rotate or self.scale or self.elastic_alpha):
            return x.copy()
        rows, cols = self.source_points(len(x), x.shape[2:])
        return bilinear_sample(x, rows, cols)

    def source_points(self, n, shape):
        """Where each output pixel reads from: rows, cols of shape (n, H, W)."""
        H, W = shape
        rng = self.rng
        r, c = np.meshgrid(np.arange(H, dtype=float), np.arange(W, dtype=float), indexing="ij")
        r, c = r - (H - 1) / 2, c - (W - 1) / 2                   # about the centre
        theta = np.deg2rad(rng.uniform(-self.rotate, self.rotate, n))[:, None, None]
        s = rng.uniform(1 - self.scale, 1 + self.scale, n)[:, None, None]
        t = rng.integers(-self.shift, self.shift + 1, size=(2, n))[:, :, None, None]
        cos, sin = np.cos(theta), np.sin(theta)
        rows = (cos * r - sin * c) / s + (H - 1) / 2 - t[0]       # o + R(−θ)(p − o)/s − t
        cols = (sin * r + cos * c) / s + (W - 1) / 2 - t[1]
        if self.elastic_alpha:
            dr, dc = elastic_field(n, shape, self.elastic_alpha, self.elastic_sigma, rng)
            rows, cols = rows + dr, cols + dc
        return rows, cols

    def __repr__(self):
        return (f"Augment(shift={self.shift}, rotate={self.rotate:g}, scale={self.scale:g}, "
                f"elastic_alpha={self.elastic_alpha:g}, elastic_sigma={self.elastic_sigma:g})")
