"""Checks for notebook 08, what the network looks at: Grad-CAM's weighting and one FGSM step.

The references are the formulas of ``edu_cnn.explain`` (Grad-CAM: ReLU(Σ_k mean(∂z/∂A_k)·A_k);
FGSM: clip(x + ε·sign(g), 0, 1)).
"""
import numpy as np

from ._feedback import Exercise, check, register_hints, written

__all__ = ["check_grad_cam_weights", "check_fgsm_step"]

NOTEBOOK = "08_what_the_network_sees.ipynb"


def _cam(maps, grads):
    alpha = grads.mean(axis=(1, 2))                                  # (K,)
    return np.maximum(np.tensordot(alpha, maps, axes=1), 0)          # (H, W)


def _cam_cases(ctx):
    """(maps (K, H, W) ≥ 0, as after a ReLU; grads (K, H, W) of both signs)."""
    shapes = ([(4, 5, 5), (3, 4, 6), (6, 3, 3)] if ctx.seed is None
              else [tuple(int(v) for v in ctx.rng.integers(2, 7, 3)) for _ in range(3)])
    return [(np.maximum(ctx.rng.standard_normal(s), 0), ctx.rng.standard_normal(s))
            for s in shapes]


def _normalised(cam):
    top = cam.max()
    return cam / top if top > 0 else cam


CAM_MISTAKES = [
    ("no_relu", lambda A, g: np.tensordot(g.mean(axis=(1, 2)), A, axes=1),
     "your map has negative values: Grad-CAM keeps only the evidence FOR the class, "
     "ReLU(Σ_k α_k A_k)."),
    ("sum_not_mean", lambda A, g: np.maximum(np.tensordot(g.sum(axis=(1, 2)), A, axes=1), 0),
     "your map is H'·W' times too large: α_k is the MEAN of the gradient over the map's "
     "positions, not the sum."),
    ("gradient_times_activation", lambda A, g: np.maximum((g * A).sum(axis=0), 0),
     "you multiplied gradient and activation position by position; Grad-CAM first averages "
     "each channel's gradient into one weight α_k, then weights the whole map A_k by it."),
    ("abs_not_relu", lambda A, g: np.abs(np.tensordot(g.mean(axis=(1, 2)), A, axes=1)),
     "you took the absolute value; negative sums are evidence AGAINST the class and are "
     "set to 0 by a ReLU, not flipped."),
    ("weights_from_maps", lambda A, g: np.maximum(np.tensordot(A.mean(axis=(1, 2)), A, axes=1),
                                                  0),
     "your weights α_k come from the feature maps; they are the mean of the GRADIENTS "
     "∂z/∂A_k."),
    ("normalised", lambda A, g: _normalised(_cam(A, g)),
     "your map is divided by its maximum; return the map itself (the picture scales it)."),
    ("mean_over_channels", lambda A, g: _cam(A, g) / len(A),
     "your map is K times too small: the channels are SUMMED, Σ_k α_k A_k."),
]


@check("08.1")
def check_grad_cam_weights(ctx, my_grad_cam):
    """Exercise 08.1: ``my_grad_cam(maps, grads)`` -> (H', W'), maps and grads (K, H', W')."""
    ctx.judge(my_grad_cam, _cam_cases(ctx), _cam, CAM_MISTAKES,
              describe=lambda c: f"my_grad_cam(maps of shape {c[0].shape}, grads)")
    return ctx.ok("each channel gets one weight, the mean of its gradient; the weighted sum, "
                  "through a ReLU, shows where the evidence for the class is.")


def _fgsm(x, g, eps):
    return np.clip(x + eps * np.sign(g), 0.0, 1.0)


def _fgsm_cases(ctx):
    """(x in [0, 1] with pixels near 0 and 1, gradient with some exact zeros, ε)."""
    shapes = ([(1, 1, 6, 6), (2, 1, 4, 5)] if ctx.seed is None
              else [(int(ctx.rng.integers(1, 3)), 1, int(ctx.rng.integers(3, 7)),
                     int(ctx.rng.integers(3, 7))) for _ in range(2)])
    cases = []
    for shape, eps in zip(shapes, (0.1, 0.25)):
        x = ctx.rng.choice([0.0, 1.0, 0.5], size=shape) + 0.05 * ctx.rng.standard_normal(shape)
        g = 1e-3 * ctx.rng.standard_normal(shape) * (ctx.rng.random(shape) > 0.2)
        cases.append((np.clip(x, 0, 1), g, eps))
    return cases


FGSM_MISTAKES = [
    ("no_clip", lambda x, g, e: x + e * np.sign(g),
     "some pixels leave [0, 1]; clip the result back into the valid range."),
    ("raw_gradient", lambda x, g, e: np.clip(x + e * g, 0, 1),
     "you stepped along the gradient itself; FGSM steps along its SIGN, so every pixel "
     "moves by exactly ε."),
    ("descent", lambda x, g, e: np.clip(x - e * np.sign(g), 0, 1),
     "you moved against the gradient, which LOWERS the loss; an attack raises it."),
    ("clip_to_minus_one", lambda x, g, e: np.clip(x + e * np.sign(g), -1, 1),
     "some pixels are negative: the pixels live in [0, 1], so clip to 0 and 1."),
    ("normalised_gradient", lambda x, g, e: np.clip(x + e * g / np.abs(g).max(), 0, 1),
     "you scaled the gradient by its largest value; FGSM uses its sign, so every pixel with "
     "a nonzero gradient moves by exactly ε."),
    ("zero_gradient_moves", lambda x, g, e: np.clip(x + e * np.where(g >= 0, 1.0, -1.0), 0, 1),
     "pixels whose gradient is exactly 0 moved; sign(0) = 0, they should stay."),
]


def _fgsm_call(case):
    x, _, epsilon = case
    return f"my_fgsm_step(x of shape {x.shape}, grad, epsilon={epsilon})"


@check("08.2")
def check_fgsm_step(ctx, my_fgsm_step):
    """Exercise 08.2: ``my_fgsm_step(x, grad, epsilon)`` -> x_adv of x's shape."""
    ctx.judge(my_fgsm_step, _fgsm_cases(ctx), _fgsm, FGSM_MISTAKES, describe=_fgsm_call)
    return ctx.ok("every pixel moves by ε in the direction that raises the loss, then back "
                  "into [0, 1]: the largest first-order increase for a change of at most ε "
                  "per pixel.")


register_hints("08.1", "Average each channel's gradient over its positions: one number α_k "
                       "per channel.",
               "Weight each whole map A_k by α_k, add the K maps, then set the negative "
               "values to 0.")
register_hints("08.2", "The sign of each gradient entry is −1, 0 or +1: every pixel moves by "
                       "ε, 0 or −ε.",
               "Add ε times the signs to x, then clip the result to the range [0, 1].")

EXERCISES = [
    Exercise("08.1", NOTEBOOK, "Grad-CAM from feature maps and their gradients",
             check_grad_cam_weights, ("my_grad_cam",), 2),
    Exercise("08.2", NOTEBOOK, "One FGSM step", check_fgsm_step, ("my_fgsm_step",), 2),
    written("08.3", NOTEBOOK, "Why does so small a change fool the network?", hints=(
        "Think about how many pixels change, and how the changes add up in a dot product "
        "w·x.",)),
]
