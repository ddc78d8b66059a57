"""Activation functions and decision boundaries (notebook 01)."""
import numpy as np

from ..functional import sigmoid
from ._style import CLASS_COLORS, DIVERGING, new_figure, projector_style

__all__ = ["plot_activation", "plot_activation_functions", "plot_decision_boundary"]


def _activation(name, x, alpha):
    """(f(x), f'(x), formula) for a named activation; x of shape (M,)."""
    key = str(name).lower().replace("_", "").replace(" ", "")
    if key == "sigmoid":
        s = sigmoid(x)
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


@projector_style
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
    fig = new_figure((5.5, 4.2))
    _draw_activation(fig.add_subplot(), name, x_range, alpha)
    return fig


@projector_style
def plot_activation_functions(names=("sigmoid", "tanh", "relu", "leaky_relu"),
                              x_range=(-5.0, 5.0), alpha=0.1):
    """Several activation functions side by side, each with its derivative.

    Shows why sigmoid/tanh gradients vanish (f' → 0 for large |x|; sigmoid's
    f' ≤ 0.25) and ReLU's do not for x > 0.

    Returns
    -------
    fig : Figure with len(names) axes, each holding 2 lines (f, f').
    """
    fig = new_figure((4.2 * len(names), 4.0))
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


@projector_style
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
        ax = new_figure((5.5, 4.5)).add_subplot()
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
