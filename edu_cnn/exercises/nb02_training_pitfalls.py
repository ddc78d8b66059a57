"""Checks for notebook 02, training pitfalls: dead ReLUs, weight init, gradient clipping."""
import numpy as np

from ._feedback import NotYet, call, check, report, shape_of

__all__ = ["check_dead_fraction", "check_init_weights", "check_clip_by_norm"]


def _activations_with_dead_units():
    """h (6, 8) after a ReLU: units 1, 4, 6 are zero for every example, others only for some."""
    h = np.abs(np.random.default_rng(3).normal(size=(6, 8)))
    h[:, [1, 4, 6]] = 0.0                    # three dead units: zero for every example
    h[[0, 2, 3], 0] = 0.0                    # unit 0 is off for half the examples only
    h[[1, 5], 2] = 0.0
    h[4, [3, 5, 7]] = 0.0
    return h


def _dead_fraction_mistakes(zero):
    """(wrong answer, what it reveals) pairs, given ``zero = h == 0``."""
    return [
        (zero.all(axis=0).sum(), "you returned the number of dead units (3); return the fraction "
                                 "of units: 3 / 8."),
        (zero.mean(), f"you counted zero ENTRIES ({zero.mean():.3f} of them); a unit is dead "
                      "only if its column is zero for EVERY example: (h == 0).all(axis=0).mean()."),
        (zero.any(axis=0).mean(), "a unit that is zero for SOME examples is only switched off "
                                  "there; dead means zero for EVERY example: use .all(axis=0), "
                                  "not .any."),
        (zero.all(axis=1).mean(), "you looked along rows (examples); a unit is a COLUMN of h "
                                  "(N, M): use axis=0."),
    ]


@check
def check_dead_fraction(dead_fraction):
    """Check ``dead_fraction(h) -> float``: fraction of units that are zero for every example."""
    h = _activations_with_dead_units()
    out = call(dead_fraction, h.copy())
    if np.ndim(out) != 0 or out is None:
        return report(False, f"return a single number (a fraction between 0 and 1); you "
                             f"returned {shape_of(out)}.")
    value = float(out)
    for wrong, message in _dead_fraction_mistakes(h == 0):
        if np.isclose(value, wrong):
            return report(False, message)
    if not np.isclose(value, 3 / 8):
        return report(False, f"your answer is {value:.3f}; in this test 3 of 8 units are zero for "
                             "every example, so the fraction is 0.375.")
    return report(True, "(h == 0).all(axis=0).mean(): the share of units that are silent for "
                        "every example.")


def _symmetry_problem(W):
    """Feedback if the weights W (fan_in, fan_out) do not break the symmetry, else None."""
    if np.allclose(W, W.flat[0]):
        return (f"all your weights equal {W.flat[0]:.3g}, so every hidden unit computes the same "
                "thing and gets the same gradient: they stay identical forever. Draw them at "
                "random.")
    if np.allclose(W, W[:, :1]):
        return ("every column (hidden unit) is the same, so the units stay identical; "
                "draw each weight independently.")
    return None


@check
def check_init_weights(init_weights):
    """Check ``init_weights(fan_in, fan_out, rng) -> W``: random, He-scaled, reproducible."""
    fan_in, fan_out = 784, 64
    he_std = np.sqrt(2 / fan_in)
    W = call(init_weights, fan_in, fan_out, np.random.default_rng(0))
    if not hasattr(W, "shape") or tuple(W.shape) != (fan_in, fan_out):
        shape = shape_of(W)
        hint = " (Dense weights are (in, out) here)" if shape == "shape (64, 784)" else ""
        return report(False, f"your weights have {shape}, expected ({fan_in}, {fan_out}){hint}.")
    W = np.asarray(W, dtype=np.float64)
    problem = _symmetry_problem(W)
    if problem:
        return report(False, problem)
    try:
        W2 = call(init_weights, fan_in, fan_out, np.random.default_rng(0))
    except NotYet:                                  # raised the second time: not reproducible
        W2 = None
    if W2 is None or not np.array_equal(np.asarray(W2, dtype=np.float64), W):
        return report(False, "two calls with the same rng seed gave different weights; draw from "
                             "the rng you were given (rng.normal(...)), not np.random.")
    if abs(W.mean()) > 0.2 * he_std:
        return report(False, f"your weights have mean {W.mean():.3f}; centre them on 0 so units "
                             "start half on, half off.")
    std = W.std()
    if not 0.7 * he_std < std < 1.3 * he_std:
        size = "large" if std > he_std else "small"
        return report(False, f"your weights have std {std:.3f}, too {size}: for ReLU units He "
                             f"init uses std = sqrt(2 / fan_in) = sqrt(2 / {fan_in}) = "
                             f"{he_std:.3f}, so the signal keeps its size from layer to layer.")
    return report(True, f"random weights with std {std:.3f} ≈ sqrt(2 / fan_in): symmetry broken, "
                        "signal size kept.")


@check
def check_clip_by_norm(clip_by_norm):
    """Check ``clip_by_norm(g, max_norm) -> g`` rescaled to norm <= max_norm, same direction."""
    big = np.array([6.0, -8.0, 0.0])             # norm 10
    small = np.array([0.6, 0.0, -0.8])           # norm 1
    big_before = big.copy()
    out_big = call(clip_by_norm, big, 5.0)
    if not np.array_equal(big, big_before):
        return report(False, "your function changed the gradient in place; return a new array.")
    out_small = call(clip_by_norm, small.copy(), 5.0)
    for out in (out_big, out_small):
        if not hasattr(out, "shape") or np.shape(out) != (3,):
            return report(False, f"your output is {shape_of(out)}; return the gradient with its "
                                 "shape (3,).")
    out_big, out_small = np.asarray(out_big, float), np.asarray(out_small, float)
    if np.allclose(out_big, np.clip(big, -5, 5)):
        return report(False, "you clipped each entry separately, which changes the gradient's "
                             "direction ([6, −8, 0] became [5, −5, 0]); scale the whole vector "
                             "by max_norm / norm instead.")
    if not np.allclose(out_big, big * 0.5):
        return report(False, f"for g = [6, −8, 0] (norm 10) and max_norm = 5 you returned norm "
                             f"{np.linalg.norm(out_big):.2f}; expected g · 5/10 = [3, −4, 0].")
    if not np.allclose(out_small, small):
        return report(False, f"a gradient with norm 1 (already below max_norm = 5) must stay "
                             f"unchanged; yours now has norm {np.linalg.norm(out_small):.2f}. "
                             "Only scale when the norm is too large.")
    return report(True, "long gradients are shortened to max_norm, short ones left alone, the "
                        "direction kept.")
