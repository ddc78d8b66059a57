"""The exercise checks of notebooks 06 and 07 accept right answers and name typical mistakes.

The 07 checks compare with PyTorch itself, so their tests are skipped without torch.
"""
import importlib.util

import numpy as np
import pytest

from edu_cnn import exercises, layers
from edu_cnn.model import Sequential

_no_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                               reason="the notebook 07 checks compare with torch")


def needs_torch(test):
    """Marked `torch` (deselect with -m "not torch") and skipped where torch is missing."""
    return pytest.mark.torch(_no_torch(test))


def feedback(capsys, check, answer):
    """Run a check; return (its bool, the one line it printed)."""
    ok = check(answer)
    out = capsys.readouterr().out.strip()
    assert "\n" not in out
    return ok, out


# --------------------------------------------------------------------------- 06.1 valid CNN

def valid_cnn(dense_in=256, padding="valid", pools=2):
    def build():
        rng = np.random.default_rng(0)
        blocks = [layers.Conv2D(1, 8, 5, padding=padding, rng=rng), layers.ReLU()]
        blocks += [layers.MaxPool2D(2)] if pools >= 1 else []
        blocks += [layers.Conv2D(8, 16, 5, padding=padding, rng=rng), layers.ReLU()]
        blocks += [layers.MaxPool2D(2)] if pools >= 2 else []
        return Sequential(blocks + [layers.Flatten(), layers.Dense(dense_in, 10, rng=rng)])
    return build


def test_valid_cnn_accepts_the_right_model(capsys):
    ok, out = feedback(capsys, exercises.check_valid_cnn, valid_cnn(256))
    assert ok and out.startswith("✅ Correct!")
    assert "Dense(256, 10)" in out and "16×4×4" in out and "5,994 parameters" in out


@pytest.mark.parametrize("dense_in, expected", [
    (784, "padding='same'"),                 # the starting version: copied from the 'same' model
    (144, "forgets the +1"),                 # H − K instead of H − K + 1
    (400, "Use Dense(256, 10)"),             # any other wrong size: the trace and the fix
])
def test_valid_cnn_names_the_wrong_dense_size(capsys, dense_in, expected):
    ok, out = feedback(capsys, exercises.check_valid_cnn, valid_cnn(dense_in))
    assert not ok and out.startswith("❌ Not yet:")
    assert f"expects {dense_in:,} input features, but it gets 256" in out
    assert "1×28×28 → conv2d 8×24×24" in out and expected in out


def test_valid_cnn_wants_valid_padding(capsys):
    ok, out = feedback(capsys, exercises.check_valid_cnn, valid_cnn(784, padding="same"))
    assert not ok and "padding='same'" in out and "padding='valid'" in out


def test_valid_cnn_wants_both_pools(capsys):
    ok, out = feedback(capsys, exercises.check_valid_cnn, valid_cnn(16 * 8 * 8, pools=1))
    assert not ok and "2 Conv2D and 1 MaxPool2D" in out


def test_valid_cnn_reports_none_and_exceptions(capsys):
    ok, out = feedback(capsys, exercises.check_valid_cnn, lambda: None)
    assert not ok and "forget to return" in out
    ok, out = feedback(capsys, exercises.check_valid_cnn,
                       lambda: layers.Conv2D(1, 8, 99, padding="x"))
    assert not ok and "raised ValueError" in out


# --------------------------------------------------------------------------- 06.2 confusion matrix

