"""The datasets of the course, as arrays: ``load(name)``, ``load_mnist`` and friends.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` with

- ``x`` : float32 ndarray of shape (N, C, H, W), pixel values in [0, 1];
- ``y`` : int64 ndarray of shape (N,), class ids 0..9 (names in ``CLASS_NAMES``).

``load_mnist()`` reads 4,000 training and 1,000 test digits shipped inside the
package (``edu_cnn/datasets/mnist_subset.npz``): no network, about 0.05 s.
``load_mnist(full=True)``, ``load_fashion_mnist()`` and ``load_cifar10()``
download the full datasets once into a cache folder (``$EDU_CNN_DATA``, else
``~/.cache/edu_cnn``) and check every file against its published size,
SHA-256 and MD5, after each download and again on each load (``downloader``).
``load(name)`` picks one of them by name (a notebook's parameters cell).
"""
from pathlib import Path

import numpy as np

from .downloader import fetch
from .formats import CIFAR_TRAIN, read_cifar_archive, read_idx, to_float_images, to_labels
from .registry import TITLES

MNIST_CLASSES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")

SUBSET_PATH = Path(__file__).resolve().parents[1] / "datasets" / "mnist_subset.npz"


def _load_idx_dataset(dataset, download, progress):
    """Both splits of MNIST or Fashion-MNIST from the cache (downloading if needed)."""
    paths = fetch(dataset, download, progress)
    splits = []
    for prefix in ("train", "t10k"):
        images = read_idx(paths[f"{prefix}-images-idx3-ubyte.gz"], ndim=3)  # (N, 28, 28)
        labels = read_idx(paths[f"{prefix}-labels-idx1-ubyte.gz"], ndim=1)  # (N,)
        where = f"{TITLES[dataset]} {prefix}-labels-idx1-ubyte.gz"
        splits.append((to_float_images(images), to_labels(labels, len(images), where)))
    return tuple(splits)


def load_mnist(full=False, download=True, progress=True):
    """Handwritten digits 0-9, 28 x 28 grey levels.

    Parameters
    ----------
    full : bool
        False (default): the subset shipped with edu_cnn, 4,000 training and
        1,000 test images (400 and 100 per digit), loaded from the package
        with no network. True: the full 60,000 / 10,000 images, downloaded once
        into ``cache_dir() / "mnist"`` and checked by checksum on every load.
    download : bool
        With ``full=True``, download missing or corrupt files (else raise).
    progress : bool
        Show download progress bars.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        x : float32 ndarray of shape (N, 1, 28, 28), values in [0, 1];
        y : int64 ndarray of shape (N,), digits 0..9 (names in ``MNIST_CLASSES``).

    Raises
    ------
    DownloadError
        With ``full=True`` when the files cannot be downloaded; the message
        lists the addresses tried, why each failed, and the cache folder.
    """
    if full:
        return _load_idx_dataset("mnist", download, progress)
    return _load_subset()


def _load_subset():
    """The embedded subset (see ``load_mnist``), checked for the expected arrays."""
    with np.load(SUBSET_PATH) as f:
        arrays = {key: f[key] for key in f.files}
    splits = []
    for split in ("train", "test"):
        x, y = arrays.get(f"x_{split}"), arrays.get(f"y_{split}")
        if x is None or y is None or x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise ValueError(f"{SUBSET_PATH}: expected x_{split} uint8 (N, 28, 28) and y_{split}; "
                             f"found {sorted(arrays)}. "
                             "Regenerate it with scripts/make_mnist_subset.py.")
        splits.append((to_float_images(x), to_labels(y, len(x), f"{SUBSET_PATH.name} y_{split}")))
    return tuple(splits)


def load_fashion_mnist(download=True, progress=True):
    """Zalando's Fashion-MNIST: 60,000 / 10,000 images of clothing, 28 x 28 grey levels.

    Downloaded once into ``cache_dir() / "fashion-mnist"``; checked by
    checksum after the download and on every load. Class names are in
    ``FASHION_CLASSES``.

    Parameters
    ----------
    download : bool
        Download missing or corrupt files (else raise DownloadError).
    progress : bool
        Show download progress bars.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        As ``load_mnist``: x float32 (N, 1, 28, 28) in [0, 1], y int64 (N,).
    """
    return _load_idx_dataset("fashion-mnist", download, progress)


