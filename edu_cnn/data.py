"""Datasets for the course: the embedded MNIST subset, verified downloads, batching helpers.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` with

- ``x`` : float32 ndarray of shape (N, C, H, W), pixel values in [0, 1];
- ``y`` : int64 ndarray of shape (N,), class ids 0..9.

``load_mnist()`` reads 4,000 training and 1,000 test digits shipped inside the
package (``edu_cnn/datasets/mnist_subset.npz``): no network, about 0.05 s.
``load_mnist(full=True)``, ``load_fashion_mnist()`` and ``load_cifar10()``
download the full datasets once into a cache folder (``$EDU_CNN_DATA``, else
``~/.cache/edu_cnn``) and check every file against its published size,
SHA-256 and MD5, after each download and again on each load.
``load(name)`` picks one of them by name (a notebook's parameters cell).

How downloads stay safe and predictable:

- each file is tried at every address in ``MIRRORS[dataset]`` in turn;
  a host whose name cannot be looked up, or that cannot be reached, is given
  up after ``CONNECT_TIMEOUT`` seconds (at once if the connection is
  refused), a transfer that stalls after ``READ_TIMEOUT`` seconds, and a
  transfer that breaks off midway or gets a 5xx answer is tried ``ATTEMPTS``
  times in all; the next file is not attempted once one has failed everywhere;
- bytes go to a hidden temporary file beside the final one, which is renamed
  into place only once its checksums match: an interrupted or wrong download
  never leaves a file that looks valid;
- if every address fails, ``DownloadError`` says which addresses were tried,
  why each failed, where the cache folder is and what to do (use the
  embedded subset, or copy the files into that folder).

``MIRRORS`` and ``FILES`` are plain module-level tables, so an instructor can
add a local mirror (``data.MIRRORS["mnist"] = ("http://lab-server/mnist/",)``)
without touching the checksums, and the tests can serve small files from a
local HTTP server.
"""
import gzip
import hashlib
import http.client
import io
import os
import pickle
import socket
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from ._checks import as_rng

MNIST_CLASSES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")

CONNECT_TIMEOUT = 5.0  # seconds to reach a server (and finish the TLS handshake)
READ_TIMEOUT = 15.0    # seconds a started transfer may go without receiving a byte
ATTEMPTS = 2           # tries per address when a transfer breaks off midway
RETRY_PAUSE = 1.0      # seconds before the second try (doubled for each further one)
USER_AGENT = "edu_cnn (course data downloader)"

SUBSET_PATH = Path(__file__).resolve().parent / "datasets" / "mnist_subset.npz"


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


# ----------------------------------------------------------------------------
# The cache
# ----------------------------------------------------------------------------

def cache_dir():
    """Folder where downloaded datasets are kept: ``$EDU_CNN_DATA``, else ``~/.cache/edu_cnn``.

    Returns
    -------
    pathlib.Path
        Each dataset has a sub-folder named after it, e.g. ``cache_dir() / "mnist"``.
    """
    env = os.environ.get("EDU_CNN_DATA")
    return Path(env).expanduser().absolute() if env else Path.home() / ".cache" / "edu_cnn"


def _dataset_files(dataset):
    """The RemoteFile entries of a dataset name, or a ValueError listing the valid names."""
    if not isinstance(dataset, str) or dataset not in FILES:
        raise ValueError(f"dataset must be one of {', '.join(FILES)}; got {dataset!r}.")
    return FILES[dataset]


def _digests(path):
    """(size, sha256 hex, md5 hex) of a file, read in 1 MiB chunks."""
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
            md5.update(chunk)
    return path.stat().st_size, sha.hexdigest(), md5.hexdigest()


def _mismatch(spec, size, sha256, md5):
    """Why bytes with this size and these digests are not the published ``spec``; None if they are."""
    if size != spec.size:
        return f"size {size:,} bytes, expected {spec.size:,}"
    if sha256 != spec.sha256:
        return f"SHA-256 {sha256}, expected {spec.sha256}"
    if md5 != spec.md5:
        return f"MD5 {md5}, expected {spec.md5}"
    return None


