"""How many threads the BLAS library (OpenBLAS, MKL, ...) uses for matrix products.

Setting ``OPENBLAS_NUM_THREADS`` in ``os.environ`` only works before NumPy is
first imported, which in a notebook has usually already happened. These
helpers change the thread count of the running process instead, through
threadpoolctl::

    import edu_cnn
    edu_cnn.set_blas_threads(1)          # from now on, in this process
    with edu_cnn.blas_threads(2):        # only inside the block
        model.fit(...)

For the small matrices of the course, one thread is usually fastest: on a
busy 2-core laptop, OpenBLAS's spinning worker threads compete with
everything else (see ``bench/README.md`` for measured times).
"""
import contextlib

from ._checks import check_positive_int

__all__ = ["blas_threads", "set_blas_threads", "blas_info"]


def _controller():
    from threadpoolctl import ThreadpoolController  # imported on demand: keeps import quick
    return ThreadpoolController()


def set_blas_threads(n):
    """Use ``n`` BLAS threads from now on (in this process); returns the previous counts.

    Parameters
    ----------
    n : int >= 1

    Returns
    -------
    dict of str -> int : the thread count each BLAS library had before, by its name
    """
    n = check_positive_int(n, "set_blas_threads", "n")
    controller = _controller().select(user_api="blas")
    before = {info["internal_api"]: info["num_threads"] for info in controller.info()}
    controller.limit(limits=n)
    return before


@contextlib.contextmanager
def blas_threads(n):
    """Use ``n`` BLAS threads inside a ``with`` block; the old counts come back after it."""
    n = check_positive_int(n, "blas_threads", "n")
    with _controller().limit(limits=n, user_api="blas"):
        yield


def blas_info():
    """The BLAS libraries NumPy uses: ``[{"name", "version", "kernel", "threads"}, ...]``.

    ``kernel`` is the CPU-specific code path OpenBLAS chose (e.g. ``"Haswell"``,
    ``"SkylakeX"``); float32 results can differ in the last bits between them.
    """
    return [{"name": info["internal_api"], "version": info.get("version"),
             "kernel": info.get("architecture"), "threads": info["num_threads"]}
            for info in _controller().select(user_api="blas").info()]
