"""``BatchNorm2D`` and ``BatchNorm1D``: normalise each channel over the batch, then rescale.

For each channel c, over the m values of that channel in the batch (N for
BatchNorm1D on (N, C); N·H·W for BatchNorm2D on (N, C, H, W))::

    training:   mu_c = mean(x_c)            var_c = mean((x_c − mu_c)²)      (biased, 1/m)
                running_mean_c ← (1 − momentum) · running_mean_c + momentum · mu_c
                running_var_c  ← (1 − momentum) · running_var_c  + momentum · var_c · m/(m − 1)
    inference:  mu_c = running_mean_c       var_c = running_var_c
    both:       x̂ = (x − mu_c) / √(var_c + eps),   y = gamma_c · x̂ + beta_c

exactly as ``torch.nn.BatchNorm2d/1d`` (momentum 0.1: the new batch weighs
10 %; the running variance is the unbiased one). Backward in training mode,
with g = dy · gamma_c and the sums over the m values of channel c::

    dx = (g − mean(g) − x̂ · mean(g · x̂)) / √(var_c + eps)
    dgamma_c = Σ dy · x̂,   dbeta_c = Σ dy

(in inference mode mu and var are constants: dx = g / √(var_c + eps)).

``batchnorm_forward_naive`` / ``batchnorm_backward_naive`` loop over the
channels and read like the formulas; ``batchnorm_forward`` /
``batchnorm_backward`` do all channels at once and are what the layers use.
"""
import numpy as np

from .. import _checks
from .base import Layer


def _to_channels(x):
    """(N, C) or (N, C, H, W) -> (C, m): one row per channel, m = N or N·H·W values."""
    return np.moveaxis(x, 1, 0).reshape(x.shape[1], -1)


def batchnorm_forward_naive(x, gamma, beta, eps):
    """Loop version, training mode: x (N, C[, H, W]) -> y (same shape), mean (C,), var (C,)."""
    y = np.empty_like(x)
    mean, var = np.empty(x.shape[1], x.dtype), np.empty(x.shape[1], x.dtype)
    for c in range(x.shape[1]):
        xc = x[:, c]                                         # every value of channel c
        mean[c] = xc.sum() / xc.size
        var[c] = ((xc - mean[c]) ** 2).sum() / xc.size       # biased: divide by m
        y[:, c] = gamma[c] * (xc - mean[c]) / np.sqrt(var[c] + eps) + beta[c]
    return y, mean, var


def batchnorm_backward_naive(dy, x, gamma, mean, var, eps):
    """Loop version, training mode: dy, x (N, C[, H, W]) -> dx, dgamma (C,), dbeta (C,)."""
    dx = np.empty_like(x)
    dgamma, dbeta = np.empty(x.shape[1], x.dtype), np.empty(x.shape[1], x.dtype)
    for c in range(x.shape[1]):
        inv_std = 1.0 / np.sqrt(var[c] + eps)
        x_hat = (x[:, c] - mean[c]) * inv_std
        g = dy[:, c] * gamma[c]
        dx[:, c] = (g - g.mean() - x_hat * (g * x_hat).mean()) * inv_std
        dgamma[c] = (dy[:, c] * x_hat).sum()
        dbeta[c] = dy[:, c].sum()
    return dx, dgamma, dbeta


def batchnorm_forward(x, gamma, beta, eps, mean=None, var=None):
    """Vectorised: x (N, C[, H, W]) -> y, cache; ``mean``/``var`` (C,) given = inference mode."""
    axes = (0,) + tuple(range(2, x.ndim))                    # every axis but the channels
    shape = (1, -1) + (1,) * (x.ndim - 2)                    # (C,) -> broadcastable
    if mean is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)      # biased variance (ddof=0)
    inv_std = 1.0 / np.sqrt(var + eps)                       # (C,)
    x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
    return gamma.reshape(shape) * x_hat + beta.reshape(shape), (x_hat, inv_std, gamma, mean, var)


def batchnorm_backward(dy, cache, training=True):
    """Vectorised: dy (N, C[, H, W]) -> dx, dgamma (C,), dbeta (C,) (``cache`` from forward)."""
    x_hat, inv_std, gamma, _, _ = cache
    axes = (0,) + tuple(range(2, dy.ndim))
    shape = (1, -1) + (1,) * (dy.ndim - 2)
    dgamma, dbeta = (dy * x_hat).sum(axis=axes), dy.sum(axis=axes)
    g = dy * gamma.reshape(shape)
    if training:                                             # mean and var depend on x
        g = g - g.mean(axis=axes, keepdims=True) \
            - x_hat * (g * x_hat).mean(axis=axes, keepdims=True)
    return g * inv_std.reshape(shape), dgamma, dbeta


