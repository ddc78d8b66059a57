"""Layers: each a thin class with ``forward`` and ``backward`` read together.

A layer keeps its parameters in ``params`` and their gradients, under the
same keys, in ``grads``::

    layer = Dense(4, 3, rng=np.random.default_rng(0))
    y = layer.forward(x, training=True)    # (N, 3); caches exactly what backward needs
    dx = layer.backward(dy)                # fills layer.grads["W"], ["b"]; returns dL/dx

Parameters are float32 unless ``dtype=np.float64`` is given; a layer computes
in the dtype of its input and stores gradients in the dtype of its parameters.
Inputs are checked first, so mistakes raise a clear ValueError/TypeError such
as ``Dense(in_features=784) expected input of shape (N, 784), got (64, 1, 28, 28).``
"""
import numpy as np

from . import _checks
from . import init as initializers
from .functional import sigmoid
from .ops import conv, geometry, pool

__all__ = ["Layer", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "ReLU",
           "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "LAYER_TYPES"]


class Layer:
    """Base class: bookkeeping shared by every layer.

    Attributes
    ----------
    name : str or None
        Set by ``Sequential`` ("conv2d", "dense_1", ...) if left None.
    params : dict of str -> ndarray
        Trainable arrays, e.g. ``{"W": ..., "b": ...}``; ``{}`` if none.
    grads : dict of str -> ndarray
        Gradients of the loss with respect to ``params`` (same keys and shapes),
        zeros until ``backward`` runs.
    trainable : bool
        Optimisers skip layers with ``trainable = False``.
    """

    trainable = True
    _positional = ()            # config keys shown without "key=" in repr

    def __init__(self):
        self.name = None
        self.params = {}
        self.grads = {}
        self._cache = None

    def __call__(self, x, training=True):
        return self.forward(x, training=training)

    def forward(self, x, training=True):
        """Compute the output for a batch ``x`` and cache what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, dy):
        """Given dL/dy, fill ``self.grads`` and return dL/dx."""
        raise NotImplementedError

    def output_shape(self, input_shape):
        """Output shape for ``input_shape`` (both without the batch axis).

        Raises the same errors as ``forward`` would for such an input.
        """
        self._check_input_shape(("N",) + tuple(input_shape))
        return tuple(input_shape)

    def num_params(self):
        """Number of scalar parameters."""
        return int(sum(p.size for p in self.params.values()))

    def get_config(self):
        """JSON-able constructor arguments (``type(self)(**config)`` rebuilds the layer)."""
        return {}

    def astype(self, dtype):
        """Cast parameters and gradients to float32 or float64; returns ``self``.

        Arrays already of that dtype are kept (so an optimiser's state stays attached).
        """
        dtype = _checks.check_float_dtype(dtype, f"{type(self).__name__}.astype")
        for key in self.params:
            self.params[key] = self.params[key].astype(dtype, copy=False)
            self.grads[key] = self.grads[key].astype(dtype, copy=False)
        return self

    def __repr__(self):
        config = {k: tuple(v) if isinstance(v, list) else v
                  for k, v in self.get_config().items()}
        if config.get("dtype") == "float32":
            del config["dtype"]
        args = [repr(config.pop(k)) for k in self._positional]
        args += [f"{k}={v!r}" for k, v in config.items()]
        return f"{type(self).__name__}({', '.join(args)})"

    # -- helpers for subclasses -------------------------------------------------

    def _who(self):
        """How error messages name this layer, e.g. ``Dense(in_features=4)``."""
        return type(self).__name__

    def _check_input_shape(self, shape):
        """Raise a clear ValueError if ``shape`` (batch axis included) does not fit."""

    def _check_input(self, x):
        """Check dtype (float32/float64) and shape of a forward input."""
        _checks.check_floating(x, self._who())
        self._check_input_shape(x.shape)
        return x

    def _cached(self):
        """What forward stored for backward; a RuntimeError if forward never ran."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() was called before "
                               f"forward(): run forward(x) first, it stores what "
                               f"backward needs.")
        return self._cache

    def _check_dy(self, dy, expected_shape):
        """dL/dy must be a float array with the shape forward returned."""
        who = f"{type(self).__name__}.backward"
        _checks.check_floating(dy, who, "dy")
        _checks.check_shape(dy.shape, expected_shape, who, "dy",
                            " dy must have the shape of forward's output.")

    def _init_params(self, init, rng, dtype, **shapes):
        """Create ``params`` (weights ``W`` from ``init``, biases ``b`` zero) and zero ``grads``."""
        init_fn = initializers.get(init, type(self).__name__)
        rng = _checks.as_rng(rng, type(self).__name__)
        W = np.asarray(init_fn(shapes["W"], rng=rng, dtype=dtype), dtype=dtype)
        _checks.check_shape(W.shape, shapes["W"], f"{type(self).__name__} init", "weights")
        self.params = {"W": W, "b": np.zeros(shapes["b"], dtype=dtype)}
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}

    def _params_as(self, dtype):
        """``W, b`` in the computation dtype (no copy when it already matches)."""
        return self.params["W"].astype(dtype, copy=False), self.params["b"].astype(dtype, copy=False)

    def _set_grads(self, **grads):
        """Store gradients in their parameter's dtype."""
        for key, grad in grads.items():
            self.grads[key] = grad.astype(self.params[key].dtype, copy=False)


