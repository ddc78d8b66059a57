"""Checks for notebook 04, filter-bank features: the feature count and conv → pool → flatten.

The reference is the library's kernels: ``ops.conv.conv2d_forward`` and
``ops.pool.maxpool2d_forward`` (``avgpool2d_forward`` to recognise averaging).
"""
import numpy as np

from ..ops.conv import conv2d_forward
from ..ops.geometry import conv_output_shape, pool_output_shape
from ..ops.pool import avgpool2d_forward, maxpool2d_forward
from ._feedback import Exercise, check, register_hints, written

__all__ = ["check_feature_count", "check_extract_features"]

NOTEBOOK = "04_filter_bank_features.ipynb"


def _sides(image_size, kernel_size, pool_size):
    """(conv side, pooled side): valid conv, then pooling with stride = pool_size."""
    conv_side, _ = conv_output_shape(image_size, image_size, kernel_size, 1, 0)
    side, _ = pool_output_shape(conv_side, conv_side, pool_size)
    return conv_side, side


FEATURE_MISTAKES = [
    ("forgot_pooling", lambda n, k, f, p: f * (n - k + 1) ** 2,
     "you forgot the max-pooling, which divides each side by pool_size."),
    ("one_feature_map", lambda n, k, f, p: ((n - k + 1) // p) ** 2,
     "you counted one feature map: every filter gives its own map."),
    ("used_image_size", lambda n, k, f, p: f * (n // p) ** 2,
     "you pooled the image size; a valid convolution first shrinks it to "
     "image_size − kernel_size + 1."),
    ("forgot_plus_one", lambda n, k, f, p: f * ((n - k) // p) ** 2,
     "you forgot the + 1 in the valid-convolution size image_size − kernel_size + 1."),
    ("pool_rounded_up", lambda n, k, f, p: f * (-(-(n - k + 1) // p)) ** 2,
     "you rounded the pooled size up; a last row or column that does not fill a window is "
     "dropped."),
    ("forgot_square", lambda n, k, f, p: f * ((n - k + 1) // p),
     "you counted one side of each map; a map is square, side × side."),
]


def _feature_cases(ctx):
    if ctx.seed is None:
        return [(28, 17, 36, 2), (28, 5, 8, 2), (32, 5, 6, 2), (28, 3, 16, 2), (28, 4, 4, 3)]
    cases = []
    for _ in range(6):
        k = int(ctx.rng.integers(1, 12))
        cases.append((int(ctx.rng.integers(k + 4, 40)), k, int(ctx.rng.integers(1, 40)),
                      int(ctx.rng.integers(2, 5))))
    return cases


@check("04.1", library=lambda: [conv_output_shape, pool_output_shape])
def check_feature_count(ctx, feature_count):
    """Exercise 04.1: ``feature_count(image_size, kernel_size, n_filters, pool_size)``.

    Expected: n_filters · ((image_size − kernel_size + 1) // pool_size)², the
    length of the feature vector after a valid convolution, max-pooling with
    stride = pool_size, and flattening (28, 17, 36, 2 -> 1,296).
    """
    ctx.judge(feature_count, _feature_cases(ctx),
              lambda n, k, f, p: f * _sides(n, k, p)[1] ** 2, FEATURE_MISTAKES,
              describe=lambda c: "feature_count(image_size={}, kernel_size={}, n_filters={}, "
                                 "pool_size={})".format(*c),
              convert=lambda value, what: ctx.integer(value, what),
              equal=lambda got, want: got == want,
              difference=lambda got, want: f"it returned {got}, expected {want}")
    return ctx.ok("right on every case (28×28, 36 filters of 17×17, pool 2 -> 36·6·6 = 1,296).")


def _features(x, bank, pool=maxpool2d_forward, stride=2):
    """Valid conv, 2×2 pooling, flatten: x (N, 1, H, W), bank (F, 1, K, K) -> (N, F·H''·W'')."""
    maps, _ = conv2d_forward(x, bank, np.zeros(len(bank), dtype=x.dtype))   # (N, F, H', W')
    pooled, _ = pool(maps, 2, stride)                                       # (N, F, H'', W'')
    return pooled.reshape(len(x), -1)


def _pooled(x, bank):
    maps, _ = conv2d_forward(x, bank, np.zeros(len(bank), dtype=x.dtype))
    return maxpool2d_forward(maps, 2)[0]


EXTRACT_MISTAKES = [
    ("average_pooling", lambda x, bank: _features(x, bank, pool=avgpool2d_forward),
     "you averaged each window; this pipeline uses max-pooling (the largest of the 4)."),
    ("channels_last_flatten", lambda x, bank: _pooled(x, bank).transpose(0, 2, 3, 1)
     .reshape(len(x), -1),
     "right numbers, wrong order: flatten the (N, F, H'', W'') maps as they are, filter by "
     "filter, without moving the filter axis to the end."),
    ("forgot_pooling", lambda x, bank: conv2d_forward(x, bank, np.zeros(len(bank)))[0]
     .reshape(len(x), -1),
     "you flattened the feature maps before pooling; max-pool 2×2 first."),
    ("not_flattened", lambda x, bank: _pooled(x, bank),
     "you returned the pooled maps (N, F, H'', W''); flatten each image's maps into one row."),
    ("pooling_stride_one", lambda x, bank: _features(x, bank, stride=1),
     "your 2×2 windows overlap (stride 1); here they sit side by side, stride 2."),
    ("flipped_filters", lambda x, bank: _features(x, bank[:, :, ::-1, ::-1]),
     "your filters are rotated by 180° (textbook convolution); the layer correlates with the "
     "filters as they are."),
]


def _extract_cases(ctx):
    shapes = ([((3, 1, 28, 28), (36, 1, 17, 17)), ((2, 1, 12, 12), (4, 1, 3, 3))]
              if ctx.seed is None else
              [((n, 1, int(h), int(h)), (int(ctx.rng.integers(1, 6)), 1, int(k), int(k)))
               for n, h, k in zip((1, int(ctx.rng.integers(2, 5))), ctx.rng.integers(8, 16, 2),
                                  ctx.rng.integers(2, 6, 2), strict=True)])
    return [(ctx.rng.random(xs), ctx.rng.standard_normal(bs)) for xs, bs in shapes]


@check("04.2")
def check_extract_features(ctx, extract_features):
    """Exercise 04.2: ``extract_features(x, bank)``: valid conv, 2×2 max-pool, flatten.

    x (N, 1, H, W), bank (F, 1, K, K) -> features (N, F·H''·W''), H'' = (H − K + 1) // 2.
    Using the library's conv2d_forward and maxpool2d_forward is allowed here.
    """
    ctx.judge(extract_features, _extract_cases(ctx), _features, EXTRACT_MISTAKES,
              describe=lambda c: f"extract_features(x of shape {c[0].shape}, bank of shape "
                                 f"{c[1].shape})")
    return ctx.ok("matches the reference (28×28 with 36 filters of 17×17 -> 1,296 features "
                  "per digit).")


register_hints("04.1", "Follow one image through the pipeline: valid convolution, then "
                       "pooling, then flattening of all the maps.",
               "Side after the convolution: image − kernel + 1; after pooling: that, floor-"
               "divided by pool_size; features: filters × side × side.")
register_hints("04.2", "Convolve (no bias), pool 2×2 with stride 2, then flatten each image's "
                       "maps into one row.",
               "The maps come out as (N, F, H'', W''); keep that order when you flatten.")

EXERCISES = [
    Exercise("04.1", NOTEBOOK, "How many features?", check_feature_count, ("feature_count",), 1),
    Exercise("04.2", NOTEBOOK, "The feature extractor", check_extract_features,
             ("extract_features",), 2),
    written("04.3", NOTEBOOK, "Why do the features beat raw pixels?", hints=(
        "What happens to a raw-pixel input when the digit moves by one pixel, and what happens "
        "to a pooled feature?",)),
]
