"""``Conv2D``: a thin class over ``ops.conv`` (the formula is in that module's docstring)."""
import numpy as np

from .. import _checks
from ..ops import conv, geometry
from .base import Layer


class Conv2D(Layer):
    """2-D convolution (cross-correlation) of a batch of images with learned filters.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int, (int, int), "valid" or "same", default 0
        "same" needs stride 1; for an even kernel the extra row/column of zeros
        goes at the bottom/right.
    init : str or callable, default "he_normal"
        Initialiser of ``W`` (see ``edu_cnn.init``); ``b`` starts at zero.
    rng : numpy.random.Generator, int or None
    dtype : float32 or float64, default float32

    Attributes
    ----------
    params["W"] : ndarray of shape (out_channels, in_channels, KH, KW)
    params["b"] : ndarray of shape (out_channels,)
    """

    _positional = ("in_channels", "out_channels")

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 init="he_normal", rng=None, dtype=np.float32):
        super().__init__()
        shapes = self.param_shapes(in_channels, out_channels, kernel_size)   # checks them
        self.out_channels, self.in_channels, *kernel = shapes["W"]
        self.kernel_size = tuple(kernel)
        self.stride = geometry.pair(stride, "Conv2D stride")
        geometry.resolve_padding(padding, self.kernel_size, self.stride, "Conv2D")  # validates
        self.padding = tuple(padding) if isinstance(padding, list) else padding
        dtype = _checks.check_float_dtype(dtype, "Conv2D")
        self._init_params(init, rng, dtype, **shapes)

    @staticmethod
    def param_shapes(in_channels, out_channels, kernel_size, **config):
        """``{"W": (out_channels, in_channels, KH, KW), "b": (out_channels,)}``, checked."""
        in_channels = _checks.check_positive_int(in_channels, "Conv2D", "in_channels")
        out_channels = _checks.check_positive_int(out_channels, "Conv2D", "out_channels")
        kernel = geometry.pair(kernel_size, "Conv2D kernel_size")
        return {"W": (out_channels, in_channels) + kernel, "b": (out_channels,)}

    def forward(self, x, training=True):
        """x (N, in_channels, H, W) -> y (N, out_channels, H_out, W_out)."""
        self._check_input(x)
        W, b = self._params_as(x.dtype)                    # compute in the input's dtype
        return self._keep(conv.conv2d_forward(x, W, b, self.stride, self.padding))

    def backward(self, dy, input_grad=True):
        """dy (N, out_channels, H_out, W_out) -> dx (N, in_channels, H, W); fills grads.

        ``input_grad=False`` fills the grads only and returns None (for a first layer).
        """
        dx, self.grads["W"], self.grads["b"] = conv.conv2d_backward(dy, self._kernel_cache(dy),
                                                                    input_grad)
        self._grads_to_param_dtype()
        return dx

    def output_shape(self, input_shape):
        self._check_input_shape(("N",) + tuple(input_shape))
        H_out, W_out = geometry.conv_output_shape(*input_shape[1:], self.kernel_size,
                                                  self.stride, self.padding, "Conv2D")
        return (self.out_channels, H_out, W_out)

    def get_config(self):
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": self.kernel_size, "stride": self.stride,
                "padding": self.padding, "dtype": self.params["W"].dtype.name}

    def _who(self):
        return f"Conv2D(in_channels={self.in_channels})"

    def _check_input_shape(self, shape):
        hint = _checks.image_layout_hint(shape, self.in_channels)
        _checks.check_shape(shape, ("N", self.in_channels, "H", "W"), self._who(), "input", hint)
        self._check_batch_not_empty(shape)
        geometry.conv_output_shape(shape[2], shape[3], self.kernel_size, self.stride,
                                   self.padding, "Conv2D")   # kernel larger than padded input?
