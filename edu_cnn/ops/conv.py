"""2-D convolution (cross-correlation, as in every deep-learning library).

For x (N, C, H, W), filters w (F, C, KH, KW), biases b (F,), strides (SH, SW) and
x_pad, x zero-padded as ``padding`` says (``geometry.resolve_padding``)::

    out[n, f, i, j] = b[f] + Σ_{c,u,v} w[f, c, u, v] · x_pad[n, c, i·SH + u, j·SW + v]

where out is (N, F, H', W') = (N, F, H_out, W_out), its size given by
``geometry.conv_output_shape``. For the upstream gradient dout = dL/dout::

    dw[f, c, u, v] = Σ_{n,i,j} dout[n, f, i, j] · x_pad[n, c, i·SH + u, j·SW + v]
    dx_pad[n, c, i·SH + u, j·SW + v] += Σ_f dout[n, f, i, j] · w[f, c, u, v]
    db[f] = Σ_{n,i,j} dout[n, f, i, j]

Each operation comes as adjacent twins with one signature:

- ``conv2d_forward_naive`` / ``conv2d_backward_naive``: loops over output
  positions that read like the formula — the teaching version and the oracle
  the tests compare against;
- ``conv2d_forward`` / ``conv2d_backward``: the vectorised version (im2col and
  one matrix multiply) that the layers use.
"""
import functools

import numpy as np

from ..threads import chunks, parallel_map
from .geometry import conv_output_shape, pair, resolve_padding


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
    """Loop version: x (N, C, H, W), w (F, C, KH, KW), b (F,) -> out (N, F, H', W'), cache."""
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
    """Fast version: x (N, C, H, W), w (F, C, KH, KW), b (F,) -> out (N, F, H', W'), cache.

    The trick (im2col): lay every receptive field out as a column of a patch
    matrix cols of shape (C·KH·KW, positions). The sum over (c, u, v) is then
    ONE matrix multiply, w_mat @ cols, large enough to run near the core's
    peak speed. The patch matrix is in the "wide" layout of ``_im2col`` (KH·KW
    contiguous slice copies); adding the bias also drops its junk columns and
    puts the result in (N, F, H', W') order. A strided convolution keeps every
    SH-th row and SW-th column of the stride-1 result (simple, but SH·SW times
    the work of stride 1).

    The batch is cut into chunks of a few images (``_chunks``), each done on its
    own: its patch matrix stays in the core's cache, and the chunks run on
    edu_cnn's threads (``edu_cnn.set_blas_threads``). Each output depends on
    its own image only, so the result does not depend on the thread count.
    """
    strides, pads, out_hw = _geometry(x, w, stride, padding)
    N, F = x.shape[0], w.shape[0]
    w_mat = w.reshape(F, -1)                                    # (F, C·KH·KW)
    out = np.empty((N, F) + out_hw, dtype=x.dtype)

    def forward_chunk(chunk):
        x_pad = _pad_wide(x[chunk], pads)                       # (n, C, H_pad + 1, W_pad)
        cols = _im2col(x_pad, w.shape[2:])                      # (C·KH·KW, n·H1·W_pad)
        wide = (w_mat @ cols).reshape(F, len(x_pad), -1, x_pad.shape[3])  # (F, n, H1, W_pad)
        valid = _valid(wide, w.shape[2:], strides).transpose(1, 0, 2, 3)  # (n, F, H', W')
        np.add(valid, b[:, None, None], out=out[chunk])
        return cols

    chunks = _chunks(x, w)
    cols = parallel_map(forward_chunk, chunks)
    return out, (x.shape, cols, chunks, w, strides, pads)


