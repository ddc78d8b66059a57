"""edu_cnn.set_blas_threads / blas_threads / blas_info: BLAS threads and edu_cnn's own threads.

The kernels cut a batch into chunks (``threads.chunks``) that run on edu_cnn's
threads (``threads.parallel_map``); their results must not depend on the thread
count, bit for bit.
"""
import contextlib
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import edu_cnn
from edu_cnn import ops, threads


def thread_counts():
    return [lib["threads"] for lib in edu_cnn.blas_info()]


@pytest.fixture
def restore_threads():
    before, kernel_before = edu_cnn.blas_info(), threads.kernel_threads()
    yield
    for lib in before:            # every library back to its own count
        edu_cnn.set_blas_threads(lib["threads"])
    threads._set_kernel_threads(kernel_before)


def test_numpy_uses_a_blas_that_reports_its_kernel():
    info = edu_cnn.blas_info()
    assert info, "threadpoolctl found no BLAS library under NumPy"
    assert all(lib["threads"] >= 1 and lib["name"] for lib in info)
    if any(lib["name"] == "openblas" for lib in info):
        assert all(lib["kernel"] for lib in info if lib["name"] == "openblas")


def test_set_blas_threads_takes_effect_after_numpy_is_loaded(restore_threads):
    np.ones((64, 64)) @ np.ones((64, 64))              # NumPy and its BLAS are loaded and used
    before = edu_cnn.set_blas_threads(1)
    assert thread_counts() == [1] * len(thread_counts())
    assert set(before) == {lib["name"] for lib in edu_cnn.blas_info()}
    edu_cnn.set_blas_threads(2)
    assert thread_counts() == [2] * len(thread_counts())


def test_blas_threads_context_restores_the_old_count(restore_threads):
    edu_cnn.set_blas_threads(2)
    with edu_cnn.blas_threads(1):
        assert thread_counts() == [1] * len(thread_counts())
        a = np.arange(12.0).reshape(3, 4)
        assert np.array_equal(a @ a.T, np.einsum("ik,jk->ij", a, a))
    assert thread_counts() == [2] * len(thread_counts())


@pytest.mark.parametrize("bad, kind", [(0, ValueError), (-1, ValueError), (1.5, TypeError),
                                       ("2", TypeError), (True, TypeError)])
def test_bad_thread_counts_are_refused(bad, kind):
    with pytest.raises(kind, match="set_blas_threads expected n to be a positive integer"):
        edu_cnn.set_blas_threads(bad)
    with pytest.raises(kind, match="blas_threads expected n"):
        with edu_cnn.blas_threads(bad):
            pass


# ---------------------------------------------------------------- edu_cnn's own threads

def test_the_thread_count_sets_edu_cnn_threads_too(restore_threads):
    edu_cnn.set_blas_threads(2)
    assert threads.kernel_threads() == 2
    with edu_cnn.blas_threads(1):
        assert threads.kernel_threads() == 1
    assert threads.kernel_threads() == 2
    with pytest.raises(RuntimeError), edu_cnn.blas_threads(3):
        raise RuntimeError("inside the block")
    assert threads.kernel_threads() == 2 and thread_counts() == [2] * len(thread_counts())


@pytest.mark.parametrize("env, blas", [({}, 1), ({"OPENBLAS_NUM_THREADS": "2"}, 2)])
def test_defaults_one_blas_thread_and_every_core_for_the_kernels(env, blas):
    clean = {k: v for k, v in os.environ.items() if k not in threads._BLAS_ENV}
    code = ("import edu_cnn, json, os; from edu_cnn import threads; print(json.dumps(["
            "[lib['threads'] for lib in edu_cnn.blas_info()], threads.kernel_threads(), "
            "len(os.sched_getaffinity(0))]))")
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, check=True,
                         capture_output=True, text=True).stdout
    counts, kernel, cores = json.loads(out)
    assert set(counts) == {min(blas, cores)} and kernel == cores


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_parallel_map_keeps_the_order_and_raises(restore_threads, n_threads):
    edu_cnn.set_blas_threads(n_threads)
    assert threads.parallel_map(lambda a, b: a * b, range(7), "abcdefg") == [
        "", "b", "cc", "ddd", "eeee", "fffff", "gggggg"]

    def boom(i):
        if i == 3:
            raise ValueError("chunk 3")
        return i
    with pytest.raises(ValueError, match="chunk 3"):
        threads.parallel_map(boom, range(6))


@pytest.mark.parametrize("n, per_item, chunk_bytes, expected", [
    (10, 100, 300, [(0, 3), (3, 6), (6, 9), (9, 10)]),
    (2, 10**9, 2**20, [(0, 1), (1, 2)]),                    # bigger than a chunk: one each
    (5, 1, 2**20, [(0, 5)]),
])
def test_chunks_cover_the_batch_once(monkeypatch, n, per_item, chunk_bytes, expected):
    monkeypatch.setattr(threads, "CHUNK_BYTES", chunk_bytes)
    assert [(s.start, min(s.stop, n)) for s in threads.chunks(n, per_item)] == expected