# --------------------------------------------------------------------------- Dense


class Dense(Layer):
    """Fully connected layer: ``y = x @ W + b``.

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
        self.in_features = _checks.check_positive_int(in_features, "Dense", "in_features")
        self.out_features = _checks.check_positive_int(out_features, "Dense", "out_features")
        dtype = _checks.check_float_dtype(dtype, "Dense")
        self._init_params(init, rng, dtype, W=(self.in_features, self.out_features),
                          b=(self.out_features,))

    def forward(self, x, training=True):
        """
        Parameters
        ----------
        x : ndarray of shape (N, in_features)

        Returns
        -------
        y : ndarray of shape (N, out_features)
        """
        self._check_input(x)
        W, b = self._params_as(x.dtype)
        self._cache = x
        return x @ W + b                                   # (N, in) @ (in, out) -> (N, out)

    def backward(self, dy):
        """
        Parameters
        ----------
        dy : ndarray of shape (N, out_features)

        Returns
        -------
        dx : ndarray of shape (N, in_features)
        """
        x = self._cached()
        self._check_dy(dy, (x.shape[0], self.out_features))
        W, _ = self._params_as(x.dtype)
        self._set_grads(W=x.T @ dy,                        # (in, N) @ (N, out)
                        b=dy.sum(axis=0))                  # (out,)
        return (dy @ W.T).astype(x.dtype, copy=False)      # (N, out) @ (out, in)

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


# --------------------------------------------------------------------------- Conv2D


class Conv2D(Layer):
    """2-D convolution (cross-correlation) of a batch of images with learned filters.

    y[n, f, i, j] = b[f] + Σ_{c,u,v} W[f, c, u, v] · x_pad[n, c, i·SH + u, j·SW + v]

    A thin class over ``ops.conv.conv2d_forward`` / ``conv2d_backward``.

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
        self.in_channels = _checks.check_positive_int(in_channels, "Conv2D", "in_channels")
        self.out_channels = _checks.check_positive_int(out_channels, "Conv2D", "out_channels")
        self.kernel_size = geometry.pair(kernel_size, "Conv2D kernel_size")
        self.stride = geometry.pair(stride, "Conv2D stride")
        geometry.resolve_padding(padding, self.kernel_size, self.stride, "Conv2D")  # validates
        self.padding = tuple(padding) if isinstance(padding, list) else padding
        dtype = _checks.check_float_dtype(dtype, "Conv2D")
        self._init_params(init, rng, dtype, b=(self.out_channels,),
                          W=(self.out_channels, self.in_channels) + self.kernel_size)

    def forward(self, x, training=True):
        """
        Parameters
        ----------
        x : ndarray of shape (N, in_channels, H, W)

        Returns
        -------
        y : ndarray of shape (N, out_channels, H_out, W_out)
        """
        self._check_input(x)
        W, b = self._params_as(x.dtype)
        y, cache = conv.conv2d_forward(x, W, b, self.stride, self.padding)
        self._cache = (y.shape, cache)
        return y

    def backward(self, dy):
        """
        Parameters
        ----------
        dy : ndarray of shape (N, out_channels, H_out, W_out)

        Returns
        -------
        dx : ndarray of shape (N, in_channels, H, W)
        """
        y_shape, cache = self._cached()
        self._check_dy(dy, y_shape)
        dx, dW, db = conv.conv2d_backward(dy, cache)
        self._set_grads(W=dW, b=db)
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
        geometry.conv_output_shape(shape[2], shape[3], self.kernel_size, self.stride,
                                   self.padding, "Conv2D")   # kernel larger than padded input?


# --------------------------------------------------------------------------- pooling


