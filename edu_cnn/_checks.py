"""Argument and shape validation: the clear error messages of edu_cnn.

Every check raises ``ValueError`` or ``TypeError`` (never ``assert``) whose
message says who complained (a layer such as ``Conv2D(in_channels=3)`` or an
argument), what it expected, what it got and, when there is one, the fix::

    Conv2D(in_channels=3) expected input of shape (N, 3, H, W), got (64, 1, 28, 28).

The layers, losses and the model call these helpers before touching the
numbers, so a student never sees a bare NumPy broadcasting error.
"""
import difflib
import numbers

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def format_shape(shape):
    """Write a shape as NumPy does, letters allowed:
    ``("N", 3, 28, 28)`` -> ``"(N, 3, 28, 28)"``."""
    items = [str(size) for size in shape]
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def as_rng(rng, who="rng"):
    """Turn ``rng`` into a ``numpy.random.Generator``.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        A Generator is returned as is (so it is shared and advanced); an int is
        a seed for ``np.random.default_rng``; None gives a fresh, unseeded Generator.
    who : str
        Who asked, for the error message.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{who} expected rng to be a non-negative seed, got {rng}.")
        return np.random.default_rng(int(rng))
    hint = " Use np.random.default_rng(seed) instead." if isinstance(
        rng, np.random.RandomState) else ""
    raise TypeError(f"{who} expected rng to be a numpy Generator, an int seed or None, "
                    f"got {type(rng).__name__}.{hint}")


def check_array(x, who, arg="x"):
    """Refuse anything that is not a NumPy array (lists, tensors, ...)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{who} expected {arg} to be a NumPy array, got {type(x).__name__}. "
                        f"Convert it first, e.g. np.asarray({arg}, dtype=np.float32).")
    return x


def check_floating(x, who, arg="x"):
    """Require a float32 or float64 array; integers get the /255 hint."""
    check_array(x, who, arg)
    if x.dtype in FLOAT_DTYPES:
        return x
    if x.dtype.kind in "iub" and arg == "x":
        hint = (f" Images stored as integers (0-255) must be scaled first: "
                f"{arg} = {arg}.astype(np.float32) / 255.")
    else:
        hint = f" Convert it with {arg}.astype(np.float32)."
    raise TypeError(f"{who} expected {arg} with dtype float32 or float64, got {x.dtype}.{hint}")


def check_float_dtype(dtype, who):
    """Return ``np.dtype(dtype)`` if it is float32 or float64 (the parameter dtypes)."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in FLOAT_DTYPES:
        got = repr(dtype) if resolved is None else resolved.name
        raise TypeError(f"{who} expected dtype float32 or float64, got {got}.")
    return resolved


def check_shape(shape, expected, who, arg="input", hint=""):
    """Compare ``shape`` with ``expected``, where letters (``"N"``, ``"H"``) match any size.

    Parameters
    ----------
    shape : tuple
        What was got (may itself hold letters, as in ``("N", 1, 28, 28)``).
    expected : tuple of int or str
        E.g. ``("N", 3, "H", "W")``.
    hint : str
        A sentence appended to the message (the fix), or "".
    """
    matches = len(shape) == len(expected) and all(
        isinstance(want, str) or got == want for got, want in zip(shape, expected))
    if not matches:
        raise ValueError(f"{who} expected {arg} of shape {format_shape(expected)}, "
                         f"got {format_shape(shape)}.{hint}")


def image_layout_hint(shape, channels):
    """A fix for the usual ways an image batch arrives in the wrong layout (or "")."""
    if len(shape) == 4 and shape[-1] == channels and shape[1] != channels:
        return " Channels-last images (N, H, W, C) need x.transpose(0, 3, 1, 2)."
    if len(shape) == 3 and shape[0] == channels:
        return " A single image (C, H, W) needs a batch axis: x[np.newaxis]."
    if len(shape) == 3 and shape[-1] == channels:
        return " A single channels-last image (H, W, C) needs x.transpose(2, 0, 1)[np.newaxis]."
    if len(shape) == 3 and channels == 1:
        return " A batch of one-channel images (N, H, W) needs a channel axis: x[:, np.newaxis]."
    if len(shape) == 2:
        return " Flat vectors (N, C·H·W) need x.reshape(N, C, H, W)."
    return ""


def check_finite(x, who, arg="x", hint=""):
    """Refuse arrays holding NaN or inf, saying how many there are."""
    finite = np.isfinite(x)
    if not finite.all():
        n_nan = int(np.isnan(x).sum())
        n_inf = int(finite.size - finite.sum()) - n_nan
        raise ValueError(f"{who} expected finite values in {arg}, got {n_nan} NaN and "
                         f"{n_inf} inf among {x.size} values.{hint}")


def check_positive_int(value, who, arg):
    """Return ``int(value)`` if it is an integer >= 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{who} expected {arg} to be a positive integer, "
                        f"got {value!r} ({type(value).__name__}).")
    if value < 1:
        raise ValueError(f"{who} expected {arg} to be a positive integer, got {value}.")
    return int(value)