def verify_file(path, spec):
    """Check a file against its published size and checksums.

    Parameters
    ----------
    path : str or pathlib.Path
    spec : RemoteFile

    Returns
    -------
    str or None
        None if the file is intact, else what is wrong ("missing", or which
        size or checksum differs, with both values).
    """
    path = Path(path)
    if not path.is_file():
        return "missing"
    if path.stat().st_size != spec.size:  # cheap test first: no need to hash a truncated file
        return _mismatch(spec, path.stat().st_size, None, None)
    return _mismatch(spec, *_digests(path))


def cache_report():
    """What is in the cache: one dict per expected file, plus leftover partial downloads.

    Returns
    -------
    list of dict
        Keys ``dataset``, ``name``, ``path``, ``size`` (bytes or None) and
        ``status``: "verified", "missing", "corrupt: <why>" or "partial download".
    """
    rows = []
    for dataset, specs in FILES.items():
        folder = cache_dir() / dataset
        for spec in specs:
            path = folder / spec.name
            problem = verify_file(path, spec)
            status = "verified" if problem is None else "missing" if problem == "missing" else f"corrupt: {problem}"
            size = path.stat().st_size if path.is_file() else None
            rows.append({"dataset": dataset, "name": spec.name, "path": path, "size": size, "status": status})
        for part in sorted(folder.glob(".*.part")) if folder.is_dir() else []:
            rows.append({"dataset": dataset, "name": part.name, "path": part,
                         "size": part.stat().st_size, "status": "partial download"})
    return rows


# ----------------------------------------------------------------------------
# Downloading
# ----------------------------------------------------------------------------

class _ReadTimeout:
    """Mixin: connect within the request's timeout, then allow READ_TIMEOUT per read."""

    def connect(self):
        super().connect()
        self.sock.settimeout(READ_TIMEOUT)


class _HTTPConnection(_ReadTimeout, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_ReadTimeout, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context)


class _Failed(Exception):
    """One try at one address failed: ``reason`` is for the user, ``retry`` says if trying again may help."""

    def __init__(self, reason, retry=False):
        super().__init__(reason)
        self.reason, self.retry = reason, retry


