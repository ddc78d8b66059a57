"""Notebook 09's exercise answers, in the tables of tests/exercise_answers.py (merged there by
tests/conftest.py): the solution, typical mistakes, hard-coded and library-calling answers."""
import numpy as np

from edu_cnn.data.augment import bilinear_sample
from edu_cnn.layers.batchnorm import batchnorm_forward
from edu_cnn.optim import AdamW


def batchnorm(x, gamma, beta, eps, axes=(0, 2, 3), ddof=0, eps_inside=True):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True, ddof=ddof)
    x_hat = (x - mean) / (np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps)
    return gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)


def adamw(w, g, m, v, t, lr, wd, decay=None, after=False, coupled=False, correct=True):
    decay = lr * wd if decay is None else decay
    if coupled:
        g, decay = g + wd * w, 0.0
    if not after:
        w = w * (1 - decay)
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g ** 2
    m_hat, v_hat = (m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)) if correct else (m, v)
    w = w - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    return (w * (1 - decay) if after else w), m, v


def shift(image, dr, dc, fill="zeros"):
    H, W = image.shape
    if fill == "edge":
        p = max(abs(dr), abs(dc))
        return np.pad(image, p, mode="edge")[p - dr:p - dr + H, p - dc:p - dc + W]
    out = np.zeros_like(image)
    for r in range(H):
        for c in range(W):
            if 0 <= r - dr < H and 0 <= c - dc < W:
                out[r, c] = image[r - dr, c - dc]
    return out


def cropped(image, dr, dc):
    H, W = image.shape
    return image[max(-dr, 0):H - max(dr, 0), max(-dc, 0):W - max(dc, 0)]


def library_shift(image, dr, dc):
    rows, cols = np.meshgrid(np.arange(image.shape[0]), np.arange(image.shape[1]), indexing="ij")
    return bilinear_sample(image[None, None], (rows - dr)[None] * 1.0,
                           (cols - dc)[None] * 1.0)[0, 0]


def library_adamw(w, g, m, v, t, lr, wd):
    """One step of edu_cnn's own AdamW, its state set to (m, v, t − 1)."""
    layer = type("Layer", (), {})()
    layer.params, layer.grads = {"W": w.copy()}, {"W": g}
    opt = AdamW(lr, weight_decay=wd)
    opt.state[id(layer.params["W"])] = {"param": layer.params["W"], "step": t - 1, "m": m, "v": v}
    opt.step([layer])
    state = opt.state[id(layer.params["W"])]
    return layer.params["W"], state["m"], state["v"]


ANSWERS = {
    "SOLUTIONS": {"09.1": batchnorm, "09.2": adamw, "09.3": shift},
    "MISTAKES": {
        "09.1": [(lambda x, g, b, e: batchnorm(x, g, b, e, axes=(0,)), "per_position"),
                 (lambda x, g, b, e: batchnorm(x, g, b, e, axes=(1, 2, 3)), "per_sample"),
                 (lambda x, g, b, e: batchnorm(x, g, b, e, axes=(0, 1, 2, 3)), "all_axes"),
                 (lambda x, g, b, e: batchnorm(x, g, b, e, ddof=1), "unbiased_variance"),
                 (lambda x, g, b, e: batchnorm(x, g, b, e, eps_inside=False),
                  "eps_outside_sqrt"),
                 (lambda x, g, b, e: batchnorm(x, 1.0 + 0 * g, 0 * b, e), "no_scale_shift"),
                 (lambda x, g, b, e: batchnorm(x, b, g, e), "swapped_gamma_beta")],
        "09.2": [(lambda *a: adamw(*a, coupled=True), "coupled_l2"),
                 (lambda *a: adamw(*a, decay=0.0), "no_decay"),
                 (lambda w, g, m, v, t, lr, wd: adamw(w, g, m, v, t, lr, wd, decay=wd),
                  "decay_without_lr"),
                 (lambda *a: adamw(*a, after=True), "decay_after_step"),
                 (lambda *a: adamw(*a, correct=False), "no_bias_correction"),
                 (lambda w, g, m, v, t, lr, wd: adamw(w, g, m, v, t, lr, wd, decay=-lr * wd),
                  "growth")],
        "09.3": [(lambda x, dr, dc: np.roll(x, (dr, dc), axis=(0, 1)), "wraps_around"),
                 (lambda x, dr, dc: shift(x, dc, dr), "swapped_axes"),
                 (lambda x, dr, dc: shift(x, -dr, -dc), "opposite_direction"),
                 (lambda x, dr, dc: shift(x, dr, dc, fill="edge"), "edge_filled"),
                 (cropped, "cropped")],
    },
    "HARD_CODED": {
        "09.1": lambda x, g, b, e: batchnorm(x, g, b, 0.1),
        "09.2": lambda w, g, m, v, t, lr, wd: adamw(w, g, m, v, t, 0.1, 0.5),
        "09.3": lambda x, dr, dc: shift(x, 2, -1),
    },
    "LIBRARY": {
        "09.1": lambda x, g, b, e: batchnorm_forward(x, g, b, e)[0],
        "09.2": library_adamw,
        "09.3": library_shift,
    },
}
