"""edu_cnn.functional: the shared math, checked against direct formulas and at extreme logits."""
import numpy as np
import pytest

from edu_cnn import functional as F


def test_softmax_and_log_softmax_match_the_formula():
    z = np.random.default_rng(0).normal(size=(5, 4))
    direct = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.allclose(F.softmax(z), direct, rtol=1e-14, atol=0)
    assert np.allclose(F.log_softmax(z), np.log(direct), rtol=1e-13, atol=1e-15)


def test_extreme_logits_stay_finite():
    z = np.array([[1e4, 0.0, -1e4]])
    assert np.array_equal(F.softmax(z), [[1.0, 0.0, 0.0]])
    assert np.isfinite(F.log_softmax(z)[0, :2]).all() and F.log_softmax(z)[0, 2] == -2e4
    s = F.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert np.array_equal(s, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_keeps_the_dtype_and_matches_the_formula(dtype):
    x = np.linspace(-30, 30, 61).astype(dtype)
    y = F.sigmoid(x)
    assert y.dtype == dtype
    assert np.allclose(y, 1 / (1 + np.exp(-x.astype(np.float64))), rtol=1e-6)


def test_probabilities_and_classes_for_many_and_for_one_output():
    many = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]])
    assert np.allclose(F.probabilities(many).sum(axis=1), 1)
    assert F.predicted_classes(many).tolist() == [1, 0]
    one = np.array([[-2.0], [0.5], [0.0]])
    assert np.allclose(F.probabilities(one), 1 / (1 + np.exp(-one)))
    assert F.predicted_classes(one).tolist() == [0, 1, 0]          # logit 0 is class 0