def _describe(exc):
    """(reason for the user, whether a retry may help) for an exception raised while downloading."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP error {exc.code} {exc.reason}", exc.code >= 500 or exc.code == 429
    if isinstance(exc, urllib.error.URLError):  # failed before any answer: DNS, connect, TLS
        cause = exc.reason
        if isinstance(cause, socket.gaierror):
            return f"host name could not be resolved, no network? ({cause.strerror})", False
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing is listening at that address)", False
        if isinstance(cause, TimeoutError):
            return f"no connection within {CONNECT_TIMEOUT:g} s (host unreachable, no network?)", False
        return f"could not connect: {cause}", False
    if isinstance(exc, TimeoutError):
        return f"the server sent nothing for {READ_TIMEOUT:g} s", True
    if isinstance(exc, (ConnectionError, http.client.HTTPException)):
        return f"the connection broke off ({type(exc).__name__}: {exc})", True
    return f"{type(exc).__name__}: {exc}", False


def _resolve_in_time(url):
    """Look the URL's host up in a helper thread and give up after CONNECT_TIMEOUT seconds.

    The system's name lookup (getaddrinfo) has no timeout of its own: with a
    DNS server that does not answer it can block for 10-30 s per host. Skipped
    when a proxy will do the lookup instead.
    """
    host = urllib.parse.urlsplit(url).hostname
    if not host or (urllib.request.getproxies() and not urllib.request.proxy_bypass(host)):
        return
    outcome = []

    def lookup():
        try:
            socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=lookup, name=f"edu_cnn lookup {host}", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT)
    if not outcome:
        raise _Failed(f"looking up the host name took more than {CONNECT_TIMEOUT:g} s "
                      "(no network? DNS server not answering)")
    if outcome[0] is not None:
        raise urllib.error.URLError(outcome[0])


def _stream(url, spec, out, progress):
    """Copy the body at ``url`` into the open file ``out``; return (size, sha256, md5) of what came."""
    _resolve_in_time(url)
    opener = urllib.request.build_opener(_HTTPHandler, _HTTPSHandler)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with opener.open(request, timeout=CONNECT_TIMEOUT) as response, _progress_bar(spec, url, progress) as bar:
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) != spec.size:
            raise _Failed(f"the server offers {int(announced):,} bytes, expected {spec.size:,}: "
                          "not the published file")
        sha, md5, done = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
        while chunk := response.read(1 << 16):
            done += len(chunk)
            if done > spec.size:
                raise _Failed(f"the server sent more than the expected {spec.size:,} bytes")
            out.write(chunk)
            sha.update(chunk)
            md5.update(chunk)
            bar.update(len(chunk))
    if done < spec.size:
        raise _Failed(f"the connection closed after {done:,} of {spec.size:,} bytes", retry=True)
    return done, sha.hexdigest(), md5.hexdigest()


def _progress_bar(spec, url, progress):
    """A tqdm bar in bytes for one file, naming the host (silent when ``progress`` is False)."""
    from tqdm.auto import tqdm
    host = urllib.parse.urlsplit(url).hostname
    return tqdm(total=spec.size, unit="B", unit_scale=True, unit_divisor=1024,
                desc=f"{spec.name} from {host}", disable=not progress)


def _download_once(url, spec, dest, progress):
    """One try: stream ``url`` to a temporary file beside ``dest``; rename it only if it checks out."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{spec.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            problem = _mismatch(spec, *_stream(url, spec, out, progress))
        if problem is not None:
            raise _Failed(f"checksum mismatch, the file is not the published one: {problem}")
        os.replace(tmp, dest)
    except _Failed:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _Failed(*_describe(exc)) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _try_address(url, spec, dest, progress):
    """Up to ATTEMPTS tries at one address; None on success, else why it failed."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _download_once(url, spec, dest, progress)
            return None
        except _Failed as failure:
            if not failure.retry or attempt == ATTEMPTS:
                return failure.reason + (f" ({attempt} tries)" if attempt > 1 else "")
            pause = RETRY_PAUSE * 2 ** (attempt - 1)
            if progress:
                print(f"{url}: {failure.reason}; trying again in {pause:g} s", file=sys.stderr)
            time.sleep(pause)


def _unavailable_message(dataset, spec, tried):
    """The DownloadError text: what was tried, why each failed, the cache folder, what to do."""
    folder = cache_dir() / dataset
    lines = [f"Could not download {TITLES[dataset]} file {spec.name}. Tried:"]
    lines += [f"  - {url}\n      {reason}" for url, reason in tried] or ["  (no addresses in MIRRORS)"]
    lines += [
        f"Cache folder: {folder}",
        "What to do:",
        "  - No network (lecture hall, CI)? Use the MNIST subset shipped with edu_cnn, which",
        "    needs no download: edu_cnn.data.load_mnist()  (4,000 train / 1,000 test digits).",
        "  - Or copy the files",
        *(f"      {f.name}" for f in FILES[dataset]),
        f"    into {folder}",
        f"    (e.g. from a machine where `edu-cnn data download {dataset}` worked); they are",
        "    checked against their published checksums when loaded.",
        "  - Or try again later, or set EDU_CNN_DATA to a folder that already holds them.",
    ]
    return "\n".join(lines)


def _download(dataset, spec, dest, progress):
    """Fetch one file from the first address that delivers it intact, else raise DownloadError."""
    tried, bases = [], MIRRORS.get(dataset, ())
    for i, base in enumerate(bases):
        url = base + spec.name
        reason = _try_address(url, spec, dest, progress)
        if reason is None:
            return dest
        tried.append((url, reason))
        if progress and i + 1 < len(bases):
            print(f"{url} failed: {reason}; trying the next address", file=sys.stderr)
    raise DownloadError(_unavailable_message(dataset, spec, tried))


def _warn(message):
    """warnings.warn, attributed to the first caller outside this module (the user's line)."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        level, frame = level + 1, frame.f_back
    warnings.warn(message, UserWarning, stacklevel=level)


def _cached_file(dataset, spec, download, progress):
    """Path of an intact cached copy of ``spec``, downloading it if missing or corrupt."""
    path = cache_dir() / dataset / spec.name
    problem = verify_file(path, spec)
    if problem is None:
        return path
    if problem != "missing":
        _warn(f"{path} is corrupt ({problem}); {'downloading it again' if download else 'not using it'}.")
    state = "missing" if problem == "missing" else f"corrupt ({problem})"
    if not download:
        raise DownloadError(f"{TITLES[dataset]} file {path} is {state}, and download=False.\n"
                            f"Run `edu-cnn data download {dataset}` or call with download=True; "
                            "offline, edu_cnn.data.load_mnist() needs no download.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"Cannot create the cache folder {path.parent} ({exc}). "
                            "Set EDU_CNN_DATA to a folder you can write to.") from None
    return _download(dataset, spec, path, progress)


def download(dataset, progress=True):
    """Make sure every file of a dataset is in the cache and intact; fetch what is missing or corrupt.

    Parameters
    ----------
    dataset : {"mnist", "fashion-mnist", "cifar10"}
    progress : bool
        Show a progress bar per file and report addresses that failed (on stderr).

    Returns
    -------
    dict
        File name -> pathlib.Path of the verified file in ``cache_dir() / dataset``.

    Raises
    ------
    DownloadError
        If a file could not be obtained from any address in ``MIRRORS[dataset]``.
    """
    return _fetch(dataset, download=True, progress=progress)


def _fetch(dataset, download, progress):
    """{file name: verified path} for every file of a dataset (see ``download``)."""
    return {spec.name: _cached_file(dataset, spec, download, progress) for spec in _dataset_files(dataset)}


# ----------------------------------------------------------------------------
# Reading the formats
# ----------------------------------------------------------------------------

def _read_idx(path, ndim):
    """Read a gzipped IDX file (MNIST's format) of unsigned bytes with ``ndim`` dimensions.

    Layout: 2 zero bytes, type 0x08 (uint8), ``ndim``, then ``ndim`` big-endian
    uint32 sizes, then the values in C order.
    """
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = 4 + 4 * ndim
    if len(raw) < header or raw[:4] != bytes((0, 0, 8, ndim)):
        raise ValueError(f"{path}: expected an IDX file of uint8 with {ndim} dimensions "
                         f"(magic 000008{ndim:02x}), got magic {raw[:4].hex()}.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    values = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape} ({int(np.prod(shape)):,} values), "
                         f"file holds {values.size:,}.")
    return values.reshape(shape)


def _to_float_images(x):
    """uint8 images (N, H, W) or (N, C, H, W) -> float32 (N, C, H, W) in [0, 1]."""
    x = x[:, None] if x.ndim == 3 else x  # (N, 1, H, W)
    out = x.astype(np.float32)
    out /= 255
    return out


def _labels(y, n, where, num_classes=10):
    """Class ids as int64 (N,), checked against the number of images and the class count."""
    try:
        y = np.asarray(y, dtype=np.int64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected {n} integer labels, got {str(y)[:60]}.") from None
    if y.shape != (n,) or (n and (y.min() < 0 or y.max() >= num_classes)):
        raise ValueError(f"{where}: expected {n} labels in 0..{num_classes - 1}, "
                         f"got shape {y.shape}" + (f", range {y.min()}..{y.max()}" if y.size else "") + ".")
    return y


def _load_idx_dataset(dataset, download, progress):
    """Both splits of MNIST or Fashion-MNIST from the cache (downloading if needed)."""
    paths = _fetch(dataset, download, progress)
    splits = []
    for prefix in ("train", "t10k"):
        images = _read_idx(paths[f"{prefix}-images-idx3-ubyte.gz"], ndim=3)  # (N, 28, 28)
        labels = _read_idx(paths[f"{prefix}-labels-idx1-ubyte.gz"], ndim=1)  # (N,)
        where = f"{TITLES[dataset]} {prefix}-labels-idx1-ubyte.gz"
        splits.append((_to_float_images(images), _labels(labels, len(images), where)))
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
                             f"found {sorted(arrays)}. Regenerate it with scripts/make_mnist_subset.py.")
        splits.append((_to_float_images(x), _labels(y, len(x), f"{SUBSET_PATH.name} y_{split}")))
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
        x : float32 ndarray of shape (N, 1, 28, 28), values in [0, 1];
        y : int64 ndarray of shape (N,), class ids 0..9.
    """
    return _load_idx_dataset("fashion-mnist", download, progress)


# ----------------------------------------------------------------------------
# CIFAR-10: a tar.gz of pickled batches, read without trusting either format
# ----------------------------------------------------------------------------

# The only globals a CIFAR-10 batch pickle refers to: numpy's function that
# rebuilds an array (under its numpy 1.x and 2.x module names), the ndarray
# class it is given, and numpy.dtype. Found from numpy itself, not imported
# by name, so numpy 2's deprecated ``numpy.core`` alias is never touched.
_RECONSTRUCT = np.empty(0).__reduce__()[0]
_SAFE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_TRAIN = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5")


class _BatchUnpickler(pickle.Unpickler):
    """Unpickler that can build dicts, lists, str, bytes, ints and numpy arrays, and nothing else.

    How it is safe: a pickle runs code only by calling objects it has looked up
    by module and name (the GLOBAL / STACK_GLOBAL opcodes; REDUCE, NEWOBJ and
    BUILD then call them or their ``__setstate__``). ``find_class`` is the
    one place where that lookup happens, so it returns only the four entries of
    ``_SAFE_GLOBALS`` and raises for anything else (``os.system``,
    ``builtins.eval``, ...). Those four rebuild an array the way numpy pickles
    one: ``_reconstruct(ndarray, (0,), b"b")`` makes an empty array,
    ``dtype("u1", False, True)`` its element type, and BUILD hands the shape,
    dtype and raw bytes to ``ndarray.__setstate__``. Dicts, lists, str, bytes
    and ints have opcodes of their own and need no global. Persistent ids are
    refused too (``Unpickler.persistent_load`` raises by default). The result
    is then checked to be exactly the expected dict of a uint8 array and a list.
    """

    def find_class(self, module, name):
        try:
            return _SAFE_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed") from None


def _unpickle_batch(raw, where):
    """One CIFAR-10 batch (bytes of a pickle) -> (x uint8 (N, 3, 32, 32), labels list)."""
    try:
        batch = _BatchUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ValueError(f"{where}: refusing this pickle ({exc}). A CIFAR-10 batch holds only a "
                         "dict of lists, strings and a uint8 numpy array.") from None
    data = batch.get("data") if isinstance(batch, dict) else None
    labels = batch.get("labels") if isinstance(batch, dict) else None
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != 3 * 32 * 32 or not isinstance(labels, list):
        raise ValueError(f"{where}: expected a dict with 'data' uint8 (N, 3072) and 'labels' list, got "
                         f"{type(batch).__name__} with data {getattr(data, 'shape', None)} "
                         f"{getattr(data, 'dtype', type(data).__name__)}.")
    return data.reshape(-1, 3, 32, 32), labels  # rows are R (1024), G, B planes, each 32 x 32


def _check_member(member, archive):
    """Refuse an archive member that is a link, a device, or whose path is absolute or has '..'."""
    name = member.name
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        why = "its path is absolute"
    elif ".." in parts:
        why = "its path contains '..'"
    elif member.issym() or member.islnk():
        why = "it is a link"
    elif not (member.isfile() or member.isdir()):
        why = "it is not a regular file or folder"
    else:
        return
    raise ValueError(f"{archive}: refusing archive member {name!r}: {why}. A genuine CIFAR-10 "
                     "archive has none; delete the file and download it again.")


def _read_cifar_archive(path):
    """The batches of a cifar-10-python.tar.gz, read in memory (nothing is extracted to disk).

    Every member is checked by ``_check_member`` as it is met, so a bad one
    anywhere makes the whole load fail; the batch pickles are loaded with
    ``_BatchUnpickler``.
    """
    wanted = {f"{_CIFAR_FOLDER}/{name}" for name in _CIFAR_TRAIN + ("test_batch",)}
    batches = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:  # one forward pass over the gzip stream
            _check_member(member, path)
            if member.name in wanted:
                raw = archive.extractfile(member).read()
                batches[PurePosixPath(member.name).name] = _unpickle_batch(raw, f"{path}:{member.name}")
    missing = sorted(PurePosixPath(w).name for w in wanted - {f"{_CIFAR_FOLDER}/{b}" for b in batches})
    if missing:
        raise ValueError(f"{path}: archive lacks {', '.join(missing)} under {_CIFAR_FOLDER}/.")
    return batches


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
    before it can be called (see ``_BatchUnpickler`` for why that suffices).

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
    path = _fetch("cifar10", download, progress)["cifar-10-python.tar.gz"]
    batches = _read_cifar_archive(path)
    splits = []
    for names in (_CIFAR_TRAIN, ("test_batch",)):
        x = np.concatenate([batches[name][0] for name in names])  # (N, 3, 32, 32)
        y = sum((batches[name][1] for name in names), [])
        splits.append((_to_float_images(x), _labels(y, len(x), f"{path.name} {', '.join(names)}")))
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
        Passed to the loader (``download``, ``progress``; not for "mnist-subset").

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        As ``load_mnist``; class names are in ``CLASS_NAMES[name]``.
    """
    if name not in LOADERS:
        raise ValueError(f"load(name=...) must be one of {', '.join(LOADERS)}; got {name!r}.")
    return LOADERS[name](**kwargs)


# ----------------------------------------------------------------------------
# Helpers for the notebooks
# ----------------------------------------------------------------------------

def _check_xy(x, y, where):
    """x and y as arrays with the same first dimension."""
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"{where}: x and y must have the same number of samples (first dimension); "
                         f"got x {x.shape} and y {y.shape}.")
    return x, y