class _Pool2D(Layer):
    """Shared by MaxPool2D and AvgPool2D: a window slides over each channel (no padding).

    Parameters
    ----------
    pool_size : int or (int, int)
    stride : int, (int, int) or None, default None
        None means stride = pool_size (windows side by side); smaller strides overlap.
    """

    _kernels = None             # (forward, backward) from ops.pool

    def __init__(self, pool_size, stride=None):
        super().__init__()
        kind = type(self).__name__
        self.pool_size = geometry.pair(pool_size, f"{kind} pool_size")
        self.stride = self.pool_size if stride is None else geometry.pair(stride, f"{kind} stride")

    def forward(self, x, training=True):
        """
        Parameters
        ----------
        x : ndarray of shape (N, C, H, W)

        Returns
        -------
        y : ndarray of shape (N, C, H_out, W_out), H_out = (H − PH) // SH + 1
        """
        self._check_input(x)
        y, cache = self._kernels[0](x, self.pool_size, self.stride)
        self._cache = (y.shape, cache)
        return y

    def backward(self, dy):
        """
        Parameters
        ----------
        dy : ndarray of shape (N, C, H_out, W_out)

        Returns
        -------
        dx : ndarray of shape (N, C, H, W)
        """
        y_shape, cache = self._cached()
        self._check_dy(dy, y_shape)
        return self._kernels[1](dy, cache)

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
        geometry.pool_output_shape(shape[2], shape[3], self.pool_size, self.stride,
                                   type(self).__name__)  # window larger than input?


class MaxPool2D(_Pool2D):
    """Max pooling: y[n, c, i, j] = max_{u,v} x[n, c, i·SH + u, j·SW + v].

    Backward routes each gradient to the window's (first, in row-major order)
    maximum. No parameters.
    """

    _kernels = (pool.maxpool2d_forward, pool.maxpool2d_backward)


class AvgPool2D(_Pool2D):
    """Average pooling: y[n, c, i, j] = mean_{u,v} x[n, c, i·SH + u, j·SW + v].

    Backward spreads each gradient evenly over its window. No parameters.
    """

    _kernels = (pool.avgpool2d_forward, pool.avgpool2d_backward)


# --------------------------------------------------------------------------- Flatten


class Flatten(Layer):
    """Flatten every sample: (N, C, H, W) -> (N, C·H·W). No parameters."""

    def forward(self, x, training=True):
        """
        Parameters
        ----------
        x : ndarray of shape (N, ...)

        Returns
        -------
        y : ndarray of shape (N, prod(...))
        """
        self._check_input(x)
        self._cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
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


# --------------------------------------------------------------------------- activations


class ReLU(Layer):
    """Rectified linear unit: ``y = max(x, 0)``; dy/dx = 1 where x > 0, else 0."""

    def forward(self, x, training=True):
        """x : ndarray of any shape (N, ...); y has the same shape."""
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
        """x : ndarray of any shape (N, ...); y has the same shape."""
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
        """x : ndarray of any shape (N, ...); y has the same shape."""
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
        """x : ndarray of any shape (N, ...); y has the same shape."""
        self._check_input(x)
        y = np.tanh(x)
        self._cache = y
        return y

    def backward(self, dy):
        y = self._cached()
        self._check_dy(dy, y.shape)
        return dy * (1 - y * y)


# --------------------------------------------------------------------------- Dropout


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``rate``
    and scale the survivors by 1 / (1 − rate), so nothing changes at test time.

    ``forward(x, training=False)`` is the identity.

    Parameters
    ----------
    rate : float in [0, 1)
        Fraction of units dropped.
    rng : numpy.random.Generator, int or None
        The layer's own source of masks (a Generator is shared, an int is a seed).
    """

    def __init__(self, rate, rng=None):
        super().__init__()
        self.rate = _checks.check_rate(rate, "Dropout", "rate")
        self.rng = _checks.as_rng(rng, "Dropout")

    def forward(self, x, training=True):
        """x : ndarray of any shape (N, ...); y has the same shape."""
        self._check_input(x)
        if not training or self.rate == 0.0:
            self._cache = (x.shape, None)                  # identity
            return x
        keep = self.rng.random(x.shape) >= self.rate       # each unit kept with prob 1 − rate
        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.rate)
        self._cache = (x.shape, mask)
        return x * mask

    def backward(self, dy):
        x_shape, mask = self._cached()
        self._check_dy(dy, x_shape)
        return dy if mask is None else dy * mask

    def get_config(self):
        return {"rate": self.rate}


LAYER_TYPES = {cls.__name__: cls for cls in
               (Dense, Conv2D, MaxPool2D, AvgPool2D, Flatten, ReLU, LeakyReLU, Sigmoid,
                Tanh, Dropout)}
