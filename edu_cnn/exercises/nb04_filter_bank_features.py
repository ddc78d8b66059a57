"""Checks for notebook 04, filter-bank features: the feature count and conv → pool → flatten.

The reference is the library's kernels: ``ops.conv.conv2d_forward`` and
``ops.pool.maxpool2d_forward`` (``avgpool2d_forward`` to recognise averaging).
"""
import numpy as np

from ..ops.conv import conv2d_forward
from ..ops.geometry import conv_output_shape, pool_output_shape
from ..ops.pool import avgpool2d_forward, maxpool2d_forward
from ._feedback import call_named, check, report

__all__ = ["check_feature_count", "check_extract_features"]


def _sides(image_size, kernel_size, pool_size):
    """(conv side, pooled side): valid conv, then pooling with stride = pool_size."""
    conv_side, _ = conv_output_shape(image_size, image_size, kernel_size, 1, 0)
    side, _ = pool_output_shape(conv_side, conv_side, pool_size)
    return conv_side, side


def _feature_count_mistakes(n, k, f, p):
    """Typical wrong feature counts, with what they reveal."""
    return [
        (f * (n - k + 1) ** 2, f"you forgot the {p}×{p} max-pooling, which divides each side "
                               f"by {p}"),
        (((n - k + 1) // p) ** 2, "you counted one feature map: multiply by the number of "
                                  "filters"),
        (f * (n // p) ** 2, "you used the image size; a valid convolution first shrinks it to "
                            "image_size − kernel_size + 1"),
        (f * ((n - k) // p) ** 2, "you forgot the + 1 in the valid-convolution size n − k + 1"),
    ]


@check
def check_feature_count(feature_count):
    """Check ``feature_count(image_size, kernel_size, n_filters, pool_size)`` (notebook 04).

    Expected: n_filters · ((image_size − kernel_size + 1) // pool_size)², the
    length of the feature vector after a valid convolution, max-pooling with
    stride = pool_size, and flattening (28, 17, 36, 2 -> 1,296).
    """
    cases = [(28, 17, 36, 2), (28, 5, 8, 2), (32, 5, 6, 2), (28, 3, 16, 2), (28, 3, 4, 3)]
    for n, k, f, p in cases:
        call = f"feature_count(image_size={n}, kernel_size={k}, n_filters={f}, pool_size={p})"
        got = call_named(call, feature_count, n, k, f, p)
        conv_side, side = _sides(n, k, p)
        want = f * side * side
        if not isinstance(got, (int, np.integer)) and got != want:
            hint = f" (use // : {conv_side} // {p} = {side})" if isinstance(got, float) else ""
            return report(False, f"{call} returned {got!r} ({type(got).__name__}); it should be "
                                 f"the int {want}{hint}.")
        if got != want:
            hints = [why for value, why in _feature_count_mistakes(n, k, f, p) if value == got]
            hint = hints[0] if hints else ("count it step by step: conv side, pooled side, "
                                           "then n_filters · side²")
            return report(False, f"{call} returned {got}; it should be {want}: {hint}.")
    return report(True, f"feature_count is right on all {len(cases)} cases "
                        f"(28×28, 36 filters of 17×17, pool 2 -> 36·6·6 = 1,296).")


def _features(x, bank, pool=maxpool2d_forward):
    """Valid conv, 2×2 pooling (stride 2), flatten.

    x (N, 1, H, W), bank (F, 1, K, K) -> pooled (N, F, H'', W''), features (N, F·H''·W'').
    """
    maps, _ = conv2d_forward(x, bank, np.zeros(len(bank), dtype=x.dtype))   # (N, F, H', W')
    pooled, _ = pool(maps, 2)                                               # (N, F, H'', W'')
    return pooled, pooled.reshape(len(x), -1)


def _shape_hint(got_shape, x_shape, bank_shape):
    """Why an output of ``got_shape`` is not the features' shape."""
    N, F = x_shape[0], bank_shape[0]
    conv_side, side = _sides(x_shape[-1], bank_shape[-1], 2)
    if got_shape in ((N, F * conv_side ** 2), (N, F, conv_side, conv_side)):
        return f"that is the size before pooling; max-pool 2×2 first ({conv_side} -> {side})"
    if got_shape in ((N, F, side, side), (N, side, side, F)):
        return "flatten each image's feature maps into one row: features.reshape(N, -1)"
    return (f"valid conv gives {conv_side}×{conv_side} maps, pooling {side}×{side}, "
            f"flatten F·{side}·{side}")


def _value_hint(got, want, x, bank):
    """Name the mistake behind features ``got`` of the right shape but wrong values."""
    _, averaged = _features(x, bank, pool=avgpool2d_forward)
    if np.allclose(got, averaged, atol=1e-6):
        return "you averaged the windows; this model uses max-pooling (take the largest of the 4)"
    if np.allclose(np.sort(got, axis=1), np.sort(want, axis=1), atol=1e-6):
        return ("right numbers, wrong order: flatten the (N, F, H'', W'') pooled maps "
                "with reshape(N, -1), without transposing")
    n, j = np.argwhere(~np.isclose(got, want, atol=1e-6))[0]
    return (f"first wrong value: features[{n}, {j}] is {got[n, j]:.3f} but should be "
            f"{want[n, j]:.3f}")


@check
def check_extract_features(extract_features):
    """Check ``extract_features(x, bank)`` (notebook 04).

    x (N, 1, H, W), bank (F, 1, K, K) -> features (N, F·H''·W'') where
    H'' = (H − K + 1) // 2: valid convolution (no bias), max-pool 2×2 with
    stride 2, flatten each image in (F, H'', W'') order (``reshape(N, -1)``).
    """
    rng = np.random.default_rng(0)
    cases = [((3, 1, 28, 28), (36, 1, 17, 17)), ((2, 1, 12, 12), (4, 1, 3, 3))]
    for x_shape, bank_shape in cases:
        x = rng.random(x_shape)
        bank = rng.standard_normal(bank_shape)
        _, want = _features(x, bank)
        call = f"extract_features(x of shape {x_shape}, bank of shape {bank_shape})"
        got = np.asarray(call_named(call, extract_features, x.copy(), bank.copy()))
        if got.shape != want.shape:
            return report(False, f"{call} returned shape {got.shape}; it should be {want.shape}: "
                                 f"{_shape_hint(got.shape, x_shape, bank_shape)}.")
        if not np.allclose(got, want, atol=1e-6):
            return report(False, f"{call}: {_value_hint(got, want, x, bank)}.")
    return report(True, f"extract_features matches the reference on {len(cases)} cases "
                        f"(28×28 with 36 filters of 17×17 -> 1,296 features per digit).")
