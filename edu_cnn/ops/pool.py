"""2-D max and average pooling (no padding; windows may overlap).

For x (N, C, H, W), windows (PH, PW) and strides (SH, SW) (stride None means
stride = window)::

    max:  out[n, c, i, j] = max_{u,v}  x[n, c, i·SH + u, j·SW + v]
    avg:  out[n, c, i, j] = mean_{u,v} x[n, c, i·SH + u, j·SW + v]

where out is (N, C, H', W') = (N, C, H_out, W_out), its size given by
``geometry.pool_output_shape``. Backward: max pooling passes each window's
gradient dout[n, c, i, j] to the window's maximum, average pooling spreads it
evenly, 1/(PH·PW) to each pixel; overlapping windows add up.

Max-pool ties: the whole gradient goes to the FIRST maximum of the window in
row-major order (PyTorch's rule). After a ReLU, windows of all zeros are
common, so this choice is visible in the gradients.

Each operation comes as adjacent twins with one signature: a ``*_naive`` loop
over output positions that reads like the formula (the teaching version and
the test oracle), then the vectorised version the layers use.
"""
import numpy as np

from ..threads import chunks, parallel_map
from .geometry import pair, pool_output_shape, tap_view


def _geometry(x, pool_size, stride, name):
    """Window size, strides and output size of a pooling of x."""
    pool = pair(pool_size, f"{name} pool_size")
    strides = pair(pool if stride is None else stride, f"{name} stride")
    out_hw = pool_output_shape(*x.shape[2:], pool, strides, name)
    return pool, strides, out_hw


def _by_chunks(fn, x):
    """Run ``fn(chunk)`` for slices of a few images of x each, on edu_cnn's threads
    (in the calling thread if they are fewer than ``threads.MIN_PARALLEL_CHUNKS``).

    Every image is pooled on its own, so the result does not depend on the chunks.
    """
    parallel_map(fn, chunks(len(x), x[0].nbytes))


def _taps(pool):
    """Window offsets (u, v) in row-major order."""
    return [(u, v) for u in range(pool[0]) for v in range(pool[1])]


def _reduce_windows(op, x, pool, strides, out_hw):
    """Reduce every window of x with the elementwise ufunc ``op`` (np.maximum, np.add).

    Max and sum are separable: reduce the PH rows of every window first, giving
    (N, C, H_out, W), then the PW columns of that, giving (N, C, H_out, W_out).
    Each step is ONE elementwise op between two strided views of a whole
    array: PH − 1 + PW − 1 passes over memory, no Python loop over windows.
    """
    (PH, PW), (SH, SW), (H_out, W_out) = pool, strides, out_hw
    rows = x[:, :, :SH * (H_out - 1) + 1:SH]                     # window row u = 0
    for u in range(1, PH):
        rows = op(rows, x[:, :, u:u + SH * (H_out - 1) + 1:SH])  # (N, C, H_out, W)
    out = rows[:, :, :, :SW * (W_out - 1) + 1:SW]                # window column v = 0
    for v in range(1, PW):
        out = op(out, rows[:, :, :, v:v + SW * (W_out - 1) + 1:SW])  # (N, C, H_out, W_out)
    return out if PH * PW > 1 else out.copy()                    # 1×1 pool: not a view of x


def maxpool2d_forward_naive(x, pool_size, stride=None):
    """Loop version: x (N, C, H, W) -> out (N, C, H', W'), cache."""
    (PH, PW), (SH, SW), (H_out, W_out) = _geometry(x, pool_size, stride, "MaxPool2D")
    out = np.empty(x.shape[:2] + (H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * SH:i * SH + PH, j * SW:j * SW + PW]  # (N, C, PH, PW)
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, (PH, PW), (SH, SW))


def maxpool2d_forward(x, pool_size, stride=None):
    """Fast version: x (N, C, H, W) -> out (N, C, H', W'), cache.

    The trick: instead of visiting the N·C·H_out·W_out windows, take the max
    of whole strided views of x (``_reduce_windows``): ``np.maximum`` of the
    views holding row 0 and row 1 of every window, then of the views holding
    column 0 and column 1 of that. For stride = pool size these views are the
    slots of ``x.reshape(N, C, H_out, PH, W_out, PW)``; the same code serves
    overlapping windows. Much faster than ``.max(axis=...)`` over a reshape.
    Chunk by chunk (a few images each), on edu_cnn's threads.
    """
    pool, strides, out_hw = _geometry(x, pool_size, stride, "MaxPool2D")
    out = np.empty(x.shape[:2] + out_hw, dtype=x.dtype)          # (N, C, H_out, W_out)

    def forward_chunk(chunk):
        out[chunk] = _reduce_windows(np.maximum, x[chunk], pool, strides, out_hw)

    _by_chunks(forward_chunk, x)
    return out, (x, out, pool, strides)


