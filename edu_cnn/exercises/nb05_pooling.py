"""Checks for notebook 05, pooling: 2×2 max/average pooling by hand, and max-pool backward.

The reference is the library's kernels: ``ops.pool.maxpool2d_forward``,
``avgpool2d_forward`` and the loop ``maxpool2d_backward_naive`` (first-max rule).
"""
import numpy as np

from ..layers import AvgPool2D, MaxPool2D
from ..ops.pool import (
    avgpool2d_forward,
    maxpool2d_backward,
    maxpool2d_backward_naive,
    maxpool2d_forward,
    maxpool2d_forward_naive,
)
from ._feedback import Exercise, check, register_hints, written

__all__ = ["POOL_EXERCISE_INPUT", "check_pooling_by_hand", "check_maxpool_backward"]

NOTEBOOK = "05_pooling.ipynb"

POOL_EXERCISE_INPUT = np.array([[1, 5, 2, 0],
                                [3, 4, 8, 6],
                                [7, 0, 1, 2],
                                [2, 9, 3, 3]])
"""The 4×4 input of the notebook 05 pooling-by-hand exercise."""


def _pool_2x2(pool, x):
    """2×2 pooling with stride 2 of one image x (H, W) -> (H/2, W/2)."""
    out, _ = pool(np.asarray(x, dtype=float)[None, None], 2)
    return out[0, 0]


def _by_hand_mistakes(x):
    want_max, want_avg = _pool_2x2(maxpool2d_forward, x), _pool_2x2(avgpool2d_forward, x)
    swapped = "rows and columns are swapped: result[i, j] comes from rows 2i–2i+1, columns 2j–2j+1."
    stride_one = ("you slid the window one pixel at a time (a 3×3 result); here the stride is 2, "
                  "windows side by side.")
    overlap_max, _ = maxpool2d_forward(np.asarray(x, float)[None, None], 2, 1)
    overlap_avg, _ = avgpool2d_forward(np.asarray(x, float)[None, None], 2, 1)
    return {
        "max_result": [
            ("averages_for_max", lambda: want_avg, "max_result holds the averages; max-pooling "
                                                   "keeps the largest value of each window."),
            ("minima", lambda: -_pool_2x2(maxpool2d_forward, -x),
             "max_result holds the minima; max-pooling keeps the largest value."),
            ("transposed", lambda: want_max.T, "max_result: " + swapped),
            ("stride_one", lambda: overlap_max[0, 0], "max_result: " + stride_one)],
        "avg_result": [
            ("maxima_for_avg", lambda: want_max, "avg_result holds the maxima; average pooling "
                                                 "takes the mean of each window."),
            ("window_sums", lambda: 4 * want_avg, "avg_result holds the window sums; divide by "
                                                  "the 4 pixels of a window."),
            ("transposed", lambda: want_avg.T, "avg_result: " + swapped),
            ("stride_one", lambda: overlap_avg[0, 0], "avg_result: " + stride_one)],
    }


@check("05.1", library=lambda: [maxpool2d_forward, maxpool2d_forward_naive, avgpool2d_forward,
                                 MaxPool2D.forward, AvgPool2D.forward])
def check_pooling_by_hand(ctx, pooling_by_hand):
    """Exercise 05.1: ``pooling_by_hand() -> (max_result, avg_result)`` of POOL_EXERCISE_INPUT.

    Both are the 2×2 results (stride 2) worked out by hand, as lists of lists.
    """
    x = POOL_EXERCISE_INPUT
    parts = {"max_result": lambda: _pool_2x2(maxpool2d_forward, x),
             "avg_result": lambda: _pool_2x2(avgpool2d_forward, x)}
    ctx.judge_parts(pooling_by_hand, [()], parts, _by_hand_mistakes(x),
                    describe=lambda c: "pooling_by_hand()")
    return ctx.ok("both 2×2 results are right (max keeps the strongest response, average the "
                  "mean of each window).")


def _maxpool_backward_reference(x, dout):
    """dx (H, W) of 2×2/stride-2 max-pooling of x (H, W): dout to each window's first max."""
    _, cache = maxpool2d_forward_naive(x[None, None], 2)
    return maxpool2d_backward_naive(dout[None, None], cache)[0, 0]


