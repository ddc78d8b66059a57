"""Training skips dL/dx of the model's input (``input_grad=False``); the default still gives it.

``fit`` needs the parameters' gradients only; notebook 08's saliency maps need
dL/dx of the input, which ``Sequential.backward(dout)`` returns by default.
"""
import numpy as np
import pytest

from edu_cnn import layers as L
from edu_cnn import ops, threads
from edu_cnn.model import Sequential


def _net(first):
    rng = np.random.default_rng(0)
    return Sequential(first + [L.Conv2D(1, 3, 3, padding=1, rng=rng, dtype=np.float64), L.ReLU(),
                               L.MaxPool2D(2), L.Flatten(),
                               L.Dense(3 * 4 * 4, 4, rng=rng, dtype=np.float64)])


def _grads(net):
    return {(layer.name, key): g.copy() for layer in net.layers for key, g in layer.grads.items()}


@pytest.mark.parametrize("first", [[], [L.ReLU()], [L.Dropout(0.0)]])
def test_same_parameter_gradients_without_the_input_gradient(first):
    net = _net(first)
    x = np.random.default_rng(1).standard_normal((5, 1, 8, 8))
    dout = np.random.default_rng(2).standard_normal((5, 4))
    net.forward(x)
    assert net.backward(dout).shape == x.shape
    expected = _grads(net)
    for layer in net.layers:
        for g in layer.grads.values():
            g[...] = np.nan                         # the second backward must fill them again
    net.forward(x)
    assert net.backward(dout, input_grad=False) is None
    got = _grads(net)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_array_equal(got[key], value)


def test_layers_before_the_first_weights_are_not_run_backward():
    class Spy(L.ReLU):
        calls = 0

        def backward(self, dy):
            Spy.calls += 1
            return super().backward(dy)

    net = _net([Spy()])
    x = np.random.default_rng(1).standard_normal((2, 1, 8, 8))
    net.forward(x)
    net.backward(np.ones((2, 4)), input_grad=False)
    assert Spy.calls == 0
    net.backward(np.ones((2, 4)))
    assert Spy.calls == 1


def test_a_model_without_weights_computes_nothing():
    net = Sequential([L.Flatten()])
    net.forward(np.ones((2, 1, 3, 3)))
    assert net.backward(np.ones((2, 9)), input_grad=False) is None
    assert net.backward(np.ones((2, 9))).shape == (2, 1, 3, 3)


@pytest.mark.parametrize("backward, forward", [(ops.conv2d_backward, ops.conv2d_forward),
                                               (ops.conv2d_backward_naive,
                                                ops.conv2d_forward_naive)])
def test_conv_kernels_skip_dx_and_keep_dw_db(monkeypatch, backward, forward):
    monkeypatch.setattr(threads, "CHUNK_BYTES", 1)          # several chunks
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((4, 2, 6, 5)), rng.standard_normal((3, 2, 3, 3)), \
        rng.standard_normal(3)
    out, cache = forward(x, w, b, 1, 1)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = backward(dout, cache)
    none, dw2, db2 = backward(dout, cache, input_grad=False)
    assert none is None and dx.shape == x.shape
    np.testing.assert_array_equal(dw2, dw)
    np.testing.assert_array_equal(db2, db)


def test_dense_skips_dx_and_keeps_its_grads():
    layer = L.Dense(5, 3, rng=0, dtype=np.float64)
    x, dy = np.random.default_rng(0).standard_normal((4, 5)), np.ones((4, 3))
    layer.forward(x)
    assert layer.backward(dy).shape == x.shape
    dW, db = layer.grads["W"].copy(), layer.grads["b"].copy()
    assert layer.backward(dy, input_grad=False) is None
    np.testing.assert_array_equal(layer.grads["W"], dW)
    np.testing.assert_array_equal(layer.grads["b"], db)


@pytest.mark.parametrize("shape", [(7, 3, 5, 4), (6,), (0, 3), ()])
def test_relu_matches_the_formula_on_any_shape(shape):
    rng = np.random.default_rng(4)
    x, dy = rng.standard_normal(shape), rng.standard_normal(shape)
    x[x > 1.5] = 0.0                                        # exact zeros pass no gradient
    relu = L.ReLU()
    np.testing.assert_array_equal(relu.forward(x), np.maximum(x, 0))
    np.testing.assert_array_equal(relu.backward(dy), dy * (x > 0))
