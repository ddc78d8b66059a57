"""Images and data sets: a grid of images, examples per class, many tiles as one image."""
import math

import matplotlib
import numpy as np

from ._shapes import as_image_stack, check_ncols
from ._style import DIVERGING, auto_scale, grid_figure, projector_style, symmetric_limit

__all__ = ["show_images", "show_digits_per_class", "mosaic"]


@projector_style
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
    imgs = as_image_stack(images, "show_images")
    N = len(imgs)
    check_ncols(ncols, "show_images")
    for arg, seq in (("labels", labels), ("titles", titles)):
        if seq is not None and len(seq) != N:
            raise ValueError(f"show_images({arg}) expected {N} entries (one per image), "
                             f"got {len(seq)}.")
    if titles is None and labels is not None:
        titles = [str(lab) for lab in np.asarray(labels).tolist()]
    fig, axes = grid_figure(N, ncols, panel_size, extra_height=0.3 if titles else 0.0)
    for i, ax in enumerate(axes):
        ax.imshow(imgs[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i])
    if suptitle:
        fig.suptitle(suptitle)
    return fig


@projector_style
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
    imgs = as_image_stack(x, "show_digits_per_class", arg="x")
    y = np.asarray(y)
    if y.shape != (len(imgs),):
        raise ValueError(f"show_digits_per_class(y) expected labels of shape ({len(imgs)},) "
                         f"to match x, got {y.shape}.")
    check_ncols(per_class, "show_digits_per_class")
    classes = np.unique(y)
    fig, axes = grid_figure(len(classes) * per_class, per_class, panel_size, extra_width=0.4)
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
    check_ncols(ncols, "mosaic")
    N, H, W = a.shape
    cols = min(ncols, N)
    rows = math.ceil(N / cols)
    tiled = np.full((rows * (H + pad) - pad, cols * (W + pad) - pad), fill, dtype=np.float64)
    for n in range(N):
        r, c = divmod(n, cols)
        tiled[r * (H + pad):r * (H + pad) + H, c * (W + pad):c * (W + pad) + W] = a[n]
    return tiled


def draw_mosaic(ax, tiles, ncols, vmin, vmax, cmap, labels=None):
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


def scaled_tiles(tiles, cmap, shared):
    """(tiles, vmin, vmax): as they are if shared, else each stretched to its own range."""
    if shared and cmap == DIVERGING:                              # white = 0
        m = symmetric_limit(tiles)
        return tiles, -m, m
    if shared:
        return (tiles, *auto_scale(tiles, cmap)[1:])
    if cmap == DIVERGING:                                         # each to [-1, 1]
        return np.stack([t / symmetric_limit(t) for t in tiles]), -1.0, 1.0
    spans = [(t - np.nanmin(t)) / ((np.nanmax(t) - np.nanmin(t)) or 1.0) for t in tiles]
    return np.stack(spans), 0.0, 1.0                              # each to [0, 1]
