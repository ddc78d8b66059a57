"""2-D convolution (cross-correlation, as in every deep-learning library).

Each operation comes as adjacent twins with one signature:

- ``conv2d_forward_naive`` / ``conv2d_backward_naive``: loops over output
  positions that read like the formula — the teaching version and the oracle
  the tests compare against;
- ``conv2d_forward`` / ``conv2d_backward``: the vectorised version (im2col and
  one matrix multiply) that the layers use.

    out[n, f, i, j] = b[f] + Σ_{c,u,v} w[f, c, u, v] · x_pad[n, c, i·SH + u, j·SW + v]
"""
import numpy as np

from .geometry import conv_output_shape, pair, resolve_padding, tap_view


def _pad(x, pads):
    """Zero-pad the two spatial axes of (N, C, H, W) by ((top, bottom), (left, right))."""
    return np.pad(x, ((0, 0), (0, 0)) + tuple(pads))


def _crop(x_pad, pads, H, W):
    """Undo ``_pad``: explicit end indices, so that pad = 0 never gives an empty slice."""
    (top, _), (left, _) = pads
    return x_pad[:, :, top:top + H, left:left + W]


def _geometry(x, w, stride, padding):
    """Strides, explicit padding and output size of a convolution of x by w."""
    strides = pair(stride, "Conv2D stride")
    pads = resolve_padding(padding, w.shape[2:], strides)
    out_hw = conv_output_shape(*x.shape[2:], w.shape[2:], strides, padding)
    return strides, pads, out_hw


def conv2d_forward_naive(x, w, b, stride=1, padding=0):
    """2-D cross-correlation of a batch with a bank of filters (loop version).

    out[n, f, i, j] = b[f] + Σ_{c,u,v} w[f, c, u, v] · x_pad[n, c, i·SH + u, j·SW + v]

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, KH, KW)
    b : ndarray of shape (F,)
    stride : int or (int, int)
    padding : int, (int, int), "valid" or "same"
        See ``geometry.resolve_padding``.

    Returns
    -------
    out : ndarray of shape (N, F, H_out, W_out), H_out = (H + top + bottom − KH) // SH + 1
    cache : tuple
        What ``conv2d_backward_naive`` needs.

    See Also
    --------
    conv2d_forward : the vectorised twin; tests check they agree.
    """
    (sh, sw), pads, (H_out, W_out) = _geometry(x, w, stride, padding)
    F, C, KH, KW = w.shape
    x_pad = _pad(x, pads)                                   # (N, C, H_pad, W_pad)
    out = np.empty((x.shape[0], F, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]  # (N, C, KH, KW)
            out[:, :, i, j] = np.einsum("ncuv,fcuv->nf", window, w) + b
    return out, (x.shape, x_pad, w, (sh, sw), pads)


def conv2d_forward(x, w, b, stride=1, padding=0):
    """2-D cross-correlation of a batch with a bank of filters (vectorised).

    out[n, f, i, j] = b[f] + Σ_{c,u,v} w[f, c, u, v] · x_pad[n, c, i·SH + u, j·SW + v]

    The trick (im2col): lay every receptive field out as a column of a patch
    matrix cols[n] of shape (C·KH·KW, positions). The sum over (c, u, v) is then
    one matrix multiply, w_mat @ cols, whose result is already in the
    (N, F, H, W) order of the next layer: no transpose. Details that make it
    fast (see ``_im2col``): the patch matrix is built by KH·KW contiguous slice
    copies of a "wide" flat layout, whose junk columns are dropped when the
    bias is added; and it is built a few images at a time, so that it stays
    in the CPU cache between being written and being multiplied. A strided
    convolution keeps every SH-th row and SW-th column of the stride-1 result
    (simple, but SH·SW times the work of stride 1).

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, KH, KW)
    b : ndarray of shape (F,)
    stride : int or (int, int)
    padding : int, (int, int), "valid" or "same"

    Returns
    -------
    out : ndarray of shape (N, F, H_out, W_out), H_out = (H + top + bottom − KH) // SH + 1
    cache : tuple
        What ``conv2d_backward`` needs.

    See Also
    --------
    conv2d_forward_naive : the loop version; tests check they agree.
    """
    strides, pads, out_hw = _geometry(x, w, stride, padding)
    F, kernel_hw = w.shape[0], w.shape[2:]
    x_pad = _pad_wide(x, pads)                                 # (N, C, H_pad + 1, W_pad)
    w_mat = w.reshape(F, -1)                                   # (F, C·KH·KW)
    out = np.empty((x.shape[0], F) + out_hw, dtype=x.dtype)    # (N, F, H_out, W_out)
    for batch in _batches(x_pad, kernel_hw):
        cols = _im2col(x_pad[batch], kernel_hw)                # (n, C·KH·KW, H1·W_pad)
        wide = np.matmul(w_mat, cols)                          # (n, F, H1·W_pad)
        np.add(_valid(wide, x_pad.shape[3], kernel_hw, strides), b[:, None, None],
               out=out[batch])
    return out, (x.shape, x_pad, w, strides, pads)


def conv2d_backward_naive(dout, cache):
    """Gradients of ``conv2d_forward_naive`` (loop version).

    dw[f, c, u, v] = Σ_{n,i,j} dout[n, f, i, j] · x_pad[n, c, i·SH + u, j·SW + v]
    dx_pad[n, c, i·SH + u, j·SW + v] += Σ_f dout[n, f, i, j] · w[f, c, u, v]
    db[f] = Σ_{n,i,j} dout[n, f, i, j]

    Parameters
    ----------
    dout : ndarray of shape (N, F, H_out, W_out)
        Upstream gradient dL/dout.
    cache : tuple
        From ``conv2d_forward_naive``.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, KH, KW)
    db : ndarray of shape (F,)
    """
    x_shape, x_pad, w, (sh, sw), pads = cache
    F, C, KH, KW = w.shape
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * sh, i * sh + KH), slice(j * sw, j * sw + KW)
            g = dout[:, :, i, j]                                        # (N, F)
            dw += np.einsum("nf,ncuv->fcuv", g, x_pad[:, :, rows, cols])
            dx_pad[:, :, rows, cols] += np.einsum("nf,fcuv->ncuv", g, w)
    db = dout.sum(axis=(0, 2, 3))
    return _crop(dx_pad, pads, *x_shape[2:]), dw, db


