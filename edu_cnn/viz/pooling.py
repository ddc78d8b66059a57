"""Pooling explained: the input with its windows, the pooled map, the window maxima.

``show_pooling`` is the static twin of ``widgets.PoolingPlayground``. The
pooling itself, and which pixel wins each max-pool window, come from
``edu_cnn.ops.pool``: the picture shows exactly what the layer computes.
"""
import matplotlib
import numpy as np
from matplotlib.patches import Rectangle

from ..ops.geometry import pair, pool_output_shape
from ..ops.pool import avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from ._shapes import as_2d
from ._style import annotate_cells, is_dark, new_figure, no_ticks, projector_style

__all__ = ["show_pooling", "pool_with_argmax"]


def pool_with_argmax(x, mode, pool_size, stride=None):
    """Pool one image: (pooled (H', W'), winners (H, W) ints, or None for "avg").

    winners[h, w] counts the windows whose max is pixel (h, w), the first max
    in a tie (row-major), as the backward pass routes the gradient: it is the
    gradient of pooled.sum(), ``maxpool2d_backward`` of all ones.
    """
    if mode not in ("max", "avg"):
        raise ValueError(f"pool_with_argmax(mode=...) expected 'max' or 'avg', got {mode!r}.")
    x = np.asarray(x)[None, None]                                  # (1, 1, H, W)
    if mode == "avg":
        pooled, _ = avgpool2d_forward(x, pool_size, stride)
        return pooled[0, 0], None
    pooled, cache = maxpool2d_forward(x, pool_size, stride)
    winners = maxpool2d_backward(np.ones_like(pooled), cache)       # (1, 1, H, W)
    return pooled[0, 0], winners[0, 0].astype(np.int64)


@projector_style
def show_pooling(x, pooled, argmax_mask=None, pool_size=2, stride=None, mode="max",
                 annotate=None, title=None, cmap="gray"):
    """Input with its pooling windows | pooled map; for max pooling, the winners marked.

    Parameters
    ----------
    x : ndarray of shape (H, W) (or (1, H, W), (1, 1, H, W))
    pooled : ndarray of shape (H_out, W_out), H_out = (H − pool) // stride + 1
    argmax_mask : ndarray of shape (H, W), bool or int, optional
        Input pixels that were a window's maximum (outlined in red; they are
        where the backward pass sends the gradient). Default for mode "max":
        ``pool_with_argmax(x, "max", pool_size, stride)[1]`` (first max of
        each window in row-major order).
    pool_size, stride : int or pair; stride None means stride = pool_size
    mode : "max" or "avg"
    annotate : bool, optional; write the values in (default: if H·W ≤ 100)

    Returns
    -------
    fig : Figure; axes 0, 1 = input, pooled; their ``images[0].get_array()``
        are x and pooled (same colour scale).  Inputs larger than 10×10 get a
        third axes showing the maxima (``images[1]``, ``argmax_mask`` with 0
        masked, over the faint input) instead of outlines.
    """
    x, pooled = as_2d(x, "show_pooling", "x"), as_2d(pooled, "show_pooling", "pooled")
    pool = pair(pool_size, "show_pooling(pool_size)")
    stride = pool if stride is None else pair(stride, "show_pooling(stride)")
    if mode not in ("max", "avg"):
        raise ValueError(f"show_pooling(mode=...) expected 'max' or 'avg', got {mode!r}.")
    expected = pool_output_shape(*x.shape, pool, stride, "show_pooling")
    if pooled.shape != expected:
        raise ValueError(f"show_pooling: an input of shape {x.shape} pooled with pool_size={pool}, "
                         f"stride={stride} gives shape {expected}, but pooled has shape "
                         f"{pooled.shape}. Pass the pool_size and stride you used.")
    if argmax_mask is None and mode == "max":
        argmax_mask = pool_with_argmax(x, "max", pool, stride)[1]
    if argmax_mask is not None and np.shape(argmax_mask) != x.shape:
        raise ValueError(f"show_pooling(argmax_mask) expected shape {x.shape} like x, "
                         f"got {np.shape(argmax_mask)}.")
    small = x.size <= 100
    fig = _draw_pooling(x, pooled, argmax_mask, pool, stride, mode, small,
                        small if annotate is None else annotate, cmap)
    fig.suptitle(title if title is not None else f"{mode} pooling, pool_size={pool_size}, "
                 f"stride={stride[0] if stride[0] == stride[1] else stride}")
    return fig


def _draw_pooling(x, pooled, argmax_mask, pool, stride, mode, small, write_values, cmap):
    """Small inputs: maxima outlined on the input; large: a third panel with the maxima."""
    third = argmax_mask is not None and not small
    lo, hi = float(min(x.min(), pooled.min())), float(max(x.max(), pooled.max()))
    ratios = [x.shape[1], max(pooled.shape[1], x.shape[1] / 2)] + [x.shape[1]] * third
    fig = new_figure((11 + 5 * third, 5.2))
    axes = fig.subplots(1, 2 + third, gridspec_kw={"width_ratios": ratios})
    for ax, a in zip(axes, (x, pooled)):
        ax.imshow(a, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        if write_values:
            annotate_cells(ax, a, fmt="{:.2g}", fontsize=14 if x.size <= 36 else 11,
                           dark=is_dark(a, lo, hi, cmap))
    if small:
        _draw_windows(axes[0], x.shape, pool, stride)
        for u, v in zip(*np.nonzero(argmax_mask if argmax_mask is not None else [[]])):
            axes[0].add_patch(Rectangle((v - 0.45, u - 0.45), 0.9, 0.9, fill=False,
                                        ec="red", lw=2.5))
    if third:
        axes[2].imshow(x, cmap=cmap, alpha=0.3, interpolation="nearest")      # faint input
        axes[2].imshow(np.ma.masked_equal(argmax_mask, 0), interpolation="nearest",
                       cmap=matplotlib.colors.ListedColormap(["red"]))
        axes[2].set_title("window maxima (where the gradient goes)")
    marked = small and argmax_mask is not None
    axes[0].set_title(f"input {x.shape[0]}×{x.shape[1]}"
                      + ("  (red: window maxima)" if marked else ""))
    axes[1].set_title(f"{mode} pool → {pooled.shape[0]}×{pooled.shape[1]}")
    no_ticks(*axes)
    return fig


def _draw_windows(ax, shape, pool, stride):
    """Window borders on the input when the windows tile it (stride == pool_size)."""
    if stride != pool:
        return
    H, W = shape
    for r in range(0, H + 1, pool[0]):
        ax.axhline(r - 0.5, color="tab:blue", lw=3)
    for c in range(0, W + 1, pool[1]):
        ax.axvline(c - 0.5, color="tab:blue", lw=3)
