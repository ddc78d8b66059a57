"""Checks for notebook 03, convolution: output sizes, conv forward (padding, stride) by loops,
and the conv backward pass (checked against numerical gradients).

The forward reference is the library's loop kernel, ``ops.conv.conv2d_forward_naive``.
"""
import numpy as np

from ..layers import Conv2D
from ..ops.conv import conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive
from ..ops.geometry import conv_output_shape
from ._feedback import Exercise, check, register_hints, written

__all__ = ["check_conv_output_size", "check_conv2d", "check_conv2d_strided",
           "check_output_shape_2d", "check_conv2d_backward"]

NOTEBOOK = "03_convolution.ipynb"
_CONV_LIBRARY = (conv2d_forward, conv2d_forward_naive, Conv2D.forward)


def _size(n, k, p, s):
    return (n + 2 * p - k) // s + 1


SIZE_MISTAKES = [
    ("forgot_padding", lambda n, k, p, s: (n - k) // s + 1,
     "you left out the padding: it adds padding rows at the top AND at the bottom."),
    ("padding_once", lambda n, k, p, s: (n + p - k) // s + 1,
     "you added the padding once; it goes on both sides."),
    ("ignored_stride", lambda n, k, p, s: n + 2 * p - k + 1,
     "you left out the stride: the window jumps `stride` pixels at a time."),
    ("forgot_plus_one", lambda n, k, p, s: (n + 2 * p - k) // s,
     "you forgot the + 1: the first window position counts too."),
    ("rounded_up", lambda n, k, p, s: -(-(n + 2 * p - k) // s) + 1,
     "you rounded up; a last window that does not fit is dropped, so round down."),
    ("plus_one_before_dividing", lambda n, k, p, s: (n + 2 * p - k + 1) // s,
     "you added the 1 before dividing by the stride; it counts the first window, after the "
     "division."),
]


def _size_cases(ctx):
    if ctx.seed is None:
        return [(28, 3, 0, 1), (28, 3, 1, 1), (32, 5, 0, 1), (28, 5, 2, 2), (6, 3, 0, 2),
                (7, 3, 1, 2), (9, 2, 0, 3)]
    cases = []
    for _ in range(8):
        k = int(ctx.rng.integers(1, 7))
        cases.append((int(ctx.rng.integers(k, 40)), k, int(ctx.rng.integers(0, 3)),
                      int(ctx.rng.integers(1, 4))))
    return cases


@check("03.1", library=lambda: [conv_output_shape])
def check_conv_output_size(ctx, conv_output_size):
    """Exercise 03.1: ``conv_output_size(n, k, padding, stride)`` = ⌊(n + 2p − k)/s⌋ + 1."""
    cases = _size_cases(ctx)
    ctx.judge(conv_output_size, cases, _size, SIZE_MISTAKES,
              describe=lambda c: "conv_output_size(n={}, k={}, padding={}, stride={})".format(*c),
              convert=lambda value, what: ctx.integer(value, what),
              equal=lambda got, want: got == want,
              difference=lambda got, want: f"it returned {got}, expected {want}")
    return ctx.ok(f"right on all {len(cases)} cases, e.g. 28×28 with a 5×5 kernel, padding 2, "
                  "stride 2 -> 14×14.")


def _conv(x, w, b, stride=1, padding=0):
    """One image x (C, H, W) -> (F, H', W') with the library's loop kernel."""
    out, _ = conv2d_forward_naive(x[None], w, b, stride=stride, padding=padding)
    return out[0]


def _conv_cases(ctx, strided):
    """(x, w, b, padding or stride) for one image."""
    if ctx.seed is None:
        specs = ([((1, 9, 9), (2, 1, 3, 3), 2), ((3, 7, 8), (2, 3, 2, 3), 3),
                  ((2, 8, 7), (4, 2, 3, 2), 1)] if strided else
                 [((1, 28, 28), (8, 1, 3, 3), 1), ((3, 7, 6), (2, 3, 3, 3), 0),
                  ((2, 6, 6), (4, 2, 5, 5), 2)])
    else:
        specs = []
        for _ in range(3):
            c, f, kh, kw = (int(v) for v in ctx.rng.integers(1, 4, size=4))
            specs.append(((c, int(ctx.rng.integers(kh + 2, 12)), int(ctx.rng.integers(kw + 2, 12))),
                          (f, c, kh, kw), int(ctx.rng.integers(1, 4) if strided else
                                              ctx.rng.integers(0, 3))))
    return [(ctx.rng.standard_normal(xs), ctx.rng.standard_normal(ws),
             ctx.rng.standard_normal(ws[0]), extra) for xs, ws, extra in specs]


CONV_MISTAKES = [
    ("flipped_kernel", lambda x, w, b, p: _conv(x, w[:, :, ::-1, ::-1], b, padding=p),
     "you flipped the kernel (textbook convolution). Deep-learning 'convolution' is "
     "cross-correlation: window[u, v] meets w[f, c, u, v], unflipped."),
    ("forgot_bias", lambda x, w, b, p: _conv(x, w, 0 * b, padding=p),
     "every value is off by its filter's bias: add b[f] to each output of filter f."),
    ("first_channel_only", lambda x, w, b, p: _conv(x[:1], w[:, :1], b, padding=p),
     "only input channel 0 was used: sum the products over all channels as well."),
    ("forgot_padding", lambda x, w, b, p: _conv(x, w, b, padding=0),
     "you did not pad the input: with padding p there are p rows and columns of zeros on every "
     "side, and the output grows accordingly."),
    ("empty_output", lambda x, w, b, p: 0 * _conv(x, w, b, padding=p),
     "your output is all zeros: each output value is the sum of window × kernel, plus the "
     "bias."),
    ("padded_one_side",
     lambda x, w, b, p: _conv(np.pad(x, ((0, 0), (p, 0), (p, 0))), w, b, padding=0),
     "you padded only the top and the left; the zeros go on every side."),
]


def _shape_words(c):
    return f"x of shape {c[0].shape}, w of shape {c[1].shape}, b"


@check("03.2", library=lambda: _CONV_LIBRARY)
def check_conv2d(ctx, my_conv2d):
    """Exercise 03.2: ``my_conv2d(x, w, b, padding)``: x (C, H, W) -> (F, H', W'), stride 1."""
    ctx.judge(my_conv2d, _conv_cases(ctx, strided=False),
              lambda x, w, b, p: _conv(x, w, b, padding=p), CONV_MISTAKES,
              describe=lambda c: f"my_conv2d({_shape_words(c)}, padding={c[3]})")
    return ctx.ok("matches the reference with padding 0, 1 and 2 and 1 to 3 channels.")


STRIDE_MISTAKES = [
    ("ignored_stride", lambda x, w, b, s: _conv(x, w, b),
     "you computed every window position (stride 1); with stride s only every s-th position "
     "is kept, so the output is smaller."),
    ("windows_not_strided",
     lambda x, w, b, s: _conv(x, w, b)[:, :_size(x.shape[1], w.shape[2], 0, s),
                                       :_size(x.shape[2], w.shape[3], 0, s)],
     "the output size is right, but the windows do not jump: output (i, j) starts at row i·s, "
     "column j·s of the input."),
    ("flipped_kernel", lambda x, w, b, s: _conv(x, w[:, :, ::-1, ::-1], b, stride=s),
     "you flipped the kernel; deep-learning convolution is cross-correlation, unflipped."),
    ("forgot_bias", lambda x, w, b, s: _conv(x, w, 0 * b, stride=s),
     "every value is off by its filter's bias."),
    ("stride_rows_only", lambda x, w, b, s: _conv(x, w, b, stride=(s, 1)),
     "you applied the stride along the rows only; it applies along the columns too."),
    ("forgot_plus_one",
     lambda x, w, b, s: _conv(x, w, b, stride=s)[:, :(x.shape[1] - w.shape[2]) // s,
                                                 :(x.shape[2] - w.shape[3]) // s],
     "your output misses the last row and column of windows: the size is ⌊(H − K)/s⌋ + 1."),
]


@check("03.3", library=lambda: _CONV_LIBRARY)
def check_conv2d_strided(ctx, conv2d_strided):
    """Exercise 03.3: ``conv2d_strided(x, w, b, stride)``: no padding, windows every s pixels."""
    ctx.judge(conv2d_strided, _conv_cases(ctx, strided=True),
              lambda x, w, b, s: _conv(x, w, b, stride=s), STRIDE_MISTAKES,
              describe=lambda c: f"conv2d_strided({_shape_words(c)}, stride={c[3]})")
    return ctx.ok("matches the reference for strides 1 to 3, square and oblong kernels.")


def _shape_2d(hw, k, p, s):
    return tuple(_size(hw[a], k[a], p[a], s[a]) for a in (0, 1))


SHAPE_MISTAKES = [
    ("swapped_result", lambda hw, k, p, s: _shape_2d(hw, k, p, s)[::-1],
     "your (height, width) are in the wrong order."),
    ("kernel_axes_swapped", lambda hw, k, p, s: _shape_2d(hw, k[::-1], p, s),
     "you used the kernel's width for the height and its height for the width."),
    ("padding_axes_swapped", lambda hw, k, p, s: _shape_2d(hw, k, p[::-1], s),
     "you used the width's padding for the height and the other way round."),
    ("stride_axes_swapped", lambda hw, k, p, s: _shape_2d(hw, k, p, s[::-1]),
     "you used the width's stride for the height and the other way round."),
    ("first_axis_for_both", lambda hw, k, p, s: (_shape_2d(hw, k, p, s)[0],) * 2,
     "both sizes are the height's; the width uses the second entry of each pair."),
    ("padding_once", lambda hw, k, p, s: _shape_2d(hw, k, tuple(v / 2 for v in p), s),
     "you added the padding once per axis; it goes on both sides."),
]


def _shape_cases(ctx):
    d2l = ((8, 8), (3, 5), (0, 1), (3, 4))
    if ctx.seed is None:
        return [d2l, ((10, 14), (3, 5), (0, 1), (3, 4)), ((28, 20), (5, 3), (2, 0), (1, 2)),
                ((9, 12), (2, 4), (1, 2), (2, 3))]
    cases = [d2l]
    for _ in range(4):
        k = tuple(int(v) for v in ctx.rng.integers(1, 6, size=2))
        cases.append((tuple(int(v) + 6 for v in ctx.rng.integers(0, 25, size=2)), k,
                       tuple(int(v) for v in ctx.rng.integers(0, 3, size=2)),
                       tuple(int(v) for v in ctx.rng.integers(1, 5, size=2))))
    return cases


@check("03.4", library=lambda: [conv_output_shape])
def check_output_shape_2d(ctx, output_shape_2d):
    """Exercise 03.4: ``output_shape_2d(input_hw, kernel, padding, stride) -> (H', W')``."""
    def convert(value, what):
        pair = ctx.pair(value, what)
        return tuple(ctx.integer(v, what) for v in pair)
    ctx.judge(output_shape_2d, _shape_cases(ctx), _shape_2d, SHAPE_MISTAKES,
              describe=lambda c: "output_shape_2d({}, kernel={}, padding={}, stride={})".format(
                  *c), convert=convert, equal=lambda got, want: tuple(got) == tuple(want),
              difference=lambda got, want: f"it returned {got}, expected {want}")
    return ctx.ok("each axis has its own kernel size, padding and stride: an 8×8 input with "
                  "kernel (3, 5), padding (0, 1), stride (3, 4) gives 2×2.")


def _conv_backward(dout, x, w, p, flip=False, crop="centre", dw_batch="sum", db="sum"):
    """Analytic conv backward (stride 1) and its classic wrong variants."""
    N, C, H, W = x.shape
    K, L = w.shape[2:]
    Ho, Wo = dout.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    wk = w[:, :, ::-1, ::-1] if flip else w
    batch = slice(N - 1, N) if dw_batch == "last" else slice(None)
    for u in range(K):
        for v in range(L):
            dx_pad[:, :, u:u + Ho, v:v + Wo] += np.einsum("nfij,fc->ncij", dout, wk[:, :, u, v])
            dw[:, :, u, v] = np.einsum("nfij,ncij->fc", dout[batch],
                                       x_pad[batch, :, u:u + Ho, v:v + Wo])
    dx = {"centre": dx_pad[:, :, p:p + H, p:p + W], "top_left": dx_pad[:, :, :H, :W],
          "none": dx_pad}[crop]
    dw = dw / N if dw_batch == "mean" else dw
    db_value = {"sum": dout.sum(axis=(0, 2, 3)), "per_example": dout.sum(axis=(2, 3)),
                "mean": dout.sum(axis=(2, 3)).mean(axis=0)}[db]
    return dx, dw, db_value


def _numerical_gradients(dout, x, w, p, eps=1e-6):
    """dL/dx, dL/dw, dL/db of L = Σ conv(x, w, b) · dout by central differences."""
    b = np.zeros(w.shape[0])

    def loss(x_, w_, b_):
        return float((conv2d_forward(x_, w_, b_, padding=p)[0] * dout).sum())
    grads = []
    for k, array in enumerate((x, w, b)):
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            args = [x.copy(), w.copy(), b.copy()]
            args[k][index] += eps
            up = loss(*args)
            args[k][index] -= 2 * eps
            grad[index] = (up - loss(*args)) / (2 * eps)
        grads.append(grad)
    return tuple(grads)


def _backward_cases(ctx):
    if ctx.seed is None:
        specs = [((2, 2, 5, 5), (3, 2, 3, 3), 1), ((1, 3, 4, 6), (2, 3, 2, 3), 0),
                 ((3, 1, 5, 4), (2, 1, 3, 3), 2)]
    else:
        specs = []
        for p in (1, 2, 0):                      # padding 1 and 2 tell the crops apart
            n, c, f = (int(v) for v in ctx.rng.integers(1, 4, size=3))
            k, ll = (int(v) for v in ctx.rng.integers(2, 4, size=2))
            specs.append(((n, c, int(ctx.rng.integers(k, 7)), int(ctx.rng.integers(ll, 7))),
                          (f, c, k, ll), p))
    cases = []
    for xs, ws, p in specs:
        x, w = ctx.rng.standard_normal(xs), ctx.rng.standard_normal(ws)
        out_hw = _shape_2d(xs[2:], ws[2:], (p, p), (1, 1))
        cases.append((ctx.rng.standard_normal((xs[0], ws[0]) + out_hw), x, w, p))
    return cases


def _variant(part, **options):
    index = "dx dw db".split().index(part)
    return lambda dout, x, w, p: _conv_backward(dout, x, w, p, **options)[index]


BACKWARD_MISTAKES = {
    "dx": [("forgot_flip", _variant("dx", flip=True),
            "dx: you correlated δ with the kernel as it is; for dx each kernel must be rotated "
            "by 180° (or, equivalently, scatter each δ value back through the unflipped "
            "kernel)."),
           ("wrong_crop", _variant("dx", crop="top_left"),
            "dx: you cut the padded gradient at the top-left corner; remove `padding` rows and "
            "columns on EVERY side, so the centre remains."),
           ("forgot_crop", _variant("dx", crop="none"),
            "dx has the shape of the PADDED input; remove the padding rows and columns so that "
            "dx has the shape of x.")],
    "dw": [("forgot_batch_sum", _variant("dw", dw_batch="last"),
            "dw holds only the last example's contribution; every example in the batch uses the "
            "same kernel, so their contributions must be ADDED (did you assign instead of "
            "add?)."),
           ("dw_averaged", _variant("dw", dw_batch="mean"),
            "dw is divided by the batch size; the 1/N is already inside δ, so just sum."),
           ("flipped_dw", lambda dout, x, w, p: _conv_backward(dout, x, w, p)[1][:, :, ::-1, ::-1],
            "dw is rotated by 180°: the forward pass is a correlation, so dw[u, v] pairs δ with "
            "the input shifted by (u, v), unflipped.")],
    "db": [("forgot_batch_sum", _variant("db", db="per_example"),
            "db has one row per example; sum over the batch as well, one value per filter."),
           ("db_averaged", _variant("db", db="mean"),
            "db averages over the batch; every example uses the bias, so sum.")],
}


@check("03.5", library=lambda: [conv2d_backward, conv2d_backward_naive, Conv2D.backward,
                                 *_CONV_LIBRARY])
def check_conv2d_backward(ctx, my_conv2d_backward):
    """Exercise 03.5: ``my_conv2d_backward(dout, x, w, padding) -> (dx, dw, db)``, stride 1.

    The expected gradients are numerical (central differences of the forward pass).
    """
    cases = _backward_cases(ctx)
    numeric = {}

    def reference(k):
        def grad(dout, x, w, p):
            key = id(x)
            if key not in numeric:
                numeric[key] = _numerical_gradients(dout, x, w, p)
            return numeric[key][k]
        return grad
    parts = {name: reference(k) for k, name in enumerate(("dx", "dw", "db"))}
    ctx.judge_parts(my_conv2d_backward, cases, parts, BACKWARD_MISTAKES,
                    describe=lambda c: f"my_conv2d_backward(dout {c[0].shape}, x {c[1].shape}, "
                                       f"w {c[2].shape}, padding={c[3]})",
                    equal=lambda got, want: got.shape == want.shape
                    and bool(np.allclose(got, want, atol=1e-5, rtol=1e-5)))
    return ctx.ok("dx, dw and db agree with the numerical gradients for padding 0, 1 and 2 "
                  "and batches of 1 to 3.")


register_hints("03.1", "Pad first: the input is now n + 2·padding long. Count how many window "
                       "starts fit.",
               "With stride 1 there are (padded length − k + 1) positions; with stride s keep "
               "every s-th one, rounding down.")
register_hints("03.2", "Pad, then for each filter and each output position take the C×KH×KW "
                       "window of the padded input.",
               "Each output value is the sum of window times kernel, plus the filter's bias. "
               "The output size is the padded size minus the kernel size plus one.")
register_hints("03.3", "The window of output (i, j) starts at input row i·stride and column "
                       "j·stride.", "The output size is ⌊(H − KH)/stride⌋ + 1 per axis.")
register_hints("03.4", "Apply the one-axis formula twice: once with the first entry of every "
                       "pair (height), once with the second (width).")
register_hints("03.5", "Start with db (sum δ over everything but the filter axis), then dw: "
                       "for every kernel offset (u, v), pair δ with the padded input shifted by "
                       "(u, v).",
               "For dx, send every δ value back to the window it came from, weighted by the "
               "kernel, into a padded array; then cut the padding off on every side.",
               "All three sum over the batch: every example uses the same kernel and bias.")

EXERCISES = [
    Exercise("03.1", NOTEBOOK, "The output size", check_conv_output_size,
             ("conv_output_size",), 1),
    Exercise("03.2", NOTEBOOK, "Your own convolution", check_conv2d, ("my_conv2d",), 2),
    Exercise("03.3", NOTEBOOK, "Convolution with a stride", check_conv2d_strided,
             ("conv2d_strided",), 2),
    Exercise("03.4", NOTEBOOK, "Shapes per axis", check_output_shape_2d,
             ("output_shape_2d",), 1),
    Exercise("03.5", NOTEBOOK, "The convolution's backward pass", check_conv2d_backward,
             ("my_conv2d_backward",), 3),
    written("03.6", NOTEBOOK, "Why a flipped kernel in the backward pass?", hints=(
        "Follow one input pixel: which outputs does it touch, and through which kernel "
        "entries?",)),
]
