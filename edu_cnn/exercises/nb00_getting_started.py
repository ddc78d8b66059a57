"""Checks for notebook 00, getting started: flatten images, standardise, one-hot labels."""
import numpy as np

from ..data.preprocess import one_hot, standardize
from ..layers import Flatten
from ._feedback import Exercise, check, register_hints, written

__all__ = ["check_flatten_images", "check_standardise", "check_one_hot"]

NOTEBOOK = "00_getting_started.ipynb"


def _flatten_cases(ctx):
    """Batches (N, C, H, W): fixed, or sizes drawn from the seed."""
    if ctx.seed is None:
        shapes = [(6, 1, 28, 28), (4, 1, 28, 28), (2, 3, 5, 7)]
    else:
        shapes = [(int(ctx.rng.integers(1, 9)), int(ctx.rng.integers(1, 4)),
                   int(ctx.rng.integers(3, 30)), int(ctx.rng.integers(3, 30))) for _ in range(3)]
    return [(ctx.rng.random(s),) for s in shapes]


FLATTEN_MISTAKES = [
    ("returned_input", lambda x: x,
     "your function returns the images unchanged; the result needs one row per image and one "
     "column per pixel value."),
    ("lost_batch_axis", lambda x: x.reshape(-1),
     "you flattened the whole batch into one long vector and lost the batch axis; keep one row "
     "per image."),
    ("transposed", lambda x: x.reshape(len(x), -1).T,
     "rows and columns are swapped: each ROW should be one image."),
    ("column_major", lambda x: x.transpose(0, 1, 3, 2).reshape(len(x), -1),
     "the shape is right but the pixels are in a different order: they should be read row by "
     "row (the first image row, then the second, ...), not column by column."),
    ("channel_not_flattened", lambda x: x.reshape(x.shape[0], x.shape[1], -1),
     "you kept the channel axis separate; flatten channels and pixels together into one row."),
]


@check("00.1", library=lambda: [Flatten.forward, Flatten.backward])
def check_flatten_images(ctx, flatten_images):
    """Exercise 00.1: ``flatten_images(x)``: (N, C, H, W) images -> (N, C·H·W) rows."""
    ctx.judge(flatten_images, _flatten_cases(ctx), lambda x: x.reshape(len(x), -1),
              FLATTEN_MISTAKES, describe=lambda c: f"flatten_images(x of shape {c[0].shape})")
    return ctx.ok("each image became one row of C·H·W pixel values, read row by row.")


def _standardise_cases(ctx):
    """(x_train, x_test) pairs with different statistics."""
    sizes = ([((40, 1, 6, 6), (10, 1, 6, 6)), ((25, 1, 4, 5), (7, 1, 4, 5))] if ctx.seed is None
             else [((int(n), 1, h, h), (int(m), 1, h, h)) for n, m, h in
                   zip(ctx.rng.integers(10, 50, 2), ctx.rng.integers(3, 12, 2),
                       ctx.rng.integers(3, 9, 2), strict=True)])
    return [(0.2 + 0.5 * ctx.rng.random(a), 0.3 + 0.6 * ctx.rng.random(b)) for a, b in sizes]


def _standardised(x_train, x_test, m, s):
    return (x_train - m) / s, (x_test - m) / s


STANDARDISE_MISTAKES = [
    ("test_own_statistics",
     lambda a, b: ((a - a.mean()) / a.std(), (b - b.mean()) / b.std()),
     "you standardised the test set with its OWN mean and standard deviation. Use the training "
     "set's for both: the test set stands for new data whose statistics you do not know."),
    ("divided_by_255", lambda a, b: (a / 255, b / 255),
     "you divided by 255, but these pixels are already in [0, 1]; standardising means "
     "subtracting a mean and dividing by a standard deviation."),
    ("forgot_divide_std", lambda a, b: (a - a.mean(), b - a.mean()),
     "you subtracted the mean but did not divide by the standard deviation."),
    ("forgot_subtract_mean", lambda a, b: (a / a.std(), b / a.std()),
     "you divided by the standard deviation but did not subtract the mean first."),
    ("per_pixel_statistics",
     lambda a, b: _standardised(a, b, a.mean(axis=0), a.std(axis=0) + 1e-8),
     "you used one mean and one standard deviation per pixel position; here use a single mean "
     "and a single standard deviation over all training pixels."),
    ("used_test_data",
     lambda a, b: _standardised(a, b, np.concatenate([a.ravel(), b.ravel()]).mean(),
                                np.concatenate([a.ravel(), b.ravel()]).std()),
     "your statistics include the test pixels; compute them on the training set alone."),
]


