"""``Dense``: the fully connected layer, ``y = x @ W + b``."""
import numpy as np

from .. import _checks
from ..threads import parallel_matmul
from .base import Layer


class Dense(Layer):
    """Fully connected layer: ``y = x @ W + b``.

    Its three products (y, dW, dx) are cut into blocks on edu_cnn's threads
    (``threads.parallel_matmul``) when they are large.

    Parameters
    ----------
    in_features, out_features : int
    init : str or callable, default "he_normal"
        Initialiser of ``W`` (see ``edu_cnn.init``); ``b`` starts at zero.
    rng : numpy.random.Generator, int or None
    dtype : float32 or float64, default float32
        dtype of the parameters.

    Attributes
    ----------
    params["W"] : ndarray of shape (in_features, out_features)
    params["b"] : ndarray of shape (out_features,)
    """

    _positional = ("in_features", "out_features")

    def __init__(self, in_features, out_features, init="he_normal", rng=None, dtype=np.float32):
        super().__init__()
        shapes = self.param_shapes(in_features, out_features)          # checks both
        self.in_features, self.out_features = shapes["W"]
        dtype = _checks.check_float_dtype(dtype, "Dense")
        self._init_params(init, rng, dtype, **shapes)

    @staticmethod
    def param_shapes(in_features, out_features, **config):
        """``{"W": (in_features, out_features), "b": (out_features,)}``, arguments checked."""
        in_features = _checks.check_positive_int(in_features, "Dense", "in_features")
        out_features = _checks.check_positive_int(out_features, "Dense", "out_features")
        return {"W": (in_features, out_features), "b": (out_features,)}

    def forward(self, x, training=True):
        """x (N, in_features) -> y (N, out_features)."""
        self._check_input(x)
        W, b = self._params_as(x.dtype)                    # compute in the input's dtype
        self._cache = x
        y = parallel_matmul(x, W)                          # (N, in) @ (in, out) -> (N, out)
        y += b
        return y

    def backward(self, dy, input_grad=True):
        """dy (N, out_features) -> dx (N, in_features); fills grads["W"] and grads["b"].

        ``input_grad=False`` fills the grads only and returns None (for a first layer).
        """
        x = self._cached()
        self._check_dy(dy, (x.shape[0], self.out_features))
        dy = dy.astype(x.dtype, copy=False)
        W, _ = self._params_as(x.dtype)
        self.grads["W"] = parallel_matmul(x.T, dy)         # (in, N) @ (N, out)
        self.grads["b"] = dy.sum(axis=0)                   # (out,)
        self._grads_to_param_dtype()
        return parallel_matmul(dy, W.T) if input_grad else None   # (N, out) @ (out, in)

    def output_shape(self, input_shape):
        self._check_input_shape(("N",) + tuple(input_shape))
        return (self.out_features,)

    def get_config(self):
        return {"in_features": self.in_features, "out_features": self.out_features,
                "dtype": self.params["W"].dtype.name}

    def _who(self):
        return f"Dense(in_features={self.in_features})"

    def _check_input_shape(self, shape):
        hint = ""
        if len(shape) > 2:
            hint = (" Add a Flatten() layer before Dense to turn (N, C, H, W) images "
                    "into (N, C·H·W) vectors.")
        elif len(shape) == 1:
            hint = " A single sample needs a batch axis: x[np.newaxis]."
        _checks.check_shape(shape, ("N", self.in_features), self._who(), "input", hint)
