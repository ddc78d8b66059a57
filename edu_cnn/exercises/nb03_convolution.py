"""Checks for notebook 03, convolution: the output-size formula and a loop conv2d.

The reference is the library's loop kernel, ``ops.conv.conv2d_forward_naive``.
"""
import numpy as np

from ..ops.conv import conv2d_forward_naive
from ..ops.geometry import conv_output_shape
from ._feedback import call_named, check, report

__all__ = ["check_conv_output_size", "check_conv2d"]


def _conv_size_mistakes(n, k, p, s):
    """Typical wrong answers for one output size, with what they reveal."""
    return [
        ((n - k) // s + 1, "you left out the padding: it adds 2·padding rows (top and bottom)"),
        ((n + p - k) // s + 1, "you added the padding once; it goes on both sides, so add "
                               "2·padding"),
        (n + 2 * p - k + 1, "you left out the stride: the window jumps `stride` pixels, so divide "
                            "by it"),
        ((n + 2 * p - k) // s, "you forgot the + 1 (the first window position counts too)"),
        (-(-(n + 2 * p - k) // s) + 1, "you rounded up; a last window that does not fit is "
                                       "dropped, so use floor division //"),
    ]


def _conv_size_problem(call, got, want, n, k, p, s):
    """Feedback for one answer ``got`` of conv_output_size, or None if it is ``want``."""
    if isinstance(got, float) and got != int(got):
        return (f"{call} returned {got}; a size is a whole number. "
                f"Use floor division // (a window that does not fit is dropped).")
    if not isinstance(got, (int, np.integer)):
        return (f"{call} returned {got!r} ({type(got).__name__}); return an int, "
                f"e.g. with floor division //.")
    if got != want:
        hints = [why for value, why in _conv_size_mistakes(n, k, p, s) if value == got]
        hint = hints[0] if hints else "the formula is (n + 2·padding − k) // stride + 1"
        return f"{call} returned {got}; it should be {want}: {hint}."
    return None


@check
def check_conv_output_size(conv_output_size):
    """Check ``conv_output_size(n, k, padding, stride)`` (notebook 03).

    Expected: ``(n + 2·padding − k) // stride + 1``. Prints specific feedback
    for the classic mistakes (padding forgotten or counted once, stride
    forgotten, missing + 1, rounding up, float result) and returns True if
    every case is right.
    """
    cases = [(28, 3, 0, 1), (28, 3, 1, 1), (32, 5, 0, 1), (28, 5, 2, 2), (6, 3, 0, 2),
             (7, 3, 1, 2)]
    for n, k, p, s in cases:
        call = f"conv_output_size(n={n}, k={k}, padding={p}, stride={s})"
        got = call_named(call, conv_output_size, n, k, p, s)
        want = conv_output_shape(n, n, k, s, p)[0]
        problem = _conv_size_problem(call, got, want, n, k, p, s)
        if problem:
            return report(False, problem)
    return report(True, f"conv_output_size is right on all {len(cases)} cases, "
                        f"e.g. 28×28 with a 5×5 kernel, padding 2, stride 2 -> 14×14.")


def _conv_reference(x, w, b, padding):
    """Reference answer for ``check_conv2d``: x (C, H, W) -> (F, H_out, W_out)."""
    out, _ = conv2d_forward_naive(x[None].astype(np.float64), w, b, stride=1, padding=padding)
    return out[0]


def _conv_value_hint(got, x, w, b, padding):
    """Name the classic mistake that produces ``got`` (same shape as the answer), or ''."""
    def close(candidate):
        return np.allclose(got, candidate, atol=1e-6)
    zero_b = np.zeros_like(b)
    if close(_conv_reference(x, w[:, :, ::-1, ::-1], b, padding)):
        return ("you flipped the kernel (textbook convolution). Deep-learning 'convolution' is "
                "cross-correlation: multiply window[u, v] by w[f, c, u, v] without flipping.")
    if close(_conv_reference(x, w, zero_b, padding)):
        return "every value is off by its filter's bias: add b[f] to each output."
    if close(_conv_reference(x[:1], w[:, :1], b, padding)):
        return "only input channel 0 was used: sum the products over all channels c as well."
    if np.allclose(got, 0):
        return "your output is all zeros: fill each out[f, i, j] with Σ window · w[f] + b[f]."
    return ""


def _conv_value_problem(got, want, x, w, b, padding):
    """Feedback for conv2d values ``got`` that differ from ``want`` (same shape)."""
    hint = _conv_value_hint(got, x, w, b, padding)
    f, i, j = np.argwhere(~np.isclose(got, want, atol=1e-6))[0]      # first wrong value
    where = (f"first wrong value: out[{f}, {i}, {j}] is {got[f, i, j]:.3f} but should be "
             f"{want[f, i, j]:.3f}")
    return f"{hint} ({where})" if hint else where + "."


@check
def check_conv2d(conv2d):
    """Check a student's ``conv2d(x, w, b, padding=0)`` for one image (notebook 03).

    x (C, H, W), w (F, C, KH, KW), b (F,) -> out (F, H_out, W_out), stride 1,
    ``padding`` zeros on every side. Feedback names the wrong shape and what it
    should be for the kernel/padding, a flipped kernel, a missing bias, a
    forgotten channel sum, or the largest wrong value and where it is.
    """
    rng = np.random.default_rng(0)
    cases = [((1, 28, 28), (8, 1, 3, 3), 1), ((3, 7, 6), (2, 3, 3, 3), 0),
             ((2, 6, 6), (4, 2, 5, 5), 2)]
    for x_shape, w_shape, padding in cases:
        x = rng.standard_normal(x_shape)
        w = rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])
        want = _conv_reference(x, w, b, padding)
        call = f"conv2d(x of shape {x_shape}, w of shape {w_shape}, b, padding={padding})"
        got = np.asarray(call_named(call, conv2d, x.copy(), w.copy(), b.copy(), padding=padding,
                                    forgot="return out"))
        if got.shape != want.shape:
            return report(False, f"your output has shape {got.shape}; for a "
                                 f"{w_shape[2]}×{w_shape[3]} kernel with padding {padding} it "
                                 f"should be {want.shape} "
                                 f"(F, H + 2·padding − KH + 1, W + 2·padding − KW + 1).")
        if not np.allclose(got, want, atol=1e-6):
            return report(False, f"{call}: {_conv_value_problem(got, want, x, w, b, padding)}")
    return report(True, f"conv2d matches the reference on all {len(cases)} cases "
                        f"(with padding 0, 1 and 2 and 1 to 3 channels).")