def conv2d_backward(dout, cache):
    """Gradients of ``conv2d_forward`` (vectorised).

    With the patch matrix both products are matrix multiplies:
    dw = Σ_n cols[n] @ dout[n]ᵀ (transposed at the end; this operand order
    was ~2× faster than dout[n] @ cols[n]ᵀ) and dcols[n] = w_matᵀ @ dout[n];
    col2im then adds each patch gradient back onto the pixels it came from.
    dout is first spread onto the wide grid, with zeros at the junk columns
    (and at the positions a stride skips), so they contribute nothing. The
    patch matrix is rebuilt here, a few images at a time, rather than kept
    from the forward pass: cheaper than reading back a large stored one.

    Parameters
    ----------
    dout : ndarray of shape (N, F, H_out, W_out)
    cache : tuple
        From ``conv2d_forward``.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, KH, KW)
    db : ndarray of shape (F,)

    See Also
    --------
    conv2d_backward_naive : the loop version; tests check they agree.
    """
    x_shape, x_pad, w, strides, pads = cache
    (N, F), kernel_hw, W_pad = dout.shape[:2], w.shape[2:], x_pad.shape[3]
    w_mat = w.reshape(F, -1)                                   # (F, C·KH·KW)
    dwide = np.zeros((N, F, (x_pad.shape[2] - kernel_hw[0]) * W_pad), dtype=dout.dtype)
    _valid(dwide, W_pad, kernel_hw, strides)[...] = dout       # (N, F, H1·W_pad)
    dw_t = np.zeros(w_mat.T.shape, dtype=dout.dtype)           # (C·KH·KW, F)
    dx_flat = np.zeros(x_pad.shape[:2] + (x_pad[0, 0].size,), dtype=dout.dtype)  # (N, C, (H_pad + 1)·W_pad)
    for batch in _batches(x_pad, kernel_hw):
        cols = _im2col(x_pad[batch], kernel_hw)                # (n, C·KH·KW, H1·W_pad)
        dw_t += np.matmul(cols, dwide[batch].transpose(0, 2, 1)).sum(axis=0)
        dcols = np.matmul(w_mat.T, dwide[batch])               # (n, C·KH·KW, H1·W_pad)
        _col2im(dcols, kernel_hw, W_pad, out=dx_flat[batch])
    dx_pad = dx_flat.reshape(x_pad.shape)
    db = dout.sum(axis=(0, 2, 3))
    return _crop(dx_pad, pads, *x_shape[2:]), dw_t.T.reshape(w.shape), db


