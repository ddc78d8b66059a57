"""``MaxPool2D`` and ``AvgPool2D``: thin classes over ``ops.pool`` (formulas in its docstring).

Their ``forward``/``backward`` have the same shape on purpose: each names the
kernel it runs, so a reader gets from the layer to the loop in one step.
"""
from .. import _checks
from ..ops import geometry, pool
from .base import Layer


class _Pool2D(Layer):
    """What MaxPool2D and AvgPool2D share: a window slides over each channel (no padding).

    Parameters
    ----------
    pool_size : int or (int, int)
    stride : int, (int, int) or None, default None
        None means stride = pool_size (windows side by side); smaller strides overlap.
    """

    def __init__(self, pool_size, stride=None):
        super().__init__()
        kind = type(self).__name__
        self.pool_size = geometry.pair(pool_size, f"{kind} pool_size")
        self.stride = self.pool_size if stride is None else geometry.pair(stride, f"{kind} stride")

    def output_shape(self, input_shape):
        self._check_input_shape(("N",) + tuple(input_shape))
        C, H, W = input_shape
        return (C,) + geometry.pool_output_shape(H, W, self.pool_size, self.stride,
                                                 type(self).__name__)

    def get_config(self):
        return {"pool_size": self.pool_size, "stride": self.stride}

    def _who(self):
        return f"{type(self).__name__}(pool_size={self.pool_size})"

    def _check_input_shape(self, shape):
        hint = ""
        if len(shape) == 3:
            hint = (" Add the batch axis with x[np.newaxis] for one image (C, H, W), "
                    "or the channel axis with x[:, np.newaxis] for a batch (N, H, W).")
        _checks.check_shape(shape, ("N", "C", "H", "W"), self._who(), "input", hint)
        self._check_batch_not_empty(shape)
        geometry.pool_output_shape(shape[2], shape[3], self.pool_size, self.stride,
                                   type(self).__name__)  # window larger than input?


class MaxPool2D(_Pool2D):
    """Max pooling; backward routes each gradient to its window's first maximum. No parameters."""

    def forward(self, x, training=True):
        """x (N, C, H, W) -> y (N, C, H_out, W_out)."""
        self._check_input(x)
        return self._keep(pool.maxpool2d_forward(x, self.pool_size, self.stride))

    def backward(self, dy):
        """dy (N, C, H_out, W_out) -> dx (N, C, H, W)."""
        return pool.maxpool2d_backward(dy, self._kernel_cache(dy))


class AvgPool2D(_Pool2D):
    """Average pooling; backward spreads each gradient evenly over its window. No parameters."""

    def forward(self, x, training=True):
        """x (N, C, H, W) -> y (N, C, H_out, W_out)."""
        self._check_input(x)
        return self._keep(pool.avgpool2d_forward(x, self.pool_size, self.stride))

    def backward(self, dy):
        """dy (N, C, H_out, W_out) -> dx (N, C, H, W)."""
        return pool.avgpool2d_backward(dy, self._kernel_cache(dy))