def batch_indices(n, batch_size, order=None, drop_last=False):
    """Yield what selects each mini-batch of ``n`` rows: slices in order, or pieces of ``order``.

    ``order`` (N,) is a permutation of ``range(n)`` (a shuffle); without it the
    batches are ``slice(0, B)``, ``slice(B, 2B)``, ... (no copy when indexing).
    """
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield slice(start, start + batch_size) if order is None else order[start:start + batch_size]


def batches(x, y, batch_size, rng=None, shuffle=True, drop_last=False):
    """Iterate over mini-batches ``(x_batch, y_batch)`` covering the data once (one epoch).

    Parameters
    ----------
    x : ndarray of shape (N, ...)
    y : ndarray of shape (N, ...)
    batch_size : int
        Samples per batch; the last batch is smaller if N is not a multiple.
    rng : numpy.random.Generator, int or None
        Source of the shuffle order: a Generator (advanced by each call), a
        seed (same order every time), or None (a fresh unseeded Generator).
    shuffle : bool
        False keeps the original order (and ignores ``rng``).
    drop_last : bool
        Skip a last batch smaller than ``batch_size``.

    Yields
    ------
    x_batch : ndarray of shape (B, ...)
    y_batch : ndarray of shape (B, ...)
    """
    x, y = _check_xy(x, y, "batches")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batches(batch_size=...) must be a positive int; got {batch_size!r}.")
    order = as_rng(rng, "batches").permutation(len(x)) if shuffle else None
    for idx in batch_indices(len(x), batch_size, order, drop_last):
        yield x[idx], y[idx]


