"""edu_cnn.set_blas_threads / blas_threads / blas_info change the running process's BLAS."""
import numpy as np
import pytest

import edu_cnn


def thread_counts():
    return [lib["threads"] for lib in edu_cnn.blas_info()]


@pytest.fixture
def restore_threads():
    before = edu_cnn.blas_info()
    yield
    for lib in before:            # every library back to its own count
        edu_cnn.set_blas_threads(lib["threads"])


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