def maxpool2d_backward_naive(dout, cache):
    """Loop version: dout (N, C, H', W'), cache -> dx (N, C, H, W)."""
    x, (PH, PW), (SH, SW) = cache
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * SH, i * SH + PH), slice(j * SW, j * SW + PW)
            window = x[:, :, rows, cols].reshape(N, C, PH * PW)
            first_max = window.argmax(axis=2)                  # (N, C), first on ties
            is_first_max = np.arange(PH * PW) == first_max[:, :, None]
            dx[:, :, rows, cols] += (is_first_max.reshape(N, C, PH, PW)
                                     * dout[:, :, i, j, None, None])
    return dx


def maxpool2d_backward(dout, cache):
    """Fast version: dout (N, C, H', W'), cache -> dx (N, C, H, W).

    Visit the window taps in row-major order; tap (u, v) of a window receives
    the gradient if it equals the window's max and no earlier tap did
    (``wins &= not_routed``: the first-max tie rule); the last tap takes the
    windows left over. One boolean mask per tap replaces an argmax over every
    window. When windows do not overlap, every pixel belongs to one tap of one
    window, so the gradient is written straight into dx (``out=``), with no
    temporary and no addition. Chunk by chunk, on edu_cnn's threads.
    """
    x, out, pool, strides = cache
    overlap = strides[0] < pool[0] or strides[1] < pool[1]
    tiled = strides == pool and x.shape[2:] == (out.shape[2] * pool[0], out.shape[3] * pool[1])
    dx = np.empty_like(x) if tiled else np.zeros_like(x)  # tiled: every pixel is written below

    def backward_chunk(chunk):
        _route_to_first_max(dx[chunk], dout[chunk], x[chunk], out[chunk], pool, strides, overlap)

    _by_chunks(backward_chunk, x)
    return dx


def _route_to_first_max(dx, dout, x, out, pool, strides, overlap):
    """Add (overlap) or write each window's gradient dout onto its first max in dx."""
    out_hw = out.shape[2:]

    def route(u, v, wins):                        # dx at tap (u, v) of the winning windows
        dx_tap = tap_view(dx, u, v, strides, out_hw)
        if overlap:
            dx_tap += wins * dout
        else:                                     # taps do not share pixels: write, no add
            np.multiply(wins, dout, out=dx_tap)

    *earlier, last = _taps(pool)
    not_routed = np.ones(out.shape, dtype=bool)   # (n, C, H', W'): window max not yet routed
    for u, v in earlier:
        wins = tap_view(x, u, v, strides, out_hw) == out   # tap holds the window max ...
        wins &= not_routed                                  # ... and no earlier tap did
        not_routed ^= wins
        route(u, v, wins)
    route(*last, not_routed)                      # the last tap wins wherever no earlier one did


def avgpool2d_forward_naive(x, pool_size, stride=None):
    """Loop version: x (N, C, H, W) -> out (N, C, H', W'), cache."""
    (PH, PW), (SH, SW), (H_out, W_out) = _geometry(x, pool_size, stride, "AvgPool2D")
    out = np.empty(x.shape[:2] + (H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * SH:i * SH + PH, j * SW:j * SW + PW]  # (N, C, PH, PW)
            out[:, :, i, j] = window.mean(axis=(2, 3))
    return out, (x.shape, (PH, PW), (SH, SW))


def avgpool2d_forward(x, pool_size, stride=None):
    """Fast version: x (N, C, H, W) -> out (N, C, H', W'), cache.

    Same trick as ``maxpool2d_forward``: sums of whole strided views of x
    (rows of every window, then columns) instead of visiting every window.
    """
    pool, strides, out_hw = _geometry(x, pool_size, stride, "AvgPool2D")
    out = _reduce_windows(np.add, x, pool, strides, out_hw)       # window sums
    out /= pool[0] * pool[1]
    return out, (x.shape, pool, strides)


def avgpool2d_backward_naive(dout, cache):
    """Loop version: dout (N, C, H', W'), cache -> dx (N, C, H, W)."""
    x_shape, (PH, PW), (SH, SW) = cache
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            share = dout[:, :, i, j, None, None] / (PH * PW)     # (N, C, 1, 1)
            dx[:, :, i * SH:i * SH + PH, j * SW:j * SW + PW] += share
    return dx


def avgpool2d_backward(dout, cache):
    """Fast version: dout (N, C, H', W'), cache -> dx (N, C, H, W).

    Each tap view of dx receives dout / (PH·PW); overlapping windows add up.
    """
    x_shape, pool, strides = cache
    dx = np.zeros(x_shape, dtype=dout.dtype)
    share = dout / (pool[0] * pool[1])                           # (N, C, H', W')
    for u, v in _taps(pool):
        tap_view(dx, u, v, strides, dout.shape[2:])[...] += share
    return dx
