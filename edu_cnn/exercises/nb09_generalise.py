"""Checks for notebook 09, making it generalise: batch norm, AdamW's step, a shift augmentation.

The references are the library's own rules (``layers.batchnorm.batchnorm_forward``,
``optim.AdamW``, whose tests compare them with PyTorch); answers may not call them.
"""
import numpy as np

from ..data.augment import Augment, bilinear_sample
from ..layers.batchnorm import batchnorm_forward, batchnorm_forward_naive
from ..optim import AdamW
from ._feedback import Exercise, check, first_difference, register_hints, same, written

__all__ = ["check_batchnorm_forward", "check_adamw_step", "check_shift_image"]

NOTEBOOK = "09_generalise.ipynb"


# ---------------------------------------------------------------------- 09.1 batch norm

def _bn(x, gamma, beta, eps, axes=(0, 2, 3), ddof=0, eps_inside=True):
    """Normalise over ``axes`` (training mode), then scale and shift per channel."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True, ddof=ddof)
    std = np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps
    return gamma[:, None, None] * (x - mean) / std + beta[:, None, None]


def _bn_cases(ctx):
    """(x, gamma, beta, eps): channels with very different means and scales; eps large
    enough to matter."""
    shapes = ([(4, 3, 5, 6), (2, 2, 3, 3), (6, 1, 2, 4)] if ctx.seed is None else
              [tuple(int(v) for v in ctx.rng.integers(2, 7, size=4)) for _ in range(3)])
    cases = []
    for shape, eps in zip(shapes, (0.1, 0.5, 1e-5), strict=True):
        C = shape[1]
        scale = ctx.rng.uniform(0.2, 3.0, (1, C, 1, 1))
        x = ctx.rng.standard_normal(shape) * scale + ctx.rng.uniform(-5, 5, (1, C, 1, 1))
        cases.append((x, ctx.rng.uniform(0.5, 2.0, C), ctx.rng.uniform(-1, 1, C), eps))
    return cases


BN_MISTAKES = [
    ("per_position", lambda x, g, b, e: _bn(x, g, b, e, axes=(0,)),
     "you averaged over the batch axis only, so every pixel position has its own mean and "
     "variance; BatchNorm2D shares them across the whole channel: average over N, H and W."),
    ("per_sample", lambda x, g, b, e: _bn(x, g, b, e, axes=(1, 2, 3)),
     "you normalised each image on its own (over C, H, W: that is layer normalisation); batch "
     "normalisation averages each CHANNEL over the batch and the positions (N, H, W)."),
    ("all_axes", lambda x, g, b, e: _bn(x, g, b, e, axes=(0, 1, 2, 3)),
     "you used one mean and one variance for all channels; each channel has its own, "
     "computed over N, H and W."),
    ("unbiased_variance", lambda x, g, b, e: _bn(x, g, b, e, ddof=1),
     "you divided the variance by m − 1; in training mode batch norm normalises with the "
     "biased variance, the mean of the squared deviations (divide by m)."),
    ("eps_outside_sqrt", lambda x, g, b, e: _bn(x, g, b, e, eps_inside=False),
     "eps belongs inside the square root: divide by √(var + eps), not by √var + eps."),
    ("no_scale_shift", lambda x, g, b, e: _bn(x, np.ones_like(g), np.zeros_like(b), e),
     "x̂ is right, but the result must still be scaled by gamma and shifted by beta, per "
     "channel."),
    ("swapped_gamma_beta", lambda x, g, b, e: _bn(x, b, g, e),
     "gamma and beta are swapped: y = gamma · x̂ + beta."),
]


@check("09.1", library=lambda: [batchnorm_forward, batchnorm_forward_naive])
def check_batchnorm_forward(ctx, my_batchnorm):
    """Exercise 09.1: ``my_batchnorm(x, gamma, beta, eps)``, x (N, C, H, W), training mode:
    each channel normalised over N, H, W with the biased variance, then gamma·x̂ + beta."""
    ctx.judge(my_batchnorm, _bn_cases(ctx), _bn, BN_MISTAKES,
              describe=lambda c: f"my_batchnorm(x of shape {c[0].shape}, gamma, beta, "
                                 f"eps={c[3]:g})")
    return ctx.ok("each channel now has mean 0 and variance 1 over the batch, before gamma "
                  "and beta give it back the scale and offset the network finds useful.")


# ---------------------------------------------------------------------- 09.2 AdamW

BETAS, EPS = (0.9, 0.999), 1e-8


def _adam(w, g, m, v, t, lr, decay_first=0.0, decay_after=0.0, coupled=0.0, correct=True):
    """One Adam step with the weight-decay variants the mistakes need; (w, m, v)."""
    (b1, b2), g = BETAS, g + coupled * w
    w = w * (1 - decay_first)
    m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
    m_hat, v_hat = (m / (1 - b1 ** t), v / (1 - b2 ** t)) if correct else (m, v)
    return (w - lr * m_hat / (np.sqrt(v_hat) + EPS)) * (1 - decay_after), m, v


def _adamw(w, g, m, v, t, lr, wd):
    return _adam(w, g, m, v, t, lr, decay_first=lr * wd)


def _adamw_cases(ctx):
    """(w, g, m, v, t, lr, weight_decay): a first step (m = v = 0, t = 1) and later ones."""
    if ctx.seed is None:
        shapes, ts, lrs, wds = [(4,), (3,), (2, 3)], [1, 5, 20], [0.1, 0.05, 0.2], [0.5, 1.0, 0.3]
    else:
        shapes = [tuple(int(v) for v in ctx.rng.integers(1, 6, size=k)) for k in (1, 1, 2)]
        ts = [1] + [int(v) for v in ctx.rng.integers(2, 50, 2)]
        lrs = [float(v) for v in ctx.rng.choice([0.05, 0.1, 0.2], size=3)]
        wds = [float(v) for v in ctx.rng.choice([0.3, 0.5, 1.0], size=3)]
    cases = []
    for shape, t, lr, wd in zip(shapes, ts, lrs, wds, strict=True):
        m = np.zeros(shape) if t == 1 else 0.1 * ctx.rng.standard_normal(shape)
        v = np.zeros(shape) if t == 1 else 0.01 * ctx.rng.random(shape)
        cases.append((3 * ctx.rng.standard_normal(shape), ctx.rng.standard_normal(shape), m, v,
                      t, lr, wd))
    return cases


ADAMW_MISTAKES = [
    ("coupled_l2", lambda w, g, m, v, t, lr, wd: _adam(w, g, m, v, t, lr, coupled=wd),
     "you added weight_decay · w to the gradient: that is Adam's L2 penalty (coupled), whose "
     "decay Adam then divides by √v. AdamW shrinks the weights directly, w ← w·(1 − lr·λ), "
     "and gives Adam the plain gradient."),
    ("no_decay", lambda w, g, m, v, t, lr, wd: _adam(w, g, m, v, t, lr),
     "that is Adam's step without any weight decay; first shrink w by the factor "
     "(1 − lr·weight_decay)."),
    ("decay_without_lr", lambda w, g, m, v, t, lr, wd: _adam(w, g, m, v, t, lr, decay_first=wd),
     "you shrank w by (1 − weight_decay); PyTorch's AdamW scales the decay with the learning "
     "rate: w ← w·(1 − lr·weight_decay)."),
    ("decay_after_step", lambda w, g, m, v, t, lr, wd: _adam(w, g, m, v, t, lr,
                                                             decay_after=lr * wd),
     "you shrank w after the Adam step; torch.optim.AdamW shrinks it first, then takes the "
     "step (the results differ by lr·λ times the step)."),
    ("no_bias_correction", lambda w, g, m, v, t, lr, wd: _adam(w, g, m, v, t, lr,
                                                               decay_first=lr * wd,
                                                               correct=False),
     "the decay is right, but the step uses m and v without the bias correction "
     "m / (1 − β1^t), v / (1 − β2^t)."),
    ("growth", lambda w, g, m, v, t, lr, wd: _adam(w, g, m, v, t, lr, decay_first=-lr * wd),
     "your weights grow: the decay multiplies w by (1 − lr·weight_decay), which is below 1."),
]


@check("09.2", library=lambda: [AdamW._update, AdamW._adam_step])
def check_adamw_step(ctx, adamw_step):
    """Exercise 09.2: ``adamw_step(w, g, m, v, t, lr, weight_decay) -> (w, m, v)``, one step
    of ``torch.optim.AdamW`` with betas (0.9, 0.999) and eps 1e-8."""
    names = ("w_new", "m_new", "v_new")
    ctx.judge(adamw_step, _adamw_cases(ctx), _adamw, ADAMW_MISTAKES,
              describe=lambda c: f"adamw_step(w {c[0].shape}, g, m, v, t={c[4]}, lr={c[5]:g}, "
                                 f"weight_decay={c[6]:g})",
              convert=lambda value, what: tuple(
                  ctx.array(a, f"{n} from {what}")
                  for n, a in zip(names, ctx.pair(value, what, 3), strict=True)),
              difference=lambda got, want: next(
                  first_difference(g, w, n) for n, g, w in zip(names, got, want, strict=True)
                  if not same(g, w)))
    return ctx.ok("decoupled weight decay: every weight shrinks by the same factor "
                  "(1 − lr·λ) per step, whatever its gradient history; Adam sees only the "
                  "loss gradient.")


# ---------------------------------------------------------------------- 09.3 shift

def _shift(image, dr, dc):
    """image (H, W) moved dr rows down and dc columns right; zeros come in."""
    H, W = image.shape
    out = np.zeros_like(image)
    out[max(dr, 0):H + min(dr, 0), max(dc, 0):W + min(dc, 0)] = \
        image[max(-dr, 0):H - max(dr, 0), max(-dc, 0):W - max(dc, 0)]
    return out


def _edge_filled(image, dr, dc):
    H, W = image.shape
    p = max(abs(dr), abs(dc))
    padded = np.pad(image, p, mode="edge")
    return padded[p - dr:p - dr + H, p - dc:p - dc + W]


def _shift_cases(ctx):
    """(image, dr, dc) with distinct pixel values and non-zero borders."""
    if ctx.seed is None:
        sizes, shifts = [(6, 5), (4, 7), (5, 5)], [(2, -1), (-1, 3), (0, -2)]
    else:
        sizes = [tuple(int(v) for v in ctx.rng.integers(4, 9, 2)) for _ in range(3)]
        shifts = [(int(ctx.rng.integers(1, 3)) * s1, int(ctx.rng.integers(1, 3)) * s2)
                  for s1, s2 in ((1, -1), (-1, 1), (1, 1))]
    return [(ctx.rng.permutation(h * w).reshape(h, w) / (h * w) + 0.1, dr, dc)
            for (h, w), (dr, dc) in zip(sizes, shifts, strict=True)]


SHIFT_MISTAKES = [
    ("wraps_around", lambda x, dr, dc: np.roll(x, (dr, dc), axis=(0, 1)),
     "the pixels pushed out on one side come back in on the other (np.roll wraps around); a "
     "shifted digit has empty (zero) pixels where nothing came in."),
    ("swapped_axes", lambda x, dr, dc: _shift(x, dc, dr),
     "dr moves the rows (down for dr > 0) and dc the columns (right for dc > 0); you swapped "
     "them."),
    ("opposite_direction", lambda x, dr, dc: _shift(x, -dr, -dc),
     "your image moves the wrong way: for dr > 0 the content goes DOWN (row r of the input "
     "lands in row r + dr)."),
    ("edge_filled", lambda x, dr, dc: _edge_filled(x, dr, dc),
     "the pixels that come in copy the border; fill them with zeros (the background)."),
    ("cropped", lambda x, dr, dc: _shift(x, dr, dc)[max(dr, 0):x.shape[0] + min(dr, 0),
                                                    max(dc, 0):x.shape[1] + min(dc, 0)],
     "your result is smaller than the image; keep the shape (H, W) and fill the uncovered "
     "rows and columns with zeros."),
]


@check("09.3", library=lambda: [Augment.__call__, bilinear_sample])
def check_shift_image(ctx, shift_image):
    """Exercise 09.3: ``shift_image(image, dr, dc)``: the (H, W) image moved dr rows down and
    dc columns right (negative: up / left), zeros where nothing comes in."""
    ctx.judge(shift_image, _shift_cases(ctx), _shift, SHIFT_MISTAKES,
              describe=lambda c: f"shift_image(image of shape {c[0].shape}, dr={c[1]}, "
                                 f"dc={c[2]})")
    return ctx.ok("the digit moved and nothing else changed: the label is still right, so "
                  "every shifted copy is a free extra training example.")


register_hints("09.1", "Take the mean and the variance over the axes (0, 2, 3) with "
                       "keepdims=True, so that they broadcast against x.",
               "x̂ = (x − mean) / √(var + eps), the variance divided by m (not m − 1); then "
               "gamma and beta, reshaped to (1, C, 1, 1), scale and shift x̂.")
register_hints("09.2", "Two parts: first shrink w by a factor, then an ordinary Adam step with "
                       "the plain gradient g.",
               "The factor is (1 − lr·weight_decay). Adam: m ← β1·m + (1 − β1)·g, "
               "v ← β2·v + (1 − β2)·g², and w ← w − lr·m̂ / (√v̂ + eps) with "
               "m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t).")
register_hints("09.3", "Start from an array of zeros of the image's shape and copy one "
                       "rectangle of the image into another rectangle of the result.",
               "For dr ≥ 0 the rows 0 .. H−dr of the image go to rows dr .. H of the result; "
               "for dr < 0 the rows −dr .. H go to rows 0 .. H+dr. The same for the columns.")

EXERCISES = [
    Exercise("09.1", NOTEBOOK, "Batch normalisation's forward pass", check_batchnorm_forward,
             ("my_batchnorm",), 2),
    Exercise("09.2", NOTEBOOK, "One step of AdamW", check_adamw_step, ("adamw_step",), 2),
    Exercise("09.3", NOTEBOOK, "Shifting a digit", check_shift_image, ("shift_image",), 1),
    written("09.4", NOTEBOOK, "Why does batch norm change at test time?", hints=(
        "What would a prediction for one test digit depend on if batch norm used the "
        "statistics of the test batch?",)),
]
