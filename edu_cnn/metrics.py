"""Metrics: how often a classifier is right, and which classes it confuses.

    accuracy            = #{n : y_pred[n] = y_true[n]} / N
    confusion matrix    C[i, j] = #{n : y_true[n] = i and y_pred[n] = j}

The diagonal of C holds the correct answers, so accuracy = trace(C) / N.
"""
import numpy as np

__all__ = ["accuracy", "confusion_matrix"]


def accuracy(y_true, y_pred):
    """Fraction of correct predictions; y_true, y_pred integer class ids (N,) -> float."""
    y_true, y_pred = _check_labels(y_true, "y_true", "accuracy"), _check_labels(
        y_pred, "y_pred", "accuracy")
    _check_same_length(y_true, y_pred, "accuracy")
    if y_true.size == 0:
        raise ValueError("accuracy expected at least one label, got 0.")
    return float(np.mean(y_true == y_pred))


def _check_same_length(y_true, y_pred, who):
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{who}: y_true and y_pred must have the same length, "
                         f"got {y_true.shape} and {y_pred.shape}.")


def _check_labels(a, arg, who="confusion_matrix"):
    a = np.asarray(a)
    if a.ndim != 1:
        hint = f" If these are probabilities, use {arg}.argmax(axis=1)." if a.ndim == 2 else ""
        raise ValueError(f"{who}({arg}) expected class ids of shape (N,), "
                         f"got {a.shape}.{hint}")
    if not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{who}({arg}) expected integer class ids, got dtype "
                        f"{a.dtype}. Use {arg}.astype(int) or model.predict(x).argmax(axis=1).")
    return a


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Count how often class i was predicted as class j.

    cm[i, j] = #{n : y_true[n] = i and y_pred[n] = j}

    Parameters
    ----------
    y_true : ndarray of shape (N,), integer class ids
    y_pred : ndarray of shape (N,), integer class ids
    num_classes : int, optional; default max label + 1

    Returns
    -------
    cm : ndarray of shape (K, K), int64; rows = true class, columns = predicted.
        ``cm.trace() / cm.sum()`` is the accuracy.
    """
    y_true, y_pred = _check_labels(y_true, "y_true"), _check_labels(y_pred, "y_pred")
    _check_same_length(y_true, y_pred, "confusion_matrix")
    K = num_classes if num_classes is not None else int(max(y_true.max(initial=-1),
                                                            y_pred.max(initial=-1))) + 1
    for arg, a in (("y_true", y_true), ("y_pred", y_pred)):
        if a.size and (a.min() < 0 or a.max() >= K):
            raise ValueError(f"confusion_matrix({arg}) has labels outside 0..{K - 1} "
                             f"(num_classes={K}): min {a.min()}, max {a.max()}.")
    cm = np.zeros((K, K), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)          # cm[y_true[n], y_pred[n]] += 1 for every n
    return cm
