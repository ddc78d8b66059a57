"""Matplotlib pictures for the course: images, filters, feature maps, curves.

Every function takes NumPy arrays and returns a ``matplotlib.figure.Figure``;
none calls ``plt.show()``.  In a notebook a returned figure displays when it
is the cell's last expression (or with ``display(fig)``); save it for slides
with ``save_figure(fig, "03_sobel")`` (into ``figures_folder()``).

The figures are closed in pyplot before they are returned, so they are not
kept alive by pyplot's global state: a widget that redraws a hundred times
leaks nothing, and a figure shows once (as the cell's result), not twice.

``import edu_cnn`` does not import this module; ``from edu_cnn import viz``
does (and with it matplotlib).

The static twins of the widgets in ``edu_cnn.widgets``:
``show_convolution`` (KernelPlayground), ``show_pooling`` (PoolingPlayground),
``show_feature_map_explorer`` (FeatureMapExplorer), ``show_filters``
(FilterViewer), ``show_training`` / ``plot_history`` (LiveTraining).
Each docstring lists the order of the figure's axes, so a caller can update
a picture in place (``fig.axes[i].images[0].set_data(new)``) when speed matters.
"""
import functools
import math
import os
import tempfile
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .metrics import confusion_matrix  # noqa: F401  (viz.confusion_matrix: the notebooks use it)

__all__ = [
    "show_images", "show_digits_per_class", "mosaic", "show_filters", "show_feature_maps",
    "plot_history", "show_training", "confusion_matrix", "plot_confusion_matrix",
    "plot_activation_functions", "plot_activation", "plot_decision_boundary",
    "show_convolution", "show_pooling", "show_feature_map_explorer", "plot_im2col",
    "save_figure", "figures_folder",
]