def scale(x):
    """Pixel values 0..255 (integers, e.g. uint8) -> float32 in [0, 1], i.e. ``x / 255``.

    Parameters
    ----------
    x : integer ndarray of any shape, values in 0..255

    Returns
    -------
    ndarray of float32, same shape
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"scale(x) expects integer pixel values 0..255 (e.g. uint8); got {x.dtype}. "
                        "Float images are taken to be scaled already; use them as they are.")
    if x.size and (x.min() < 0 or x.max() > 255):
        raise ValueError(f"scale(x) expects pixel values in 0..255; got {x.min()}..{x.max()}.")
    out = x.astype(np.float32)
    out /= 255
    return out


def standardize(x_train, x_test=None, eps=1e-8):
    """Subtract the mean and divide by the standard deviation, both computed on the training set only.

    For images (N, C, H, W) there is one mean and std per channel; for any
    other shape, one of each over all values. Using the training statistics
    for the test set too keeps the test set unseen.

    Parameters
    ----------
    x_train : ndarray of shape (N, C, H, W) or (N, ...)
    x_test : ndarray of the same shape apart from N, or None
    eps : float
        Added to the std so that a constant channel does not divide by zero.

    Returns
    -------
    x_train_std : ndarray, same shape (float; integer input becomes float32)
    x_test_std : ndarray or None
    stats : dict
        ``{"mean": m, "std": s}``, arrays of shape (1, C, 1, 1) for images,
        else shape (); apply them to new data as ``(x - m) / (s + eps)``.
    """
    x_train = _as_float(np.asarray(x_train), "x_train")
    axes = (0, 2, 3) if x_train.ndim == 4 else None
    mean = x_train.mean(axis=axes, keepdims=axes is not None)  # (1, C, 1, 1) or ()
    std = x_train.std(axis=axes, keepdims=axes is not None)
    out_train = (x_train - mean) / (std + eps)
    out_test = None
    if x_test is not None:
        x_test = _as_float(np.asarray(x_test), "x_test")
        if x_test.shape[1:] != x_train.shape[1:]:
            raise ValueError(f"standardize: x_test must have the shape of x_train apart from N, "
                             f"{('N',) + x_train.shape[1:]}; got {x_test.shape}.")
        out_test = (x_test - mean) / (std + eps)
    return out_train, out_test, {"mean": mean, "std": std}


def _as_float(x, name):
    """Float arrays unchanged; integer ones as float32."""
    if np.issubdtype(x.dtype, np.floating):
        return x
    if np.issubdtype(x.dtype, np.integer):
        return x.astype(np.float32)
    raise TypeError(f"{name} must be a numeric array; got dtype {x.dtype}.")


def one_hot(y, num_classes, dtype=np.float32):
    """Class ids -> one-hot rows: ``out[i, y[i]] = 1``.

    Parameters
    ----------
    y : integer ndarray of shape (N,), values in 0..num_classes-1
    num_classes : int

    Returns
    -------
    ndarray of shape (N, num_classes), ``dtype`` (float32 by default)
    """
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"one_hot(y) expects integer class ids; got dtype {y.dtype}. "
                        "Labels that are floats can be converted with y.astype(int).")
    if y.ndim != 1:
        raise ValueError(f"one_hot(y) expects y of shape (N,); got {y.shape}.")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"one_hot(num_classes=...) must be a positive int; got {num_classes!r}.")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot(y, num_classes={num_classes}) expects ids in 0..{num_classes - 1}; "
                         f"got {y.min()}..{y.max()}.")
    out = np.zeros((len(y), num_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def stratified_subset(x, y, per_class, seed=0):
    """Pick ``per_class`` random samples of every class, keeping their original order.

    Parameters
    ----------
    x : ndarray of shape (N, ...)
    y : integer ndarray of shape (N,)
    per_class : int
    seed : int, numpy.random.Generator or None
        Which samples are picked; the same int gives the same subset.

    Returns
    -------
    x_sub : ndarray of shape (K·per_class, ...), K = number of classes in y
    y_sub : ndarray of shape (K·per_class,)
    """
    x, y = _check_xy(x, y, "stratified_subset")
    if isinstance(per_class, bool) or not isinstance(per_class, (int, np.integer)) or per_class < 1:
        raise ValueError(f"stratified_subset(per_class=...) must be a positive int; got {per_class!r}.")
    rng = as_rng(seed, "stratified_subset(seed=...)")
    picked = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) < per_class:
            raise ValueError(f"stratified_subset: class {label} has {len(members)} samples, "
                             f"fewer than per_class={per_class}.")
        picked.append(rng.choice(members, size=per_class, replace=False))
    idx = np.sort(np.concatenate(picked))
    return x[idx], y[idx]


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
        raise ValueError(f"sample_image(name=...) must be one of {', '.join(SAMPLE_IMAGES)}; got {name!r}.")
    import matplotlib.cbook
    import matplotlib.image
    image = matplotlib.image.imread(matplotlib.cbook.get_sample_data(SAMPLE_IMAGES[name], asfileobj=False))
    rgb = image[..., :3].astype(np.float32)  # (H, W, 3); JPEGs come as uint8, PNGs as floats in [0, 1]
    if np.issubdtype(image.dtype, np.integer):
        rgb /= 255
    gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # (H, W)
    return np.clip(gray, 0.0, 1.0)
