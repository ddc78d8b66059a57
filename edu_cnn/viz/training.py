"""How training went: loss and accuracy curves, and the confusion matrix.

``show_training`` is the static twin of ``widgets.LiveTraining``.
"""
import matplotlib
import numpy as np

from ._style import DIVERGING, annotate_cells, is_dark, new_figure, projector_style
from .images import draw_mosaic, scaled_tiles

__all__ = ["plot_history", "show_training", "plot_confusion_matrix"]


def _history_dict(history):
    h = getattr(history, "history", history)
    if not isinstance(h, dict) or "loss" not in h:
        raise ValueError("plot_history(history) expected a History (from model.fit) or a dict "
                         "with at least a 'loss' list, e.g. {'loss': [...], 'accuracy': [...], "
                         f"'val_loss': [...], 'val_accuracy': [...]}}; got {type(h).__name__}"
                         + (f" with keys {sorted(h)}." if isinstance(h, dict) else "."))
    return h


@projector_style
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
        fig = new_figure((5.5 * len(panels), 4.2))
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


@projector_style
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
    fig = new_figure((15 if weights is not None else 11, 4.6))
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
        tiles, lo, hi = scaled_tiles(w[:, 0], DIVERGING, shared=False)
        draw_mosaic(f_w.add_subplot(), tiles, ncols, lo, hi, DIVERGING)
        f_w.suptitle(f"first-layer filters ({len(w)}, channel 0)")
    return fig


@projector_style
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
    fig = new_figure((0.55 * K + 3.0, 0.55 * K + 2.2))
    ax = fig.add_subplot()
    im = ax.imshow(shown, cmap=cmap, vmin=0, vmax=max(float(shown.max()), 1e-12))
    cb = fig.colorbar(im, ax=ax, shrink=0.8,
                      label="share of the true class" if normalize else "count")
    if normalize:
        cb.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    fmt = "{:.0%}" if normalize else "{:d}"
    annotate_cells(ax, shown, fmt=fmt, fontsize=11 if K <= 10 else 8,
                   dark=is_dark(shown, 0, shown.max() or 1, cmap), faint=cm == 0)
    ax.set_xticks(range(K), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(K), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    acc = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(title if title is not None else f"confusion matrix (accuracy {acc:.1%})")
    return fig
