"""Checks for notebook 06, the full CNN: a 'valid'-padding model and the confusion matrix.

The reference confusion matrix is the library's, ``metrics.confusion_matrix``.
"""
import numpy as np

from ..layers import Conv2D, Dense, MaxPool2D
from ..metrics import confusion_matrix
from ..model import Sequential
from ..ops.geometry import resolve_padding
from ._feedback import Exercise, check, diagnose, register_hints, written

__all__ = ["check_valid_cnn", "check_confusion_matrix"]

NOTEBOOK = "06_full_cnn.ipynb"


def _valid_side(n, k=5):
    """Side of the maps after conv(k, valid) -> pool 2 -> conv(k, valid) -> pool 2."""
    return ((n - k + 1) // 2 - k + 1) // 2


VALID_CNN_MISTAKES = [
    ("kept_same_size", lambda n: 16 * (n // 4) ** 2,
     "your Dense layer still expects the size of the 'same' model; 'valid' convolutions shrink "
     "each side by kernel − 1 before each pooling."),
    ("forgot_plus_one", lambda n: 16 * (((n - 5) // 2 - 5) // 2) ** 2,
     "your size forgets the + 1 in H − K + 1 (a 5×5 kernel fits 24 times across 28 pixels, not "
     "23)."),
    ("forgot_pooling", lambda n: 16 * (n - 8) ** 2,
     "your size leaves out the two poolings, each of which halves the side."),
    ("one_pooling", lambda n: 16 * ((n - 4) // 2 - 4) ** 2,
     "your size counts only one of the two poolings."),
    ("forgot_channels", lambda n: _valid_side(n) ** 2,
     "your size counts one feature map; the last conv layer has 16 of them."),
]


def _dense_layers(model):
    return [layer for layer in model.layers if isinstance(layer, Dense)]


def _architecture_problem(ctx, model, what):
    """Fail unless ``model`` is a Sequential of two 'valid' Conv2D, two MaxPool2D, Dense(.., 10)."""
    if not isinstance(model, Sequential):
        ctx.fail(f"{what} returned {'None' if model is None else type(model).__name__}; it "
                 "should return a Sequential model.", "returned_none" if model is None else
                 "wrong_return")
    convs = [layer for layer in model.layers if isinstance(layer, Conv2D)]
    pools = [layer for layer in model.layers if isinstance(layer, MaxPool2D)]
    dense = _dense_layers(model)
    if len(convs) != 2 or len(pools) != 2 or len(dense) != 1:
        ctx.fail(f"your model has {len(convs)} Conv2D, {len(pools)} MaxPool2D and {len(dense)} "
                 "Dense layers; keep the architecture (two conv-ReLU-pool blocks, one Dense), "
                 "change only the padding and the Dense layer's size.", "changed_architecture")
    for conv in convs:
        (top, bottom), (left, right) = resolve_padding(conv.padding, conv.kernel_size, conv.stride)
        if top or bottom or left or right:
            ctx.fail(f"{conv.name} pads the input; this exercise asks for 'valid' convolutions "
                     "(no padding) in both conv layers.", "not_valid_padding")
    if dense[0].params["W"].shape[1] != 10:
        ctx.fail(f"your Dense layer has {dense[0].params['W'].shape[1]} outputs; a digit "
                 "classifier ends in 10 scores, one per class.", "wrong_output_units")
    return dense[0].params["W"].shape[0]


@check("06.1")
def check_valid_cnn(ctx, build_valid_cnn):
    """Exercise 06.1: ``build_valid_cnn(image_size)``, the conv-pool-conv-pool-dense model with
    'valid' padding, whose Dense input size fits the flattened maps for that image size."""
    sizes = [28, 32, 20] if ctx.seed is None else [int(v) for v in ctx.rng.integers(24, 48, 3)]
    cases = [(n,) for n in sizes]
    outputs = []
    for (n,) in cases:
        what = f"build_valid_cnn(image_size={n})"
        outputs.append(_architecture_problem(ctx, ctx.run(build_valid_cnn, n, what=what), what))
    wants = [16 * _valid_side(n) ** 2 for n in sizes]
    right = [got == want for got, want in zip(outputs, wants, strict=True)]
    if not all(right):
        found = diagnose(outputs, cases, VALID_CNN_MISTAKES, equal=lambda a, b: a == b)
        score = sum(right) / len(right)
        if found:
            ctx.fail(found[1], found[0], score)
        i = right.index(False)
        ctx.fail(f"for {sizes[i]}×{sizes[i]} images your Dense layer expects {outputs[i]:,} "
                 "input features, but a different number reaches it; follow the side through "
                 "both conv and pool layers.", None, score)
    return ctx.ok("'valid' convolutions shrink each side by 4 before each pooling: for 28×28 "
                  "digits 28 → 24 → 12 → 8 → 4, so 16·4·4 = 256 features reach the Dense layer.")


CONFUSION_MISTAKES = [
    ("transposed", lambda t, p, k: confusion_matrix(t, p, k).T,
     "rows and columns are swapped: row i is the TRUE class i, column j the PREDICTED class j."),
    ("normalised_rows", lambda t, p, k: _normalised(confusion_matrix(t, p, k)),
     "your rows are normalised to sum to 1; the exercise asks for counts."),
    ("sized_from_labels", lambda t, p, k: confusion_matrix(t, p, max(t.max(), p.max()) + 1),
     "you sized the matrix from the labels that occur; use num_classes (a class may never "
     "appear)."),
    ("diagonal_only", lambda t, p, k: np.diag(np.diag(confusion_matrix(t, p, k))),
     "you counted only the correct predictions; every example adds 1 to the cell of its (true, "
     "predicted) pair, right or wrong."),
    ("set_not_added", lambda t, p, k: (confusion_matrix(t, p, k) > 0).astype(int),
     "your cells are 0 or 1: you set a cell when a pair occurs instead of adding 1 for every "
     "example."),
]


def _normalised(cm):
    rows = cm.sum(axis=1, keepdims=True)
    return cm / np.where(rows == 0, 1, rows)


def _confusion_cases(ctx):
    """(y_true, y_pred, num_classes); the last class never occurs."""
    rng = ctx.rng
    if ctx.seed is None:
        cases = [(np.array([0, 0, 1, 2, 2, 2, 1, 0, 1, 2]),
                  np.array([0, 1, 1, 2, 0, 2, 1, 0, 2, 2]), 4)]
        sizes = [(200, 10)]
    else:
        cases, sizes = [], [(int(rng.integers(5, 80)), int(rng.integers(3, 12))) for _ in "ab"]
    for n, k in sizes:
        true = rng.integers(0, k - 1, n)
        cases.append((true, np.where(rng.random(n) < 0.7, true, rng.integers(0, k - 1, n)), k))
    return cases


@check("06.2", library=lambda: [confusion_matrix])
def check_confusion_matrix(ctx, my_confusion_matrix):
    """Exercise 06.2: ``my_confusion_matrix(y_true, y_pred, num_classes)`` -> (K, K) counts."""
    ctx.judge(my_confusion_matrix, _confusion_cases(ctx), confusion_matrix, CONFUSION_MISTAKES,
              describe=lambda c: f"my_confusion_matrix({len(c[0])} labels, num_classes={c[2]})")
    return ctx.ok("rows are true classes, columns predictions, and the diagonal holds the "
                  "correct answers: accuracy = trace / total.")


register_hints("06.1", "Follow the side of the maps layer by layer: a valid k×k convolution "
                       "takes H to H − k + 1, a 2×2 pooling halves it (rounding down).",
               "The Dense layer receives 16 maps of side × side values.")
register_hints("06.2", "Start from a num_classes × num_classes matrix of zeros; every example "
                       "adds 1 to exactly one cell.",
               "The cell's row is the true class, its column the predicted class.")

EXERCISES = [
    Exercise("06.1", NOTEBOOK, "'Valid' convolutions change the dense layer", check_valid_cnn,
             ("build_valid_cnn",), 2),
    Exercise("06.2", NOTEBOOK, "The confusion matrix by hand", check_confusion_matrix,
             ("my_confusion_matrix",), 2),
    written("06.3", NOTEBOOK, "What does the initial loss tell you?", hints=(
        "Compare the initial loss with −ln(1/10), and think about what a much larger value "
        "would mean.",)),
]
