"""Gradient checking: compare backpropagation with finite differences.

    >>> errors = check_layer(Dense(4, 3, rng=0), x)     # doctest: +SKIP
    >>> errors                                          # doctest: +SKIP
    {'dx': 3.1e-10, 'W': 2.7e-10, 'b': 1.9e-11}

``check_layer`` works on a float64 copy of the layer (the layer you pass is
not touched), so it can be used on a layer from a notebook or a model.
Errors around 1e-7 or smaller mean the backward pass is right; errors of
1e-2 and more mean it is wrong (or an input sits on a kink of ReLU/max).
"""
import copy

import numpy as np

__all__ = ["numerical_gradient", "rel_error", "check_layer", "check_loss"]


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function.

    df/dx[i] ≈ (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps)

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It is called with one float64 array whose entries are
        nudged one at a time, so it must not keep a reference to it.
    x : ndarray of any shape
        The point; not modified (a float64 copy is nudged).
    eps : float, default 1e-6

    Returns
    -------
    grad : ndarray of the shape of x, float64
    """
    x = np.array(x, dtype=np.float64)                  # our own copy
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b):
    """Worst difference between two arrays, relative to their size.

    rel_error(a, b) = max |a − b| / max(max |a|, max |b|)   (0 if both are all zero)

    Relative to the largest entry rather than entry by entry: an entry-wise
    ratio blows up on entries that are (nearly) zero, which says nothing about
    whether the code is right.

    Parameters
    ----------
    a, b : array_like of the same shape

    Returns
    -------
    float
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error expected arrays of the same shape, "
                         f"got {a.shape} and {b.shape}.")
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    if scale == 0:
        return 0.0
    return float(np.abs(a - b).max() / scale)


def check_layer(layer, x, seed=0, eps=1e-6):
    """Worst relative error of a layer's backward pass against finite differences.

    The scalar checked is L = Σ y · dy for a random upstream gradient dy, so
    dL/dx = layer.backward(dy) and dL/dW = layer.grads["W"]. Every evaluation runs on
    a fresh float64 copy of the layer, so a random layer (Dropout) draws the same
    mask each time and the layer passed in is left untouched.

    It costs two forward passes per input entry and per parameter entry: use a
    small layer and a small batch (e.g. Conv2D(2, 3, 3) on (2, 2, 5, 5)).

    Parameters
    ----------
    layer : Layer
    x : ndarray of the layer's input shape, e.g. (N, C, H, W)
        Keep it away from kinks (ReLU at 0, ties in a max-pool window).
    seed : int
        Seed of the random upstream gradient.
    eps : float
        Finite-difference step.

    Returns
    -------
    dict
        ``{"dx": err, "W": err, "b": err}`` — one entry for dx and one per parameter.
    """
    template = copy.deepcopy(layer).astype(np.float64)
    template._cache = None
    x = np.array(x, dtype=np.float64)

    def run(x_in, params=None):
        fresh = copy.deepcopy(template)
        fresh.params.update(params or {})
        return fresh, fresh.forward(x_in, training=True)

    fresh, y = run(x)
    dy = np.random.default_rng(seed).standard_normal(y.shape)   # upstream gradient
    dx = fresh.backward(dy)
    errors = {"dx": rel_error(dx, numerical_gradient(lambda xs: np.sum(run(xs)[1] * dy), x, eps))}
    for key, value in template.params.items():
        numeric = numerical_gradient(lambda p, key=key: np.sum(run(x, {key: p})[1] * dy),
                                     value, eps)
        errors[key] = rel_error(fresh.grads[key], numeric)
    return errors


def check_loss(loss, output, y, eps=1e-6):
    """Worst relative error of ``loss.backward()`` against finite differences.

    Parameters
    ----------
    loss : Loss
    output : ndarray
        Logits (or predictions for MSE), e.g. of shape (N, K).
    y : ndarray
        Labels or targets, as ``loss.forward`` takes them.

    Returns
    -------
    dict
        ``{"dlogits": err}``.
    """
    output = np.array(output, dtype=np.float64)
    fresh = copy.deepcopy(loss)
    fresh.forward(output, y)
    analytic = fresh.backward()
    numeric = numerical_gradient(lambda z: copy.deepcopy(loss).forward(z, y), output, eps)
    return {"dlogits": rel_error(analytic, numeric)}
