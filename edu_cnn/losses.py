"""Losses: softmax cross-entropy, binary cross-entropy and mean squared error.

A loss turns the network's raw outputs and the labels into one number, the
mean over the batch, and hands back its gradient::

    loss = SoftmaxCrossEntropy()
    value = loss.forward(logits, y)     # float; logits (N, K), y int class ids (N,)
    dlogits = loss.backward()           # (N, K), same dtype as logits

The cross-entropies take *logits* (no softmax/sigmoid layer in front) so they
can be computed stably for any logits, even ±1e4.
"""
import numpy as np

from . import _checks
from .functional import log_softmax, sigmoid

__all__ = ["Loss", "SoftmaxCrossEntropy", "BinaryCrossEntropy", "MeanSquaredError", "get",
           "LOSSES"]


class Loss:
    """Base class: ``forward(output, y) -> float`` then ``backward() -> d output``."""

    _cache = None               # what forward stored for backward

    def __call__(self, output, y):
        return self.forward(output, y)

    def backward(self):
        """Gradient of the last ``forward`` value with respect to its first argument."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() was called before "
                               f"forward(): run forward(output, y) first.")
        return self._backward(*self._cache)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _check_logits(self, z, ndim_ok, expected):
        """Float logits with an allowed number of axes, all finite."""
        who = type(self).__name__
        _checks.check_floating(z, who, "logits")
        if z.ndim not in ndim_ok:
            raise ValueError(f"{who} expected logits of shape {expected}, "
                             f"got {_checks.format_shape(z.shape)}.")
        if z.size == 0:
            raise ValueError(f"{who} expected at least one sample, got logits of shape "
                             f"{_checks.format_shape(z.shape)}.")
        _checks.check_finite(z, who, "logits", " Training has probably diverged: "
                             "try a smaller learning rate.")


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by cross-entropy, from logits, averaged over the batch.

    L = −(1/N) Σ_n log softmax(z_n)[y_n],   dL/dz = (softmax(z) − onehot(y)) / N
    """

    def forward(self, logits, y):
        """
        Parameters
        ----------
        logits : ndarray of shape (N, K)
        y : ndarray of shape (N,), int class ids in 0..K−1

        Returns
        -------
        float
        """
        self._check_logits(logits, (2,), "(N, K)")
        y = _checks.check_class_labels(y, *logits.shape, who="SoftmaxCrossEntropy")
        log_p = log_softmax(logits)                          # (N, K)
        self._cache = (log_p, y)
        return float(-log_p[np.arange(len(y)), y].mean())

    def _backward(self, log_p, y):
        N = len(y)
        dlogits = np.exp(log_p)                              # softmax, (N, K)
        dlogits[np.arange(N), y] -= 1
        return dlogits / log_p.dtype.type(N)


class BinaryCrossEntropy(Loss):
    """Sigmoid followed by binary cross-entropy, from logits, averaged over the batch.

    L = (1/N) Σ_n [max(z, 0) − z·y + log(1 + exp(−|z|))]   (stable form of
    −y·log σ(z) − (1 − y)·log(1 − σ(z))),   dL/dz = (σ(z) − y) / N
    """

    def forward(self, logits, y):
        """
        Parameters
        ----------
        logits : ndarray of shape (N,) or (N, 1)
        y : ndarray of shape (N,) or (N, 1), labels 0/1 (floats in [0, 1] allowed)

        Returns
        -------
        float
        """
        self._check_logits(logits, (1, 2), "(N,) or (N, 1)")
        if logits.ndim == 2 and logits.shape[1] != 1:
            raise ValueError(f"BinaryCrossEntropy expected logits of shape (N,) or (N, 1), got "
                             f"{_checks.format_shape(logits.shape)}. For {logits.shape[1]} "
                             f"classes use SoftmaxCrossEntropy.")
        y = self._check_labels(y, logits)
        z = logits
        losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        self._cache = (z, y)
        return float(losses.mean())

    def _backward(self, z, y):
        return (sigmoid(z) - y) / z.dtype.type(z.size)

    def _check_labels(self, y, logits):
        """Labels as an array shaped like ``logits``, in logits' dtype."""
        who = "BinaryCrossEntropy"
        y = np.asarray(y)
        if y.dtype.kind not in "iubf":
            raise TypeError(f"{who} expected numeric labels 0/1, got dtype {y.dtype}.")
        _checks.check_lengths(len(logits), len(y) if y.ndim else 0, who, "logits", "labels y")
        if y.size != logits.size:
            raise ValueError(f"{who} expected labels y of shape (N,) or (N, 1), "
                             f"got {_checks.format_shape(y.shape)}.")
        if y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError(f"{who} expected labels in [0, 1], got values from "
                             f"{y.min()} to {y.max()}.")
        return y.reshape(logits.shape).astype(logits.dtype)


class MeanSquaredError(Loss):
    """Mean squared error over every element (PyTorch's ``MSELoss()``, Keras' ``mse``).

    L = (1/(N·D)) Σ (ŷ − y)²,   dL/dŷ = 2 (ŷ − y) / (N·D)
    """

    def forward(self, predictions, y):
        """
        Parameters
        ----------
        predictions : ndarray of shape (N, ...)
        y : ndarray of the same shape (or (N,) when predictions are (N, 1))

        Returns
        -------
        float
        """
        who = "MeanSquaredError"
        _checks.check_floating(predictions, who, "predictions")
        y = np.asarray(y)
        if y.dtype.kind not in "iubf":
            raise TypeError(f"{who} expected numeric targets y, got dtype {y.dtype}.")
        if y.shape != predictions.shape and not (
                y.ndim == 1 and predictions.shape == (len(y), 1)):
            raise ValueError(f"{who} expected targets y of shape "
                             f"{_checks.format_shape(predictions.shape)} (the predictions' "
                             f"shape), got {_checks.format_shape(y.shape)}.")
        if predictions.size == 0:
            raise ValueError(f"{who} expected at least one prediction, got shape "
                             f"{_checks.format_shape(predictions.shape)}.")
        diff = predictions - y.reshape(predictions.shape).astype(predictions.dtype)
        self._cache = (diff,)
        return float(np.mean(diff * diff))

    def _backward(self, diff):
        return 2 * diff / diff.dtype.type(diff.size)


LOSSES = {
    "cross_entropy": SoftmaxCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
    "bce": BinaryCrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
}


def get(name_or_loss):
    """A loss object from a name (``"cross_entropy"``, ``"bce"``, ``"mse"``) or a loss.

    A loss instance is returned unchanged; a loss class is instantiated.
    """
    if isinstance(name_or_loss, Loss) or (
            hasattr(name_or_loss, "forward") and hasattr(name_or_loss, "backward")
            and not isinstance(name_or_loss, type)):
        return name_or_loss
    if isinstance(name_or_loss, type) and issubclass(name_or_loss, Loss):
        return name_or_loss()
    if not isinstance(name_or_loss, str):
        raise TypeError(f"losses.get expected a loss name or a Loss, "
                        f"got {type(name_or_loss).__name__}.")
    name = _checks.check_choice(name_or_loss, list(LOSSES), "losses.get", "loss")
    return LOSSES[name]()
