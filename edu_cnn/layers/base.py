"""``Layer``: the bookkeeping every layer shares (params, grads, checks, config, repr)."""
import numpy as np

from .. import _checks
from .. import init as initializers


class Layer:
    """Base class of the layers.

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

    @staticmethod
    def param_shapes(**config):
        """``{key: shape}`` of the parameters a layer with this config has, allocating nothing.

        ``Sequential.load`` checks a file's declared shapes against it before
        building any layer; the layers with weights (Dense, Conv2D) override it.
        """
        return {}

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
        """Forget the previous batch, then check dtype (float32/float64) and shape of x.

        Every ``forward`` starts here, so a forward that fails (bad input,
        MemoryError) leaves no stale cache for ``backward`` to use.
        """
        self._cache = None
        _checks.check_floating(x, self._who())
        self._check_input_shape(x.shape)
        return x

    def _cached(self):
        """What forward stored for backward; a RuntimeError if forward never ran."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() was called before "
                               f"forward() (or after a forward that failed): run forward(x) "
                               f"first, it stores what backward needs.")
        return self._cache

    def _check_batch_not_empty(self, shape):
        """Convolution and pooling need at least one image (N >= 1)."""
        if shape[0] == 0:
            raise ValueError(f"{self._who()} expected a non-empty batch (N >= 1), got input of "
                             f"shape {_checks.format_shape(shape)}. Check how the batch was "
                             "selected, e.g. x[start:stop] with start >= len(x).")

    def _check_dy(self, dy, expected_shape):
        """dL/dy must be a float array with the shape forward returned."""
        who = f"{type(self).__name__}.backward"
        _checks.check_floating(dy, who, "dy")
        _checks.check_shape(dy.shape, expected_shape, who, "dy",
                            " dy must have the shape of forward's output.")

    def _keep(self, result):
        """Store an ops kernel's ``(y, cache)`` (and y's shape, to check dy); return y."""
        y, cache = result
        self._cache = (y.shape, cache)
        return y

    def _kernel_cache(self, dy):
        """Check dy against the shape forward returned; give back the kernel's cache."""
        y_shape, cache = self._cached()
        self._check_dy(dy, y_shape)
        return cache

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
        W, b = self.params["W"], self.params["b"]
        return W.astype(dtype, copy=False), b.astype(dtype, copy=False)

    def _grads_to_param_dtype(self):
        """Store each gradient in its parameter's dtype (the layer computes in the input's)."""
        for key, grad in self.grads.items():
            self.grads[key] = grad.astype(self.params[key].dtype, copy=False)
