"""Input | one layer's feature maps | predicted probabilities, in one figure.

The static twin of ``widgets.FeatureMapExplorer``.
"""
import math

import matplotlib
import numpy as np

from ._shapes import as_maps, as_one_image, check_ncols
from ._style import auto_scale, interpolation, new_figure, no_ticks, projector_style
from .images import draw_mosaic

__all__ = ["show_feature_map_explorer"]


def _check_explorer_args(image, maps, probs, layer_name, channel):
    """Validated (image (H, W) or (H, W, 3), maps (C, H', W'), probs (K,))."""
    fname = "show_feature_map_explorer"
    img = as_one_image(image, fname)
    if np.ndim(maps) == 1 or (np.ndim(maps) == 2 and len(maps) == 1):
        maps = np.reshape(maps, (1, 1, -1))          # a dense layer's D units as a 1×D strip
    maps = as_maps(maps, fname)
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


@projector_style
def show_feature_map_explorer(image, maps, probs, layer_name, channel="all",
                              class_names=None, label=None, ncols=None, cmap=None, title=None):
    """Input | one layer's feature maps | predicted probabilities.

    The colour scale is shared by all channels of the layer (also when one
    channel is shown), so switching channels compares like with like.

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
    cmap, lo, hi = auto_scale(maps, cmap)
    ncols = (4 if len(maps) <= 16 else 8) if ncols is None else ncols
    check_ncols(ncols, "show_feature_map_explorer")
    shown = maps if channel == "all" else maps[channel:channel + 1]
    rows = math.ceil(len(shown) / ncols) if channel == "all" else 1
    fig = new_figure((15, max(4.2, 1.0 * rows + 1.6)))
    f_in, f_maps, f_p = fig.subfigures(1, 3, width_ratios=[1, 2.8 if channel == "all" else 1.3,
                                                           1.4])
    ax = f_in.add_subplot()
    ax.imshow(img, cmap="gray", interpolation=interpolation(img))
    name = None if label is None else class_names[label] if class_names else label
    ax.set_title("input" + (f" (label {name})" if label is not None else ""))
    no_ticks(ax)
    ax_maps = f_maps.add_subplot()
    if channel == "all":
        im = draw_mosaic(ax_maps, shown, ncols, lo, hi, cmap, range(len(shown)))
    else:
        im = ax_maps.imshow(shown[0], cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        ax_maps.set_title(f"channel {channel}")
        no_ticks(ax_maps)
    f_maps.colorbar(im, ax=ax_maps, shrink=0.8)
    f_maps.suptitle(f"{layer_name}: {maps.shape[0]} × {maps.shape[1]}×{maps.shape[2]}")
    _draw_probabilities(f_p.add_subplot(), probs, class_names, label)
    if title:
        fig.suptitle(title)
    return fig
