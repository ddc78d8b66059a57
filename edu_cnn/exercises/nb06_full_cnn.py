"""Checks for notebook 06, the full CNN: a 'valid'-padding model and the confusion matrix.

The reference confusion matrix is the library's, ``metrics.confusion_matrix``.
"""
import numpy as np

from ..layers import Conv2D, Dense, MaxPool2D
from ..metrics import confusion_matrix
from ..model import Sequential
from ..ops.geometry import resolve_padding
from ._feedback import call, check, report, shape_of

__all__ = ["check_valid_cnn", "check_confusion_matrix"]


def _describe_shape(shape):
    """(16, 4, 4) -> "16×4×4"."""
    return "×".join(str(int(s)) for s in shape)


def _dense_input_hint(expected_in, features):
    """A hint for a Dense(in_features) that does not match the flattened size."""
    if expected_in == 16 * 7 * 7:
        return (" 16·7·7 = 784 is the size with padding='same'; 'valid' 5×5 convolutions "
                "shrink each side by 4 (H − 5 + 1), so 28 → 24 → pool 12 → 8 → pool 4.")
    if expected_in == 16 * 3 * 3:
        return (" 16·3·3 = 144 forgets the +1 in H − K + 1: a 5×5 kernel fits 24 times "
                "across 28 pixels, not 23.")
    return ""


def _trace_to_dense(model, input_shape):
    """Walk the layers; return (trace strings, shape before the first Dense, that Dense, error)."""
    shape, trace = tuple(input_shape), [_describe_shape(input_shape)]
    for layer in model.layers:
        if isinstance(layer, Dense):
            return trace, shape, layer, None
        try:
            new_shape = tuple(layer.output_shape(shape))
        except (ValueError, TypeError) as err:
            return (trace, shape, None,
                    f"layer {layer.name!r} cannot take input of shape {shape}: {err}")
        if new_shape != shape:                                  # skip ReLU & co in the trace
            trace.append(f"{layer.name} {_describe_shape(new_shape)}")
        shape = new_shape
    return (trace, shape, None,
            "your model has no Dense layer at the end; finish with Flatten() and Dense(..., 10).")


def _architecture_problem(model):
    """Feedback (str) if ``model`` is not two 'valid' Conv2D and two MaxPool2D layers, else None."""
    if not isinstance(model, Sequential):
        what = ("None (did you forget to return the model?)" if model is None
                else type(model).__name__)
        return f"build_valid_cnn() returned {what}; it should return a Sequential."
    convs = [layer for layer in model.layers if isinstance(layer, Conv2D)]
    pools = [layer for layer in model.layers if isinstance(layer, MaxPool2D)]
    if len(convs) != 2 or len(pools) != 2:
        return (f"your model has {len(convs)} Conv2D and {len(pools)} MaxPool2D layers; keep the "
                "architecture (two conv-ReLU-pool blocks), change only padding and Dense.")
    for conv in convs:
        (top, bottom), (left, right) = resolve_padding(conv.padding, conv.kernel_size, conv.stride)
        if top or bottom or left or right:
            return (f"{conv.name} uses padding={conv.padding!r}, which pads {top} pixel(s) on "
                    "each side; this exercise asks for padding='valid' (no padding) in both conv "
                    "layers.")
    return None


