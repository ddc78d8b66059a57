"""Convolution explained: one convolution at a glance, and im2col on a tiny example.

``show_convolution`` is the static twin of ``widgets.KernelPlayground``;
``plot_im2col`` is notebook 03's picture of the fast kernel's trick.
"""
import matplotlib
import numpy as np
from matplotlib.patches import Rectangle

from ..ops.geometry import conv_output_shape, pair, resolve_padding, tap_view
from ._shapes import as_2d
from ._style import (
    DIVERGING,
    annotate_cells,
    auto_scale,
    interpolation,
    is_dark,
    new_figure,
    no_ticks,
    projector_style,
    robust_limit,
    symmetric_limit,
)

__all__ = ["show_convolution", "plot_im2col"]


@projector_style
def show_convolution(image, kernel, output, stride=1, padding=0, highlight=None,
                     cmap="gray", title=None):
    """Input | kernel (values written in) | output: one convolution at a glance.

    Parameters
    ----------
    image : ndarray of shape (H, W) (or (1, H, W), (1, 1, H, W))
    kernel : ndarray of shape (KH, KW) (or (1, 1, KH, KW))
    output : ndarray of shape (H_out, W_out), the correlation of image with kernel
    stride, padding : as given to the convolution; used for the title and ``highlight``
    highlight : (i, j), optional
        Output pixel to outline, with its receptive field in the input.
    cmap : colour map of the input (and of a non-negative output)

    Returns
    -------
    fig : Figure; axes 0, 1, 2 = input, kernel, output (then colour bars);
        their ``images[0].get_array()`` are image, kernel, output.
    """
    image = as_2d(image, "show_convolution", "image")
    kernel = as_2d(kernel, "show_convolution", "kernel")
    output = as_2d(output, "show_convolution", "output")
    sh, sw = pair(stride, "show_convolution(stride)")
    (pt, _), (pl, _) = resolve_padding(padding, kernel.shape, (sh, sw), "show_convolution")
    fig = new_figure((13, 4.6))
    ax_in, ax_k, ax_out = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 0.8, 1]})
    im = ax_in.imshow(image, cmap=cmap, interpolation=interpolation(image))
    fig.colorbar(im, ax=ax_in, shrink=0.8).ax.tick_params(labelsize=10)
    m = symmetric_limit(kernel)
    ax_k.imshow(kernel, cmap=DIVERGING, vmin=-m, vmax=m, interpolation="nearest")
    if max(kernel.shape) <= 7:
        annotate_cells(ax_k, kernel, fmt="{:.3g}" if max(kernel.shape) <= 3 else "{:.2g}",
                       fontsize=14 if max(kernel.shape) <= 3 else 10,
                       dark=is_dark(kernel, -m, m, DIVERGING))
    _draw_conv_output(fig, ax_out, output, cmap)
    for ax, name, a in ((ax_in, "input", image), (ax_k, "kernel", kernel),
                        (ax_out, "output", output)):
        ax.set_title(f"{name}  {a.shape[0]}×{a.shape[1]}")
        no_ticks(ax)
    if highlight is not None:
        i, j = highlight
        ax_in.add_patch(Rectangle((j * sw - pl - 0.5, i * sh - pt - 0.5), kernel.shape[1],
                                  kernel.shape[0], fill=False, ec="tab:orange", lw=3))
        ax_out.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="tab:orange", lw=3))
    fig.suptitle(title if title is not None else f"stride {stride}, padding {padding}")
    return fig


def _draw_conv_output(fig, ax, output, cmap):
    """Signed output: blue/white/red centred on 0 (large images: the top 0.5% clipped)."""
    out_cmap, lo, hi = auto_scale(output)
    if out_cmap == DIVERGING:
        hi = robust_limit(output)
        lo = -hi
    else:
        out_cmap = cmap
    im = ax.imshow(output, cmap=out_cmap, vmin=lo, vmax=hi, interpolation=interpolation(output))
    clipped = np.nanmin(output) < lo or np.nanmax(output) > hi
    cb = fig.colorbar(im, ax=ax, shrink=0.8, extend="both" if clipped else "neither")
    cb.ax.tick_params(labelsize=10)


# --------------------------------------------------------------------------
# im2col explained (notebook 03)
# --------------------------------------------------------------------------

_PATCH_COLORS = ["tab:orange", "tab:green", "tab:purple", "tab:cyan", "tab:olive",
                 "tab:pink", "tab:brown", "tab:red", "tab:blue"]


def _patch_rows(x, kernel_shape, s):
    """cols[r] = the r-th (row-major) KH×KW patch of x, flattened: (H'·W', KH·KW); and (H', W').

    Column u·KW + v of cols is kernel tap (u, v) seen from every output position.
    """
    kh, kw = kernel_shape
    out_hw = conv_output_shape(*x.shape, kernel_shape, s, 0, "plot_im2col")
    taps = [tap_view(x[None, None], u, v, (s, s), out_hw).ravel()
            for u in range(kh) for v in range(kw)]
    return np.stack(taps, axis=1), out_hw


def _draw_table(ax, values, left, top, bg, fmt="{:g}"):
    """A small (R, Q) matrix as a table with its top-left corner at (left, top).

    bg : ndarray of shape (R, Q, 3), the cell colours.
    """
    R, Q = values.shape
    ax.imshow(bg, extent=(left, left + Q, top + R, top), interpolation="nearest")
    ax.hlines(np.arange(top, top + R + 1), left, left + Q, color="0.45", lw=1)
    ax.vlines(np.arange(left, left + Q + 1), top, top + R, color="0.45", lw=1)
    for i in range(R):
        for j in range(Q):
            ax.text(left + j + 0.5, top + i + 0.5, fmt.format(values[i, j]),
                    ha="center", va="center", fontsize=13)


