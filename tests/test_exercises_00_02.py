"""The exercise checks of notebooks 00–02 accept right answers and name typical mistakes."""
import numpy as np
import pytest

from edu_cnn import exercises as ex


def feedback(capsys, check, answer):
    """Run a check; return (result, printed line)."""
    ok = check(answer)
    return ok, capsys.readouterr().out.strip()


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def raises(*args):
    raise RuntimeError("student bug")


CORRECT = [
    (ex.check_flatten_images, lambda x: x.reshape(len(x), -1)),
    (ex.check_standardise, lambda a, b: ((a - a.mean()) / a.std(), (b - a.mean()) / a.std())),
    (ex.check_one_hot, lambda y, k: np.eye(k)[y]),
    (ex.check_dense_forward, lambda x, W, b: x @ W + b),
    (ex.check_dense_backward, lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.sum(axis=0))),
    (ex.check_sigmoid_derivative, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    (ex.check_dead_fraction, lambda h: (h == 0).all(axis=0).mean()),
    (ex.check_init_weights, lambda a, b, rng: rng.normal(0, np.sqrt(2 / a), size=(a, b))),
    (ex.check_clip_by_norm, lambda g, m: g * min(1.0, m / np.linalg.norm(g))),
]


@pytest.mark.parametrize("check, answer", CORRECT, ids=[c.__name__ for c, _ in CORRECT])
def test_correct_answer_is_accepted(capsys, check, answer):
    ok, out = feedback(capsys, check, answer)
    assert ok is True
    assert out.startswith("✅ Correct!")


@pytest.mark.parametrize("check", [c for c, _ in CORRECT], ids=[c.__name__ for c, _ in CORRECT])
def test_exception_in_student_code_becomes_feedback(capsys, check):
    ok, out = feedback(capsys, check, raises)
    assert ok is False
    assert out.startswith("❌ Not yet:")
    assert "RuntimeError: student bug" in out
    assert "Traceback" not in out


@pytest.mark.parametrize("check", [c for c, _ in CORRECT], ids=[c.__name__ for c, _ in CORRECT])
def test_returning_none_is_explained(capsys, check):
    ok, out = feedback(capsys, check, lambda *args: None)
    assert ok is False
    assert out.startswith("❌ Not yet:")


WRONG = [
    # notebook 00
    (ex.check_flatten_images, lambda x: x, "input unchanged"),
    (ex.check_flatten_images, lambda x: x.reshape(-1), "lost the batch axis"),
    (ex.check_flatten_images, lambda x: x.reshape(784, -1), "rows and columns are swapped"),
    (ex.check_flatten_images, lambda x: x.transpose(0, 1, 3, 2).reshape(len(x), -1),
     "different order"),
    (ex.check_standardise, lambda a, b: ((a - a.mean()) / a.std(), (b - b.mean()) / b.std()),
     "its OWN mean"),
    (ex.check_standardise, lambda a, b: (a / 255, b / 255), "divided by 255"),
    (ex.check_standardise, lambda a, b: (a - a.mean(), b - a.mean()),
     "did not divide by the standard deviation"),
    (ex.check_standardise, lambda a, b: ((a - a.mean(0)) / a.std(0), (b - a.mean(0)) / a.std(0)),
     "per pixel"),
    (ex.check_one_hot, lambda y, k: y, "one number per label"),
    (ex.check_one_hot, lambda y, k: np.eye(y.max() + 1)[y], "use num_classes (10) columns"),
    (ex.check_one_hot, lambda y, k: np.eye(k)[y].T, "rows and columns are swapped"),
    (ex.check_one_hot, lambda y, k: np.eye(k)[y - 1], "your 1 is in column 2"),
    # notebook 01
    (ex.check_dense_forward, lambda x, W, b: W @ x, "which order of the matrix product"),
    (ex.check_dense_forward, lambda x, W, b: x @ W, "bias b is missing"),
    (ex.check_dense_forward, lambda x, W, b: (x @ W + b).T, "rows and columns are swapped"),
    (ex.check_dense_backward, lambda dy, x, W: (dy @ W.T, dy.T @ x, dy.sum(0)), "dW transposed"),
    (ex.check_dense_backward, lambda dy, x, W: (dy @ W.T, x.T @ dy / len(x), dy.sum(0)),
     "you divided by N"),
    (ex.check_dense_backward, lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.mean(0)),
     "gradient is the SUM"),
    (ex.check_dense_backward, lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.sum()),
     "summed every entry"),
    (ex.check_dense_backward, lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.sum(0, keepdims=True)),
     "keepdims"),
    (ex.check_dense_backward, lambda dy, x, W: (dy @ W.T, x.T @ dy), "return three arrays"),
    (ex.check_sigmoid_derivative, lambda z: z * (1 - z), "to z itself"),
    (ex.check_sigmoid_derivative, sigmoid, "σ(z) itself"),
    (ex.check_sigmoid_derivative, lambda z: np.tanh(z), "σ'(0)"),
    # notebook 02
    (ex.check_dead_fraction, lambda h: (h == 0).mean(), "zero ENTRIES"),
    (ex.check_dead_fraction, lambda h: (h == 0).all(axis=0).sum(), "the number of dead units (3)"),
    (ex.check_dead_fraction, lambda h: (h == 0).any(axis=0).mean(), "not .any"),
    (ex.check_dead_fraction, lambda h: (h == 0).all(axis=1).mean(), "use axis=0"),
    (ex.check_dead_fraction, lambda h: (h == 0).all(axis=0), "single number"),
    (ex.check_init_weights, lambda a, b, rng: np.zeros((a, b)), "stay identical"),
    (ex.check_init_weights, lambda a, b, rng: np.full((a, b), 0.01), "stay identical"),
    (ex.check_init_weights, lambda a, b, rng: rng.normal(size=(a, b)), "too large"),
    (ex.check_init_weights, lambda a, b, rng: rng.normal(0, 0.001, size=(a, b)), "too small"),
    (ex.check_init_weights, lambda a, b, rng: rng.normal(0, np.sqrt(2 / a), size=(b, a)),
     "(in, out)"),
    (ex.check_init_weights, lambda a, b, rng: np.random.normal(0, np.sqrt(2 / a), size=(a, b)),
     "rng"),
    (ex.check_init_weights, lambda a, b, rng: rng.uniform(0, 0.09, size=(a, b)),
     "centre them on 0"),
    (ex.check_clip_by_norm, lambda g, m: np.clip(g, -m, m), "changes the gradient's direction"),
    (ex.check_clip_by_norm, lambda g, m: g * m / np.linalg.norm(g), "must stay unchanged"),
    (ex.check_clip_by_norm, lambda g, m: g, "expected g · 5/10"),
]


@pytest.mark.parametrize("check, answer, phrase", WRONG,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(WRONG)])
def test_typical_mistake_gets_specific_message(capsys, check, answer, phrase):
    ok, out = feedback(capsys, check, answer)
    assert ok is False
    assert out.startswith("❌ Not yet:")
    assert phrase in out


def test_checks_report_in_place_changes(capsys):
    def standardise_in_place(a, b):
        m, s = a.mean(), a.std()
        a -= m
        a /= s
        b -= m
        b /= s
        return a, b

    def clip_in_place(g, m):
        g *= min(1.0, m / np.linalg.norm(g))
        return g

    for check, answer in [(ex.check_standardise, standardise_in_place),
                          (ex.check_clip_by_norm, clip_in_place)]:
        ok, out = feedback(capsys, check, answer)
        assert ok is False
        assert "in place" in out
