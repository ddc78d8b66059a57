"""Kernels in edu_cnn.ops: loop (naive) == fast, hand-worked values, clear geometry errors.

No torch here: the fast twins are checked against the loop twins, which read
like the formulas. The configurations (``conv_cfg``, ``pool_cfg``) come from
tests/conftest.py; tests/test_parity_torch.py checks the layers, and so these
kernels, against PyTorch.
"""
import numpy as np
import pytest

from edu_cnn import ops
from edu_cnn.gradcheck import rel_error
from edu_cnn.ops import geometry

TOL = {np.float64: 1e-6, np.float32: 1e-4}
DTYPES = [np.float64, np.float32]


def _conv_data(cfg, dtype, seed=0):
    rng = np.random.default_rng(seed)
    kh, kw = geometry.pair(cfg["kernel"], "kernel")
    x = rng.standard_normal((cfg["N"], cfg["C"], cfg["H"], cfg["W"])).astype(dtype)
    w = rng.standard_normal((cfg["F"], cfg["C"], kh, kw)).astype(dtype)
    b = rng.standard_normal(cfg["F"]).astype(dtype)
    return x, w, b


def _dout_like(out, seed=1):
    return np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)


# ---------------------------------------------------------------- what the configs cover

def test_conv_configs_cover_the_brief(random_conv_configs):
    configs = random_conv_configs
    assert {c["N"] for c in configs} == {1, 2, 3, 4}
    assert {c["C"] for c in configs} == {1, 2, 3, 4}
    assert {k for c in configs for k in c["kernel"]} == {1, 2, 3, 4, 5}
    assert {s for c in configs for s in c["stride"]} == {1, 2, 3}
    assert {0, 1, 2, "same", "valid"} <= {c["padding"] for c in configs
                                          if not isinstance(c["padding"], tuple)}
    assert any(isinstance(c["padding"], tuple) for c in configs)
    assert all(c["H"] != c["W"] for c in configs)
    assert any(c["padding"] == "same" and c["kernel"][0] % 2 == 0 for c in configs)


def test_pool_configs_include_overlapping_windows(random_pool_configs):
    configs = random_pool_configs
    stride = [c["pool"] if c["stride"] is None else np.broadcast_to(c["stride"], 2)
              for c in configs]
    assert sum(np.any(np.less(s, c["pool"])) for s, c in zip(stride, configs)) >= 10
    assert sum(c["stride"] is None for c in configs) >= 5


# ---------------------------------------------------------------- convolution

@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_naive_and_fast_agree(conv_cfg, dtype):
    x, w, b = _conv_data(conv_cfg, dtype)
    x_before = x.copy()
    args = (conv_cfg["stride"], conv_cfg["padding"])
    out_n, cache_n = ops.conv2d_forward_naive(x, w, b, *args)
    out_f, cache_f = ops.conv2d_forward(x, w, b, *args)
    assert out_n.dtype == dtype and out_f.dtype == dtype
    assert rel_error(out_f, out_n) < TOL[dtype]
    dout = _dout_like(out_n)
    grads_n = ops.conv2d_backward_naive(dout, cache_n)
    grads_f = ops.conv2d_backward(dout, cache_f)
    for name, gn, gf in zip(("dx", "dw", "db"), grads_n, grads_f):
        assert gn.dtype == dtype and gf.dtype == dtype, name
        assert rel_error(gf, gn) < TOL[dtype], name
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
            ops.maxpool2d_forward, ops.maxpool2d_backward),
    "avg": (ops.avgpool2d_forward_naive, ops.avgpool2d_backward_naive,
            ops.avgpool2d_forward, ops.avgpool2d_backward),
}


def _check_pool(kind, x, pool, stride, tol):
    fwd_n, bwd_n, fwd_f, bwd_f = POOL_OPS[kind]
    x_before = x.copy()
    out_n, cache_n = fwd_n(x, pool, stride)
    out_f, cache_f = fwd_f(x, pool, stride)
    dout = _dout_like(out_n)
    dx_n, dx_f = bwd_n(dout, cache_n), bwd_f(dout, cache_f)
    for ours in (out_n, out_f, dx_n, dx_f):
        assert ours.dtype == x.dtype
    assert rel_error(out_f, out_n) < tol
    assert rel_error(dx_f, dx_n) < tol
    np.testing.assert_array_equal(x, x_before)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_naive_and_fast_agree(pool_cfg, kind, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((pool_cfg["N"], pool_cfg["C"], pool_cfg["H"], pool_cfg["W"]))
    _check_pool(kind, x.astype(dtype), pool_cfg["pool"], pool_cfg["stride"], TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_maxpool_ties_go_to_the_same_first_max_in_both(pool_cfg, dtype):
    # After a ReLU many windows are all zeros; small integers make ties everywhere.
    rng = np.random.default_rng(3)
    N, C, H, W = (pool_cfg[k] for k in "NCHW")
    x = rng.integers(-1, 2, size=(N, C, H, W)).clip(0)
    x[:, :, : H // 2] = 0                                         # whole zero windows
    _check_pool("max", x.astype(dtype), pool_cfg["pool"], pool_cfg["stride"], TOL[dtype])


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
        assert rel_error(out, ref) < 1e-12
        dout = _dout_like(out)
        for ours, expected in zip(ops.conv2d_backward(dout, cache),
                                  ops.conv2d_backward_naive(dout, ref_cache)):
            assert rel_error(ours, expected) < 1e-12
    for fwd, bwd, fwd_naive, bwd_naive in [
            (ops.maxpool2d_forward, ops.maxpool2d_backward,
             ops.maxpool2d_forward_naive, ops.maxpool2d_backward_naive),
            (ops.avgpool2d_forward, ops.avgpool2d_backward,
             ops.avgpool2d_forward_naive, ops.avgpool2d_backward_naive)]:
        out, cache = fwd(x, 2)
        ref, ref_cache = fwd_naive(np.ascontiguousarray(x), 2)
        dout = _dout_like(out)
        assert rel_error(out, ref) < 1e-12
        assert rel_error(bwd(dout, cache), bwd_naive(dout, ref_cache)) < 1e-12


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
