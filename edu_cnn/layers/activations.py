"""Activation layers: ReLU, LeakyReLU, Sigmoid, Tanh (no parameters; y has the shape of x)."""
import numpy as np

from .. import _checks
from ..functional import sigmoid
from .base import Layer


class ReLU(Layer):
    """Rectified linear unit: ``y = max(x, 0)``; dy/dx = 1 where x > 0, else 0."""

    def forward(self, x, training=True):
        """x (N, ...) -> y of the same shape."""
        self._check_input(x)
        self._cache = x > 0                                # where the gradient passes
        return np.maximum(x, 0)

    def backward(self, dy):
        positive = self._cached()
        self._check_dy(dy, positive.shape)
        return dy * positive


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
