"""How many threads edu_cnn and its BLAS library (OpenBLAS, MKL, ...) use.

Setting ``OPENBLAS_NUM_THREADS`` in ``os.environ`` only works before NumPy is
first imported, which in a notebook has usually already happened. These
helpers change the thread count of the running process instead, through
threadpoolctl::

    import edu_cnn
    edu_cnn.set_blas_threads(1)          # from now on, in this process
    with edu_cnn.blas_threads(2):        # only inside the block
        model.fit(...)

The same count sets edu_cnn's own threads: the fast convolution and pooling
kernels (``ops/``) cut the batch into chunks of a few images and hand them to
``parallel_map``, which runs them on that many threads (NumPy releases the GIL
inside its loops and matrix products); Dense cuts its large products into blocks
the same way (``parallel_matmul``). The chunks and blocks depend on the shapes
only, so the results are the same, bit for bit, on any thread count. While
edu_cnn has several threads, every product it computes runs on ONE BLAS thread
(``_one_blas_thread``): edu_cnn's threads already hold the cores, and OpenBLAS's
own threads keep spinning for a while after each call.

By default edu_cnn uses every core the process may run on
(``os.sched_getaffinity``) for its kernels, and sets BLAS to ONE thread at
import, unless the environment already chose a count (``OPENBLAS_NUM_THREADS``,
``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``). On 2 cores this default was the
fastest setting, or within 1 ms of it, for the mnist, cifar and net_b nets of
``bench/``, on an idle machine and with every core busy (``bench/blas_threads.py``,
numbers in ``bench/README.md``); 2 BLAS threads with edu_cnn on one thread
made the busy cifar step 8× slower (810 against 100 ms).
``set_blas_threads(n)`` sets both counts; BLAS's count then matters for your
own NumPy products only.
"""
import contextlib
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._checks import check_positive_int

__all__ = ["blas_threads", "set_blas_threads", "blas_info", "kernel_threads", "parallel_map",
           "parallel_matmul", "chunks", "MIN_PARALLEL_CHUNKS"]


def _usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                         # macOS, Windows
        return os.cpu_count() or 1


_kernels = {"threads": _usable_cores(), "pool": None, "blas": None}   # made on first use


_BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _default_blas_threads():
    """At import: one BLAS thread, unless an environment variable chose the count."""
    if not any(os.environ.get(name) for name in _BLAS_ENV):
        _blas_controller().limit(limits=1)


def kernel_threads():
    """How many threads edu_cnn's convolution and pooling kernels run on."""
    return _kernels["threads"]


def _set_kernel_threads(n):
    if n != _kernels["threads"] and _kernels["pool"] is not None:
        _kernels["pool"].shutdown(wait=False)      # idle workers exit; a new pool starts on use
        _kernels["pool"] = None
    _kernels["threads"] = n


# How the kernels cut a batch: into chunks of about this many bytes of work
# (patch matrix, pooling input), small enough to stay in a core's cache (L2)
# and many enough for every thread. It depends on the shapes only, never on the
# thread count. 1 MiB: no size from 0.25 to 8 MiB was clearly faster (bench/README.md).
CHUNK_BYTES = 2**20


