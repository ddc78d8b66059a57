"""Kernels in edu_cnn.ops: naive == fast, both == PyTorch, and clear geometry errors.

Configurations are drawn from a seeded generator at collection time (batch 1–4,
channels 1–4, kernel 1–5, stride 1–3, padding 0–2 / pairs / "same" / "valid",
non-square inputs), plus hand-picked edge cases (1×1 inputs, stride > kernel,
batch of 1, even kernels with "same", overlapping pools, max-pool ties).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from edu_cnn import ops
from edu_cnn.ops import geometry

TOL = {np.float64: 1e-6, np.float32: 1e-4}
DTYPES = [np.float64, np.float32]


def rel_err(a, b):
    """Worst absolute difference relative to the largest magnitude of b."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    return np.abs(a - b).max(initial=0.0) / max(np.abs(b).max(initial=0.0), 1e-30)


# ---------------------------------------------------------------- configurations

def _pick_pair(rng, lo, hi):
    a, b = (int(v) for v in rng.integers(lo, hi + 1, size=2))
    return a if rng.random() < 0.5 else (a, b)


def _conv_config(rng):
    kernel = _pick_pair(rng, 1, 5)
    kh, kw = geometry.pair(kernel, "kernel")
    choice = rng.integers(4)
    stride = 1 if choice == 2 else _pick_pair(rng, 1, 3)
    padding = [_pick_pair(rng, 0, 2), int(rng.integers(0, 3)), "same", "valid"][choice]
    (t, bo), (le, ri) = geometry.resolve_padding(padding, kernel, stride)
    H = int(rng.integers(max(1, kh - t - bo), 10))
    W = int(rng.integers(max(1, kw - le - ri), 10))
    N, C, F = (int(v) for v in rng.integers(1, 5, size=3))
    return dict(N=N, C=C, F=F, H=H, W=W, kernel=kernel, stride=stride, padding=padding)


def _pool_config(rng):
    pool = _pick_pair(rng, 1, 4)
    stride = [None, _pick_pair(rng, 1, 3), 1][rng.integers(3)]
    ph, pw = geometry.pair(pool, "pool")
    H, W = int(rng.integers(ph, 11)), int(rng.integers(pw, 11))
    N, C = (int(v) for v in rng.integers(1, 5, size=2))
    return dict(N=N, C=C, H=H, W=W, pool=pool, stride=stride)


_RNG = np.random.default_rng(2024)
CONV_CONFIGS = [_conv_config(_RNG) for _ in range(40)] + [
    dict(N=1, C=1, F=1, H=1, W=1, kernel=1, stride=1, padding=0),        # 1×1 input
    dict(N=2, C=3, F=2, H=1, W=1, kernel=3, stride=1, padding=1),        # 1×1 input, padded
    dict(N=1, C=2, F=3, H=1, W=1, kernel=3, stride=1, padding="same"),   # 1×1 input, same
    dict(N=3, C=2, F=4, H=8, W=7, kernel=1, stride=3, padding=0),        # stride > kernel
    dict(N=2, C=1, F=2, H=9, W=9, kernel=2, stride=3, padding=(1, 0)),   # stride > kernel
    dict(N=1, C=3, F=2, H=6, W=5, kernel=(2, 4), stride=1, padding="same"),  # even kernels
    dict(N=2, C=2, F=3, H=5, W=8, kernel=4, stride=1, padding="same"),
    dict(N=1, C=1, F=8, H=28, W=28, kernel=3, stride=1, padding=1),      # the benchmark's conv
    dict(N=4, C=4, F=4, H=4, W=9, kernel=(4, 5), stride=(2, 1), padding="valid"),
]
POOL_CONFIGS = [_pool_config(_RNG) for _ in range(30)] + [
    dict(N=1, C=1, H=1, W=1, pool=1, stride=None),        # 1×1 input
    dict(N=2, C=3, H=7, W=5, pool=3, stride=1),           # overlapping
    dict(N=2, C=2, H=9, W=8, pool=(3, 2), stride=(2, 1)),  # overlapping, non-square
    dict(N=1, C=2, H=8, W=8, pool=2, stride=3),           # stride > pool
    dict(N=3, C=1, H=7, W=9, pool=2, stride=None),        # odd size: last row/col unused
    dict(N=1, C=4, H=4, W=4, pool=4, stride=None),        # window = whole image
]