def check_real(value, who, arg):
    """Return ``float(value)`` if it is a finite real number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who} expected {arg} to be a number, "
                        f"got {value!r} ({type(value).__name__}).")
    if not np.isfinite(value):
        raise ValueError(f"{who} expected {arg} to be a finite number, got {value}.")
    return float(value)


def check_rate(rate, who, arg="rate"):
    """Return ``float(rate)`` if ``0 <= rate < 1`` (a fraction of units, e.g. dropped)."""
    rate = check_real(rate, who, arg)
    if not 0.0 <= rate < 1.0:
        percent = 1.0 < rate < 100.0 and rate == int(rate)
        hint = f" For {rate:g}% use {rate / 100:g}." if percent else ""
        raise ValueError(f"{who} expected {arg} in [0, 1) (the fraction of units dropped), "
                         f"got {rate:g}.{hint}")
    return rate


def check_choice(value, choices, who, arg):
    """Return ``value`` if it is one of ``choices`` (strings); suggest the closest otherwise."""
    if value in choices:
        return value
    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(repr(c) for c in choices)
    raise ValueError(f"{who} expected {arg} to be one of {listed}, got {value!r}.{hint}")


def check_class_ids(y, n_rows, who, first="x", second="y"):
    """Integer class ids, one per row of ``first``; the caller checks their range.

    ``y`` : array_like of shape (N,) -> ndarray of shape (N,), integer.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        raise ValueError(f"{who} expected labels y as class ids of shape (N,), got shape "
                         f"{format_shape(y.shape)}, which looks one-hot. Use y.argmax(axis=1).")
    if y.ndim != 1:
        hint = " Use y.ravel()." if y.size == n_rows else ""
        raise ValueError(f"{who} expected labels y of shape (N,), "
                         f"got {format_shape(y.shape)}.{hint}")
    if y.dtype.kind not in "iu":
        hint = " Convert them with y.astype(np.int64)." if y.dtype.kind in "fb" else ""
        raise TypeError(f"{who} expected integer class ids in y, got dtype {y.dtype}.{hint}")
    check_lengths(n_rows, len(y), who, first, second)
    return y


def check_class_labels(y, n_rows, n_classes, who):
    """Integer class ids for ``n_rows`` logits over ``n_classes`` classes, in
    ``0 .. n_classes - 1``.

    ``y`` : array_like of shape (N,) -> ndarray of shape (N,), integer.
    """
    y = check_class_ids(y, n_rows, who, "logits", "labels y")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        bad = int(y[(y < 0) | (y >= n_classes)][0])
        raise ValueError(f"{who} expected class ids in 0..{n_classes - 1} (logits have "
                         f"{n_classes} columns), got label {bad}.")
    return y


def check_lengths(n_first, n_second, who, first, second):
    """Two arrays that pair up row by row must have the same length."""
    if n_first != n_second:
        raise ValueError(f"{who} expected {first} and {second} to have the same number of "
                         f"rows, got {n_first} and {n_second}.")


# --- layers, ops, optim, filters ---

def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_pair(value, name, minimum=1):
    """An int or a pair of ints as an ``(h, w)`` pair of ints, each >= ``minimum``.

    ``name`` starts the message, e.g. ``"Conv2D kernel_size must be >= 1, got 0."``.
    """
    if _is_int(value):
        values = (int(value), int(value))
    elif (isinstance(value, (tuple, list)) and len(value) == 2
          and all(_is_int(v) for v in value)):
        values = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or an (h, w) pair of ints, "
                        f"got {value!r}.")
    if min(values) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}.")
    return values


NUMBER_RULES = {
    "> 0": lambda v: v > 0,
    ">= 0": lambda v: v >= 0,
    "in [0, 1)": lambda v: 0 <= v < 1,
    "in [0, 1]": lambda v: 0 <= v <= 1,
    "in (0, 1]": lambda v: 0 < v <= 1,
}


