"""Checks for notebook 00, getting started: flatten images, standardise, one-hot labels."""
import numpy as np

from ._feedback import call, check, report, shape_of

__all__ = ["check_flatten_images", "check_standardise", "check_one_hot"]


@check
def check_flatten_images(flatten_images):
    """Check ``flatten_images(x)``: (N, 1, 28, 28) images -> (N, 784) rows."""
    x = np.random.default_rng(0).random((6, 1, 28, 28)).astype(np.float32)
    x_before = x.copy()
    out = call(flatten_images, x)
    if not np.array_equal(x, x_before):
        return report(False, "your function changed its input x in place; "
                             "return a new (reshaped) array instead.")
    if not hasattr(out, "shape"):
        return report(False, f"your function returned {shape_of(out)}; "
                             "it should return an array of shape (6, 784).")
    shape = tuple(out.shape)
    hints = {
        x.shape: "that is the input unchanged; reshape it to (N, 784) with "
                 "x.reshape(len(x), -1).",
        (6 * 784,): "you flattened everything into one long vector and lost the batch axis; "
                    "keep one row per image: x.reshape(len(x), -1).",
        (784, 6): "rows and columns are swapped: each ROW should be one image "
                  "(N rows, 784 columns).",
        (6, 28, 28): "you removed the channel axis but did not flatten the 28×28 pixels.",
    }
    if shape != (6, 784):
        hint = hints.get(shape, "for 6 images of 1×28×28 there should be 6 rows of "
                                "1·28·28 = 784 pixels.")
        return report(False, f"your output has shape {shape}, expected (6, 784): {hint}")
    if not np.array_equal(np.asarray(out), x.reshape(6, 784)):
        return report(False, "the shape (6, 784) is right but the pixels are in a different "
                             "order; flatten each image row by row (NumPy's default C order: "
                             "x.reshape(len(x), -1)).")
    return report(True, "x.reshape(len(x), -1) turns (N, 1, 28, 28) into (N, 784), "
                        "one image per row.")


def _standardise_data():
    """A small training set and test set with different statistics: (40, 1, 6, 6), (10, 1, 6, 6)."""
    rng = np.random.default_rng(1)
    x_train = (0.2 + 0.5 * rng.random((40, 1, 6, 6))).astype(np.float32)
    x_test = (0.3 + 0.6 * rng.random((10, 1, 6, 6))).astype(np.float32)
    return x_train, x_test


def _standardise_mistake(x_train, x_test, train_z, test_z):
    """Name the typical mistake that produced (train_z, test_z), or None."""
    m, s = x_train.mean(), x_train.std()

    def same(a, b):
        return a.shape == b.shape and np.allclose(a, b, atol=1e-4)
    if same(test_z, (x_test - x_test.mean()) / x_test.std()):
        return ("you standardised the test set with its OWN mean and std. Use the training "
                "set's mean and std for both: the test set stands for new data whose statistics "
                "you do not know when you train.")
    if same(train_z, x_train / 255):
        return ("you divided by 255, but these pixels are already in [0, 1]; subtract the mean "
                "and divide by the std.")
    if same(train_z, x_train - m):
        return "you subtracted the mean but did not divide by the standard deviation."
    if same(train_z, x_train / s):
        return "you divided by the standard deviation but did not subtract the mean first."
    if same(train_z, (x_train - x_train.mean(axis=0)) / (x_train.std(axis=0) + 1e-8)):
        return ("you used one mean and std per pixel (axis=0); here use one mean and one std "
                "over all training pixels: x_train.mean() and x_train.std().")
    return None


@check
def check_standardise(standardise):
    """Check ``standardise(x_train, x_test) -> (train_z, test_z)`` (train statistics only)."""
    x_train, x_test = _standardise_data()
    m, s = x_train.mean(), x_train.std()
    originals = (x_train.copy(), x_test.copy())
    out = call(standardise, x_train, x_test)
    if not (np.array_equal(x_train, originals[0]) and np.array_equal(x_test, originals[1])):
        return report(False, "your function changed x_train or x_test in place; "
                             "return new arrays.")
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        return report(False, f"return two arrays, (train_z, test_z); you returned "
                             f"{shape_of(out)}.")
    train_z, test_z = (np.asarray(a, dtype=np.float64) for a in out)
    if train_z.shape != x_train.shape or test_z.shape != x_test.shape:
        return report(False, f"the outputs have shapes {train_z.shape} and {test_z.shape}; "
                             f"standardising keeps the shapes {x_train.shape} and "
                             f"{x_test.shape}.")
    mistake = _standardise_mistake(x_train, x_test, train_z, test_z)
    if mistake:
        return report(False, mistake)
    if not (np.allclose(train_z, (x_train - m) / s, atol=1e-4)
            and np.allclose(test_z, (x_test - m) / s, atol=1e-4)):
        return report(False, f"your training set now has mean {train_z.mean():.3f} and std "
                             f"{train_z.std():.3f} (expected 0 and 1): compute "
                             "(x - x_train.mean()) / x_train.std() for both sets.")
    stats = [round(float(v), 2) + 0.0
             for v in (train_z.mean(), train_z.std(), test_z.mean(), test_z.std())]
    return report(True, "train mean {:.2f}, std {:.2f}; the test set (mean {:.2f}, std {:.2f}) "
                        "used the training statistics.".format(*stats))


def _one_hot_shape_hint(shape):
    """Why an output of ``shape`` is not the (5, 10) one-hot matrix of 5 labels, 10 classes."""
    if shape == (5,):
        return "that is one number per label; one-hot needs a row of 10 numbers per label."
    if shape == (10, 5):
        return "rows and columns are swapped: one ROW per example, one column per class."
    if len(shape) == 2 and shape[0] == 5:
        return (f"{shape[1]} columns; use num_classes (10) columns even if some classes "
                "(here 8 and 9) do not occur in y.")
    return "5 labels and 10 classes give 5 rows of 10."


@check
def check_one_hot(one_hot):
    """Check ``one_hot(y, num_classes) -> (N, num_classes)`` rows of 0/1."""
    y = np.array([3, 0, 7, 1, 3])
    y_before = y.copy()
    expected = np.eye(10)[y]
    out = call(one_hot, y, 10)
    if not np.array_equal(y, y_before):
        return report(False, "your function changed y in place; return a new array.")
    if not hasattr(out, "shape"):
        return report(False, f"your function returned {shape_of(out)}; expected shape (5, 10).")
    shape = tuple(out.shape)
    if shape != (5, 10):
        return report(False, f"your output has shape {shape}, expected (5, 10): "
                             f"{_one_hot_shape_hint(shape)}")
    out = np.asarray(out, dtype=np.float64)
    if not np.isin(out, (0, 1)).all() or not np.allclose(out.sum(axis=1), 1):
        return report(False, "each row should hold exactly one 1 and nine 0s.")
    if not np.array_equal(out, expected):
        got = int(out[0].argmax())
        return report(False, f"for label y[0] = 3 your 1 is in column {got}; it belongs in "
                             "column 3 (column index = class id).")
    return report(True, "np.eye(num_classes)[y] gives one row per label with a 1 in column y[i].")