def chunks(n_items, bytes_per_item):
    """``range(n_items)`` in slices of ~``CHUNK_BYTES``: [slice(0, k), slice(k, 2k), ...]."""
    k = max(1, CHUNK_BYTES // max(1, bytes_per_item))
    return [slice(start, start + k) for start in range(0, n_items, k)]


# A batch of fewer chunks than this (< ~5 MiB of work) is done in the calling thread
# (``parallel_map``'s default): every NumPy call of a chunk takes Python's GIL back, and
# for small work these hand-offs between threads cost more than the second core gives
# (bench/README.md: the mnist net's step took 15.5 ms on 2 threads against 10.8 on 1,
# and 11.0 with this rule).
MIN_PARALLEL_CHUNKS = 5


def parallel_map(fn, *iterables, min_items=MIN_PARALLEL_CHUNKS):
    """``[fn(*args) for args in zip(*iterables)]``, on ``kernel_threads()`` threads.

    The results come back in order; an exception in ``fn`` is raised here. With
    one thread (or fewer than ``min_items`` items) it is a plain loop in the calling
    thread. BLAS runs on one thread meanwhile (``_one_blas_thread``).
    """
    args = list(zip(*iterables))
    with _one_blas_thread():
        if kernel_threads() == 1 or len(args) < max(2, min_items):
            return [fn(*a) for a in args]
        if _kernels["pool"] is None:
            _kernels["pool"] = ThreadPoolExecutor(kernel_threads(), thread_name_prefix="edu_cnn")
        return list(_kernels["pool"].map(fn, *zip(*args)))


def _one_blas_thread():
    """BLAS on one thread while edu_cnn's kernels run on several (threadpoolctl, ~7 µs).

    Each pool thread already has its core: two pool threads each calling a 2-thread
    BLAS made the cifar step of bench/ 70 ms instead of 54. And a 2-thread BLAS call,
    even in the calling thread, leaves OpenBLAS's second thread spinning for a while
    (~0.1 s) on the core the next kernel wants: net_a's step took 157 ms after
    ``set_blas_threads(2)`` against 123 ms with this rule (bench/README.md).
    """
    if kernel_threads() == 1:
        return contextlib.nullcontext()
    return _blas_controller().limit(limits=1)


# A Dense product is cut into blocks of at least this many multiply-adds (~0.3 ms).
MATMUL_BLOCK_MACS = 2**25


def parallel_matmul(a, b):
    """``a @ b`` for a (M, K), b (K, N) -> (M, N), in blocks on edu_cnn's threads.

    The longer of the two free sides (the rows of a or the columns of b) is cut
    into blocks of at least 128 with ``MATMUL_BLOCK_MACS`` multiply-adds or more;
    every block is one BLAS product, so no sum over K is split, and the blocks
    depend on the shapes only: the same bits on any thread count. Small products
    stay whole. One BLAS thread per block, or for a whole product while edu_cnn has
    several threads (``_one_blas_thread``).
    """
    (M, K), N = a.shape, b.shape[1]
    side = max(M, N)
    pieces = max(1, min(side // 128, M * N * K // MATMUL_BLOCK_MACS))
    if pieces == 1:
        with _one_blas_thread():
            return a @ b
    out = np.empty((M, N), dtype=np.result_type(a, b))
    step = -(-side // pieces)                                   # ceil(side / pieces)
    blocks = [slice(start, start + step) for start in range(0, side, step)]
    if M >= N:
        parallel_map(lambda rows: np.matmul(a[rows], b, out=out[rows]), blocks, min_items=2)
    else:                                                       # (each block is large)
        parallel_map(lambda cols: np.matmul(a, b[:, cols], out=out[:, cols]), blocks, min_items=2)
    return out


def _controller():
    from threadpoolctl import ThreadpoolController  # imported on demand: keeps import quick
    return ThreadpoolController()


def _blas_controller():
    """The BLAS part of a ThreadpoolController, made once (scanning the libraries takes ms)."""
    if _kernels["blas"] is None:
        _kernels["blas"] = _controller().select(user_api="blas")
    return _kernels["blas"]


def set_blas_threads(n):
    """Use ``n`` threads (BLAS and edu_cnn's kernels) from now on; returns the previous counts.

    Parameters
    ----------
    n : int >= 1

    Returns
    -------
    dict of str -> int : the thread count each BLAS library had before, by its name
    """
    n = check_positive_int(n, "set_blas_threads", "n")
    controller = _blas_controller()
    before = {info["internal_api"]: info["num_threads"] for info in controller.info()}
    controller.limit(limits=n)
    _set_kernel_threads(n)
    return before


@contextlib.contextmanager
def blas_threads(n):
    """Use ``n`` threads inside a ``with`` block (as ``set_blas_threads``); the old counts
    come back after it."""
    n = check_positive_int(n, "blas_threads", "n")
    before = kernel_threads()
    try:
        with _blas_controller().limit(limits=n):
            _set_kernel_threads(n)
            yield
    finally:
        _set_kernel_threads(before)


def blas_info():
    """The BLAS libraries NumPy uses: ``[{"name", "version", "kernel", "threads"}, ...]``.

    ``kernel`` is the CPU-specific code path OpenBLAS chose (e.g. ``"Haswell"``,
    ``"SkylakeX"``); float32 results can differ in the last bits between them.
    """
    return [{"name": info["internal_api"], "version": info.get("version"),
             "kernel": info.get("architecture"), "threads": info["num_threads"]}
            for info in _blas_controller().info()]


_default_blas_threads()