@check
def check_valid_cnn(build_valid_cnn):
    """Check exercise 06.1: the conv-pool-conv-pool-dense model with 'valid' padding.

    ``build_valid_cnn()`` must return a ``Sequential`` with two 'valid' 5×5
    Conv2D layers, two MaxPool2D(2) and a Dense whose input size matches the
    flattened 16×4×4 = 256 features, ending in 10 outputs.
    """
    model = call(build_valid_cnn)
    problem = _architecture_problem(model)
    if problem:
        return report(False, problem)
    trace, shape, dense, error = _trace_to_dense(model, (1, 28, 28))
    if error:
        return report(False, error)
    features, expected_in = int(np.prod(shape)), dense.params["W"].shape[0]
    if expected_in != features:
        return report(False, f"your Dense layer expects {expected_in:,} input features, but it "
                             f"gets {features:,}: {' → '.join(trace)}. Use Dense({features}, 10)."
                      + _dense_input_hint(expected_in, features))
    try:
        out_shape = model.output_shapes((1, 28, 28))[-1]
    except (ValueError, TypeError) as err:
        return report(False, f"the model does not run on a 1×28×28 digit: {err}")
    if tuple(out_shape) != (10,):
        return report(False, f"your model outputs shape {tuple(out_shape)} per digit; it should "
                             "end in 10 logits.")
    total = sum(layer.num_params() for layer in model.layers)
    return report(True, f"{' → '.join(trace)} → Dense({features}, 10); {total:,} parameters "
                        "(with padding='same' it would be 11,274: the smaller maps shrink the "
                        "dense layer).")


def _confusion_mistake(cm, ref, n):
    """A specific message for a wrong confusion matrix of the right shape."""
    if not cm.any():
        return "every count is 0: for each example n add 1 to cm[y_true[n], y_pred[n]]."
    if np.array_equal(cm, ref.T):
        return ("rows and columns are swapped: row i must be the TRUE class i and column j the "
                "PREDICTED class j, i.e. cm[y_true[n], y_pred[n]] += 1.")
    rows = cm.sum(axis=1)
    if np.allclose(rows[ref.sum(axis=1) > 0], 1.0):
        return "your rows are normalised to sum to 1; the exercise asks for counts (integers)."
    if not np.isclose(cm.sum(), n):
        return (f"your counts add up to {cm.sum():g}, but there are {n} examples: each example "
                "adds exactly 1 to one cell.")
    i, j = np.argwhere(cm != ref)[0]
    return (f"cm[{i}, {j}] is {cm[i, j]:g}; it should be {ref[i, j]} (true class {i} predicted "
            f"as {j}).")


def _confusion_cases():
    """(y_true, y_pred, num_classes) cases; in the first, class 3 never occurs: K = num_classes."""
    y_true = np.array([0, 0, 1, 2, 2, 2, 1, 0, 1, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2, 1, 0, 2, 2])
    rng = np.random.default_rng(0)
    big_true = rng.integers(0, 10, 200)
    big_pred = np.where(rng.random(200) < 0.8, big_true, rng.integers(0, 10, 200))
    return [(y_true, y_pred, 4), (big_true, big_pred, 10)]


@check
def check_confusion_matrix(my_confusion_matrix):
    """Check exercise 06.2: ``my_confusion_matrix(y_true, y_pred, num_classes)`` -> (K, K)."""
    for yt, yp, k in _confusion_cases():
        before = (yt.copy(), yp.copy())
        cm = call(my_confusion_matrix, yt, yp, k)
        if not (np.array_equal(yt, before[0]) and np.array_equal(yp, before[1])):
            return report(False, "your function changed y_true or y_pred in place; only read them.")
        if cm is None or not hasattr(cm, "shape"):
            return report(False, f"your function returned {shape_of(cm)}; return a ({k}, {k}) "
                                 "array.")
        ref = confusion_matrix(yt, yp, k)
        if tuple(cm.shape) != (k, k):
            hint = (" You sized it from the labels that occur; use num_classes (a class may "
                    "never appear).") if tuple(cm.shape) == (3, 3) else ""
            return report(False, f"your matrix has shape {tuple(cm.shape)}; for num_classes={k} "
                                 f"it should be ({k}, {k}).{hint}")
        if not np.array_equal(cm, ref):
            return report(False, _confusion_mistake(np.asarray(cm, dtype=float), ref, len(yt)))
    return report(True, "rows are true classes, columns predictions, and the diagonal holds the "
                        "correct answers: accuracy = trace(cm) / cm.sum().")
