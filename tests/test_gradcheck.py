"""Every layer and loss against finite differences, in float64: worst relative error < 1e-6.

Inputs are placed away from kinks: |x| >= 0.1 for ReLU/LeakyReLU, and
max-pool inputs are distinct values at least 0.01 apart (a step of 1e-6
cannot change which entry is the max).
"""
import numpy as np
import pytest

from edu_cnn import gradcheck, layers, losses

TOL = 1e-6


def away_from_zero(rng, shape, gap=0.1):
    """Random values with |x| in [gap, 1 + gap): no ReLU kink within reach of eps."""
    x = rng.uniform(0, 1, shape) + gap
    return x * rng.choice([-1.0, 1.0], size=shape)


def distinct(rng, shape, step=0.01):
    """All-distinct values in random order: no ties in any max-pool window."""
    values = step * rng.permutation(int(np.prod(shape))) - step * np.prod(shape) / 2
    return values.reshape(shape)


LAYER_CASES = {
    "dense": (lambda: layers.Dense(5, 3, rng=0), (4, 5), away_from_zero),
    "dense_1x1": (lambda: layers.Dense(1, 1, rng=0), (1, 1), away_from_zero),
    "conv": (lambda: layers.Conv2D(2, 3, 3, rng=0), (2, 2, 5, 6), away_from_zero),
    "conv_pad1": (lambda: layers.Conv2D(1, 2, 3, padding=1, rng=0), (2, 1, 4, 4),
                  away_from_zero),
    "conv_same_even": (lambda: layers.Conv2D(2, 2, (2, 4), padding="same", rng=0),
                       (1, 2, 5, 6), away_from_zero),
    "conv_strided": (lambda: layers.Conv2D(3, 2, (3, 2), stride=(2, 3), padding=(2, 1),
                                           rng=0), (2, 3, 7, 8), away_from_zero),
    "conv_stride_gt_kernel": (lambda: layers.Conv2D(1, 2, 2, stride=3, rng=0),
                              (1, 1, 8, 7), away_from_zero),
    "conv_1x1_input": (lambda: layers.Conv2D(2, 3, 1, rng=0), (3, 2, 1, 1), away_from_zero),
    "maxpool": (lambda: layers.MaxPool2D(2), (2, 3, 4, 6), distinct),
    "maxpool_overlap": (lambda: layers.MaxPool2D(3, stride=1), (1, 2, 5, 6), distinct),
    "maxpool_rect": (lambda: layers.MaxPool2D((2, 3), stride=(1, 2)), (2, 1, 5, 7), distinct),
    "avgpool": (lambda: layers.AvgPool2D(2), (2, 3, 4, 6), away_from_zero),
    "avgpool_overlap": (lambda: layers.AvgPool2D((3, 2), stride=(1, 1)), (1, 2, 5, 4),
                        away_from_zero),
    "relu": (layers.ReLU, (3, 2, 4, 4), away_from_zero),
    "leaky_relu": (lambda: layers.LeakyReLU(0.2), (3, 7), away_from_zero),
    "sigmoid": (layers.Sigmoid, (3, 7), away_from_zero),
    "tanh": (layers.Tanh, (3, 2, 3, 3), away_from_zero),
    "flatten": (layers.Flatten, (2, 3, 4, 5), away_from_zero),
    "dropout": (lambda: layers.Dropout(0.4, rng=0), (4, 6), away_from_zero),
}


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_layer_gradients(name):
    make, shape, sample = LAYER_CASES[name]
    x = sample(np.random.default_rng(1), shape)
    errors = gradcheck.check_layer(make(), x)
    assert set(errors) == {"dx"} | set(make().params)
    assert max(errors.values()) < TOL, errors


LOSS_CASES = {
    "cross_entropy": (losses.SoftmaxCrossEntropy, (6, 4), lambda r: r.integers(0, 4, 6)),
    "cross_entropy_n1": (losses.SoftmaxCrossEntropy, (1, 3), lambda r: np.array([2])),
    "bce_n": (losses.BinaryCrossEntropy, (6,), lambda r: r.integers(0, 2, 6)),
    "bce_n1": (losses.BinaryCrossEntropy, (6, 1), lambda r: r.integers(0, 2, (6, 1))),
    "bce_soft": (losses.BinaryCrossEntropy, (5,), lambda r: r.uniform(0, 1, 5)),
    "mse": (losses.MeanSquaredError, (5, 3), lambda r: r.standard_normal((5, 3))),
    "mse_n1_vs_n": (losses.MeanSquaredError, (5, 1), lambda r: r.standard_normal(5)),
}


@pytest.mark.parametrize("name", sorted(LOSS_CASES))
def test_loss_gradients(name):
    make, shape, labels = LOSS_CASES[name]
    rng = np.random.default_rng(2)
    logits = 3 * rng.standard_normal(shape)
    errors = gradcheck.check_loss(make(), logits, labels(rng))
    assert errors["dlogits"] < TOL, errors


def test_numerical_gradient_of_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = gradcheck.numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)


def test_numerical_gradient_leaves_x_alone():
    x = np.arange(4.0)
    before = x.copy()
    gradcheck.numerical_gradient(lambda v: float(v @ v), x)
    np.testing.assert_array_equal(x, before)


def test_rel_error():
    assert gradcheck.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert gradcheck.rel_error([0.0, 4.0], [0.0, 3.0]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match=r"same shape.*\(2,\).*\(3,\)"):
        gradcheck.rel_error(np.zeros(2), np.zeros(3))


def test_check_layer_catches_a_wrong_backward():
    class BrokenTanh(layers.Tanh):
        def backward(self, dy):
            return dy * (1 - self._cached())             # forgot the square

    x = away_from_zero(np.random.default_rng(0), (3, 4))
    assert gradcheck.check_layer(BrokenTanh(), x)["dx"] > 1e-2


def test_check_layer_does_not_touch_the_layer():
    layer = layers.Dense(3, 2, rng=0)
    W = layer.params["W"].copy()
    gradcheck.check_layer(layer, np.ones((2, 3)))
    assert layer.params["W"].dtype == np.float32
    np.testing.assert_array_equal(layer.params["W"], W)
    np.testing.assert_array_equal(layer.grads["W"], 0)
    assert layer._cache is None