# ----------------------------------------------------------------- im2col machinery
# The helpers of the fast twins: the padded input as a "wide" flat array, the
# patch matrix built from it, and the way back.


def _pad_wide(x, pads):
    """Zero-pad like ``_pad``, plus one spare zero row at the bottom (N, C, H_pad + 1, W_pad).

    The spare row keeps every slice of ``_im2col`` inside the array.
    """
    N, C, H, W = x.shape
    (top, bottom), (left, right) = pads
    x_pad = np.zeros((N, C, top + H + bottom + 1, left + W + right), dtype=x.dtype)
    x_pad[:, :, top:top + H, left:left + W] = x
    return x_pad


def _im2col(x_pad, kernel_hw):
    """Patch matrix of the stride-1 convolution, in the "wide" layout.

    cols[n, (c, u, v), p] = x_flat[n, c, p + u·W_pad + v],   p = i·W_pad + j

    x_flat is x_pad with its rows laid end to end. Position p = (i, j) runs over
    all W_pad columns of a row, not just the W_pad − KW + 1 valid ones: the last
    KW − 1 columns of each row are junk that the caller drops. In exchange each
    kernel tap (u, v) is ONE contiguous slice of x_flat, so the matrix is built
    by KH·KW long copies (not N·C·H_out·W_out tiny ones).

    Parameters
    ----------
    x_pad : ndarray of shape (N, C, H_pad + 1, W_pad)
        From ``_pad_wide``.
    kernel_hw : (int, int)

    Returns
    -------
    cols : ndarray of shape (N, C·KH·KW, H1·W_pad), H1 = H_pad − KH + 1
    """
    (N, C, H_pad1, W_pad), (KH, KW) = x_pad.shape, kernel_hw
    P = (H_pad1 - KH) * W_pad                                   # H1·W_pad positions
    x_flat = x_pad.reshape(N, C, H_pad1 * W_pad)
    cols = np.empty((N, C, KH, KW, P), dtype=x_pad.dtype)
    for u in range(KH):
        for v in range(KW):
            start = u * W_pad + v
            cols[:, :, u, v] = x_flat[:, :, start:start + P]
    return cols.reshape(N, C * KH * KW, P)


def _col2im(dcols, kernel_hw, W_pad, out):
    """Adjoint of ``_im2col``: add each tap's gradient slice back onto x_flat.

    dcols : ndarray of shape (n, C·KH·KW, H1·W_pad), added into
    out : ndarray of shape (n, C, (H_pad + 1)·W_pad), the gradient of x_flat
    """
    (n, C, _), (KH, KW), P = out.shape, kernel_hw, dcols.shape[2]
    dcols = dcols.reshape(n, C, KH, KW, P)
    for u in range(KH):
        for v in range(KW):
            start = u * W_pad + v
            out[:, :, start:start + P] += dcols[:, :, u, v]


def _valid(wide, W_pad, kernel_hw, strides):
    """The real output positions of a wide (n, F, H1·W_pad) array, as a view.

    Rows ::SH, columns ::SW up to W_pad − KW (the rest are junk columns).
    Returns a strided view of shape (n, F, H_out, W_out).
    """
    (sh, sw), KW = strides, kernel_hw[1]
    grid = wide.reshape(wide.shape[0], wide.shape[1], -1, W_pad)   # (n, F, H1, W_pad)
    return grid[:, :, ::sh, :W_pad - KW + 1:sw]


def _batches(x_pad, kernel_hw, cache_bytes=2**18, max_batches=16):
    """Slices of the batch, each with a patch matrix of about ``cache_bytes``.

    256 KiB fits the L2 cache of current CPUs, so the patch matrix is read back
    from the cache, not from main memory: ~10 % faster training and inference
    of the bench/train_speed.py network than one patch matrix for the whole
    batch. At most ``max_batches`` slices, so that the Python loop stays cheap
    for large kernels (KH·KW slice copies per slice).
    """
    N, C, H_pad1, W_pad = x_pad.shape
    per_image = C * kernel_hw[0] * kernel_hw[1] * (H_pad1 - kernel_hw[0]) * W_pad
    step = max(1, cache_bytes // (per_image * x_pad.itemsize), -(-N // max_batches))
    return [slice(n, n + step) for n in range(0, N, step)]