def _pair_of_arrays(ctx):
    def convert(value, what):
        train_z, test_z = ctx.pair(value, what)
        return (ctx.array(train_z, f"train_z from {what}"),
                ctx.array(test_z, f"test_z from {what}"))
    return convert


def _close_std(got, want):
    """Equal up to the difference between std with ddof=0 and ddof=1 (both are accepted)."""
    return all(g.shape == w.shape and np.allclose(g, w, atol=3e-3, rtol=3e-3)
               for g, w in zip(got, want, strict=True))


@check("00.2", library=lambda: [standardize])
def check_standardise(ctx, standardise):
    """Exercise 00.2: ``standardise(x_train, x_test) -> (train_z, test_z)``, training statistics."""
    cases = _standardise_cases(ctx)

    def difference(got, want):
        for name, g, w in zip(("train_z", "test_z"), got, want, strict=True):
            if g.shape != w.shape:
                return f"{name} has shape {g.shape}; standardising keeps the shape {w.shape}"
        return (f"train_z has mean {got[0].mean() + 0.0:.3f} and std {got[0].std():.3f} "
                f"(expected 0 and 1), test_z has mean {got[1].mean() + 0.0:.3f} (expected "
                f"{want[1].mean() + 0.0:.3f})")
    ctx.judge(standardise, cases, lambda a, b: _standardised(a, b, a.mean(), a.std()),
              STANDARDISE_MISTAKES, describe=lambda c: "standardise(x_train, x_test)",
              convert=_pair_of_arrays(ctx), equal=_close_std, difference=difference)
    return ctx.ok("both sets were standardised with the training set's mean and standard "
                  "deviation: the training set now has mean 0 and std 1.")


def _one_hot_cases(ctx):
    """(y, num_classes) with the last classes absent from y."""
    if ctx.seed is None:
        return [(np.array([3, 0, 7, 1, 3]), 10), (np.array([1, 0, 2, 2]), 5)]
    cases = []
    for _ in range(2):
        k = int(ctx.rng.integers(4, 13))
        cases.append((ctx.rng.integers(0, k - 1, size=int(ctx.rng.integers(3, 12))), k))
    return cases


ONE_HOT_MISTAKES = [
    ("returned_labels", lambda y, k: y,
     "you returned the labels themselves (one number per label); one-hot needs a row of "
     "num_classes numbers per label."),
    ("sized_from_labels", lambda y, k: np.eye(y.max() + 1)[y],
     "you sized the matrix from the largest label that occurs; use num_classes columns, since a "
     "class may not occur in y."),
    ("transposed", lambda y, k: np.eye(k)[y].T,
     "rows and columns are swapped: one ROW per example, one column per class."),
    ("off_by_one", lambda y, k: np.eye(k)[y - 1],
     "each 1 is one column to the left of where it belongs: the column index is the class id "
     "itself, counting from 0."),
    ("reversed_columns", lambda y, k: np.eye(k)[k - 1 - y],
     "your columns run backwards; column j must stand for class j."),
]


@check("00.3", library=lambda: [one_hot])
def check_one_hot(ctx, one_hot_answer):
    """Exercise 00.3: ``one_hot(y, num_classes) -> (N, num_classes)`` rows of 0/1."""
    ctx.judge(one_hot_answer, _one_hot_cases(ctx), lambda y, k: np.eye(k)[y], ONE_HOT_MISTAKES,
              describe=lambda c: f"one_hot(y of {len(c[0])} labels, num_classes={c[1]})")
    return ctx.ok("one row per label, with a single 1 in the column of its class.")


register_hints("00.1", "A batch keeps its first axis; everything else of one image goes into "
                       "one row.",
               "Ask the array for its length to get N, and let NumPy work out the other size "
               "when you reshape (it accepts -1 for one axis).")
register_hints("00.2", "Compute one mean and one standard deviation, from the training set "
                       "only, and apply the same two numbers to both sets.",
               "Subtract the mean, then divide by the standard deviation.")
register_hints("00.3", "Row i of an identity matrix of size num_classes is exactly the one-hot "
                       "vector of class i.",
               "Index the identity matrix with the whole label array at once: one row per "
               "label.")

EXERCISES = [
    Exercise("00.1", NOTEBOOK, "Flatten a batch", check_flatten_images, ("flatten_images",), 1),
    Exercise("00.2", NOTEBOOK, "Standardise without peeking", check_standardise,
             ("standardise",), 2),
    Exercise("00.3", NOTEBOOK, "One-hot encoding", check_one_hot, ("one_hot",), 1),
    written("00.4", NOTEBOOK, "Why the training statistics?", hints=(
        "Think of the test set as digits that arrive after the model is finished.",)),
]
