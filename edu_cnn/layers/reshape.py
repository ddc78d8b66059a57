"""``Flatten``: (N, C, H, W) -> (N, C·H·W), the bridge from conv layers to dense ones."""
import numpy as np

from .. import _checks
from .base import Layer


class Flatten(Layer):
    """Flatten every sample: (N, C, H, W) -> (N, C·H·W). No parameters."""

    def forward(self, x, training=True):
        """x (N, ...) -> y (N, prod(...))."""
        self._check_input(x)
        self._cache = x.shape
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))   # -1 fails when N = 0

    def backward(self, dy):
        """dy (N, prod(...)) -> dx (N, ...)."""
        x_shape = self._cached()
        self._check_dy(dy, (x_shape[0], int(np.prod(x_shape[1:]))))
        return dy.reshape(x_shape)

    def output_shape(self, input_shape):
        self._check_input_shape(("N",) + tuple(input_shape))
        return (int(np.prod(input_shape)),)

    def _check_input_shape(self, shape):
        if len(shape) < 2:
            raise ValueError(f"Flatten expected input with a batch axis and at least one "
                             f"more, (N, ...), got {_checks.format_shape(shape)}.")
