"""Tests for edu_cnn.data.preprocess: one_hot, scale, standardize, batches, stratified_subset."""
import numpy as np
import pytest

from edu_cnn import data

# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

def test_batches_cover_everything_once_and_are_reproducible():
    x, y = np.arange(10).reshape(10, 1) * 1.0, np.arange(10)
    got = list(data.batches(x, y, batch_size=4, rng=0))
    assert [len(b[1]) for b in got] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in got]).tolist()) == list(range(10))
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0], yb)
    again = list(data.batches(x, y, batch_size=4, rng=0))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(got, again))
    assert np.concatenate([b[1] for b in got]).tolist() != list(range(10))  # shuffled


def test_batches_without_shuffle_and_drop_last():
    x, y = np.zeros((10, 3)), np.arange(10)
    got = [yb.tolist() for _, yb in data.batches(x, y, 4, shuffle=False, drop_last=True)]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_batches_generator_advances():
    rng = np.random.default_rng(0)
    x, y = np.zeros((6, 1)), np.arange(6)
    first = np.concatenate([b for _, b in data.batches(x, y, 6, rng=rng)])
    second = np.concatenate([b for _, b in data.batches(x, y, 6, rng=rng)])
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0}, ValueError,
     r"batches expected batch_size to be a positive integer, got 0\."),
    ({"batch_size": 2.5}, TypeError,
     r"batches expected batch_size to be a positive integer, got 2\.5 \(float\)\."),
    ({"batch_size": 2, "rng": "seed"}, TypeError,
     "batches expected rng to be a numpy Generator, an int seed or None, got str"),
])
def test_batches_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        next(data.batches(np.zeros((4, 1)), np.zeros(4), **kwargs))


def test_batches_length_mismatch():
    with pytest.raises(ValueError, match=r"batches expected x \(4, 1\) and y \(3,\) to have "
                                         r"the same number of rows, got 4 and 3\."):
        next(data.batches(np.zeros((4, 1)), np.zeros(3), 2))
    with pytest.raises(ValueError, match=r"batches expected x and y with a first \(sample\) "
                                         r"dimension, got x \(\) and y \(3,\)\."):
        next(data.batches(np.float64(1.0), np.zeros(3), 2))


def test_scale():
    x = np.array([[0, 51, 255]], dtype=np.uint8)
    out = data.scale(x)
    assert out.dtype == np.float32 and np.allclose(out, [[0, 0.2, 1]])
    assert x.dtype == np.uint8 and x[0, 2] == 255  # input untouched
    with pytest.raises(TypeError, match="expects integer pixel values 0..255 .*got float32"):
        data.scale(out)
    with pytest.raises(ValueError, match="got 0..300"):
        data.scale(np.array([0, 300]))


def test_standardize_uses_train_statistics_only():
    rng = np.random.default_rng(0)
    x_train = rng.normal(5, 2, (50, 3, 4, 4)).astype(np.float32)
    x_train[:, 1] += 10
    x_test = rng.normal(7, 3, (20, 3, 4, 4)).astype(np.float32)
    before = x_train.copy()
    tr, te, stats = data.standardize(x_train, x_test)
    assert stats["mean"].shape == (1, 3, 1, 1) and tr.dtype == np.float32
    np.testing.assert_allclose(tr.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(tr.std(axis=(0, 2, 3)), 1, atol=1e-4)
    np.testing.assert_allclose(te, (x_test - stats["mean"]) / (stats["std"] + 1e-8), rtol=1e-5)
    assert abs(te.mean()) > 0.3  # test set standardised with train stats, so not centred
    np.testing.assert_array_equal(x_train, before)


def test_standardize_flat_and_errors():
    tr, te, stats = data.standardize(np.array([[0, 2], [4, 6]], dtype=np.uint8))
    assert te is None and stats["mean"] == 3 and tr.dtype == np.float32
    with pytest.raises(ValueError, match=r"x_test must have the shape of x_train apart from N"):
        data.standardize(np.zeros((4, 1, 2, 2)), np.zeros((4, 2, 2, 2)))


def test_one_hot():
    out = data.one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0]])
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match=r"expects ids in 0..2; got 0..3"):
        data.one_hot(np.array([0, 3]), 3)
    with pytest.raises(TypeError, match="expects integer class ids; got dtype float64"):
        data.one_hot(np.array([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match=r"expects y of shape \(N,\); got \(2, 1\)"):
        data.one_hot(np.array([[0], [1]]), 3)
    with pytest.raises(ValueError,
                       match="one_hot expected num_classes to be a positive integer, got 0"):
        data.one_hot(np.array([0]), 0)


def test_stratified_subset():
    (x, y), _ = data.load_mnist()
    xs, ys = data.stratified_subset(x, y, per_class=7, seed=3)
    assert xs.shape == (70, 1, 28, 28) and np.bincount(ys).tolist() == [7] * 10
    xs2, ys2 = data.stratified_subset(x, y, per_class=7, seed=3)
    np.testing.assert_array_equal(xs, xs2)
    with pytest.raises(ValueError, match="class 1 has 1 samples, fewer than per_class=2"):
        data.stratified_subset(np.zeros((3, 2)), np.array([0, 0, 1]), per_class=2)
    with pytest.raises(TypeError, match=r"stratified_subset expected per_class to be a positive "
                                        r"integer, got True \(bool\)"):
        data.stratified_subset(np.zeros((3, 2)), np.array([0, 0, 1]), per_class=True)