class _BatchNorm(Layer):
    """Shared by BatchNorm1D and BatchNorm2D (they differ only in the input's rank).

    Parameters
    ----------
    num_features : int
        C, the number of channels (or features).
    momentum : float in [0, 1], default 0.1
        Weight of the new batch in the running statistics (PyTorch's convention;
        Keras' momentum 0.99 is 1 − 0.01 here).
    eps : float > 0, default 1e-5
    dtype : float32 or float64, default float32

    Attributes
    ----------
    params["gamma"], params["beta"] : ndarray (C,), start at 1 and 0
    buffers["running_mean"], buffers["running_var"] : ndarray (C,), start at 0 and 1;
        not trained by the optimiser, updated by every training-mode forward,
        used in inference mode, saved with the model.
    """

    _positional = ("num_features",)
    _rank = None                               # 2 for (N, C), 4 for (N, C, H, W)
    _layout = None

    def __init__(self, num_features, momentum=0.1, eps=1e-5, dtype=np.float32):
        super().__init__()
        who = type(self).__name__
        (self.num_features,) = self.param_shapes(num_features)["gamma"]
        self.momentum = _checks.check_number(who, "momentum", momentum, "in [0, 1]")
        self.eps = _checks.check_number(who, "eps", eps, "> 0")
        dtype = _checks.check_float_dtype(dtype, who)
        C = self.num_features
        self.params = {"gamma": np.ones(C, dtype), "beta": np.zeros(C, dtype)}
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}
        self.buffers = {"running_mean": np.zeros(C, dtype), "running_var": np.ones(C, dtype)}

    @classmethod
    def param_shapes(cls, num_features, **config):
        """``{"gamma": (C,), "beta": (C,)}``, ``num_features`` checked."""
        C = _checks.check_positive_int(num_features, cls.__name__, "num_features")
        return {"gamma": (C,), "beta": (C,)}

    @classmethod
    def buffer_shapes(cls, num_features, **config):
        """``{"running_mean": (C,), "running_var": (C,)}`` (saved next to the parameters)."""
        C = _checks.check_positive_int(num_features, cls.__name__, "num_features")
        return {"running_mean": (C,), "running_var": (C,)}

    def forward(self, x, training=True):
        """x (N, C) for BatchNorm1D or (N, C, H, W) for BatchNorm2D -> y of the same shape."""
        self._check_input(x)
        gamma, beta = (self.params[k].astype(x.dtype, copy=False) for k in ("gamma", "beta"))
        if not training:
            mean, var = (self.buffers[k].astype(x.dtype, copy=False)
                         for k in ("running_mean", "running_var"))
            y, cache = batchnorm_forward(x, gamma, beta, self.eps, mean, var)
            self._cache = (y.shape, cache, False)
            return y
        m = x.size // self.num_features                        # values per channel
        if m < 2:
            raise ValueError(f"{self._who()} in training mode needs more than one value per "
                             f"channel to compute a variance, got input of shape "
                             f"{_checks.format_shape(x.shape)}. Use a batch of at least 2, or "
                             "forward(x, training=False) to use the running statistics.")
        y, cache = batchnorm_forward(x, gamma, beta, self.eps)
        _, _, _, mean, var = cache
        momentum, running = self.momentum, self.buffers
        running["running_mean"][...] = ((1 - momentum) * running["running_mean"]
                                        + momentum * mean)
        running["running_var"][...] = ((1 - momentum) * running["running_var"]
                                       + momentum * var * (m / (m - 1)))     # unbiased
        self._cache = (y.shape, cache, True)
        return y

    def backward(self, dy):
        """dy (shape of forward's output) -> dx; fills grads["gamma"], grads["beta"]."""
        y_shape, cache, training = self._cached()
        self._check_dy(dy, y_shape)
        dx, self.grads["gamma"], self.grads["beta"] = batchnorm_backward(
            dy.astype(cache[0].dtype, copy=False), cache, training)
        self._grads_to_param_dtype()
        return dx

    def astype(self, dtype):
        """Cast parameters, gradients and running statistics; returns ``self``."""
        super().astype(dtype)
        for key in self.buffers:
            self.buffers[key] = self.buffers[key].astype(self.params["gamma"].dtype, copy=False)
        return self

    def get_config(self):
        return {"num_features": self.num_features, "momentum": self.momentum, "eps": self.eps,
                "dtype": self.params["gamma"].dtype.name}

    def _who(self):
        return f"{type(self).__name__}(num_features={self.num_features})"

    def _check_input_shape(self, shape):
        hint = ""
        if len(shape) != self._rank:
            other = "BatchNorm2D" if self._rank == 2 else "BatchNorm1D"
            hint = (f" {type(self).__name__} normalises {self._layout}; for inputs of rank "
                    f"{len(shape)} use {other}." if len(shape) in (2, 4) else "")
        expected = ("N", self.num_features) + (("H", "W") if self._rank == 4 else ())
        _checks.check_shape(shape, expected, self._who(), "input", hint)
        self._check_batch_not_empty(shape)


class BatchNorm1D(_BatchNorm):
    """Batch normalisation of dense features: x (N, C), statistics over N for each feature.

    Same as ``torch.nn.BatchNorm1d(C, eps, momentum)``; see the module docstring.
    """

    _rank = 2
    _layout = "dense features (N, C)"


class BatchNorm2D(_BatchNorm):
    """Batch normalisation of images: x (N, C, H, W), statistics over N, H, W for each channel.

    Same as ``torch.nn.BatchNorm2d(C, eps, momentum)``; see the module docstring.
    """

    _rank = 4
    _layout = "images (N, C, H, W) channel by channel"