def check_number(owner, name, value, rule):
    """Return ``float(value)`` if it is a finite number obeying ``rule`` (a key of NUMBER_RULES)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number {rule}, got {value!r} "
                        f"({type(value).__name__}).")
    if not (np.isfinite(value) and NUMBER_RULES[rule](value)):
        raise ValueError(f"{owner}: {name} must be {rule}, got {value!r}.")
    return float(value)


def check_odd_size(size, who, min_size=1):
    """A kernel size: an odd int >= ``min_size`` (the kernel needs a centre pixel)."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"{who}(size=...) expected an odd int, got {size!r}.")
    if size < min_size or size % 2 == 0:
        raise ValueError(f"{who}(size=...) expected an odd int >= {min_size} "
                         f"(the kernel needs a centre pixel), got {size}. "
                         f"Try size={max(min_size, size + 1 - size % 2)}.")


def check_positive(value, arg, who):
    """A scalar > 0 (e.g. a filter's sigma)."""
    if not np.isscalar(value) or not value > 0:
        raise ValueError(f"{who}({arg}=...) expected a positive number, got {value!r}.")


# --- model ---

def check_layer_params(layer, values, who):
    """``values`` must hold exactly ``layer.params``' keys, with their shapes and a float dtype."""
    if not isinstance(values, dict) or set(values) != set(layer.params):
        got = sorted(values) if isinstance(values, dict) else type(values).__name__
        missing = [k for k in layer.params if not isinstance(values, dict) or k not in values]
        raise ValueError(f"{who}: layer {layer.name!r} ({type(layer).__name__}) expected "
                         f"weights {sorted(layer.params)}, got {got}"
                         + (f" (missing: {missing})." if missing else "."))
    for key, param in layer.params.items():
        value = np.asarray(values[key])
        if value.shape != param.shape:
            raise ValueError(f"{who}: layer {layer.name!r} ({type(layer).__name__}) expected "
                             f"{key} of shape {format_shape(param.shape)}, got "
                             f"{format_shape(value.shape)}.")
        if value.dtype.kind != "f":
            raise ValueError(f"{who}: layer {layer.name!r} expected {key} with a float dtype, "
                             f"got {value.dtype}.")


# --- data ---

def check_paired(x, y, who):
    """Return ``x`` and ``y`` as arrays that pair up sample by sample (same first dimension)."""
    x, y = np.asarray(x), np.asarray(y)
    x_shape, y_shape = f"x {format_shape(x.shape)}", f"y {format_shape(y.shape)}"
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{who} expected x and y with a first (sample) dimension, "
                         f"got {x_shape} and {y_shape}.")
    check_lengths(len(x), len(y), who, x_shape, y_shape)
    return x, y


# --- explain (notebook 08) ---

def check_explain_images(model, x, who):
    """Float images ``(N, C, H, W)`` (or one ``(C, H, W)``) for an explanation method.

    Returns ``(batch (N, C, H, W), single)``; ``single`` says one image was given.
    """
    from .layers import Layer  # local: the layers import _checks
    if not hasattr(model, "layers") or not all(isinstance(la, Layer) for la in model.layers):
        raise TypeError(f"{who} expected a Sequential model first, got {type(model).__name__}.")
    check_floating(x, who)
    single = x.ndim == 3
    if x.ndim not in (3, 4) or 0 in x.shape:
        raise ValueError(f"{who} expected images of shape (N, C, H, W) or one image (C, H, W), "
                         f"got {format_shape(x.shape)}. A single 28×28 digit is "
                         "x.reshape(1, 1, 28, 28).")
    x = x[None] if single else x
    check_finite(x, who)
    model.output_shapes(x.shape[1:], who=who)
    return x, single


def check_targets(target, n, n_classes, who, arg="target"):
    """Class ids ``(N,)`` (an int is used for every image) in ``[0, n_classes)``."""
    t = np.full(n, target) if isinstance(target, numbers.Integral) else np.asarray(target)
    if t.shape != (n,) or t.dtype.kind not in "iu":
        raise ValueError(f"{who} expected {arg} to be an int or {n} integer class ids (one per "
                         f"image), got {target!r}.")
    if t.min() < 0 or t.max() >= n_classes:
        raise ValueError(f"{who} expected {arg} in [0, {n_classes - 1}] (the model has "
                         f"{n_classes} outputs), got {int(t[(t < 0) | (t >= n_classes)][0])}.")
    return t.astype(np.int64)