def _spread(a):
    """Each value of a (H/2, W/2) copied to its 2×2 window: (H, W)."""
    return np.repeat(np.repeat(a, 2, axis=0), 2, axis=1)


def _is_max(x):
    return x == _spread(_pool_2x2(maxpool2d_forward, x))


def _to_last_max(x, dout):
    """Ties go to the LAST maximum of each window (row-major)."""
    flipped = _maxpool_backward_reference(x[::-1, ::-1], dout[::-1, ::-1])
    return flipped[::-1, ::-1]


MAXPOOL_MISTAKES = [
    ("spread_evenly", lambda x, dout: _spread(dout) / 4,
     "you spread each gradient evenly over its window (average pooling's rule); max-pooling "
     "sends all of it to the position of the maximum."),
    ("copied_to_all", lambda x, dout: _spread(dout),
     "you copied each gradient to all 4 pixels; only the maximum's position gets it."),
    ("mask_only", lambda x, dout: _maxpool_backward_reference(x, np.ones_like(dout)),
     "you marked where the maxima are; multiply by the upstream gradient."),
    ("every_tied_max", lambda x, dout: _spread(dout) * _is_max(x),
     "in a window with a tie (e.g. all zeros after ReLU) you sent the gradient to every "
     "maximum; send it only to the first one in row-major order."),
    ("last_tied_max", _to_last_max,
     "in a window with a tie you sent the gradient to the LAST maximum; PyTorch and edu_cnn "
     "send it to the first one in row-major order."),
    ("transposed", lambda x, dout: _maxpool_backward_reference(x, dout.T),
     "your gradients land in the wrong windows: dout[i, j] belongs to the window at rows 2i–2i+1, "
     "columns 2j–2j+1."),
]


def _maxpool_cases(ctx):
    sizes = [(4, 4), (6, 6), (4, 8)] if ctx.seed is None else \
        [tuple(2 * int(v) for v in ctx.rng.integers(2, 6, size=2)) for _ in range(3)]
    cases = []
    for k, (h, w) in enumerate(sizes):
        if k == 0:
            x = ctx.rng.permutation(h * w).reshape(h, w).astype(float)        # no ties
        else:
            x = np.maximum(ctx.rng.standard_normal((h, w)), 0)                 # tied zeros
            x[:2, :2] = 0.0                                                    # a tie for sure
        cases.append((x, ctx.rng.integers(1, 10, size=(h // 2, w // 2)).astype(float)))
    return cases


@check("05.2", library=lambda: [maxpool2d_backward, maxpool2d_backward_naive,
                                 MaxPool2D.backward])
def check_maxpool_backward(ctx, maxpool_backward):
    """Exercise 05.2: ``maxpool_backward(x, dout) -> dx`` for 2×2 pooling with stride 2.

    x (H, W), dout (H/2, W/2) -> dx (H, W): each upstream gradient goes to the
    position of its window's maximum (the first one, row-major, if tied, as in
    PyTorch); every other position gets 0.
    """
    ctx.judge(maxpool_backward, _maxpool_cases(ctx), _maxpool_backward_reference,
              MAXPOOL_MISTAKES,
              describe=lambda c: f"maxpool_backward(x of shape {c[0].shape}, dout of shape "
                                 f"{c[1].shape})")
    return ctx.ok("every gradient goes to its window's maximum, ties to the first one.")


register_hints("05.1", "Cut the 4×4 input into four 2×2 blocks that do not overlap; each block "
                       "gives one entry.",
               "Top-left block: rows 0–1, columns 0–1. Its max is the largest of its four "
               "numbers, its average their sum divided by 4.")
register_hints("05.2", "Start from an array of zeros shaped like x. For each window, find where "
                       "its maximum is and put the window's upstream gradient there.",
               "Flatten each 2×2 window, take the index of its largest value (the first one if "
               "several tie) and turn it back into a row and a column.")

EXERCISES = [
    Exercise("05.1", NOTEBOOK, "2×2 pooling by hand", check_pooling_by_hand,
             ("pooling_by_hand",), 1),
    Exercise("05.2", NOTEBOOK, "The backward pass of max-pooling", check_maxpool_backward,
             ("maxpool_backward",), 2),
    written("05.3", NOTEBOOK, "Why does max-pooling not damp noise?", hints=(
        "Average four noisy numbers, then take the largest of four noisy numbers: which one "
        "keeps the noise?",)),
]