def _run_kernels(x, w, b, dout_seed=1):
    """Outputs and gradients of the fast conv and max-pool kernels (conv then pool)."""
    out, cache = ops.conv2d_forward(x, w, b, 1, "same")
    pooled, pool_cache = ops.maxpool2d_forward(out, 2)
    dpooled = np.random.default_rng(dout_seed).standard_normal(pooled.shape)
    dout = ops.maxpool2d_backward(dpooled.astype(x.dtype), pool_cache)
    return [out, pooled, dout, *ops.conv2d_backward(dout, cache)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernels_give_the_same_bits_on_any_thread_count(restore_threads, monkeypatch, dtype):
    monkeypatch.setattr(threads, "CHUNK_BYTES", 4096)      # many chunks of 1-2 images
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 3, 10, 12)).astype(dtype)
    w, b = rng.standard_normal((4, 3, 2, 2)).astype(dtype), rng.standard_normal(4).astype(dtype)
    n_chunks = len(threads.chunks(len(x), w[0].size * x[0, 0].size * x.itemsize))
    assert n_chunks >= threads.MIN_PARALLEL_CHUNKS                # so the pool runs them
    edu_cnn.set_blas_threads(1)
    reference = _run_kernels(x, w, b)
    for n in (2, 3, 1, 2):
        edu_cnn.set_blas_threads(n)
        for ours, ref in zip(_run_kernels(x, w, b), reference):
            np.testing.assert_array_equal(ours, ref)


def test_chunked_kernels_match_the_loop_kernels(monkeypatch):
    monkeypatch.setattr(threads, "CHUNK_BYTES", 1)          # one image per chunk
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 2, 7, 6))
    w, b = rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    for args in [(w, b, 1, "same"), (w, b, 2, 1)]:
        (out, cache), (ref, ref_cache) = ops.conv2d_forward(x, *args), \
            ops.conv2d_forward_naive(x, *args)
        dout = rng.standard_normal(out.shape)
        np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
        for ours, expected in zip(ops.conv2d_backward(dout, cache),
                                  ops.conv2d_backward_naive(dout, ref_cache)):
            np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)
    for stride in (None, 1):
        (out, cache), (ref, ref_cache) = ops.maxpool2d_forward(x, 2, stride), \
            ops.maxpool2d_forward_naive(x, 2, stride)
        dout = rng.standard_normal(out.shape)
        np.testing.assert_array_equal(out, ref)
        np.testing.assert_allclose(ops.maxpool2d_backward(dout, cache),
                                   ops.maxpool2d_backward_naive(dout, ref_cache), rtol=1e-12)


def test_blas_runs_on_one_thread_inside_the_pool(restore_threads):
    edu_cnn.set_blas_threads(2)                  # pool threads each calling a 2-thread BLAS
    inside = threads.parallel_map(lambda _: thread_counts(), range(4),  # would oversubscribe
                                  min_items=2)
    assert all(counts == [1] * len(counts) for counts in inside)
    assert thread_counts() == [2] * len(thread_counts())                 # restored after


def test_blas_runs_on_one_thread_in_the_calling_thread_too(restore_threads):
    """A 2-thread BLAS call leaves OpenBLAS's second thread spinning on the core the next
    kernel wants: while edu_cnn has several threads, none of its products uses two."""
    edu_cnn.set_blas_threads(2)
    few = threads.parallel_map(lambda _: (threading.current_thread(), thread_counts()),
                               range(3), min_items=5)
    assert all(t is threading.main_thread() and counts == [1] * len(counts)
               for t, counts in few)
    seen = []
    real = threads._one_blas_thread

    def spy():
        seen.append(True)
        return real()

    threads._one_blas_thread = spy
    try:
        threads.parallel_matmul(np.ones((8, 16)), np.ones((16, 4)))   # small: stays whole
    finally:
        threads._one_blas_thread = real
    assert seen == [True]
    edu_cnn.set_blas_threads(1)                                        # one thread: no limit
    assert isinstance(threads._one_blas_thread(), type(contextlib.nullcontext()))


@pytest.mark.parametrize("shape", [(64, 4096, 256), (2000, 64, 256), (64, 256, 3000),
                                   (8, 16, 4)])
def test_parallel_matmul_same_bits_on_any_thread_count(restore_threads, shape):
    M, K, N = shape
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((M, K)), rng.standard_normal((K, N))
    edu_cnn.set_blas_threads(1)
    reference = threads.parallel_matmul(a, b), threads.parallel_matmul(b.T, a.T)
    np.testing.assert_allclose(reference[0], a @ b, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(reference[1], b.T @ a.T, rtol=1e-12, atol=1e-9)
    for n in (2, 3):
        edu_cnn.set_blas_threads(n)
        np.testing.assert_array_equal(threads.parallel_matmul(a, b), reference[0])
        np.testing.assert_array_equal(threads.parallel_matmul(b.T, a.T), reference[1])


def test_large_products_are_cut_into_blocks():
    """(64, 4096) @ (4096, 256): 67 M multiply-adds, two blocks of 128 columns."""
    calls = []
    real = threads.parallel_map

    def spy(fn, items, **kwargs):
        calls.append(list(items))
        return real(fn, calls[-1], **kwargs)

    threads.parallel_map = spy
    try:
        threads.parallel_matmul(np.ones((64, 4096)), np.ones((4096, 256)))
    finally:
        threads.parallel_map = real
    assert calls == [[slice(0, 128), slice(128, 256)]]