def conv2d_backward_naive(dout, cache, input_grad=True):
    """Loop version: dout (N, F, H', W'), cache -> dx (N, C, H, W), dw (F, C, KH, KW), db (F,).

    ``input_grad=False`` skips dx (returns None for it): a first layer's dx is never used.
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
            if input_grad:
                dx_pad[:, :, rows, cols] += np.einsum("nf,fcuv->ncuv", g, w)
    db = dout.sum(axis=(0, 2, 3))
    return (_crop(dx_pad, pads, *x_shape[2:]) if input_grad else None), dw, db


def conv2d_backward(dout, cache, input_grad=True):
    """Fast version: dout (N, F, H', W'), cache -> dx (N, C, H, W), dw (F, C, KH, KW), db (F,).

    With the patch matrix of the forward pass both products are matrix
    multiplies: dwᵀ = cols @ dout_matᵀ and dcols = w_matᵀ @ dout_mat; col2im
    then adds each patch gradient back onto the pixels it came from. dout is
    first spread onto the wide grid, with zeros at the junk columns (and at the
    positions a stride skips), so they contribute nothing. Chunk by chunk, as
    in the forward pass; the chunks' dw and db are added up in chunk order, so
    the sums do not depend on the thread count either. ``input_grad=False``
    skips dx (None): the product and col2im that make it are a third to a
    half of a first layer's backward, and nothing uses that dx.
    """
    x_shape, cols, chunks, w, strides, pads = cache
    (_, C, H, W), (F, _, KH, KW) = x_shape, w.shape
    w_mat = w.reshape(F, -1)                                     # (F, C·KH·KW)
    dx = np.empty(x_shape, dtype=dout.dtype) if input_grad else None

    def backward_chunk(chunk, cols):
        n = len(dout[chunk])
        x_pad_shape = _wide_shape((n, C, H, W), pads)            # (n, C, H_pad + 1, W_pad)
        dwide = np.zeros((F, n, cols.shape[1] // (n * x_pad_shape[3]), x_pad_shape[3]),
                         dtype=dout.dtype)                       # (F, n, H1, W_pad)
        _valid(dwide, (KH, KW), strides)[...] = dout[chunk].transpose(1, 0, 2, 3)
        dwide = dwide.reshape(F, -1)                             # (F, n·H1·W_pad)
        dw_t = cols @ dwide.T      # (C·KH·KW, F); 10-20% faster than dwide @ cols.T
        # float64 accumulation: db often cancels (±1 terms summing to 0.007), where
        # float32's rounding would show.
        db = dwide.sum(axis=1, dtype=np.float64)                 # (F,)
        if input_grad:
            dx_pad = _col2im(w_mat.T @ dwide, x_pad_shape, (KH, KW))  # (n, C, H_pad+1, W_pad)
            dx[chunk] = _crop(dx_pad, pads, H, W)
        return dw_t, db

    dw_ts, dbs = zip(*parallel_map(backward_chunk, chunks, cols))
    dw, db = _sum_in_order(dw_ts).T, _sum_in_order(dbs)
    return dx, dw.reshape(w.shape), db.astype(dout.dtype)


# ----------------------------------------------------------------- im2col machinery
# The helpers of the fast twins: the batch in chunks (``threads.chunks``), the padded input as a
# "wide" flat array, the patch matrix built from it, and the way back.

def _chunks(x, w):
    """The batch of x in slices of a few images, ~``CHUNK_BYTES`` of patch matrix each."""
    return chunks(len(x), w[0].size * x[0, 0].size * x.itemsize)   # C·KH·KW · H·W per image


def _sum_in_order(parts):
    """parts[0] + parts[1] + ..., always in this order (the same rounding on any thread count)."""
    return functools.reduce(np.add, parts)


def _wide_shape(x_shape, pads):
    """Shape (N, C, H_pad + 1, W_pad) of ``_pad_wide(x, pads)`` for x of shape x_shape."""
    N, C, H, W = x_shape
    (top, bottom), (left, right) = pads
    return N, C, top + H + bottom + 1, left + W + right


def _pad_wide(x, pads):
    """Zero-pad like ``_pad``, plus one spare zero row at the bottom (N, C, H_pad + 1, W_pad).

    The spare row keeps every slice of ``_im2col`` inside the array.
    """
    (_, _, H, W), ((top, _), (left, _)) = x.shape, pads
    x_pad = np.zeros(_wide_shape(x.shape, pads), dtype=x.dtype)
    x_pad[:, :, top:top + H, left:left + W] = x
    return x_pad


def _im2col(x_pad, kernel_hw):
    """Patch matrix of the stride-1 convolution, in the "wide" layout.

    cols[(c, u, v), (n, p)] = x_flat[n, c, p + u·W_pad + v],   p = i·W_pad + j

    x_flat is x_pad with its rows laid end to end. Position p = (i, j) runs over
    all W_pad columns of a row, not just the W_pad − KW + 1 valid ones: the last
    KW − 1 columns of each row are junk that the caller drops. In exchange each
    kernel tap (u, v) is ONE contiguous slice of x_flat per image and channel,
    so the matrix is built by KH·KW long copies (not N·C·H_out·W_out tiny ones).

    x_pad (N, C, H_pad + 1, W_pad) from ``_pad_wide`` -> cols (C·KH·KW, N·H1·W_pad),
    H1 = H_pad − KH + 1.
    """
    (N, C, H_pad1, W_pad), (KH, KW) = x_pad.shape, kernel_hw
    P = (H_pad1 - KH) * W_pad                                   # H1·W_pad positions
    x_flat = x_pad.reshape(N, C, H_pad1 * W_pad).transpose(1, 0, 2)   # (C, N, H_pad1·W_pad)
    cols = np.empty((C, KH, KW, N, P), dtype=x_pad.dtype)
    for u in range(KH):
        for v in range(KW):
            start = u * W_pad + v
            cols[:, u, v] = x_flat[:, :, start:start + P]
    return cols.reshape(C * KH * KW, N * P)


def _col2im(dcols, x_pad_shape, kernel_hw):
    """Adjoint of ``_im2col``: add each tap's gradient slice back onto x_flat.

    dcols : ndarray of shape (C·KH·KW, N·H1·W_pad) -> dx_pad (N, C, H_pad + 1, W_pad),
    a transposed view of a (C, N, H_pad + 1, W_pad) array.
    """
    (N, C, H_pad1, W_pad), (KH, KW) = x_pad_shape, kernel_hw
    dcols = dcols.reshape(C, KH, KW, N, -1)
    P = dcols.shape[4]
    dx_flat = np.zeros((C, N, H_pad1 * W_pad), dtype=dcols.dtype)
    for u in range(KH):
        for v in range(KW):
            start = u * W_pad + v
            dx_flat[:, :, start:start + P] += dcols[:, u, v]
    return dx_flat.reshape(C, N, H_pad1, W_pad).transpose(1, 0, 2, 3)


def _valid(wide, kernel_hw, strides):
    """The real output positions of a wide (F, N, H1, W_pad) grid, as a view.

    Rows ::SH, columns ::SW up to W_pad − KW (the rest are junk columns).
    Returns a strided view of shape (F, N, H_out, W_out).
    """
    (sh, sw), KW = strides, kernel_hw[1]
    return wide[:, :, ::sh, :wide.shape[3] - KW + 1:sw]
