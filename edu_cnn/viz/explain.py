"""Pictures of notebook 08: your digit and the network, explanation maps, FGSM, receptive fields.

The static twins of ``widgets.DrawDigit`` (``show_drawn_digit``), ``widgets.FGSMViewer``
(``show_fgsm``) and ``widgets.ReceptiveFieldViewer`` (``show_receptive_field``).
"""
import numpy as np
from matplotlib.patches import Rectangle

from ._shapes import as_2d
from ._style import auto_scale, new_figure, no_ticks, projector_style
from .explorer import _draw_probabilities
from .images import draw_mosaic

__all__ = ["show_drawn_digit", "show_explanations", "show_fgsm", "plot_fgsm_curve",
           "show_receptive_field", "plot_receptive_field_growth"]


def _maps_panel(ax, name, maps):
    """One layer's feature maps (C, H, W) tiled in rows of 4 (up to 8 maps) or 8."""
    maps = np.asarray(maps)
    cmap, lo, hi = auto_scale(maps)
    draw_mosaic(ax, maps, min(4 if len(maps) <= 8 else 8, len(maps)), lo, hi, cmap)
    ax.set_title(f"{name}: {maps.shape[0]} maps {maps.shape[1]}×{maps.shape[2]}")


@projector_style
def show_drawn_digit(drawing, digit, conv_maps, probs, class_names=None):
    """What the network makes of a drawing: the drawing | its 28×28 input | maps | probabilities.

    Parameters
    ----------
    drawing : ndarray of shape (H, W) in [0, 1], the raw drawing (or None to leave it out)
    digit : ndarray of shape (28, 28) (or (1, 28, 28)), the MNIST-like input (``data.to_mnist``)
    conv_maps : dict layer name -> ndarray of shape (C, H', W'), e.g. each Conv2D's output
    probs : ndarray of shape (K,), the predicted probabilities

    Returns
    -------
    fig : Figure with axes: [drawing,] input, one per conv layer, probabilities.
    """
    digit = as_2d(digit, "show_drawn_digit", "digit")
    panels = ([] if drawing is None else [1.0]) + [1.0] + [2.0] * len(conv_maps) + [1.5]
    fig = new_figure((1.3 * sum(panels), 3.0))
    axes = fig.subplots(1, len(panels), width_ratios=panels)
    k = 0
    if drawing is not None:
        axes[0].imshow(as_2d(drawing, "show_drawn_digit", "drawing"), cmap="gray", vmin=0,
                       vmax=1)
        axes[0].set_title("your drawing")
        k = 1
    axes[k].imshow(digit, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[k].set_title("28×28 input")
    no_ticks(*axes[:k + 1])
    for ax, (name, maps) in zip(axes[k + 1:-1], conv_maps.items()):
        _maps_panel(ax, name, maps)
    _draw_probabilities(axes[-1], np.asarray(probs).ravel(), class_names, None)
    return fig


def _overlay(ax, image, heat, title, cmap="inferno"):
    """A grey digit with a heat map over it (alpha 0.6), heat scaled to its own maximum."""
    ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    top = float(np.max(heat)) or 1.0
    ax.imshow(heat, cmap=cmap, vmin=0, vmax=top, alpha=0.6, interpolation="nearest")
    ax.set_title(title)
    no_ticks(ax)


@projector_style
def show_explanations(images, maps, titles=None, panel_size=1.9):
    """One row per digit: the digit, then each method's map over it.

    Parameters
    ----------
    images : ndarray of shape (N, 1, H, W) or (N, H, W)
    maps : dict method name -> ndarray of shape (N, H, W) (each map scaled to its own max;
        occlusion's negative drops, where hiding helps, are shown as 0)
    titles : list of N str, optional, one per row (e.g. "7 (98%)")

    Returns
    -------
    fig : Figure with N × (1 + len(maps)) axes, row by row.
    """
    images = np.asarray(images).reshape(len(images), *np.shape(images)[-2:])
    ncols = 1 + len(maps)
    fig = new_figure((panel_size * ncols, panel_size * len(images) + 0.3))
    axes = np.asarray(fig.subplots(len(images), ncols, squeeze=False))
    for n, image in enumerate(images):
        axes[n, 0].imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[n, 0].set_title(titles[n] if titles else "input")
        no_ticks(axes[n, 0])
        for ax, (method, m) in zip(axes[n, 1:], maps.items()):
            _overlay(ax, image, np.maximum(m[n], 0), method if n == 0 else "")
    return fig


@projector_style
def show_fgsm(image, adversarial, probs, probs_adv, epsilon, class_names=None):
    """FGSM on one digit: input | perturbation | adversarial image | both probability charts.

    image, adversarial : ndarray of shape (H, W) or (1, H, W); probs, probs_adv : (K,).
    Returns a Figure with 5 axes in that order (the last two: clean, adversarial probs).
    """
    image, adv = as_2d(image, "show_fgsm", "image"), as_2d(adversarial, "show_fgsm", "adversarial")
    fig = new_figure((10, 2.8))
    axes = fig.subplots(1, 5, width_ratios=[1, 1, 1, 1.4, 1.4])
    delta = adv - image
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title("input")
    m = max(float(np.abs(delta).max()), 1e-12)
    axes[1].imshow(delta, cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
    axes[1].set_title(f"change (ε = {epsilon:.2f})")
    axes[2].imshow(adv, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[2].set_title("input + change")
    no_ticks(*axes[:3])
    _draw_probabilities(axes[3], probs, class_names, None)
    _draw_probabilities(axes[4], probs_adv, class_names, None)
    axes[3].set_title("before: " + axes[3].get_title().split(": ", 1)[1])
    axes[4].set_title("after: " + axes[4].get_title().split(": ", 1)[1])
    return fig


@projector_style
def plot_fgsm_curve(epsilons, accuracies, title="Test accuracy under FGSM"):
    """Accuracy (E,) against ε (E,): a line with a marker per measured point."""
    fig = new_figure((6, 3.6))
    ax = fig.add_subplot()
    ax.plot(epsilons, np.asarray(accuracies) * 100, "o-", color="tab:red")
    ax.set_xlabel("ε (change per pixel, pixels in [0, 1])")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    return fig


def _box(ax, box, color, label=None, lw=2.0):
    """Draw rows top..bottom−1, cols left..right−1 as a rectangle on pixel edges."""
    top, bottom, left, right = box
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False,
                           edgecolor=color, linewidth=lw, label=label))


@projector_style
def show_receptive_field(image, maps, unit, box, layer_name, channel=0):
    """Click a unit, see what it sees: the input with the unit's box | the feature map.

    image : (H, W); maps : (C, H', W') of ``layer_name``; unit : (i, j);
    box : (top, bottom, left, right) from ``explain.receptive_field``.
    Returns a Figure with 2 axes: input, feature map (channel ``channel``).
    """
    image = as_2d(image, "show_receptive_field", "image")
    fig = new_figure((8, 4))
    ax_in, ax_map = fig.subplots(1, 2)
    ax_in.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    _box(ax_in, box, "tab:orange")
    size = f"{box[1] - box[0]}×{box[3] - box[2]}"
    ax_in.set_title(f"input: rows {box[0]}–{box[1] - 1}, cols {box[2]}–{box[3] - 1} ({size})")
    fmap = np.asarray(maps)[channel]
    cmap, lo, hi = auto_scale(fmap)
    ax_map.imshow(fmap, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    i, j = unit
    _box(ax_map, (i, i + 1, j, j + 1), "tab:orange", lw=3)
    ax_map.set_title(f"{layer_name}, channel {channel}: unit ({i}, {j})")
    no_ticks(ax_in, ax_map)
    return fig


@projector_style
def plot_receptive_field_growth(growth, image=None):
    """Receptive field size per layer: bars, and (with ``image``) nested boxes on a digit.

    growth : list of (layer name, size, jump) from ``explain.receptive_field_growth``.
    Returns a Figure with 1 axes (bars) or 2 (bars, digit with one box per size).
    """
    fig = new_figure((10 if image is not None else 6.5, 3.8))
    axes = fig.subplots(1, 2 if image is not None else 1, squeeze=False,
                        width_ratios=[1.6, 1] if image is not None else None)[0]
    names = [g[0] for g in growth]
    sizes = [g[1] for g in growth]
    axes[0].barh(range(len(names)), sizes, color="tab:orange")
    axes[0].set_yticks(range(len(names)), names)
    axes[0].invert_yaxis()
    for k, (size, jump) in enumerate((g[1], g[2]) for g in growth):
        axes[0].text(size + 0.3, k, f"{size}×{size}, jump {jump}", va="center")
    axes[0].set_xlabel("receptive field (input pixels per side)")
    axes[0].set_xlim(0, max(sizes) * 1.6)
    if image is not None:
        image = as_2d(image, "plot_receptive_field_growth", "image")
        axes[1].imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        c = image.shape[0] // 2
        colors = ["tab:blue", "tab:green", "tab:red", "tab:purple", "tab:orange"]
        for k, size in enumerate(sorted(set(sizes))):
            _box(axes[1], (c - size // 2, c - size // 2 + size, c - size // 2,
                           c - size // 2 + size), colors[k % len(colors)], f"{size}×{size}")
        axes[1].legend(loc="lower center", bbox_to_anchor=(0.5, -0.32), ncol=3, fontsize=9)
        axes[1].set_title("one unit's view, per layer")
        no_ticks(axes[1])
    return fig
