"""The published dataset files: names, sizes and checksums, where to fetch them, the cache.

``FILES[dataset]`` lists the files of each downloadable dataset (``RemoteFile``:
name, size in bytes, SHA-256, MD5); ``MIRRORS[dataset]`` the base URLs to try,
in order, for each of them; ``cache_dir()`` the folder where they are kept.

Both tables are plain dicts, so an instructor can add a local mirror without
touching the checksums::

    data.MIRRORS["mnist"] = ("http://lab-server/mnist/",)
"""
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RemoteFile:
    """One published file of a dataset: its name, size in bytes and checksums (hex)."""

    name: str
    size: int
    sha256: str
    md5: str


# Sizes and checksums of the published files. MD5: torchvision
# (torchvision/datasets/mnist.py, MNIST.resources and FashionMNIST.resources;
# torchvision/datasets/cifar.py, CIFAR10.tgz_md5). SHA-256 and sizes: TensorFlow
# Datasets' checksum files for mnist and fashion_mnist, and Keras
# (keras/datasets/cifar10.py, file_hash) for CIFAR-10. A file must match all three.
FILES = {
    "mnist": (
        RemoteFile("train-images-idx3-ubyte.gz", 9_912_422,
                   "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                   "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        RemoteFile("train-labels-idx1-ubyte.gz", 28_881,
                   "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                   "d53e105ee54ea40749a09fcbcd1e9432"),
        RemoteFile("t10k-images-idx3-ubyte.gz", 1_648_877,
                   "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                   "9fb629c4189551a2d022fa330f9573f3"),
        RemoteFile("t10k-labels-idx1-ubyte.gz", 4_542,
                   "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                   "ec29112dd5afa0611ce80d1b7f02629c"),
    ),
    "fashion-mnist": (
        RemoteFile("train-images-idx3-ubyte.gz", 26_421_880,
                   "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
                   "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        RemoteFile("train-labels-idx1-ubyte.gz", 29_515,
                   "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
                   "25c81989df183df01b3e8a0aad5dffbe"),
        RemoteFile("t10k-images-idx3-ubyte.gz", 4_422_102,
                   "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
                   "bef4ecab320f06d8554ea6380940ec79"),
        RemoteFile("t10k-labels-idx1-ubyte.gz", 5_148,
                   "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
                   "bb300cfdad3c16e7a12a480ee83cd310"),
    ),
    "cifar10": (
        RemoteFile("cifar-10-python.tar.gz", 170_498_071,
                   "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
                   "c58f30108f718f92721af3b95e74349a"),
    ),
}

# Where to fetch them, tried in order; a file's URL is the base + its name.
MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",        # PyTorch's copy
        "https://storage.googleapis.com/cvdf-datasets/mnist/",   # TensorFlow's copy
        "http://yann.lecun.com/exdb/mnist/",                     # the original site
    ),
    "fashion-mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # Zalando's own
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",  # Keras' copy
    ),
    "cifar10": (
        "https://www.cs.toronto.edu/~kriz/",  # the authors' site (no other official copy)
        "http://www.cs.toronto.edu/~kriz/",   # same host, for machines where TLS fails
    ),
}

TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}
DATASETS = tuple(FILES)


class DownloadError(RuntimeError):
    """A dataset file could not be obtained; the message says what was tried and what to do."""


class CacheAccessError(DownloadError, PermissionError):
    """The cache folder or a file in it cannot be read or written by this account.

    Both a DownloadError and a PermissionError; the message names the folder
    and what to do.
    """


def cache_dir():
    """Folder where downloaded datasets are kept: ``$EDU_CNN_DATA``, else ``~/.cache/edu_cnn``.

    Returns
    -------
    pathlib.Path
        Each dataset has a sub-folder named after it, e.g. ``cache_dir() / "mnist"``.

    Raises
    ------
    DownloadError
        If EDU_CNN_DATA is not set and there is no home folder to put the cache in.
    """
    env = os.environ.get("EDU_CNN_DATA")
    try:
        return Path(env).expanduser().absolute() if env else Path.home() / ".cache" / "edu_cnn"
    except (RuntimeError, KeyError):             # no HOME, and no home in the user database
        raise DownloadError(
            "There is no folder for the dataset cache: EDU_CNN_DATA is not set and this account "
            f"has no home folder (HOME is {'set' if 'HOME' in os.environ else 'not set'}"
            f"{', EDU_CNN_DATA starts with ~' if env else ''}). Set EDU_CNN_DATA to a "
            "folder, e.g. EDU_CNN_DATA=/tmp/edu_cnn_data. The MNIST subset needs no cache: "
            "edu_cnn.data.load_mnist().") from None
