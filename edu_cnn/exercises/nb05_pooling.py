"""Checks for notebook 05, pooling: 2×2 max/average pooling by hand, and max-pool backward.

The reference is the library's kernels: ``ops.pool.maxpool2d_forward``,
``avgpool2d_forward`` and the loop ``maxpool2d_backward_naive`` (first-max rule).
"""
import numpy as np

from ..ops.pool import (
    avgpool2d_forward,
    maxpool2d_backward_naive,
    maxpool2d_forward,
    maxpool2d_forward_naive,
)
from ._feedback import call_named, check, report

__all__ = ["POOL_EXERCISE_INPUT", "check_pooling_by_hand", "check_maxpool_backward"]

POOL_EXERCISE_INPUT = np.array([[1, 5, 2, 0],
                                [3, 4, 8, 6],
                                [7, 0, 1, 2],
                                [2, 9, 3, 3]])
"""The 4×4 input of the notebook 05 pooling-by-hand exercise."""


def _pool_2x2(pool, x):
    """2×2 pooling with stride 2 of one image x (H, W) -> (H/2, W/2)."""
    out, _ = pool(np.asarray(x, dtype=float)[None, None], 2)
    return out[0, 0]


def _check_pooled_by_hand(name, got, want, wrong_answers):
    """Feedback for one hand-computed 2×2 pooling result; returns a message or ''."""
    if got is None:
        return f"{name} is None: replace it with your 2×2 result."
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError) as error:
        return f"{name} is not a matrix of numbers ({error})."
    if got.shape != (2, 2):
        extra = (" (2×2 windows with stride 1 would give 3×3; here the stride is 2)"
                 if got.shape == (3, 3) else "")
        return (f"{name} has shape {got.shape}; a 4×4 input pooled 2×2 with stride 2 gives "
                f"(2, 2){extra}.")
    for answer, why in wrong_answers:
        if np.allclose(got, answer):
            return f"{name}: {why}."
    if np.allclose(got, want):
        return ""
    i, j = np.argwhere(~np.isclose(got, want))[0]                    # the first wrong value
    window = POOL_EXERCISE_INPUT[2 * i:2 * i + 2, 2 * j:2 * j + 2].tolist()
    return (f"{name}[{i}, {j}] is {got[i, j]:g}, but its window (rows {2 * i}–{2 * i + 1}, "
            f"columns {2 * j}–{2 * j + 1}) is {window}.")


@check
def check_pooling_by_hand(max_result, avg_result):
    """Check the hand-computed 2×2 max- and average-pooling of POOL_EXERCISE_INPUT (notebook 05)."""
    x = POOL_EXERCISE_INPUT
    want_max, want_avg = _pool_2x2(maxpool2d_forward, x), _pool_2x2(avgpool2d_forward, x)
    swapped = "rows and columns are swapped: result[i, j] comes from rows 2i–2i+1, columns 2j–2j+1"
    max_msg = _check_pooled_by_hand("max_result", max_result, want_max, [
        (want_avg, "these are the averages; max-pooling keeps the largest value of each window"),
        (-_pool_2x2(maxpool2d_forward, -x), "these are the minima; max-pooling keeps the largest "
                                            "value"),
        (want_max.T, swapped)])
    avg_msg = _check_pooled_by_hand("avg_result", avg_result, want_avg, [
        (want_max, "these are the maxima; average pooling takes the mean of each window"),
        (4 * want_avg, "these are the window sums; divide by the 4 pixels of a window"),
        (want_avg.T, swapped)])
    if max_msg or avg_msg:
        return report(False, " ".join(m for m in (max_msg, avg_msg) if m))
    return report(True, "both 2×2 results are right (max keeps the strongest response, "
                        "average the mean of each window).")


def _maxpool_backward_reference(x, dout):
    """dx (H, W) of 2×2/stride-2 max-pooling of x (H, W): dout to each window's first max."""
    _, cache = maxpool2d_forward_naive(x[None, None], 2)
    return maxpool2d_backward_naive(dout[None, None], cache)[0, 0]


def _spread(a):
    """Each value of a (H/2, W/2) copied to its 2×2 window: (H, W)."""
    return np.repeat(np.repeat(a, 2, axis=0), 2, axis=1)


def _maxpool_backward_hint(got, want, x, dout):
    """Name the mistake behind a dx of the right shape but wrong values."""
    spread = _spread(dout)
    is_max = x == _spread(_pool_2x2(maxpool2d_forward, x))
    if np.allclose(got, spread / 4):
        return ("you spread each gradient evenly over its window (average pooling's rule); "
                "max-pooling sends all of it to the position of the maximum")
    if np.allclose(got, spread):
        return "you copied each gradient to all 4 pixels; only the maximum's position gets it"
    if np.allclose(got, (want != 0)) or np.allclose(got, is_max):
        return "you marked where the maxima are; multiply by the upstream gradient dout"
    if np.allclose(got, spread * is_max):
        return ("in a window with a tie (e.g. all zeros after ReLU) you sent the gradient to every "
                "maximum; send it only to the first one, row-major (np.argmax does that)")
    r, c = np.argwhere(~np.isclose(got, want))[0]
    return f"first wrong value: dx[{r}, {c}] is {got[r, c]:g} but should be {want[r, c]:g}"


@check
def check_maxpool_backward(maxpool_backward):
    """Check ``maxpool_backward(x, dout) -> dx`` for 2×2 pooling with stride 2 (notebook 05).

    x (H, W), dout (H/2, W/2) -> dx (H, W): each upstream gradient goes to the
    position of its window's maximum (the first one, row-major, if tied, as in
    PyTorch); every other position gets 0.
    """
    rng = np.random.default_rng(0)
    x_plain = rng.permutation(16).reshape(4, 4).astype(float)     # no ties
    x_relu = np.maximum(rng.standard_normal((6, 6)), 0)           # after ReLU: tied zeros
    x_relu[:2, :2] = 0.0                                          # one all-zero window for sure
    for x in (x_plain, x_relu):
        dout = rng.integers(1, 10, size=(x.shape[0] // 2, x.shape[1] // 2)).astype(float)
        want = _maxpool_backward_reference(x, dout)
        call = f"maxpool_backward(x of shape {x.shape}, dout of shape {dout.shape})"
        got = np.asarray(call_named(call, maxpool_backward, x.copy(), dout.copy(),
                                    forgot="return dx"), dtype=float)
        if got.shape != x.shape:
            return report(False, f"{call} returned shape {got.shape}; dx must have the input's "
                                 f"shape {x.shape}.")
        if not np.allclose(got, want):
            return report(False, f"{call}: {_maxpool_backward_hint(got, want, x, dout)}.")
    return report(True, "maxpool_backward routes every gradient to its window's maximum, "
                        "ties included.")
