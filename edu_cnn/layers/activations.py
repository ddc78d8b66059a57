"""Activation layers: ReLU, LeakyReLU, Sigmoid, Tanh (no parameters; y has the shape of x)."""
import numpy as np

from .. import _checks
from ..functional import sigmoid
from ..threads import chunks, parallel_map
from .base import Layer


class ReLU(Layer):
    """Rectified linear unit: ``y = max(x, 0)``; dy/dx = 1 where x > 0, else 0.

    Forward makes y and the mask ``x > 0`` (where the gradient passes) chunk by
    chunk, a few images at a time on edu_cnn's threads: the second pass reads a
    chunk of x that the first one just left in the core's cache. Backward
    multiplies dy by the mask, chunk by chunk as well.
    """

    def forward(self, x, training=True):
        """x (N, ...) -> y of the same shape."""
        self._check_input(x)
        y, positive = np.empty_like(x), np.empty(x.shape, dtype=bool)

        def forward_chunk(part):
            np.maximum(x[part], 0, out=y[part])
            np.greater(x[part], 0, out=positive[part])

        _by_chunks(forward_chunk, x)
        self._cache = positive
        return y

    def backward(self, dy):
        """dy (N, ...) -> dx of the same shape."""
        positive = self._cached()
        self._check_dy(dy, positive.shape)
        dx = np.empty(dy.shape, dtype=dy.dtype)
        _by_chunks(lambda part: np.multiply(dy[part], positive[part], out=dx[part]), dy)
        return dx


def _by_chunks(fn, x):
    """``fn(part)`` for slices ``part`` of the batch of x, ~``threads.CHUNK_BYTES`` each."""
    if x.ndim == 0 or x.size == 0:
        fn(...)
    else:
        parallel_map(fn, chunks(len(x), x[0].nbytes))


class LeakyReLU(Layer):
    """Leaky ReLU: ``y = x`` where x > 0, else ``alpha · x``.

    Parameters
    ----------
    alpha : float, default 0.01
        Slope for negative inputs.
    """

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = _checks.check_real(alpha, "LeakyReLU", "alpha")

    def forward(self, x, training=True):
        """x (N, ...) -> y of the same shape."""
        self._check_input(x)
        one, alpha = x.dtype.type(1), x.dtype.type(self.alpha)
        slope = (x > 0) * (one - alpha) + alpha            # 1 where x > 0, alpha elsewhere
        self._cache = slope
        return x * slope

    def backward(self, dy):
        slope = self._cached()
        self._check_dy(dy, slope.shape)
        return dy * slope

    def get_config(self):
        return {"alpha": self.alpha}


class Sigmoid(Layer):
    """Logistic sigmoid: ``y = 1 / (1 + exp(-x))``; dy/dx = y · (1 − y)."""

    def forward(self, x, training=True):
        """x (N, ...) -> y of the same shape."""
        self._check_input(x)
        y = sigmoid(x)
        self._cache = y
        return y

    def backward(self, dy):
        y = self._cached()
        self._check_dy(dy, y.shape)
        return dy * y * (1 - y)


class Tanh(Layer):
    """Hyperbolic tangent: ``y = tanh(x)``; dy/dx = 1 − y²."""

    def forward(self, x, training=True):
        """x (N, ...) -> y of the same shape."""
        self._check_input(x)
        y = np.tanh(x)
        self._cache = y
        return y

    def backward(self, dy):
        y = self._cached()
        self._check_dy(dy, y.shape)
        return dy * (1 - y * y)