def load_cifar10(download=True, progress=True):
    """CIFAR-10: 50,000 / 10,000 colour photos, 32 x 32, of 10 classes (``CIFAR10_CLASSES``).

    Downloaded once (``cifar-10-python.tar.gz``, 163 MiB) into
    ``cache_dir() / "cifar10"`` and checked by checksum after the download and
    on every load. Safe reading: the archive is read in memory and never
    extracted; any member that is a link or device, or whose path is absolute
    or contains '..', makes the load fail. The batches are Python pickles,
    which could run code when loaded; they are read with an unpickler whose
    ``find_class`` allows exactly four globals (numpy's ``_reconstruct`` under
    its two module names, ``numpy.ndarray`` and ``numpy.dtype``), which is all
    a CIFAR batch needs, so any other reference (``os.system`` ...) is refused
    before it can be called (``edu_cnn.data.formats`` says why that suffices).

    Parameters
    ----------
    download : bool
        Download the archive if missing or corrupt (else raise DownloadError).
    progress : bool
        Show a download progress bar.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        x : float32 ndarray of shape (N, 3, 32, 32), values in [0, 1], channels R, G, B;
        y : int64 ndarray of shape (N,), class ids 0..9.
    """
    path = fetch("cifar10", download, progress)["cifar-10-python.tar.gz"]
    batches = read_cifar_archive(path)
    splits = []
    for names in (CIFAR_TRAIN, ("test_batch",)):
        x = np.concatenate([batches[name][0] for name in names])  # (N, 3, 32, 32)
        y = sum((batches[name][1] for name in names), [])
        splits.append((to_float_images(x), to_labels(y, len(x), f"{path.name} {', '.join(names)}")))
    return tuple(splits)


LOADERS = {
    "mnist-subset": load_mnist,
    "mnist": lambda **kwargs: load_mnist(full=True, **kwargs),
    "fashion-mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
}
CLASS_NAMES = {"mnist-subset": MNIST_CLASSES, "mnist": MNIST_CLASSES,
               "fashion-mnist": FASHION_CLASSES, "cifar10": CIFAR10_CLASSES}


def load(name="mnist-subset", **kwargs):
    """Load a dataset by name, for a notebook's parameters cell: ``data.load(DATASET)``.

    Parameters
    ----------
    name : {"mnist-subset", "mnist", "fashion-mnist", "cifar10"}
        "mnist-subset" is the embedded subset (no network); the others download once.
    **kwargs
        ``download`` and ``progress``, passed to the loader (ignored for "mnist-subset",
        which needs no download, so one call works for every name).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        As ``load_mnist``; class names are in ``CLASS_NAMES[name]``.
    """
    if name not in LOADERS:
        raise ValueError(f"load(name=...) must be one of {', '.join(LOADERS)}; got {name!r}.")
    unknown = sorted(set(kwargs) - {"download", "progress"})
    if unknown:
        given = ", ".join(f"{key}={kwargs[key]!r}" for key in unknown)
        hint = (" The dataset name says which set: 'mnist-subset' is the 4,000-digit subset, "
                "'mnist' the full 60,000." if "full" in unknown else "")
        raise TypeError(f"load({name!r}, ...) takes only download= and progress=; got {given}."
                        f"{hint}")
    if name == "mnist-subset":
        return load_mnist()                      # shipped with edu_cnn: nothing to download
    return LOADERS[name](**kwargs)


SAMPLE_IMAGES = {"grace_hopper": "grace_hopper.jpg"}


def sample_image(name="grace_hopper"):
    """A real photograph from matplotlib's sample data, as grey levels in [0, 1].

    ``"grace_hopper"`` is the portrait of computer scientist Grace Hopper
    that matplotlib ships, good for showing what classic kernels do.

    Parameters
    ----------
    name : {"grace_hopper"}

    Returns
    -------
    ndarray of shape (H, W), float32 in [0, 1]
        Luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601); (600, 512) for grace_hopper.
    """
    if name not in SAMPLE_IMAGES:
        raise ValueError(f"sample_image(name=...) must be one of {', '.join(SAMPLE_IMAGES)}; "
                         f"got {name!r}.")
    import matplotlib.cbook
    import matplotlib.image
    path = matplotlib.cbook.get_sample_data(SAMPLE_IMAGES[name], asfileobj=False)
    image = matplotlib.image.imread(path)
    rgb = image[..., :3].astype(np.float32)  # (H, W, 3); JPEGs are uint8, PNGs floats in [0, 1]
    if np.issubdtype(image.dtype, np.integer):
        rgb /= 255
    gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # (H, W)
    return np.clip(gray, 0.0, 1.0)
