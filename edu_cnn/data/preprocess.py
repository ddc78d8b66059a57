"""What students call on the arrays: one-hot labels, mini-batches, scaling, standardising, subsets.

- ``one_hot(y, K)``: class ids (N,) -> rows (N, K) with ``out[i, y[i]] = 1``;
- ``scale(x)``: pixels 0..255 -> float32 in [0, 1], i.e. ``x / 255``;
- ``standardize(x_train, x_test)``: ``(x - mean) / std`` with the training set's statistics;
- ``batches(x, y, B)``: one epoch of shuffled mini-batches (B, ...);
- ``stratified_subset(x, y, k)``: ``k`` random samples of every class.
"""
import numpy as np

from .._checks import as_rng, check_paired, check_positive_int


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
    num_classes = check_positive_int(num_classes, "one_hot", "num_classes")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot(y, num_classes={num_classes}) expects ids in "
                         f"0..{num_classes - 1}; got {y.min()}..{y.max()}.")
    out = np.zeros((len(y), num_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


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
        raise TypeError(f"scale(x) expects integer pixel values 0..255 (e.g. uint8); "
                        f"got {x.dtype}. Float images are taken to be scaled already; "
                        "use them as they are.")
    if x.size and (x.min() < 0 or x.max() > 255):
        raise ValueError(f"scale(x) expects pixel values in 0..255; got {x.min()}..{x.max()}.")
    out = x.astype(np.float32)
    out /= 255
    return out


def standardize(x_train, x_test=None, eps=1e-8):
    """Subtract the mean and divide by the standard deviation, both from the training set only.

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
    x, y = check_paired(x, y, "batches")
    batch_size = check_positive_int(batch_size, "batches", "batch_size")
    order = as_rng(rng, "batches").permutation(len(x)) if shuffle else None
    for idx in batch_indices(len(x), batch_size, order, drop_last):
        yield x[idx], y[idx]


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
    x, y = check_paired(x, y, "stratified_subset")
    per_class = check_positive_int(per_class, "stratified_subset", "per_class")
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
