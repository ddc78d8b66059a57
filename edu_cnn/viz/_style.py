"""The course's look: projector font sizes, new figures, colour scales, cell labels.

Shared by every picture module in ``edu_cnn.viz``; not part of the public API.
"""
import functools
import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

# Sizes that stay readable when projected in a lecture hall.
RC = {
    "font.size": 12, "axes.titlesize": 12, "axes.labelsize": 12,
    "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 11,
    "figure.titlesize": 14, "axes.grid": False,
}
DIVERGING = "RdBu_r"   # negative blue, zero white, positive red
CLASS_COLORS = ["tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange",
                "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]


def new_figure(figsize):
    """A constrained-layout Figure that pyplot does not keep (closed at once).

    Creating it through pyplot loads the notebook's backend, which tells
    Jupyter how to display a returned Figure.
    """
    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig


def projector_style(func):
    """Build the figure under the course's font sizes."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(RC):
            return func(*args, **kwargs)
    return wrapper


def grid_figure(n, ncols, panel_size, extra_width=0.0, extra_height=0.0):
    """A Figure with n image axes in rows of ncols; returns (fig, axes list)."""
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = new_figure((panel_size * ncols + extra_width, panel_size * nrows + extra_height))
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]
    no_ticks(*axes)
    return fig, axes


def symmetric_limit(a):
    """max |a| (NaN ignored), or 1 for an all-zero or empty array."""
    m = float(np.nanmax(np.abs(a))) if np.size(a) else 0.0
    return m if m > 0 else 1.0


def auto_scale(a, cmap=None):
    """(cmap, vmin, vmax): diverging and centred on 0 if a has both signs."""
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))     # NaN (a diverged model) ignored
    if lo < 0 < hi:
        m = max(-lo, hi)
        return (cmap or DIVERGING), -m, m
    return (cmap or "viridis"), lo, hi


def interpolation(a):
    """Crisp pixels for small images; smoothing for photos (no aliasing when shrunk)."""
    return "nearest" if max(np.shape(a)[:2]) <= 100 else "antialiased"


def robust_limit(a, percentile=99.5):
    """Symmetric colour limit that ignores the few most extreme values (photos)."""
    a = np.abs(np.asarray(a, dtype=float))
    m = float(np.nanpercentile(a, percentile)) if a.size > 1000 else float(np.nanmax(a))
    return m if m > 0 else symmetric_limit(a)


def annotate_cells(ax, values, fmt="{:.3g}", fontsize=11, dark=None, faint=None):
    """Write values[i, j] on cell (i, j); white where ``dark``, light grey where ``faint``."""
    H, W = values.shape
    dark = np.zeros((H, W), bool) if dark is None else dark
    faint = np.zeros((H, W), bool) if faint is None else faint
    for i in range(H):
        for j in range(W):
            color = "0.65" if faint[i, j] else "white" if dark[i, j] else "black"
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center",
                    fontsize=fontsize, color=color)


def is_dark(values, vmin, vmax, cmap_name):
    """Which cells get a dark colour (so their annotation should be white)."""
    t = (np.asarray(values, float) - vmin) / ((vmax - vmin) or 1.0)
    if cmap_name == DIVERGING:
        return np.abs(t - 0.5) > 0.3
    if cmap_name in ("gray", "Greys_r"):
        return t < 0.5
    return t > 0.6          # sequential maps like "Blues": dark at the top


def fit_fontsize(titles, panel_size, largest=11, smallest=6):
    """A title font size (points) so the longest title fits a panel of panel_size inches."""
    longest = max((len(str(t)) for t in titles), default=1)
    return float(np.clip(panel_size * 72 / (0.62 * longest), smallest, largest))


def no_ticks(*axes):
    """Hide the ticks of image axes."""
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