# Sizes that stay readable when projected in a lecture hall.
_RC = {
    "font.size": 12, "axes.titlesize": 12, "axes.labelsize": 12,
    "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 11,
    "figure.titlesize": 14, "axes.grid": False,
}
DIVERGING = "RdBu_r"   # negative blue, zero white, positive red
CLASS_COLORS = ["tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange",
                "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]


def _new_figure(figsize):
    """A constrained-layout Figure that pyplot does not keep (closed at once).

    Creating it through pyplot loads the notebook's backend, which tells
    Jupyter how to display a returned Figure.
    """
    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig


def _projector_style(func):
    """Build the figure under the course's font sizes."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(_RC):
            return func(*args, **kwargs)
    return wrapper


# --------------------------------------------------------------------------
# Shape checks and small drawing helpers
# --------------------------------------------------------------------------

def _as_image_stack(images, fname, arg="images"):
    """(N, H, W), (N, 1, H, W) or (N, 3, H, W) -> (N, H, W) or (N, H, W, 3) for imshow."""
    a = np.asarray(images)
    if a.ndim in (3, 4) and len(a) == 0:
        raise ValueError(f"{fname}({arg}) got 0 images (shape {a.shape}); pass at least one.")
    if a.ndim == 4 and a.shape[1] == 1:
        return a[:, 0]
    if a.ndim == 4 and a.shape[1] == 3:
        return a.transpose(0, 2, 3, 1)                      # channels last for imshow
    if a.ndim == 3:
        return a
    hint = ""
    if a.ndim == 2:
        hint = f" For one image use {arg}[None]."
    elif a.ndim == 4 and a.shape[-1] in (1, 3):
        hint = f" Channels-last images need {arg}.transpose(0, 3, 1, 2)."
    raise ValueError(f"{fname}({arg}) expected an array of shape (N, H, W), (N, 1, H, W) "
                     f"or (N, 3, H, W), got {a.shape}.{hint}")


def _as_2d(a, fname, arg):
    """(H, W), (1, H, W) or (1, 1, H, W) -> (H, W)."""
    a = np.asarray(a)
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 2:
        raise ValueError(f"{fname}({arg}) expected one 2-D array of shape (H, W) "
                         f"(or (1, H, W), (1, 1, H, W)), got {np.shape(a)}.")
    return a


def _as_maps(maps, fname, arg="maps"):
    """(C, H, W) or (1, C, H, W) -> (C, H, W)."""
    a = np.asarray(maps)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3 and len(a) == 0:
        raise ValueError(f"{fname}({arg}) got 0 channels (shape {a.shape}).")
    if a.ndim == 3:
        return a
    hint = " Pick one example with maps[i]." if a.ndim == 4 else ""
    if a.ndim == 2:
        hint = " For one map use maps[None]."
    raise ValueError(f"{fname}({arg}) expected feature maps of shape (C, H, W) "
                     f"(or (1, C, H, W)), got {a.shape}.{hint}")


def _check_ncols(ncols, fname):
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"{fname}(ncols=...) expected a positive int, got {ncols!r}.")


def _grid_figure(n, ncols, panel_size, extra_width=0.0, extra_height=0.0):
    """A Figure with n image axes in rows of ncols; returns (fig, axes list)."""
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = _new_figure((panel_size * ncols + extra_width, panel_size * nrows + extra_height))
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, axes


def _symmetric_limit(a):
    m = float(np.nanmax(np.abs(a))) if np.size(a) else 0.0
    return m if m > 0 else 1.0


def _auto_scale(a, cmap=None):
    """(cmap, vmin, vmax): diverging and centred on 0 if a has both signs."""
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))     # NaN (a diverged model) ignored
    if lo < 0 < hi:
        m = max(-lo, hi)
        return (cmap or DIVERGING), -m, m
    return (cmap or "viridis"), lo, hi


def _interpolation(a):
    """Crisp pixels for small images; smoothing for photos (no aliasing when shrunk)."""
    return "nearest" if max(np.shape(a)[:2]) <= 100 else "antialiased"


def _robust_limit(a, percentile=99.5):
    """Symmetric colour limit that ignores the few most extreme values (photos)."""
    a = np.abs(np.asarray(a, dtype=float))
    m = float(np.nanpercentile(a, percentile)) if a.size > 1000 else float(np.nanmax(a))
    return m if m > 0 else _symmetric_limit(a)


def _annotate(ax, values, fmt="{:.3g}", fontsize=11, dark=None, faint=None):
    """Write values[i, j] on cell (i, j); white where ``dark``, light grey where ``faint``."""
    H, W = values.shape
    dark = np.zeros((H, W), bool) if dark is None else dark
    faint = np.zeros((H, W), bool) if faint is None else faint
    for i in range(H):
        for j in range(W):
            color = "0.65" if faint[i, j] else "white" if dark[i, j] else "black"
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center",
                    fontsize=fontsize, color=color)


def _is_dark(values, vmin, vmax, cmap_name):
    """Which cells get a dark colour (so their annotation should be white)."""
    t = (np.asarray(values, float) - vmin) / ((vmax - vmin) or 1.0)
    if cmap_name == DIVERGING:
        return np.abs(t - 0.5) > 0.3
    if cmap_name in ("gray", "Greys_r"):
        return t < 0.5
    return t > 0.6          # sequential maps like "Blues": dark at the top


def _fit_fontsize(titles, panel_size, largest=11, smallest=6):
    """A title font size (points) so the longest title fits a panel of panel_size inches."""
    longest = max((len(str(t)) for t in titles), default=1)
    return float(np.clip(panel_size * 72 / (0.62 * longest), smallest, largest))


# --------------------------------------------------------------------------
# Images and data sets
# --------------------------------------------------------------------------

@_projector_style
def show_images(images, labels=None, ncols=10, titles=None, cmap="gray",
                vmin=None, vmax=None, suptitle=None, panel_size=1.3):
    """A grid of images, optionally titled by label.

    Parameters
    ----------
    images : ndarray of shape (N, H, W), (N, 1, H, W) or (N, 3, H, W)
        Grey images use ``cmap``; 3-channel images are shown in colour
        (values in [0, 1]).
    labels : ndarray of shape (N,), optional
        Shown as each panel's title (unless ``titles`` is given).
    ncols : int
    titles : list of N str, optional
    vmin, vmax : float, optional
        Colour limits shared by every panel; default: each image's own range.
    suptitle : str, optional

    Returns
    -------
    fig : Figure with N axes; ``fig.axes[i].images[0].get_array()`` is image i.
    """
    imgs = _as_image_stack(images, "show_images")
    N = len(imgs)
    _check_ncols(ncols, "show_images")
    for arg, seq in (("labels", labels), ("titles", titles)):
        if seq is not None and len(seq) != N:
            raise ValueError(f"show_images({arg}) expected {N} entries (one per image), "
                             f"got {len(seq)}.")
    if titles is None and labels is not None:
        titles = [str(lab) for lab in np.asarray(labels).tolist()]
    fig, axes = _grid_figure(N, ncols, panel_size, extra_height=0.3 if titles else 0.0)
    for i, ax in enumerate(axes):
        ax.imshow(imgs[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i])
    if suptitle:
        fig.suptitle(suptitle)
    return fig


@_projector_style
def show_digits_per_class(x, y, per_class=10, class_names=None, suptitle=None,
                          panel_size=0.9):
    """One row per class with its first ``per_class`` examples.

    Parameters
    ----------
    x : ndarray of shape (N, H, W), (N, 1, H, W) or (N, 3, H, W)
    y : ndarray of shape (N,), integer class ids
    per_class : int, examples (columns) per class
    class_names : list of str, optional, indexed by class id

    Returns
    -------
    fig : Figure with K·per_class axes (K = number of distinct labels), row by row;
        a class with fewer examples leaves blank panels.
    """
    imgs = _as_image_stack(x, "show_digits_per_class", arg="x")
    y = np.asarray(y)
    if y.shape != (len(imgs),):
        raise ValueError(f"show_digits_per_class(y) expected labels of shape ({len(imgs)},) "
                         f"to match x, got {y.shape}.")
    _check_ncols(per_class, "show_digits_per_class")
    classes = np.unique(y)
    fig, axes = _grid_figure(len(classes) * per_class, per_class, panel_size, extra_width=0.4)
    for r, c in enumerate(classes):
        idx = np.flatnonzero(y == c)[:per_class]
        for k in range(per_class):
            ax = axes[r * per_class + k]
            if k < len(idx):
                ax.imshow(imgs[idx[k]], cmap="gray", interpolation="nearest")
            else:
                ax.set_axis_off()
        name = class_names[c] if class_names is not None else str(c)
        axes[r * per_class].set_ylabel(name, rotation=0, ha="right", va="center")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


# --------------------------------------------------------------------------
# Filters and feature maps
# --------------------------------------------------------------------------

def mosaic(images, ncols=8, pad=1, fill=np.nan):
    """Tile N small images into one 2-D array, row by row, with gutters between.

    One big image draws several times faster than N axes, which is what the
    interactive viewers need.

    Parameters
    ----------
    images : ndarray of shape (N, H, W)
    ncols : int, tiles per row
    pad : int, gutter width in pixels
    fill : float, gutter value (NaN is drawn as background)

    Returns
    -------
    tiled : ndarray of shape (rows·(H + pad) − pad, cols·(W + pad) − pad), float64,
        rows = ceil(N / cols), cols = min(ncols, N); tile n at row n // cols,
        column n % cols.
    """
    a = np.asarray(images, dtype=np.float64)
    if a.ndim != 3 or len(a) == 0:
        raise ValueError(f"mosaic(images) expected a non-empty array of shape (N, H, W), "
                         f"got {a.shape}.")
    _check_ncols(ncols, "mosaic")
    N, H, W = a.shape
    cols = min(ncols, N)
    rows = math.ceil(N / cols)
    tiled = np.full((rows * (H + pad) - pad, cols * (W + pad) - pad), fill, dtype=np.float64)
    for n in range(N):
        r, c = divmod(n, cols)
        tiled[r * (H + pad):r * (H + pad) + H, c * (W + pad):c * (W + pad) + W] = a[n]
    return tiled


def _draw_mosaic(ax, tiles, ncols, vmin, vmax, cmap, labels=None):
    """Tiles (N, H, W) as one image in ax, grey gutters, labels in each tile's corner."""
    N, H, W = tiles.shape
    pad = max(1, round(max(H, W) / 10))
    im = ax.imshow(mosaic(tiles, ncols, pad), vmin=vmin, vmax=vmax, interpolation="nearest",
                   cmap=matplotlib.colormaps[cmap].with_extremes(bad="0.7"))
    ax.set_axis_off()
    cols = min(ncols, N)
    for n, label in enumerate(labels if labels is not None else []):
        r, c = divmod(n, cols)
        ax.text(c * (W + pad) - 0.3, r * (H + pad) - 0.3, str(label), fontsize=8, va="top",
                bbox={"facecolor": "white", "alpha": 0.7, "pad": 1, "linewidth": 0})
    return im


def _scaled_tiles(tiles, cmap, shared):
    """(tiles, vmin, vmax): as they are if shared, else each stretched to its own range."""
    if shared and cmap == DIVERGING:                              # white = 0
        m = _symmetric_limit(tiles)
        return tiles, -m, m
    if shared:
        return (tiles, *_auto_scale(tiles, cmap)[1:])
    if cmap == DIVERGING:                                         # each to [-1, 1]
        return np.stack([t / _symmetric_limit(t) for t in tiles]), -1.0, 1.0
    spans = [(t - np.nanmin(t)) / ((np.nanmax(t) - np.nanmin(t)) or 1.0) for t in tiles]
    return np.stack(spans), 0.0, 1.0                              # each to [0, 1]


@_projector_style
def show_filters(w, ncols=8, normalize="per_filter", channel=0, titles=None,
                 cmap=DIVERGING, suptitle=None, panel_size=1.2, as_mosaic=False):
    """Conv filters as a grid of small images, white = 0, red > 0, blue < 0.

    Parameters
    ----------
    w : ndarray of shape (F, C, KH, KW) (conv weights) or (F, KH, KW)
    ncols : int
    normalize : "per_filter" or "global"
        "per_filter": each filter's colours span ±max|w_f| (shows every
        filter's pattern); "global": one scale ±max|w| for all, with a
        colour bar (shows which filters are strong).
    channel : int, the input channel shown (0 ≤ channel < C)
    titles : list of F str, optional (e.g. ``filters.filter_bank_names()``)
    as_mosaic : bool
        True: all filters tiled into one image in one axes (several times
        faster to draw, for the widgets); with "per_filter" each tile is
        divided by its max |w_f|, so its values lie in [-1, 1].

    Returns
    -------
    fig : Figure with F axes (+1 colour bar if "global");
        ``fig.axes[f].images[0].get_array()`` is ``w[f, channel]``.
        With ``as_mosaic``: 1 axes (+1 colour bar if "global") whose image is
        ``mosaic(tiles, ncols, pad)``.
    """
    kernels = _check_filter_args(w, ncols, normalize, channel, titles)   # (F, KH, KW)
    if as_mosaic:
        return _filters_mosaic(kernels, ncols, normalize, titles, cmap, suptitle, panel_size)
    fig, axes = _grid_figure(len(kernels), ncols, panel_size,
                             extra_width=0.8 if normalize == "global" else 0.0)
    m_all = _symmetric_limit(kernels)
    for f, ax in enumerate(axes):
        m = m_all if normalize == "global" else _symmetric_limit(kernels[f])
        im = ax.imshow(kernels[f], cmap=cmap, vmin=-m, vmax=m, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[f], fontsize=_fit_fontsize(titles, panel_size))
    if normalize == "global":
        fig.colorbar(im, ax=axes, shrink=0.8, label="weight")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _check_filter_args(w, ncols, normalize, channel, titles):
    """Validate show_filters' arguments; return the shown kernels (F, KH, KW)."""
    w = np.asarray(w)
    if w.ndim == 3:
        w = w[:, None]
    if w.ndim != 4:
        raise ValueError(f"show_filters(w) expected conv weights of shape (F, C, KH, KW) "
                         f"or (F, KH, KW), got {w.shape}. For one kernel k use k[None, None].")
    if normalize not in ("per_filter", "global"):
        raise ValueError(f"show_filters(normalize=...) expected 'per_filter' or 'global', "
                         f"got {normalize!r}.")
    if not (isinstance(channel, (int, np.integer)) and 0 <= channel < w.shape[1]):
        raise ValueError(f"show_filters(channel=...) expected an int in [0, {w.shape[1] - 1}] "
                         f"for weights with C={w.shape[1]} input channels, got {channel!r}.")
    _check_ncols(ncols, "show_filters")
    if titles is not None and len(titles) != len(w):
        raise ValueError(f"show_filters(titles) expected {len(w)} titles, got {len(titles)}.")
    return w[:, channel]


def _filters_mosaic(kernels, ncols, normalize, titles, cmap, suptitle, panel_size):
    cols = min(ncols, len(kernels))
    rows = math.ceil(len(kernels) / cols)
    fig = _new_figure((panel_size * cols + (0.8 if normalize == "global" else 0.0),
                       panel_size * rows + 0.3))
    ax = fig.add_subplot()
    tiles, lo, hi = _scaled_tiles(kernels, DIVERGING, normalize == "global")
    im = _draw_mosaic(ax, tiles, ncols, lo, hi, cmap, titles)
    if normalize == "global":
        fig.colorbar(im, ax=ax, shrink=0.8, label="weight")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _map_limits(maps, cmap, shared):
    """Colour limits per channel: [(vmin, vmax)] * C; symmetric about 0 for DIVERGING."""
    if shared:
        return [_auto_scale(maps, cmap)[1:]] * len(maps)
    if cmap == DIVERGING:
        return [(-_symmetric_limit(m), _symmetric_limit(m)) for m in maps]
    return [(float(m.min()), float(m.max())) for m in maps]


def _draw_maps(fig, maps, ncols, limits, cmap, titles):
    """Draw (C, H, W) maps into fig (a Figure or SubFigure); returns (axes, images)."""
    ncols = min(ncols, len(maps))
    nrows = math.ceil(len(maps) / ncols)
    axes, images = [], []
    for c, (lo, hi) in enumerate(limits):
        ax = fig.add_subplot(nrows, ncols, c + 1)
        ax.set_xticks([])
        ax.set_yticks([])
        images.append(ax.imshow(maps[c], cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest"))
        ax.set_title(titles[c] if titles is not None else str(c), fontsize=10)
        axes.append(ax)
    return axes, images


@_projector_style
def show_feature_maps(maps, ncols=8, shared_scale=True, colorbar=True, titles=None,
                      cmap=None, suptitle=None, panel_size=1.5, as_mosaic=False):
    """Every channel of one example's feature maps as a grid.

    Parameters
    ----------
    maps : ndarray of shape (C, H, W) or (1, C, H, W)
        E.g. ``model.activations(x[:1])[k][1]``.
    ncols : int
    shared_scale : bool
        True: one colour scale for all channels, so brightness compares
        across channels; False: each channel stretched to its own range.
    colorbar : bool, one bar if shared, one per panel otherwise
    titles : list of C str, optional; default the channel numbers
    cmap : str, optional; default diverging centred on 0 if the maps have
        both signs (e.g. before ReLU), else "viridis"
    as_mosaic : bool
        True: all channels tiled into one image in one axes (several times
        faster to draw, for the widgets); without a shared scale each tile
        is stretched to [0, 1] (or [-1, 1]) and no colour bar is drawn.

    Returns
    -------
    fig : Figure with C axes (+ colour bars); ``fig.axes[c].images[0].get_array()``
        is ``maps[c]``. With ``as_mosaic``: 1 axes (+1 colour bar) whose image is
        ``mosaic(tiles, ncols, pad)``.
    """
    maps = _as_maps(maps, "show_feature_maps")
    _check_ncols(ncols, "show_feature_maps")
    if titles is not None and len(titles) != len(maps):
        raise ValueError(f"show_feature_maps(titles) expected {len(maps)} titles, "
                         f"got {len(titles)}.")
    cmap = _auto_scale(maps, cmap)[0]
    n_cols = min(ncols, len(maps))
    fig = _new_figure((panel_size * n_cols + (1.0 if colorbar else 0.0),
                       panel_size * math.ceil(len(maps) / n_cols) + 0.3))
    if as_mosaic:
        tiles, lo, hi = _scaled_tiles(maps, cmap, shared_scale)
        ax = fig.add_subplot()
        im = _draw_mosaic(ax, tiles, ncols, lo, hi, cmap,
                          titles if titles is not None else range(len(maps)))
        axes, images = [ax], [im]
        colorbar = colorbar and shared_scale
    else:
        limits = _map_limits(maps, cmap, shared_scale)
        axes, images = _draw_maps(fig, maps, ncols, limits, cmap, titles)
    if colorbar and shared_scale:
        fig.colorbar(images[0], ax=axes, shrink=0.8)
    elif colorbar:
        for ax, im in zip(axes, images):
            fig.colorbar(im, ax=ax, shrink=0.8)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


# --------------------------------------------------------------------------
# Training curves and the confusion matrix
# --------------------------------------------------------------------------

def _history_dict(history):
    h = getattr(history, "history", history)
    if not isinstance(h, dict) or "loss" not in h:
        raise ValueError("plot_history(history) expected a History (from model.fit) or a dict "
                         "with at least a 'loss' list, e.g. {'loss': [...], 'accuracy': [...], "
                         f"'val_loss': [...], 'val_accuracy': [...]}}; got {type(h).__name__}"
                         + (f" with keys {sorted(h)}." if isinstance(h, dict) else "."))
    return h


@_projector_style
def plot_history(history, axes=None, title=None):
    """Loss and accuracy per epoch, train (solid) and validation (dashed).

    Parameters
    ----------
    history : History or dict of lists
        Keys "loss", optionally "accuracy", "val_loss", "val_accuracy";
        each a list of length E (epochs).
    axes : sequence of Axes, optional
        Draw into these (cleared first; 2 if "accuracy" is present, else 1),
        e.g. to redraw during training; default: a new figure.
    title : str, optional

    Returns
    -------
    fig : Figure with 2 axes (loss, accuracy), or 1 without "accuracy".
    """
    h = _history_dict(history)
    panels = ["loss"] + (["accuracy"] if "accuracy" in h else [])
    if axes is None:
        fig = _new_figure((5.5 * len(panels), 4.2))
        axes = np.atleast_1d(fig.subplots(1, len(panels)))
    fig = axes[0].figure
    for ax, key in zip(axes, panels):
        ax.clear()
        for k, style, name in ((key, "-o", "train"), ("val_" + key, "--s", "validation")):
            if len(h.get(k, [])):
                ax.plot(np.arange(1, len(h[k]) + 1), h[k], style, label=name, markersize=4)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(key)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        if key == "accuracy":
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def _draw_batch_losses(ax, batch_losses, h):
    """Per-batch training loss, with the epoch-end validation loss on the same x axis."""
    ax.plot(np.arange(1, len(batch_losses) + 1), batch_losses, lw=1, color="tab:blue",
            alpha=0.8, label="train (per batch)")
    epochs = len(h.get("loss", []))
    if epochs and len(h.get("val_loss", [])):
        per_epoch = len(batch_losses) / epochs                    # batches per epoch
        ends = per_epoch * np.arange(1, len(h["val_loss"]) + 1)
        ax.plot(ends, h["val_loss"], "--s", color="tab:orange", label="validation (per epoch)")
    ax.set_xlabel("batch")
    ax.set_ylabel("loss")
    ax.set_title("loss")
    ax.grid(alpha=0.3)
    if len(batch_losses):
        ax.legend()


@_projector_style
def show_training(batch_losses, history, weights=None, ncols=None):
    """Training at a glance: loss per batch, accuracy per epoch, first-layer filters.

    The static twin of ``widgets.LiveTraining`` (which redraws it every few batches).

    Parameters
    ----------
    batch_losses : sequence of B floats, the training loss of every batch so far
    history : History or dict of lists ("loss", "accuracy", "val_loss",
        "val_accuracy"), one entry per finished epoch (may be empty)
    weights : ndarray of shape (F, C, KH, KW), optional; input channel 0 of
        these filters is shown (per-filter colour scale)
    ncols : int, columns of the filter grid; default 4 for up to 16 filters, else 8

    Returns
    -------
    fig : Figure; axes 0 = loss per batch, 1 = accuracy per epoch, 2 = the filters
        tiled (each divided by its max |w_f|), if weights are given.
    """
    h = getattr(history, "history", history)
    if not isinstance(h, dict):
        raise ValueError(f"show_training(history) expected a History or a dict of lists, "
                         f"got {type(h).__name__}.")
    fig = _new_figure((15 if weights is not None else 11, 4.6))
    if weights is not None:
        f_curves, f_w = fig.subfigures(1, 2, width_ratios=[2, 1])
    else:
        f_curves, f_w = fig, None
    ax_loss, ax_acc = f_curves.subplots(1, 2)
    _draw_batch_losses(ax_loss, np.asarray(batch_losses, dtype=float), h)
    _draw_epoch_accuracy(ax_acc, h)
    if f_w is not None:
        w = np.asarray(weights)
        if w.ndim != 4:
            raise ValueError(f"show_training(weights) expected conv weights of shape "
                             f"(F, C, KH, KW), got {w.shape}.")
        ncols = (4 if len(w) <= 16 else 8) if ncols is None else ncols
        tiles, lo, hi = _scaled_tiles(w[:, 0], DIVERGING, shared=False)
        _draw_mosaic(f_w.add_subplot(), tiles, ncols, lo, hi, DIVERGING)
        f_w.suptitle(f"first-layer filters ({len(w)}, channel 0)")
    return fig


def _draw_epoch_accuracy(ax, h):
    for key, style, name in (("accuracy", "-o", "train"), ("val_accuracy", "--s", "validation")):
        if len(h.get(key, [])):
            ax.plot(np.arange(1, len(h[key]) + 1), h[key], style, label=name, markersize=4)
    if ax.lines:
        ax.legend()
    else:
        ax.text(0.5, 0.5, "shown after the first epoch", ha="center", va="center",
                transform=ax.transAxes, color="0.5")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_title("accuracy")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.grid(alpha=0.3)


@_projector_style
def plot_confusion_matrix(cm, class_names=None, normalize=False, title=None, cmap="Blues"):
    """The confusion matrix as a heat map with every count written in its cell.

    Parameters
    ----------
    cm : ndarray of shape (K, K), rows = true class, columns = predicted
    class_names : list of K str, optional
    normalize : bool
        True: colour and write each row as fractions of that class (recall
        on the diagonal); False: raw counts.
    title : str, optional; default shows the accuracy

    Returns
    -------
    fig : Figure with 2 axes (matrix, colour bar); ``fig.axes[0].images[0]``
        holds the shown matrix.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion_matrix(cm) expected a square array of shape (K, K), "
                         f"got {cm.shape}. Build it with confusion_matrix(y_true, y_pred).")
    K = len(cm)
    names = [str(c) for c in range(K)] if class_names is None else list(class_names)
    if len(names) != K:
        raise ValueError(f"plot_confusion_matrix(class_names) expected {K} names, "
                         f"got {len(names)}.")
    rows = cm.sum(axis=1, keepdims=True)
    shown = cm / np.maximum(rows, 1) if normalize else cm
    fig = _new_figure((0.55 * K + 3.0, 0.55 * K + 2.2))
    ax = fig.add_subplot()
    im = ax.imshow(shown, cmap=cmap, vmin=0, vmax=max(float(shown.max()), 1e-12))
    cb = fig.colorbar(im, ax=ax, shrink=0.8,
                      label="share of the true class" if normalize else "count")
    if normalize:
        cb.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    fmt = "{:.0%}" if normalize else "{:d}"
    _annotate(ax, shown, fmt=fmt, fontsize=11 if K <= 10 else 8,
              dark=_is_dark(shown, 0, shown.max() or 1, cmap), faint=cm == 0)
    ax.set_xticks(range(K), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(K), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    acc = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(title if title is not None else f"confusion matrix (accuracy {acc:.1%})")
    return fig


# --------------------------------------------------------------------------
# Activation functions and decision boundaries (notebook 01)
# --------------------------------------------------------------------------

def _activation(name, x, alpha):
    """(f(x), f'(x), formula) for a named activation; x of shape (M,)."""
    key = str(name).lower().replace("_", "").replace(" ", "")
    if key == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-x))
        return s, s * (1.0 - s), r"$\sigma(x) = 1/(1+e^{-x})$"
    if key == "tanh":
        t = np.tanh(x)
        return t, 1.0 - t**2, r"$\tanh(x)$"
    kink = np.where(x == 0, np.nan, 1.0)      # f' is undefined at 0: leave a gap in the plot
    if key == "relu":
        return np.maximum(x, 0.0), np.where(x > 0, 1.0, 0.0) * kink, r"$\max(0, x)$"
    if key == "leakyrelu":
        return (np.where(x > 0, x, alpha * x), np.where(x > 0, 1.0, alpha) * kink,
                rf"$\max({alpha:g}x, x)$")
    raise ValueError(f"plot_activation(name) expected 'sigmoid', 'tanh', 'relu' or "
                     f"'leaky_relu', got {name!r}.")


def _draw_activation(ax, name, x_range, alpha):
    x = np.linspace(x_range[0], x_range[1], 401)
    f, df, formula = _activation(name, x, alpha)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.plot(x, f, lw=2.5, label="f(x)")
    ax.plot(x, df, "--", lw=2, label="f′(x)")
    ax.set_title(f"{name}: {formula}")
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")


@_projector_style
def plot_activation(name, x_range=(-5.0, 5.0), alpha=0.1):
    """One activation function (solid) and its derivative (dashed).

    Parameters
    ----------
    name : "sigmoid", "tanh", "relu" or "leaky_relu"
    x_range : (float, float)
    alpha : float, LeakyReLU's negative slope (0.1 here so it is visible;
        the layer's default is 0.01)

    Returns
    -------
    fig : Figure with 1 axes holding 2 lines (f, f').
    """
    fig = _new_figure((5.5, 4.2))
    _draw_activation(fig.add_subplot(), name, x_range, alpha)
    return fig


@_projector_style
def plot_activation_functions(names=("sigmoid", "tanh", "relu", "leaky_relu"),
                              x_range=(-5.0, 5.0), alpha=0.1):
    """Several activation functions side by side, each with its derivative.

    Shows why sigmoid/tanh gradients vanish (f' → 0 for large |x|; sigmoid's
    f' ≤ 0.25) and ReLU's do not for x > 0.

    Returns
    -------
    fig : Figure with len(names) axes, each holding 2 lines (f, f').
    """
    fig = _new_figure((4.2 * len(names), 4.0))
    axes = np.atleast_1d(fig.subplots(1, len(names)))
    for ax, name in zip(axes, names):
        _draw_activation(ax, name, x_range, alpha)
    return fig


def _class1_probability(out, n_points):
    """predict_fn output -> (P(class 1) of shape (M,), or None, class ids of shape (M,))."""
    out = np.asarray(out, dtype=np.float64)
    if out.shape[0] != n_points:
        raise ValueError(f"plot_decision_boundary: predict_fn returned {out.shape[0]} rows "
                         f"for {n_points} grid points; it must return one row per point.")
    if out.ndim == 2 and out.shape[1] > 2:
        return None, out.argmax(axis=1)
    p1 = out[:, 1] if out.ndim == 2 and out.shape[1] == 2 else out.reshape(n_points)
    if p1.min() < 0 or p1.max() > 1:
        raise ValueError("plot_decision_boundary: predict_fn must return probabilities in "
                         f"[0, 1], got values in [{p1.min():.3g}, {p1.max():.3g}]. If your model "
                         "outputs logits, wrap it: lambda X: 1 / (1 + np.exp(-f(X))).")
    return p1, (p1 > 0.5).astype(int)


@_projector_style
def plot_decision_boundary(predict_fn, X, y, ax=None, resolution=200, margin=0.5,
                           title=None, class_names=None):
    """What a classifier predicts over the plane, with the data on top (e.g. XOR).

    Parameters
    ----------
    predict_fn : callable, (M, 2) -> probabilities of shape (M, K), or
        P(class 1) of shape (M,) or (M, 1); e.g. ``model.predict``.
    X : ndarray of shape (N, 2)
    y : ndarray of shape (N,), integer class ids
    ax : Axes, optional; draw there (to put two boundaries side by side)
    resolution : int, grid points per axis
    margin : float, space around the data

    Returns
    -------
    fig : Figure holding the axes (binary: shaded P(class 1) with the 0.5
        contour and a colour bar; K > 2: coloured class regions).
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (len(X),):
        raise ValueError(f"plot_decision_boundary expected X of shape (N, 2) and y of shape "
                         f"(N,), got X {X.shape} and y {y.shape}.")
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
    g0 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    g1 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    xx, yy = np.meshgrid(g0, g1)
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(dtype)   # (R·R, 2)
    p1, classes = _class1_probability(predict_fn(grid), len(grid))
    if ax is None:
        ax = _new_figure((5.5, 4.5)).add_subplot()
    if p1 is not None:
        cs = ax.contourf(xx, yy, p1.reshape(xx.shape), levels=np.linspace(0, 1, 11),
                         cmap=DIVERGING, alpha=0.45)
        ax.contour(xx, yy, p1.reshape(xx.shape), levels=[0.5], colors="k", linewidths=2)
        ax.figure.colorbar(cs, ax=ax, label="P(class 1)")
    else:
        K = max(int(classes.max()), int(y.max())) + 1
        ax.contourf(xx, yy, classes.reshape(xx.shape), levels=np.arange(K + 1) - 0.5,
                    colors=[CLASS_COLORS[k % 10] for k in range(K)], alpha=0.25)
    for c in np.unique(y):
        name = class_names[c] if class_names is not None else f"class {c}"
        ax.scatter(X[y == c, 0], X[y == c, 1], marker="os^vD<>ph*"[c % 10], s=90,
                   color=CLASS_COLORS[c % 10], edgecolor="k", linewidth=1.2, label=name, zorder=3)
    ax.locator_params(nbins=6)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", framealpha=0.9)
    ax.set_title(title if title is not None else "decision boundary")
    return ax.figure


# --------------------------------------------------------------------------
# Static twins of the widgets: convolution, pooling, feature-map explorer
# --------------------------------------------------------------------------

def _pair(v, fname, arg):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) == 2 \
            and all(isinstance(i, (int, np.integer)) for i in v):
        return int(v[0]), int(v[1])
    raise ValueError(f"{fname}({arg}=...) expected an int or a pair of ints, got {v!r}.")


def _top_left_padding(padding, kernel_shape):
    """(top, left) padding for an int, a pair, "valid" or "same" (extra goes bottom/right)."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        return (kernel_shape[0] - 1) // 2, (kernel_shape[1] - 1) // 2
    return _pair(padding, "show_convolution", "padding")


def _colorbar(fig, im, ax):
    cb = fig.colorbar(im, ax=ax, shrink=0.8)
    cb.ax.tick_params(labelsize=10)
    return cb


@_projector_style
def show_convolution(image, kernel, output, stride=1, padding=0, highlight=None,
                     cmap="gray", title=None):
    """Input | kernel (values written in) | output: one convolution at a glance.

    The static twin of ``widgets.KernelPlayground``.

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
    image = _as_2d(image, "show_convolution", "image")
    kernel = _as_2d(kernel, "show_convolution", "kernel")
    output = _as_2d(output, "show_convolution", "output")
    sh, sw = _pair(stride, "show_convolution", "stride")
    pt, pl = _top_left_padding(padding, kernel.shape)
    fig = _new_figure((13, 4.6))
    ax_in, ax_k, ax_out = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 0.8, 1]})
    _colorbar(fig, ax_in.imshow(image, cmap=cmap, interpolation=_interpolation(image)), ax_in)
    m = _symmetric_limit(kernel)
    ax_k.imshow(kernel, cmap=DIVERGING, vmin=-m, vmax=m, interpolation="nearest")
    if max(kernel.shape) <= 7:
        _annotate(ax_k, kernel, fmt="{:.3g}" if max(kernel.shape) <= 3 else "{:.2g}",
                  fontsize=14 if max(kernel.shape) <= 3 else 10,
                  dark=_is_dark(kernel, -m, m, DIVERGING))
    _draw_conv_output(fig, ax_out, output, cmap)
    for ax, name, a in ((ax_in, "input", image), (ax_k, "kernel", kernel),
                        (ax_out, "output", output)):
        ax.set_title(f"{name}  {a.shape[0]}×{a.shape[1]}")
        ax.set_xticks([])
        ax.set_yticks([])
    if highlight is not None:
        i, j = highlight
        ax_in.add_patch(Rectangle((j * sw - pl - 0.5, i * sh - pt - 0.5), kernel.shape[1],
                                  kernel.shape[0], fill=False, ec="tab:orange", lw=3))
        ax_out.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="tab:orange", lw=3))
    fig.suptitle(title if title is not None else f"stride {stride}, padding {padding}")
    return fig


def _draw_conv_output(fig, ax, output, cmap):
    """Signed output: blue/white/red centred on 0 (large images: the top 0.5% clipped)."""
    out_cmap, lo, hi = _auto_scale(output)
    if out_cmap == DIVERGING:
        hi = _robust_limit(output)
        lo = -hi
    else:
        out_cmap = cmap
    im = ax.imshow(output, cmap=out_cmap, vmin=lo, vmax=hi, interpolation=_interpolation(output))
    clipped = np.nanmin(output) < lo or np.nanmax(output) > hi
    cb = fig.colorbar(im, ax=ax, shrink=0.8, extend="both" if clipped else "neither")
    cb.ax.tick_params(labelsize=10)


def _argmax_counts(x, pool, stride):
    """How many pooling windows pick each pixel as their (first, row-major) max; (H, W) ints."""
    (ph, pw), (sh, sw) = pool, stride
    H_out, W_out = (x.shape[0] - ph) // sh + 1, (x.shape[1] - pw) // sw + 1
    counts = np.zeros(x.shape, dtype=np.int64)
    for i in range(H_out):
        for j in range(W_out):
            window = x[i * sh:i * sh + ph, j * sw:j * sw + pw]
            u, v = np.unravel_index(np.argmax(window), window.shape)   # first max
            counts[i * sh + u, j * sw + v] += 1
    return counts


def _check_pooled_shape(x, pooled, pool, stride):
    expected = ((x.shape[0] - pool[0]) // stride[0] + 1, (x.shape[1] - pool[1]) // stride[1] + 1)
    if pooled.shape != expected:
        raise ValueError(f"show_pooling: an input of shape {x.shape} pooled with pool_size={pool}, "
                         f"stride={stride} gives shape {expected}, but pooled has shape "
                         f"{pooled.shape}. Pass the pool_size and stride you used.")


@_projector_style
def show_pooling(x, pooled, argmax_mask=None, pool_size=2, stride=None, mode="max",
                 annotate=None, title=None, cmap="gray"):
    """Input with its pooling windows | pooled map; for max pooling, the winners marked.

    The static twin of ``widgets.PoolingPlayground``.

    Parameters
    ----------
    x : ndarray of shape (H, W) (or (1, H, W), (1, 1, H, W))
    pooled : ndarray of shape (H_out, W_out), H_out = (H − pool) // stride + 1
    argmax_mask : ndarray of shape (H, W), bool or int, optional
        Input pixels that were a window's maximum (outlined in red; they are
        where the backward pass sends the gradient). Default for mode "max":
        computed here (first max of each window in row-major order).
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
    x, pooled = _as_2d(x, "show_pooling", "x"), _as_2d(pooled, "show_pooling", "pooled")
    pool = _pair(pool_size, "show_pooling", "pool_size")
    stride = pool if stride is None else _pair(stride, "show_pooling", "stride")
    if mode not in ("max", "avg"):
        raise ValueError(f"show_pooling(mode=...) expected 'max' or 'avg', got {mode!r}.")
    _check_pooled_shape(x, pooled, pool, stride)
    if argmax_mask is None and mode == "max":
        argmax_mask = _argmax_counts(x, pool, stride)
    if argmax_mask is not None and np.shape(argmax_mask) != x.shape:
        raise ValueError(f"show_pooling(argmax_mask) expected shape {x.shape} like x, "
                         f"got {np.shape(argmax_mask)}.")
    small = x.size <= 100
    fig = _draw_pooling(x, pooled, argmax_mask, pool, stride, mode, small,
                        small if annotate is None else annotate, cmap)
    fig.suptitle(title if title is not None else f"{mode} pooling, pool_size={pool_size}, "
                 f"stride={stride[0] if stride[0] == stride[1] else stride}")
    return fig


def _draw_pooling(x, pooled, argmax_mask, pool, stride, mode, small, annotate, cmap):
    """Small inputs: maxima outlined on the input; large: a third panel with the maxima."""
    third = argmax_mask is not None and not small
    lo, hi = float(min(x.min(), pooled.min())), float(max(x.max(), pooled.max()))
    ratios = [x.shape[1], max(pooled.shape[1], x.shape[1] / 2)] + [x.shape[1]] * third
    fig = _new_figure((11 + 5 * third, 5.2))
    axes = fig.subplots(1, 2 + third, gridspec_kw={"width_ratios": ratios})
    for ax, a in zip(axes, (x, pooled)):
        ax.imshow(a, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        if annotate:
            _annotate(ax, a, fmt="{:.2g}", fontsize=14 if x.size <= 36 else 11,
                      dark=_is_dark(a, lo, hi, cmap))
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
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
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


def _as_one_image(image, fname):
    """(H, W), (1, H, W), (3, H, W) or (1, C, H, W) -> (H, W) or (H, W, 3)."""
    a = np.asarray(image)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 2:
        return a
    if a.ndim == 3 and a.shape[0] in (1, 3):
        return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
    raise ValueError(f"{fname}(image) expected one image of shape (H, W), (1, H, W) or "
                     f"(3, H, W), got {a.shape}.")


def _check_explorer_args(image, maps, probs, layer_name, channel):
    """Validated (image (H, W) or (H, W, 3), maps (C, H', W'), probs (K,))."""
    fname = "show_feature_map_explorer"
    img = _as_one_image(image, fname)
    if np.ndim(maps) == 1 or (np.ndim(maps) == 2 and len(maps) == 1):
        maps = np.reshape(maps, (1, 1, -1))          # a dense layer's D units as a 1×D strip
    maps = _as_maps(maps, fname)
    probs = np.asarray(probs)
    probs = probs[0] if probs.ndim == 2 and len(probs) == 1 else probs
    if probs.ndim != 1:
        raise ValueError(f"{fname}(probs) expected shape (K,), got {probs.shape}.")
    if not (channel == "all" or (isinstance(channel, (int, np.integer))
                                 and 0 <= channel < len(maps))):
        raise ValueError(f"{fname}(channel=...) expected 'all' or an int in [0, {len(maps) - 1}] "
                         f"for {layer_name} with {len(maps)} channels, got {channel!r}.")
    return img, maps, probs


def _draw_probabilities(ax, probs, class_names, label):
    K = len(probs)
    names = [str(c) for c in range(K)] if class_names is None else list(class_names)
    pred = int(np.argmax(probs))
    colors = ["tab:orange" if k == pred else "tab:gray" for k in range(K)]
    bars = ax.bar(range(K), probs, color=colors)
    ax.set_xticks(range(K), names, rotation=45 if max(map(len, names)) > 2 else 0)
    if label is not None:
        bars[int(label)].set_edgecolor("tab:green")
        bars[int(label)].set_linewidth(3)
        tick = ax.get_xticklabels()[int(label)]
        tick.set_color("tab:green")
        tick.set_fontweight("bold")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("class" + ("  (green: true)" if label is not None else ""))
    ax.set_title(f"prediction: {names[pred]} ({probs[pred]:.0%})")


@_projector_style
def show_feature_map_explorer(image, maps, probs, layer_name, channel="all",
                              class_names=None, label=None, ncols=None, cmap=None, title=None):
    """Input | one layer's feature maps | predicted probabilities.

    The static twin of ``widgets.FeatureMapExplorer``.  The colour scale
    is shared by all channels of the layer (also when one channel is shown),
    so switching channels compares like with like.

    Parameters
    ----------
    image : ndarray of shape (H, W), (1, H, W), (3, H, W) or (1, C, H, W)
    maps : ndarray of shape (C, H', W') or (1, C, H', W'), the layer's output;
        a dense layer's (D,) or (1, D) is shown as a 1×D strip
    probs : ndarray of shape (K,) or (1, K), the model's predicted probabilities
    layer_name : str, e.g. "conv2d_1"
    channel : "all" or int in [0, C)
    class_names : list of K str, optional
    label : int, optional, the true class (its bar is outlined in green)
    ncols : int, columns of the map grid when channel == "all"; default 4 for
        up to 16 channels, else 8
    cmap : str, optional; default diverging if the maps have both signs
    title : str, optional, a title over the whole figure

    Returns
    -------
    fig : Figure with 4 axes: input, feature maps (all channels tiled as
        ``mosaic(maps, ncols, pad)``, or the one channel), colour bar,
        probability bar chart.
    """
    img, maps, probs = _check_explorer_args(image, maps, probs, layer_name, channel)
    cmap, lo, hi = _auto_scale(maps, cmap)
    ncols = (4 if len(maps) <= 16 else 8) if ncols is None else ncols
    _check_ncols(ncols, "show_feature_map_explorer")
    shown = maps if channel == "all" else maps[channel:channel + 1]
    rows = math.ceil(len(shown) / ncols) if channel == "all" else 1
    fig = _new_figure((15, max(4.2, 1.0 * rows + 1.6)))
    f_in, f_maps, f_p = fig.subfigures(1, 3, width_ratios=[1, 2.8 if channel == "all" else 1.3,
                                                           1.4])
    ax = f_in.add_subplot()
    ax.imshow(img, cmap="gray", interpolation=_interpolation(img))
    name = None if label is None else class_names[label] if class_names else label
    ax.set_title("input" + (f" (label {name})" if label is not None else ""))
    ax.set_xticks([])
    ax.set_yticks([])
    ax_maps = f_maps.add_subplot()
    if channel == "all":
        im = _draw_mosaic(ax_maps, shown, ncols, lo, hi, cmap, range(len(shown)))
    else:
        im = ax_maps.imshow(shown[0], cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        ax_maps.set_title(f"channel {channel}")
        ax_maps.set_xticks([])
        ax_maps.set_yticks([])
    f_maps.colorbar(im, ax=ax_maps, shrink=0.8)
    f_maps.suptitle(f"{layer_name}: {maps.shape[0]} × {maps.shape[1]}×{maps.shape[2]}")
    _draw_probabilities(f_p.add_subplot(), probs, class_names, label)
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------
# im2col explained (notebook 03)
# --------------------------------------------------------------------------

_PATCH_COLORS = ["tab:orange", "tab:green", "tab:purple", "tab:cyan", "tab:olive",
                 "tab:pink", "tab:brown", "tab:red", "tab:blue"]


def _im2col_2d(x, kh, kw, s):
    """cols[r] = the r-th (row-major) KH×KW patch of x, flattened; (H'·W', KH·KW)."""
    H_out, W_out = (x.shape[0] - kh) // s + 1, (x.shape[1] - kw) // s + 1
    cols = np.zeros((H_out * W_out, kh * kw), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            cols[i * W_out + j] = x[i * s:i * s + kh, j * s:j * s + kw].ravel()
    return cols, (H_out, W_out)


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


@_projector_style
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
    s = _pair(stride, "plot_im2col", "stride")[0]
    cols, (H_out, W_out) = _im2col_2d(x, kh, kw, s)                # (H'·W', KH·KW)
    out = cols @ kernel.ravel()                                     # (H'·W',)
    if highlight is None:
        highlight = [r for r in (0, 1, W_out) if r < len(cols)]
    colors = {r: _PATCH_COLORS[k % len(_PATCH_COLORS)] for k, r in enumerate(highlight)}
    row_bg = np.array([_light(colors[r]) if r in colors else (0.95, 0.95, 0.95)
                       for r in range(len(cols))])                  # (H'·W', 3)
    layout = _im2col_layout(x.shape, cols.shape, (H_out, W_out))
    fig = _new_figure((min(15, 0.62 * layout["width"]), 0.62 * layout["height"]))
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


# --------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------

FIGURES_ENV = "EDU_CNN_FIGURES"
_session_folder = []        # the temporary folder used when $EDU_CNN_FIGURES is not set


def figures_folder():
    """Where ``save_figure`` puts a figure given by name alone.

    ``$EDU_CNN_FIGURES`` when it is set (``make course`` sets it to the
    course's ``figures/``); otherwise one temporary folder per process, so that
    running a notebook (in JupyterLab, or under nbval in ``make test``) never
    rewrites the committed figures.
    """
    folder = os.environ.get(FIGURES_ENV)
    if folder:
        return Path(folder)
    if not _session_folder:
        _session_folder.append(Path(tempfile.mkdtemp(prefix="edu_cnn_figures_")))
    return _session_folder[0]


def save_figure(fig, name, dpi=150):
    """Write a figure as a PNG for slides; creates missing folders.

    Parameters
    ----------
    fig : Figure (e.g. returned by any function here)
    name : str or Path; a bare name such as ``"03_sobel"`` goes into
        ``figures_folder()``, a path with a folder (``tmp / "x.png"``) is used as
        given; ".png" is added if there is no suffix
    dpi : int, 150 is sharp on a projector and small in git

    Returns
    -------
    path : Path of the written file
    """
    if not isinstance(fig, Figure):
        hint = " Use ax.figure." if hasattr(fig, "figure") else ""
        raise TypeError(f"save_figure(fig) expected a matplotlib Figure, "
                        f"got {type(fig).__name__}.{hint}")
    path = Path(name)
    if path.parent == Path("."):
        path = figures_folder() / path
    if path.suffix == "":
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight", facecolor="white")
    return path