def _light(color, amount=0.4):
    """A pale version of a colour, as an RGB triple."""
    return 1.0 - amount * (1.0 - np.array(matplotlib.colors.to_rgb(color)))


@projector_style
def plot_im2col(x=None, kernel=None, stride=1, highlight=None):
    """im2col on a tiny example: every patch becomes a row; convolution becomes cols @ w.

    Left to right: x with some patches outlined | cols (one row per patch,
    same colours) @ w (the kernel as a column) = cols @ w → reshaped to the
    output.  All tables share one cell size (one axes, drawn to scale).

    Parameters
    ----------
    x : ndarray of shape (H, W), small (≤ 8×8); default a 4×4 example
    kernel : ndarray of shape (KH, KW); default [[1, 2], [0, -1]]
    stride : int
    highlight : list of patch (row) indices to colour; default 3 patches

    Returns
    -------
    fig : Figure with 1 axes; its ``images`` are x, cols, w, cols @ w, output
        in that order.
    """
    x = np.asarray(x if x is not None else [[1, 2, 0, 3], [4, 1, 5, 2], [0, 3, 1, 4], [2, 5, 3, 1]])
    kernel = np.array([[1, 2], [0, -1]]) if kernel is None else np.asarray(kernel)
    if x.ndim != 2 or kernel.ndim != 2 or max(x.shape) > 8 or kernel.shape[0] > x.shape[0] \
            or kernel.shape[1] > x.shape[1]:
        raise ValueError(f"plot_im2col expected a small 2-D x (at most 8×8) and a 2-D kernel no "
                         f"larger than x, got x {x.shape} and kernel {kernel.shape}.")
    kh, kw = kernel.shape
    s = pair(stride, "plot_im2col(stride)")[0]
    cols, (H_out, W_out) = _patch_rows(x, (kh, kw), s)             # (H'·W', KH·KW)
    out = cols @ kernel.ravel()                                     # (H'·W',)
    if highlight is None:
        highlight = [r for r in (0, 1, W_out) if r < len(cols)]
    colors = {r: _PATCH_COLORS[k % len(_PATCH_COLORS)] for k, r in enumerate(highlight)}
    row_bg = np.array([_light(colors[r]) if r in colors else (0.95, 0.95, 0.95)
                       for r in range(len(cols))])                  # (H'·W', 3)
    layout = _im2col_layout(x.shape, cols.shape, (H_out, W_out))
    fig = new_figure((min(15, 0.62 * layout["width"]), 0.62 * layout["height"]))
    ax = fig.add_subplot()
    _draw_im2col(ax, layout, x, cols, kernel, out, row_bg, colors, (kh, kw, s, W_out))
    ax.set_xlim(-0.3, layout["width"])
    ax.set_ylim(layout["height"] - 1.8, -1.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.suptitle(f"im2col: each {kh}×{kw} patch of x (stride {s}) becomes a row of cols, "
                 "so the convolution is one matrix product")
    return fig


def _im2col_layout(x_shape, cols_shape, out_shape):
    """(left, top) of each table, centred vertically on the tallest (cols)."""
    R = cols_shape[0]
    lefts = np.cumsum([0, x_shape[1] + 2.6, cols_shape[1] + 1.4, 1 + 1.4, 1 + 2.4])
    tops = [(R - x_shape[0]) / 2, 0, (R - cols_shape[1]) / 2, 0, (R - out_shape[0]) / 2]
    return {"lefts": lefts, "tops": tops, "width": lefts[-1] + out_shape[1] + 0.3,
            "height": R + 2.2}


def _draw_im2col(ax, layout, x, cols, kernel, out, row_bg, colors, geometry):
    kh, kw, s, W_out = geometry
    L, T = layout["lefts"], layout["tops"]
    out_bg = np.ones((out.size, 3))
    out_bg[list(colors)] = row_bg[list(colors)]
    tables = [(x, np.ones(x.shape + (3,)), f"x  {x.shape[0]}×{x.shape[1]}"),
              (cols, np.repeat(row_bg[:, None], cols.shape[1], axis=1),
               f"cols  {cols.shape[0]}×{cols.shape[1]}"),
              (kernel.reshape(-1, 1), np.ones((kernel.size, 1, 3)), f"w  {kernel.size}×1"),
              (out.reshape(-1, 1), row_bg[:, None], "cols @ w"),
              (out.reshape(-1, W_out), out_bg.reshape(-1, W_out, 3), "output")]
    for k, (values, bg, title) in enumerate(tables):
        _draw_table(ax, values, L[k], T[k], bg)
        ax.text(L[k] + values.shape[1] / 2, T[k] - 0.3, title, ha="center", va="bottom",
                fontsize=13)
    for r, color in colors.items():                     # outline the coloured patches in x
        i, j = divmod(r, W_out)
        ax.add_patch(Rectangle((L[0] + j * s + 0.1, T[0] + i * s + 0.1), kw - 0.2, kh - 0.2,
                               fill=False, ec=color, lw=4))
    for r in range(len(cols)):                          # patch position (i, j) of each row
        ax.text(L[1] - 0.15, r + 0.5, f"({r // W_out},{r % W_out})", ha="right", va="center",
                fontsize=10, color="0.3")
    mid = len(cols) / 2
    for k, symbol in ((1, "@"), (2, "="), (3, "→")):
        ax.text((L[k] + tables[k][0].shape[1] + L[k + 1]) / 2, mid, symbol, ha="center",
                va="center", fontsize=22)
    ax.text((L[3] + 1 + L[4]) / 2, mid + 0.5, "reshape", ha="center", va="top", fontsize=11)


