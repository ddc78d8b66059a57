"""Window geometry shared by convolution and pooling: sizes, strides, padding.

Every function here validates its arguments and raises a ValueError/TypeError
that names the layer and argument, what was expected and what was got, so the
kernels in ``conv.py`` and ``pool.py`` can assume clean input.

Output size of a window of size K sliding with stride S over n positions
padded by (p_lo, p_hi) (pooling: no padding)::

    n_out = (n + p_lo + p_hi − K) // S + 1
"""
from .. import _checks

_PADDING_HELP = "an int >= 0, an (h, w) pair of ints, 'valid' or 'same'"

# ``pair(3, "Conv2D kernel_size")`` -> (3, 3); ``pair((3, 5), ...)`` -> (3, 5); entries >= minimum.
pair = _checks.check_pair


def resolve_padding(padding, kernel_size, stride, name="Conv2D"):
    """Explicit ``((top, bottom), (left, right))`` zero-padding of a convolution, for ``np.pad``.

    ``p`` pads p rows/cols on every side, ``(ph, pw)`` pads ph rows at top and
    bottom and pw columns left and right, ``"valid"`` pads nothing, ``"same"``
    pads so that H_out = H and W_out = W (stride 1 only). For an even kernel the
    total padding K − 1 is odd; the extra row/column goes at the bottom/right
    (Keras and PyTorch rule): top = (K − 1) // 2. ``name`` names the layer in errors.
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
    """Spatial output size ``(H_out, W_out)`` of a convolution of an H×W input.

    A ValueError if the kernel is larger than the padded input.
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
    """Spatial output size ``(H_out, W_out)`` of pooling an H×W input (stride None: = pool_size).

    A ValueError if the window is larger than the input.
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

    x (N, C, H, W) -> a strided view (N, C, H_out, W_out), no copy; writing into
    it writes into ``x``. Looping over the KH·KW taps (a handful) instead of over
    the N·C·H_out·W_out windows (thousands) is what makes the fast kernels fast.
    For stride = window size it is the slot ``[:, :, :, u, :, v]`` of
    ``x.reshape(N, C, H_out, KH, W_out, KW)``.
    """
    (sh, sw), (H_out, W_out) = stride, out_hw
    return x[:, :, u:u + sh * (H_out - 1) + 1:sh, v:v + sw * (W_out - 1) + 1:sw]
