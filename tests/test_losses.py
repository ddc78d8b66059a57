"""Losses: values, stability at extreme logits, gradient shapes/dtypes, lookup by name."""
import numpy as np
import pytest

from edu_cnn import functional, losses


def test_cross_entropy_value_by_hand():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    y = np.array([0, 2])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[[0, 1], y]))
    ce = losses.SoftmaxCrossEntropy()
    assert ce.forward(logits, y) == pytest.approx(expected, rel=1e-12)
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(ce.backward(), (p - onehot) / 2, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_stable_at_huge_logits(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e4, 1e4, 1e4]], dtype=dtype)
    y = np.array([1, 0, 2])
    ce = losses.SoftmaxCrossEntropy()
    # no overflow, log(0) or 0/0 (underflow to 0 is fine)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = ce.forward(logits, y)
        grad = ce.backward()
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    expected = (2e4 + (2e4 + np.log(2)) + np.log(3)) / 3
    assert value == pytest.approx(expected, rel=1e-6)
    assert grad.dtype == dtype and grad.shape == logits.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_is_stable_at_huge_logits(dtype):
    z = np.array([1e4, -1e4, 1e4, -1e4, 0.0], dtype=dtype)
    y = np.array([1, 0, 0, 1, 1])
    bce = losses.BinaryCrossEntropy()
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = bce.forward(z, y)
        grad = bce.backward()
    assert value == pytest.approx((1e4 + 1e4 + np.log(2)) / 5, rel=1e-6)
    assert np.all(np.isfinite(grad)) and grad.dtype == dtype
    np.testing.assert_allclose(grad, np.array([0, 0, 1, -1, -0.5]) / 5, atol=1e-7)


def test_bce_value_by_hand_and_shapes():
    z = np.array([[0.3], [-1.2], [2.0]])
    y = np.array([1, 0, 1])
    s = 1 / (1 + np.exp(-z[:, 0]))
    expected = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    bce = losses.BinaryCrossEntropy()
    assert bce.forward(z, y) == pytest.approx(expected, rel=1e-12)
    assert bce.backward().shape == (3, 1)
    assert bce.forward(z[:, 0], y[:, None]) == pytest.approx(expected, rel=1e-12)
    assert bce.backward().shape == (3,)


def test_mse_value_and_gradient():
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    target = np.array([[1.0, 0.0], [3.0, 4.0]])
    mse = losses.MeanSquaredError()
    assert mse.forward(pred, target) == pytest.approx((4 + 1) / 4)
    np.testing.assert_allclose(mse.backward(), 2 * (pred - target) / 4)


def test_mse_column_predictions_with_flat_targets_do_not_broadcast():
    pred = np.array([[0.0], [1.0], [2.0]])
    mse = losses.MeanSquaredError()
    assert mse.forward(pred, np.array([0, 1, 0])) == pytest.approx(4 / 3)
    assert mse.backward().shape == (3, 1)


@pytest.mark.parametrize("make", [losses.SoftmaxCrossEntropy, losses.BinaryCrossEntropy,
                                  losses.MeanSquaredError])
def test_float32_logits_give_float32_gradients(make):
    rng = np.random.default_rng(0)
    shape = (4, 3) if make is not losses.BinaryCrossEntropy else (4,)
    logits = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 3 if len(shape) == 2 else 2, 4)
    if make is losses.MeanSquaredError:
        y = rng.standard_normal(shape)
    loss = make()
    value = loss.forward(logits, y)
    assert isinstance(value, float)
    assert loss.backward().dtype == np.float32


def test_forward_does_not_change_inputs():
    logits = np.array([[1.0, 2.0], [3.0, 0.0]])
    y = np.array([1, 0])
    before = logits.copy()
    ce = losses.SoftmaxCrossEntropy()
    ce.forward(logits, y)
    ce.backward()
    np.testing.assert_array_equal(logits, before)


@pytest.mark.parametrize("name, cls", [
    ("cross_entropy", losses.SoftmaxCrossEntropy),
    ("bce", losses.BinaryCrossEntropy),
    ("mse", losses.MeanSquaredError),
    ("mean_squared_error", losses.MeanSquaredError),
])
def test_get_by_name(name, cls):
    assert type(losses.get(name)) is cls


def test_get_passes_objects_through_and_instantiates_classes():
    ce = losses.SoftmaxCrossEntropy()
    assert losses.get(ce) is ce
    assert isinstance(losses.get(losses.MeanSquaredError), losses.MeanSquaredError)


def test_get_unknown_name_suggests():
    with pytest.raises(ValueError, match=r"'crossentropy'.*Did you mean 'cross_entropy'"):
        losses.get("crossentropy")


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    p = functional.softmax(np.array([[1e4, 0.0, -1e4], [1.0, 1.0, 1.0]]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
