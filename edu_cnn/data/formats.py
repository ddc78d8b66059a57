"""Reading the published file formats, trusting neither the bytes nor the archive.

- MNIST and Fashion-MNIST: gzipped IDX files (``read_idx``);
- CIFAR-10: a tar.gz of pickled batches (``read_cifar_archive``), read in memory
  with every member checked and an unpickler that can build nothing but the
  dicts, lists and uint8 arrays a batch holds.

``to_float_images`` and ``to_labels`` turn what was read into the arrays every
loader returns: x float32 (N, C, H, W) in [0, 1], y int64 (N,).
"""
import gzip
import io
import pickle
import tarfile
from pathlib import PurePosixPath

import numpy as np


def read_idx(path, ndim):
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


def to_float_images(x):
    """uint8 images (N, H, W) or (N, C, H, W) -> float32 (N, C, H, W) in [0, 1]."""
    x = x[:, None] if x.ndim == 3 else x  # (N, 1, H, W)
    out = x.astype(np.float32)
    out /= 255
    return out


def to_labels(y, n, where, num_classes=10):
    """Class ids as int64 (N,), checked against the number of images and the class count."""
    try:
        y = np.asarray(y, dtype=np.int64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected {n} integer labels, got {str(y)[:60]}.") from None
    if y.shape != (n,) or (n and (y.min() < 0 or y.max() >= num_classes)):
        got_range = f", range {y.min()}..{y.max()}" if y.size else ""
        raise ValueError(f"{where}: expected {n} labels in 0..{num_classes - 1}, "
                         f"got shape {y.shape}{got_range}.")
    return y


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
CIFAR_TRAIN = (  # the training batches; the test one is "test_batch"
    "data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5")


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
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError,
            IndexError) as exc:
        raise ValueError(f"{where}: refusing this pickle ({exc}). A CIFAR-10 batch holds only a "
                         "dict of lists, strings and a uint8 numpy array.") from None
    data = batch.get("data") if isinstance(batch, dict) else None
    labels = batch.get("labels") if isinstance(batch, dict) else None
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != 3 * 32 * 32 or not isinstance(labels, list):
        raise ValueError(f"{where}: expected a dict with 'data' uint8 (N, 3072) and 'labels' "
                         f"list, got {type(batch).__name__} with data "
                         f"{getattr(data, 'shape', None)} "
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


def read_cifar_archive(path):
    """The batches of a cifar-10-python.tar.gz, read in memory (nothing is extracted to disk).

    Every member is checked by ``_check_member`` as it is met, so a bad one
    anywhere makes the whole load fail; the batch pickles are loaded with
    ``_BatchUnpickler``.
    """
    wanted = {f"{_CIFAR_FOLDER}/{name}" for name in CIFAR_TRAIN + ("test_batch",)}
    batches = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:  # one forward pass over the gzip stream
            _check_member(member, path)
            if member.name in wanted:
                raw = archive.extractfile(member).read()
                name = PurePosixPath(member.name).name
                batches[name] = _unpickle_batch(raw, f"{path}:{member.name}")
    found = {f"{_CIFAR_FOLDER}/{name}" for name in batches}
    missing = sorted(PurePosixPath(w).name for w in wanted - found)
    if missing:
        raise ValueError(f"{path}: archive lacks {', '.join(missing)} under {_CIFAR_FOLDER}/.")
    return batches

