"""Tests for edu_cnn.data.loaders: the embedded subset, loaders on real formats over local HTTP,
names."""
import socket
import time

import numpy as np
import pytest
from data_helpers import (
    cached,
    make_cifar_archive,
    make_idx_dataset,
    serve,
)

from edu_cnn import data

# The offline sandbox of data_helpers.py (cache in tmp, loopback only) for every test here.
pytestmark = pytest.mark.usefixtures("offline_sandbox")

# ----------------------------------------------------------------------------
# The embedded subset
# ----------------------------------------------------------------------------

def test_embedded_subset_shapes_dtypes_range():
    start = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert time.perf_counter() - start < 1.0
    assert x_train.shape == (4000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
        assert 0.08 < x.mean() < 0.2  # MNIST's mean pixel is about 0.13


def test_embedded_subset_is_stratified_and_disjoint():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert np.bincount(y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [100] * 10
    train_rows = {row.tobytes()
                  for row in (x_train * 255).round().astype(np.uint8).reshape(4000, -1)}
    test_rows = {row.tobytes() for row in (x_test * 255).round().astype(np.uint8).reshape(1000, -1)}
    assert len(train_rows) == 4000 and len(test_rows) == 1000
    assert not train_rows & test_rows


def test_embedded_subset_is_shuffled_not_sorted_by_class():
    (_, y_train), _ = data.load_mnist()
    assert len(np.unique(y_train[:100])) == 10


def test_embedded_subset_needs_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_mnist() tried to use the network")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    (x_train, _), _ = data.load_mnist()
    assert len(x_train) == 4000


def test_embedded_subset_does_not_touch_cache():
    data.load_mnist()
    assert not data.cache_dir().exists()


# ----------------------------------------------------------------------------
# Loaders parse real formats served over HTTP
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("dataset, loader", [
    ("mnist", lambda: data.load_mnist(full=True, progress=False)),
    ("fashion-mnist", lambda: data.load_fashion_mnist(progress=False))])
def test_idx_loaders_parse_downloaded_files(server, monkeypatch, dataset, loader):
    arrays, blobs = make_idx_dataset(seed=len(dataset))
    serve(server, monkeypatch, dataset, blobs)
    (x_train, y_train), (x_test, y_test) = loader()
    for (x, y), prefix in (((x_train, y_train), "train"), ((x_test, y_test), "t10k")):
        images, labels = arrays[prefix]
        assert x.shape == (len(images), 1, 28, 28) and x.dtype == np.float32
        assert y.dtype == np.int64
        np.testing.assert_allclose(x[:, 0], images / 255, rtol=1e-6)
        np.testing.assert_array_equal(y, labels)
    assert cached(dataset) == sorted(blobs)  # nothing else: no temporary files
    assert all(n == 1 for n in server.hits.values())
    loader()  # second load: from the cache, re-verified, no download
    assert all(n == 1 for n in server.hits.values())


def test_cifar10_parses_python_archive(server, monkeypatch):
    x_train, y_train, x_test, y_test, blob = make_cifar_archive(n=3)
    serve(server, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    (xt, yt), (xv, yv) = data.load_cifar10(progress=False)
    assert xt.shape == (15, 3, 32, 32) and xv.shape == (3, 3, 32, 32)
    assert xt.dtype == np.float32 and yt.dtype == np.int64
    np.testing.assert_allclose(xt, x_train.reshape(15, 3, 32, 32) / 255, rtol=1e-6)
    np.testing.assert_allclose(xv[0, 1], x_test[0, 1024:2048].reshape(32, 32) / 255,
                               rtol=1e-6)  # G plane
    assert yt.tolist() == y_train and yv.tolist() == y_test
    assert cached("cifar10") == ["cifar-10-python.tar.gz"]


def test_load_by_name(server, monkeypatch):
    (x, _), _ = data.load("mnist-subset")
    assert x.shape == (4000, 1, 28, 28)
    serve(server, monkeypatch, "fashion-mnist", make_idx_dataset(seed=14)[1])
    (x, _), _ = data.load("fashion-mnist", progress=False)
    assert x.shape == (30, 1, 28, 28)
    assert data.CLASS_NAMES["fashion-mnist"] is data.FASHION_CLASSES
    with pytest.raises(ValueError, match="must be one of mnist-subset, mnist, fashion-mnist, "
                                         "cifar10; got 'svhn'"):
        data.load("svhn")


def test_class_names():
    assert len(data.MNIST_CLASSES) == len(data.FASHION_CLASSES) == len(data.CIFAR10_CLASSES) == 10
    assert data.FASHION_CLASSES[9] == "Ankle boot" and data.CIFAR10_CLASSES[0] == "airplane"




def test_sample_image():
    image = data.sample_image("grace_hopper")
    assert image.ndim == 2 and image.shape == (600, 512) and image.dtype == np.float32
    assert 0 <= image.min() < 0.1 and 0.9 < image.max() <= 1
    with pytest.raises(ValueError, match="must be one of grace_hopper; got 'lena'"):
        data.sample_image("lena")
