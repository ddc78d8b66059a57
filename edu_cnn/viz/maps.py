"""Filters and feature maps: what a conv layer has learned and what it responds with."""
import math

import numpy as np

from ._shapes import as_maps, check_ncols
from ._style import (
    DIVERGING,
    auto_scale,
    fit_fontsize,
    grid_figure,
    new_figure,
    no_ticks,
    projector_style,
    symmetric_limit,
)
from .images import draw_mosaic, scaled_tiles

__all__ = ["show_filters", "show_feature_maps"]


@projector_style
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
    fig, axes = grid_figure(len(kernels), ncols, panel_size,
                            extra_width=0.8 if normalize == "global" else 0.0)
    m_all = symmetric_limit(kernels)
    for f, ax in enumerate(axes):
        m = m_all if normalize == "global" else symmetric_limit(kernels[f])
        im = ax.imshow(kernels[f], cmap=cmap, vmin=-m, vmax=m, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[f], fontsize=fit_fontsize(titles, panel_size))
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
    check_ncols(ncols, "show_filters")
    if titles is not None and len(titles) != len(w):
        raise ValueError(f"show_filters(titles) expected {len(w)} titles, got {len(titles)}.")
    return w[:, channel]


def _filters_mosaic(kernels, ncols, normalize, titles, cmap, suptitle, panel_size):
    cols = min(ncols, len(kernels))
    rows = math.ceil(len(kernels) / cols)
    fig = new_figure((panel_size * cols + (0.8 if normalize == "global" else 0.0),
                      panel_size * rows + 0.3))
    ax = fig.add_subplot()
    tiles, lo, hi = scaled_tiles(kernels, DIVERGING, normalize == "global")
    im = draw_mosaic(ax, tiles, ncols, lo, hi, cmap, titles)
    if normalize == "global":
        fig.colorbar(im, ax=ax, shrink=0.8, label="weight")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _map_limits(maps, cmap, shared):
    """Colour limits per channel: [(vmin, vmax)] * C; symmetric about 0 for DIVERGING."""
    if shared:
        return [auto_scale(maps, cmap)[1:]] * len(maps)
    if cmap == DIVERGING:
        return [(-symmetric_limit(m), symmetric_limit(m)) for m in maps]
    return [(float(m.min()), float(m.max())) for m in maps]


def _draw_maps(fig, maps, ncols, limits, cmap, titles):
    """Draw (C, H, W) maps into fig (a Figure or SubFigure); returns (axes, images)."""
    ncols = min(ncols, len(maps))
    nrows = math.ceil(len(maps) / ncols)
    axes, images = [], []
    for c, (lo, hi) in enumerate(limits):
        ax = fig.add_subplot(nrows, ncols, c + 1)
        no_ticks(ax)
        images.append(ax.imshow(maps[c], cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest"))
        ax.set_title(titles[c] if titles is not None else str(c), fontsize=10)
        axes.append(ax)
    return axes, images


@projector_style
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
    maps = as_maps(maps, "show_feature_maps")
    check_ncols(ncols, "show_feature_maps")
    if titles is not None and len(titles) != len(maps):
        raise ValueError(f"show_feature_maps(titles) expected {len(maps)} titles, "
                         f"got {len(titles)}.")
    cmap = auto_scale(maps, cmap)[0]
    n_cols = min(ncols, len(maps))
    fig = new_figure((panel_size * n_cols + (1.0 if colorbar else 0.0),
                      panel_size * math.ceil(len(maps) / n_cols) + 0.3))
    if as_mosaic:
        tiles, lo, hi = scaled_tiles(maps, cmap, shared_scale)
        ax = fig.add_subplot()
        im = draw_mosaic(ax, tiles, ncols, lo, hi, cmap,
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