def _cid(cfg):
    return "-".join(f"{k}{v}" for k, v in cfg.items()).replace(" ", "")


def _conv_data(cfg, dtype, seed=0):
    rng = np.random.default_rng(seed)
    kh, kw = geometry.pair(cfg["kernel"], "kernel")
    x = rng.standard_normal((cfg["N"], cfg["C"], cfg["H"], cfg["W"])).astype(dtype)
    w = rng.standard_normal((cfg["F"], cfg["C"], kh, kw)).astype(dtype)
    b = rng.standard_normal(cfg["F"]).astype(dtype)
    return x, w, b


def _dout_like(out, seed=1):
    return np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)


# ---------------------------------------------------------------- torch references

def _torch_conv(x, w, b, stride, padding, dout):
    """out, (dx, dw, db) from PyTorch autograd; padding applied explicitly with F.pad."""
    (t, bo), (le, ri) = geometry.resolve_padding(padding, w.shape[2:], stride)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = TF.conv2d(TF.pad(xt, (le, ri, t, bo)), wt, bt, stride=geometry.pair(stride, "s"))
    (out * torch.tensor(dout)).sum().backward()
    return out.detach().numpy(), (xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy())


def _torch_pool(fn, x, pool, stride, dout):
    xt = torch.tensor(x, requires_grad=True)
    out = fn(xt, geometry.pair(pool, "p"), geometry.pair(pool if stride is None else stride, "s"))
    (out * torch.tensor(dout)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


# ---------------------------------------------------------------- convolution

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=_cid)
def test_conv2d_naive_fast_and_torch_agree(cfg, dtype):
    x, w, b = _conv_data(cfg, dtype)
    x_before = x.copy()
    args = (cfg["stride"], cfg["padding"])
    out_n, cache_n = ops.conv2d_forward_naive(x, w, b, *args)
    out_f, cache_f = ops.conv2d_forward(x, w, b, *args)
    dout = _dout_like(out_n)
    grads_n = ops.conv2d_backward_naive(dout, cache_n)
    grads_f = ops.conv2d_backward(dout, cache_f)
    out_t, grads_t = _torch_conv(x, w, b, *args, dout)
    tol = TOL[dtype]
    for ours in (out_n, out_f):
        assert ours.dtype == dtype and rel_err(ours, out_t) < tol
    for name, gn, gf, gt in zip(("dx", "dw", "db"), grads_n, grads_f, grads_t):
        assert gn.dtype == dtype and gf.dtype == dtype, name
        assert rel_err(gn, gt) < tol, name
        assert rel_err(gf, gt) < tol, name
        assert rel_err(gf, gn) < tol, name
    np.testing.assert_array_equal(x, x_before)


def test_conv2d_same_keeps_size_and_pads_bottom_right():
    # A 2×2 kernel picking only its top-left tap reproduces the input under "same":
    # the extra row/column of zeros is at the bottom/right, like Keras and PyTorch.
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0
    for forward in (ops.conv2d_forward_naive, ops.conv2d_forward):
        out, _ = forward(x, w, np.zeros(1), stride=1, padding="same")
        np.testing.assert_array_equal(out, x)


def test_conv2d_hand_computed():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 2, 2))
    expected = np.array([[[[10.0, 18.0], [42.0, 50.0]]]]) + 1
    for forward in (ops.conv2d_forward_naive, ops.conv2d_forward):
        out, _ = forward(x, w, np.ones(1), stride=2, padding="valid")
        np.testing.assert_array_equal(out, expected)


# ---------------------------------------------------------------- pooling

POOL_OPS = {
    "max": (ops.maxpool2d_forward_naive, ops.maxpool2d_backward_naive,
            ops.maxpool2d_forward, ops.maxpool2d_backward, TF.max_pool2d),
    "avg": (ops.avgpool2d_forward_naive, ops.avgpool2d_backward_naive,
            ops.avgpool2d_forward, ops.avgpool2d_backward, TF.avg_pool2d),
}


