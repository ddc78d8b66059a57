"""Datasets for the course and the helpers that prepare them.

Start with ``preprocess``: it holds what you call on the arrays (``one_hot``,
``scale``, ``standardize``, ``batches``, ``stratified_subset``). Then
``loaders``: ``load_mnist()`` returns ``(x_train, y_train), (x_test, y_test)``,
x float32 (N, 1, 28, 28) in [0, 1] and y int64 (N,), from the 4,000 + 1,000
digits shipped with edu_cnn, with no network; ``load(name)`` picks a dataset
by name. The rest is plumbing for the full datasets:

- ``registry``: the published files (``FILES``), their mirrors (``MIRRORS``), ``cache_dir()``;
- ``downloader``: verified downloads with timeouts and retries (its settings,
  e.g. ``READ_TIMEOUT``, are changed on ``edu_cnn.data.downloader``);
- ``formats``: the IDX and CIFAR-10 file readers.

Every name below is available as ``edu_cnn.data.<name>``.
"""
from .downloader import cache_report, download, verify_file
from .loaders import (
    CIFAR10_CLASSES,
    CLASS_NAMES,
    FASHION_CLASSES,
    LOADERS,
    MNIST_CLASSES,
    SAMPLE_IMAGES,
    SUBSET_PATH,
    load,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
    sample_image,
)
from .preprocess import batch_indices, batches, one_hot, scale, standardize, stratified_subset
from .registry import (
    DATASETS,
    FILES,
    MIRRORS,
    TITLES,
    CacheAccessError,
    DownloadError,
    RemoteFile,
    cache_dir,
)

__all__ = [
    "CIFAR10_CLASSES", "CLASS_NAMES", "CacheAccessError", "DATASETS", "FASHION_CLASSES",
    "DownloadError", "FILES", "LOADERS", "MIRRORS", "MNIST_CLASSES", "SAMPLE_IMAGES", "SUBSET_PATH",
    "TITLES",
    "RemoteFile", "batch_indices", "batches", "cache_dir", "cache_report", "download", "load",
    "load_cifar10", "load_fashion_mnist", "load_mnist", "one_hot", "sample_image", "scale",
    "standardize", "stratified_subset", "verify_file",
]

# notebook 08: your own digit, made MNIST-like
from .drawing import PRE_DRAWN, render_strokes, to_mnist  # noqa: E402

__all__ += ["to_mnist", "render_strokes", "PRE_DRAWN"]
