"""Window geometry shared by convolution and pooling: sizes, strides, padding.

Every function here validates its arguments and raises a ValueError/TypeError
that names the layer and argument, what was expected and what was got, so the
kernels in ``conv.py`` and ``pool.py`` can assume clean input.

Output size of a window of size K sliding with stride S over n positions
padded by (p_lo, p_hi)::

    n_out = (n + p_lo + p_hi − K) // S + 1
"""
import numbers

_PADDING_HELP = "an int >= 0, an (h, w) pair of ints, 'valid' or 'same'"


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def pair(value, name, minimum=1):
    """Turn an int or a 2-sequence of ints into an ``(h, w)`` pair of ints.

    Parameters
    ----------
    value : int or sequence of 2 ints
        e.g. ``3`` -> ``(3, 3)``, ``(3, 5)`` -> ``(3, 5)``.
    name : str
        Argument name used in error messages, e.g. ``"Conv2D kernel_size"``.
    minimum : int, default 1
        Smallest allowed entry (1 for sizes and strides, 0 for padding).

    Returns
    -------
    (int, int)

    Raises
    ------
    TypeError
        ``value`` is not an int or a pair of ints.
    ValueError
        An entry is smaller than ``minimum``.
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


def resolve_padding(padding, kernel_size, stride, name="Conv2D"):
    """Explicit ``((top, bottom), (left, right))`` zero-padding of a convolution.

    Parameters
    ----------
    padding : int, (int, int), "valid" or "same"
        ``p`` pads p rows/cols on every side, ``(ph, pw)`` pads ph rows at top
        and bottom and pw columns left and right, ``"valid"`` pads nothing,
        ``"same"`` pads so that H_out = H and W_out = W (stride 1 only). For an
        even kernel the total padding K − 1 is odd; the extra row/column goes
        at the bottom/right (Keras and PyTorch rule): top = (K − 1) // 2.
    kernel_size : int or (int, int)
    stride : int or (int, int)
    name : str
        Layer name for error messages.

    Returns
    -------
    ((int, int), (int, int))
        ``((top, bottom), (left, right))``, ready for ``np.pad``.
    """
    kh, kw = pair(kernel_size, f"{name} kernel_size")
    strides = pair(stride, f"{name} stride")
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding != "same":
            raise ValueError(f"{name} padding must be {_PADDING_HELP}, "
                             f"got {padding!r}.")
        if strides != (1, 1):
            raise ValueError(f"{name}(padding='same') needs stride 1, got "
                             f"stride={strides}. Use stride=1, or an explicit "
                             f"padding such as padding={kh // 2}.")
        return ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)
    try:
        ph, pw = pair(padding, f"{name} padding", minimum=0)
    except TypeError:
        raise TypeError(f"{name} padding must be {_PADDING_HELP}, "
                        f"got {padding!r}.") from None
    return (ph, ph), (pw, pw)


def conv_output_shape(H, W, kernel_size, stride, padding, name="Conv2D"):
    """Spatial output size ``(H_out, W_out)`` of a convolution.

    H_out = (H + top + bottom − KH) // SH + 1, W_out likewise.

    Parameters
    ----------
    H, W : int
        Input height and width.
    kernel_size, stride : int or (int, int)
    padding : int, (int, int), "valid" or "same"
    name : str
        Layer name for error messages.

    Returns
    -------
    (int, int)

    Raises
    ------
    ValueError
        The kernel is larger than the padded input.
    """
    kh, kw = pair(kernel_size, f"{name} kernel_size")
    sh, sw = pair(stride, f"{name} stride")
    (top, bottom), (left, right) = resolve_padding(padding, (kh, kw), (sh, sw), name)
    Hp, Wp = H + top + bottom, W + left + right
    if kh > Hp or kw > Wp:
        raise ValueError(
            f"{name} kernel_size ({kh}, {kw}) is larger than the padded input "
            f"({Hp}, {Wp}) (input ({H}, {W}) + padding {padding!r}). "
            f"Use a smaller kernel, more padding, or padding='same'.")
    return (Hp - kh) // sh + 1, (Wp - kw) // sw + 1


def pool_output_shape(H, W, pool_size, stride=None, name="MaxPool2D"):
    """Spatial output size ``(H_out, W_out)`` of a pooling layer (no padding).

    H_out = (H − PH) // SH + 1, W_out likewise; stride None means stride = pool_size.

    Parameters
    ----------
    H, W : int
        Input height and width.
    pool_size : int or (int, int)
    stride : int, (int, int) or None
    name : str
        Layer name for error messages.

    Returns
    -------
    (int, int)

    Raises
    ------
    ValueError
        The pool window is larger than the input.
    """
    ph, pw = pair(pool_size, f"{name} pool_size")
    sh, sw = pair(pool_size if stride is None else stride, f"{name} stride")
    if ph > H or pw > W:
        raise ValueError(
            f"{name} pool_size ({ph}, {pw}) is larger than the input ({H}, {W}). "
            f"Use a smaller pool_size or remove a pooling layer.")
    return (H - ph) // sh + 1, (W - pw) // sw + 1


def tap_view(x, u, v, stride, out_hw):
    """The pixels under window tap (u, v), for every output position at once.

    ``tap_view(x, u, v, (SH, SW), (H_out, W_out))[n, c, i, j] = x[n, c, i·SH + u, j·SW + v]``

    A strided view of shape (N, C, H_out, W_out), no copy; writing into it writes
    into ``x``. Looping over the KH·KW taps (a handful) instead of over the
    N·C·H_out·W_out windows (thousands) is what makes the fast kernels fast.
    For stride = window size it is the slot ``[:, :, :, u, :, v]`` of
    ``x.reshape(N, C, H_out, KH, W_out, KW)``.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    u, v : int
        Row and column offset inside the window.
    stride : (int, int)
    out_hw : (int, int)
        Output size (H_out, W_out).
    """
    (sh, sw), (H_out, W_out) = stride, out_hw
    return x[:, :, u:u + sh * (H_out - 1) + 1:sh, v:v + sw * (W_out - 1) + 1:sw]
