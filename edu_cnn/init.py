"""Weight initialisers: zeros, normal, Glorot uniform and He normal.

Each takes the weight ``shape``, a random generator ``rng`` (a numpy
Generator, an int seed or None) and a ``dtype``, and returns a new array.
Layers pick one by name: ``Dense(784, 10, init="glorot_uniform", rng=0)``.

The scale of the random initialisers comes from the *fans* of the weight:

- dense ``W`` of shape (in, out): fan_in = in, fan_out = out;
- conv ``W`` of shape (F, C, KH, KW): fan_in = C·KH·KW, fan_out = F·KH·KW.
"""
import numpy as np

from . import _checks

__all__ = ["fans", "zeros", "normal", "glorot_uniform", "he_normal", "get", "INITIALIZERS"]


def fans(shape):
    """Number of inputs and outputs feeding one weight.

    Parameters
    ----------
    shape : tuple of int
        (in, out) for a dense weight, (F, C, KH, KW) for a conv weight.

    Returns
    -------
    fan_in, fan_out : int
    """
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    if len(shape) == 4:
        receptive = int(shape[2]) * int(shape[3])          # KH·KW
        return int(shape[1]) * receptive, int(shape[0]) * receptive
    raise ValueError(f"fans expected a dense (in, out) or conv (F, C, KH, KW) shape, "
                     f"got {_checks.format_shape(shape)}.")


def zeros(shape, rng=None, dtype=np.float32):
    """All zeros. (For weights this is the classic mistake: every unit stays identical.)"""
    return np.zeros(shape, dtype=dtype)


def normal(shape, std=0.01, rng=None, dtype=np.float32):
    """Gaussian with mean 0 and a fixed standard deviation ``std``."""
    std = _checks.check_real(std, "init.normal", "std")
    rng = _checks.as_rng(rng, "init.normal")
    return (std * rng.standard_normal(shape)).astype(dtype)


def glorot_uniform(shape, rng=None, dtype=np.float32):
    """Glorot/Xavier uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and gradients roughly constant through
    layers with symmetric activations (tanh, sigmoid).
    """
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    rng = _checks.as_rng(rng, "init.glorot_uniform")
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def he_normal(shape, rng=None, dtype=np.float32):
    """He/Kaiming normal: N(0, std²) with std = sqrt(2 / fan_in), made for ReLU.

    As ``torch.nn.init.kaiming_normal_`` (an untruncated normal; Keras truncates).
    """
    fan_in, _ = fans(shape)
    std = np.sqrt(2.0 / fan_in)
    rng = _checks.as_rng(rng, "init.he_normal")
    return (std * rng.standard_normal(shape)).astype(dtype)


INITIALIZERS = {
    "zeros": zeros,
    "normal": normal,
    "glorot_uniform": glorot_uniform,
    "he_normal": he_normal,
}


def get(name_or_callable, who="init"):
    """Look an initialiser up by name, or return a callable unchanged.

    Parameters
    ----------
    name_or_callable : str or callable
        One of ``"zeros"``, ``"normal"``, ``"glorot_uniform"``, ``"he_normal"``, or a
        function ``f(shape, rng=None, dtype=np.float32) -> ndarray``.
    who : str
        Who asked (e.g. ``"Dense"``), for the error message.
    """
    if callable(name_or_callable):
        return name_or_callable
    if not isinstance(name_or_callable, str):
        raise TypeError(f"{who} expected init to be a name or a function, "
                        f"got {type(name_or_callable).__name__}.")
    name = _checks.check_choice(name_or_callable, list(INITIALIZERS), who, "init")
    return INITIALIZERS[name]
