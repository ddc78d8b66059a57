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


def _im2col(x_pad, kernel_hw, strides, out_hw):
    """Patch matrix: cols[n, (c, u, v), (i, j)] = x_pad[n, c, i·SH + u, j·SW + v].

    Built as KH·KW slice copies (one per kernel tap), not N·H_out·W_out patch copies.
    Returns an ndarray of shape (N, C·KH·KW, H_out·W_out).
    """
    (N, C), (KH, KW), (H_out, W_out) = x_pad.shape[:2], kernel_hw, out_hw
    cols = np.empty((N, C, KH, KW, H_out, W_out), dtype=x_pad.dtype)
    for u in range(KH):
        for v in range(KW):
            cols[:, :, u, v] = tap_view(x_pad, u, v, strides, out_hw)
    return cols.reshape(N, C * KH * KW, H_out * W_out)


def _col2im(dcols, x_pad_shape, kernel_hw, strides, out_hw):
    """Adjoint of ``_im2col``: add every patch gradient back onto its input pixels.

    dcols : ndarray of shape (N, C·KH·KW, H_out·W_out) -> dx_pad (N, C, H_pad, W_pad)
    """
    (N, C), (KH, KW), (H_out, W_out) = x_pad_shape[:2], kernel_hw, out_hw
    dcols = dcols.reshape(N, C, KH, KW, H_out, W_out)
    dx_pad = np.zeros(x_pad_shape, dtype=dcols.dtype)
    for u in range(KH):
        for v in range(KW):
            tap_view(dx_pad, u, v, strides, out_hw)[...] += dcols[:, :, u, v]
    return dx_pad


def conv2d_forward(x, w, b, stride=1, padding=0):
    """2-D cross-correlation of a batch with a bank of filters (vectorised).

    out[n, f, i, j] = b[f] + Σ_{c,u,v} w[f, c, u, v] · x_pad[n, c, i·SH + u, j·SW + v]

    The trick (im2col): lay every receptive field out as a column of a patch
    matrix, cols[n] of shape (C·KH·KW, H_out·W_out). The sum over (c, u, v) is
    then one matrix multiply, out[n] = w_mat @ cols[n], and its result is
    already in (N, F, H_out·W_out) order: no transpose needed.

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
    strides, pads, (H_out, W_out) = _geometry(x, w, stride, padding)
    F = w.shape[0]
    x_pad = _pad(x, pads)                                                # (N, C, H_pad, W_pad)
    cols = _im2col(x_pad, w.shape[2:], strides, (H_out, W_out))         # (N, C·KH·KW, H'·W')
    out = np.matmul(w.reshape(F, -1), cols)                             # (N, F, H'·W')
    out += b[:, None]
    cache = (x.shape, x_pad.shape, cols, w, strides, pads)
    return out.reshape(x.shape[0], F, H_out, W_out), cache


def conv2d_backward(dout, cache):
    """Gradients of ``conv2d_forward`` (vectorised).

    With the patch matrix of the forward pass, both products are single matrix
    multiplies: dw = Σ_n dout[n] @ cols[n]ᵀ and dcols[n] = w_matᵀ @ dout[n];
    col2im then adds each patch gradient back onto the pixels it came from.

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
    x_shape, x_pad_shape, cols, w, strides, pads = cache
    N, F, H_out, W_out = dout.shape
    dout_mat = dout.reshape(N, F, H_out * W_out)                            # (N, F, H'·W')
    dw = np.tensordot(dout_mat, cols, axes=([0, 2], [0, 2])).reshape(w.shape)  # (F, C·KH·KW)
    db = dout.sum(axis=(0, 2, 3))
    dcols = np.matmul(w.reshape(F, -1).T, dout_mat)                        # (N, C·KH·KW, H'·W')
    dx_pad = _col2im(dcols, x_pad_shape, w.shape[2:], strides, (H_out, W_out))
    return _crop(dx_pad, pads, *x_shape[2:]), dw, db