def _check_pool(kind, x, pool, stride, tol):
    fwd_n, bwd_n, fwd_f, bwd_f, torch_fn = POOL_OPS[kind]
    x_before = x.copy()
    out_n, cache_n = fwd_n(x, pool, stride)
    out_f, cache_f = fwd_f(x, pool, stride)
    dout = _dout_like(out_n)
    dx_n, dx_f = bwd_n(dout, cache_n), bwd_f(dout, cache_f)
    out_t, dx_t = _torch_pool(torch_fn, x, pool, stride, dout)
    for ours in (out_n, out_f, dx_n, dx_f):
        assert ours.dtype == x.dtype
    assert rel_err(out_n, out_t) < tol and rel_err(out_f, out_t) < tol
    assert rel_err(dx_n, dx_t) < tol and rel_err(dx_f, dx_t) < tol
    assert rel_err(dx_f, dx_n) < tol
    np.testing.assert_array_equal(x, x_before)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("cfg", POOL_CONFIGS, ids=_cid)
def test_pool_naive_fast_and_torch_agree(cfg, kind, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((cfg["N"], cfg["C"], cfg["H"], cfg["W"])).astype(dtype)
    _check_pool(kind, x, cfg["pool"], cfg["stride"], TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", POOL_CONFIGS, ids=_cid)
def test_maxpool_ties_go_to_first_max_like_torch(cfg, dtype):
    # After a ReLU many windows are all zeros; small integers make ties everywhere.
    rng = np.random.default_rng(3)
    x = rng.integers(-1, 2, size=(cfg["N"], cfg["C"], cfg["H"], cfg["W"])).clip(0)
    x[:, :, : cfg["H"] // 2] = 0                                  # whole zero windows
    _check_pool("max", x.astype(dtype), cfg["pool"], cfg["stride"], TOL[dtype])


def test_maxpool_tie_hand_computed():
    x = np.zeros((1, 1, 2, 2))
    for forward, backward in [(ops.maxpool2d_forward_naive, ops.maxpool2d_backward_naive),
                              (ops.maxpool2d_forward, ops.maxpool2d_backward)]:
        out, cache = forward(x, 2)
        dx = backward(np.ones_like(out), cache)
        np.testing.assert_array_equal(dx, [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_pool_hand_computed():
    x = np.array([[1.0, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [1, 7, 2, 2]])[None, None]
    for forward in (ops.maxpool2d_forward_naive, ops.maxpool2d_forward):
        np.testing.assert_array_equal(forward(x, 2)[0][0, 0], [[4, 5], [7, 2]])
    for forward in (ops.avgpool2d_forward_naive, ops.avgpool2d_forward):
        np.testing.assert_array_equal(forward(x, 2)[0][0, 0], [[2.5, 1.75], [2, 2]])


def test_fast_kernels_accept_non_contiguous_views():
    rng = np.random.default_rng(5)
    base = rng.standard_normal((3, 2, 12, 10))
    x = base[:, ::-1, ::2].transpose(0, 1, 3, 2)            # (3, 2, 10, 6), a strided view
    w, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    for args in [(w, b, 1, "same"), (w, b, 2, 1)]:
        out, cache = ops.conv2d_forward(x, *args)
        ref, ref_cache = ops.conv2d_forward_naive(np.ascontiguousarray(x), *args)
        assert rel_err(out, ref) < 1e-12
        dout = _dout_like(out)
        for ours, expected in zip(ops.conv2d_backward(dout, cache),
                                  ops.conv2d_backward_naive(dout, ref_cache)):
            assert rel_err(ours, expected) < 1e-12
    for fwd, bwd, fwd_naive, bwd_naive in [
            (ops.maxpool2d_forward, ops.maxpool2d_backward,
             ops.maxpool2d_forward_naive, ops.maxpool2d_backward_naive),
            (ops.avgpool2d_forward, ops.avgpool2d_backward,
             ops.avgpool2d_forward_naive, ops.avgpool2d_backward_naive)]:
        out, cache = fwd(x, 2)
        ref, ref_cache = fwd_naive(np.ascontiguousarray(x), 2)
        dout = _dout_like(out)
        assert rel_err(out, ref) < 1e-12
        assert rel_err(bwd(dout, cache), bwd_naive(dout, ref_cache)) < 1e-12


# ---------------------------------------------------------------- geometry

@pytest.mark.parametrize("args, expected", [
    ((28, 28, 3, 1, 1), (28, 28)),
    ((32, 32, 5, 1, "valid"), (28, 28)),
    ((7, 6, (2, 4), 1, "same"), (7, 6)),
    ((9, 9, 3, 2, 0), (4, 4)),
    ((5, 8, (3, 1), (1, 3), (1, 0)), (5, 3)),
    ((1, 1, 3, 1, 1), (1, 1)),
])
def test_conv_output_shape(args, expected):
    assert geometry.conv_output_shape(*args) == expected


def test_resolve_padding_same_even_kernel_extra_at_bottom_right():
    assert geometry.resolve_padding("same", (2, 4), 1) == ((0, 1), (1, 2))
    assert geometry.resolve_padding("same", 3, 1) == ((1, 1), (1, 1))
    assert geometry.resolve_padding((2, 0), 3, 2) == ((2, 2), (0, 0))


@pytest.mark.parametrize("args, expected", [
    ((28, 28, 2, None), (14, 14)),
    ((7, 9, 2, None), (3, 4)),
    ((28, 28, 2, 1), (27, 27)),
    ((9, 8, (3, 2), (2, 1)), (4, 7)),
])
def test_pool_output_shape(args, expected):
    assert geometry.pool_output_shape(*args) == expected


CONV_SIZE, POOL_SIZE, ZEROS = geometry.conv_output_shape, geometry.pool_output_shape, np.zeros
BAD_GEOMETRY = [  # (function, args, error, message pattern)
    (CONV_SIZE, (8, 8, 3, 0, 0), ValueError, r"Conv2D stride must be >= 1, got 0"),
    (CONV_SIZE, (8, 8, 3, (1, 0), 0), ValueError, r"stride.*\(1, 0\)"),
    (CONV_SIZE, (8, 8, 3, 1, -1), ValueError, r"Conv2D padding must be >= 0, got -1"),
    (CONV_SIZE, (8, 8, 3, 1, "full"), ValueError, r"'valid' or 'same', got 'full'"),
    (CONV_SIZE, (8, 8, 3, 2, "same"), ValueError, r"'same'\) needs stride 1.*padding=1"),
    (CONV_SIZE, (3, 3, 5, 1, 0), ValueError,
     r"kernel_size \(5, 5\) is larger than the padded input \(3, 3\)"),
    (CONV_SIZE, (2, 8, 5, 1, 1), ValueError, r"larger than the padded input \(4, 10\)"),
    (CONV_SIZE, (8, 8, 0, 1, 0), ValueError, r"kernel_size must be >= 1"),
    (CONV_SIZE, (8, 8, 2.5, 1, 0), TypeError,
     r"kernel_size must be an int or an \(h, w\) pair.*2.5"),
    (CONV_SIZE, (8, 8, (3, 3, 3), 1, 0), TypeError, r"kernel_size"),
    (CONV_SIZE, (8, 8, 3, True, 0), TypeError, r"stride"),
    (CONV_SIZE, (8, 8, 3, 1, 1.5), TypeError, r"padding must be an int >= 0.*1.5"),
    (POOL_SIZE, (3, 8, 4), ValueError,
     r"MaxPool2D pool_size \(4, 4\) is larger than the input \(3, 8\)"),
    (POOL_SIZE, (8, 8, 2, 0, "AvgPool2D"), ValueError, r"AvgPool2D stride must be >= 1"),
    (POOL_SIZE, (8, 8, "2"), TypeError, r"MaxPool2D pool_size"),
    (ops.conv2d_forward, (ZEROS((1, 1, 2, 2)), ZEROS((1, 1, 3, 3)), ZEROS(1)), ValueError,
     r"larger than the padded input"),
    (ops.conv2d_forward_naive, (ZEROS((1, 1, 5, 5)), ZEROS((1, 1, 3, 3)), ZEROS(1), 2, "same"),
     ValueError, r"needs stride 1"),
    (ops.maxpool2d_forward, (ZEROS((1, 1, 2, 2)), 3), ValueError,
     r"MaxPool2D pool_size \(3, 3\) is larger"),
    (ops.avgpool2d_forward_naive, (ZEROS((1, 1, 2, 2)), 3), ValueError,
     r"AvgPool2D pool_size \(3, 3\) is larger"),
]


@pytest.mark.parametrize("fn, args, error, match", BAD_GEOMETRY)
def test_geometry_errors_are_clear(fn, args, error, match):
    with pytest.raises(error, match=match):
        fn(*args)