def confusion_right(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        cm[t, p] += 1
    return cm


def test_confusion_accepts_a_loop(capsys):
    ok, out = feedback(capsys, exercises.check_confusion_matrix, confusion_right)
    assert ok and out.startswith("✅ Correct!")


@pytest.mark.parametrize("answer, expected", [
    (lambda t, p, k: np.zeros((k, k), dtype=np.int64), "every count is 0"),  # starting version
    (lambda t, p, k: confusion_right(t, p, k).T, "rows and columns are swapped"),
    (lambda t, p, k: confusion_right(t, p, k)
     / np.maximum(confusion_right(t, p, k).sum(1, keepdims=True), 1), "normalised"),
    (lambda t, p, k: confusion_right(t, p, max(t.max(), p.max()) + 1), "use num_classes"),
    (lambda t, p, k: 2 * confusion_right(t, p, k), "add up to 20, but there are 10 examples"),
    (lambda t, p, k: None, "None"),
    (lambda t, p, k: t[99], "raised IndexError"),
])
def test_confusion_names_typical_mistakes(capsys, answer, expected):
    ok, out = feedback(capsys, exercises.check_confusion_matrix, answer)
    assert not ok and out.startswith("❌ Not yet:") and expected in out


def test_confusion_notices_changed_inputs(capsys):
    def sorts_in_place(y_true, y_pred, num_classes):
        y_true.sort()
        return confusion_right(y_true, y_pred, num_classes)
    ok, out = feedback(capsys, exercises.check_confusion_matrix, sorts_in_place)
    assert not ok and "in place" in out


# --------------------------------------------------------------------------- 07.1 dense -> torch

@needs_torch
def test_dense_to_torch_accepts_the_transpose(capsys):
    ok, out = feedback(capsys, exercises.check_dense_to_torch, lambda W, b: (W.T, b))
    assert ok and out.startswith("✅ Correct!")


@needs_torch
def test_dense_to_torch_accepts_torch_tensors(capsys):
    import torch
    ok, out = feedback(capsys, exercises.check_dense_to_torch,
                       lambda W, b: (torch.from_numpy(W.T.copy()), torch.from_numpy(b)))
    assert ok


@needs_torch
@pytest.mark.parametrize("answer, expected", [
    (lambda W, b: (W, b), "use W.T"),                                    # starting version
    (lambda W, b: (W.reshape(3, 4), b), "W.reshape(3, 4) is not a transpose"),
    (lambda W, b: (W.T, b[:, None]), "bias has shape (3, 1)"),
    (lambda W, b: (W.T, 0 * b), "differs from x @ W + b"),
    (lambda W, b: W.T, "return a pair"),
])
def test_dense_to_torch_names_typical_mistakes(capsys, answer, expected):
    ok, out = feedback(capsys, exercises.check_dense_to_torch, answer)
    assert not ok and out.startswith("❌ Not yet:") and expected in out


# --------------------------------------------------------------------------- 07.2 momentum step

def momentum_right(w, g, v, lr, momentum):
    v = momentum * v + g
    return w - lr * v, v


@needs_torch
def test_momentum_accepts_pytorchs_rule(capsys):
    ok, out = feedback(capsys, exercises.check_sgd_momentum_step, momentum_right)
    assert ok and out.startswith("✅ Correct!")


def classical(w, g, v, lr, momentum):
    v = momentum * v - lr * g
    return w + v, v


def averaged(w, g, v, lr, momentum):
    v = momentum * v + (1 - momentum) * g
    return w - lr * v, v


def old_velocity(w, g, v, lr, momentum):
    return w - lr * v, momentum * v + g


@needs_torch
@pytest.mark.parametrize("answer, expected", [
    (lambda w, g, v, lr, m: (w - lr * g, v), "that is plain SGD"),    # starting version
    (classical, "−lr times PyTorch's"),
    (averaged, "(1 − μ)·g"),
    (old_velocity, "use the NEW velocity"),
    (lambda w, g, v, lr, m: w - lr * g, "return a pair"),
])
def test_momentum_names_typical_mistakes(capsys, answer, expected):
    ok, out = feedback(capsys, exercises.check_sgd_momentum_step, answer)
    assert not ok and out.startswith("❌ Not yet:") and expected in out


@needs_torch
def test_momentum_falls_back_to_the_rule(capsys):
    ok, out = feedback(capsys, exercises.check_sgd_momentum_step,
                       lambda w, g, v, lr, m: (w - lr * (m * v + 2 * g), m * v + 2 * g))
    assert not ok and "PyTorch does v ← μ·v + g, then w ← w − lr·v" in out
