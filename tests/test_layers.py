"""Layer mechanics: shapes, dtypes, configs, repr, initialisers, Dropout, rng handling."""
import json

import numpy as np
import pytest

from edu_cnn import init, layers

# (factory, input shape without the batch axis)
LAYERS = {
    "dense": (lambda: layers.Dense(6, 4, rng=0), (6,)),
    "conv": (lambda: layers.Conv2D(2, 3, 3, rng=0), (2, 7, 6)),
    "conv_same_even": (lambda: layers.Conv2D(1, 2, (2, 4), padding="same", rng=0), (1, 5, 6)),
    "conv_strided": (lambda: layers.Conv2D(3, 2, (3, 2), stride=(2, 3), padding=(1, 2),
                                           init="glorot_uniform", rng=0), (3, 8, 9)),
    "conv_valid": (lambda: layers.Conv2D(1, 1, 1, padding="valid", rng=0), (1, 1, 1)),
    "maxpool": (lambda: layers.MaxPool2D(2), (3, 6, 7)),
    "maxpool_overlap": (lambda: layers.MaxPool2D((3, 2), stride=1), (2, 5, 4)),
    "avgpool": (lambda: layers.AvgPool2D(2), (2, 4, 5)),
    "avgpool_overlap": (lambda: layers.AvgPool2D(3, stride=(2, 1)), (1, 7, 5)),
    "flatten": (layers.Flatten, (2, 3, 4)),
    "relu": (layers.ReLU, (2, 5, 5)),
    "leaky_relu": (lambda: layers.LeakyReLU(0.3), (7,)),
    "sigmoid": (layers.Sigmoid, (3, 4)),
    "tanh": (layers.Tanh, (2, 2, 2)),
    "dropout": (lambda: layers.Dropout(0.25, rng=3), (3, 4, 4)),
}


def batch(shape, n=3, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal((n,) + shape).astype(dtype)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_output_shape_agrees_with_forward(name):
    make, shape = LAYERS[name]
    layer = make()
    for n in (1, 3):
        y = layer.forward(batch(shape, n))
        assert y.shape == (n,) + layer.output_shape(shape)


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_backward_keep_the_input_dtype(name, dtype):
    make, shape = LAYERS[name]
    layer = make()
    x = batch(shape, dtype=dtype)
    y = layer.forward(x)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dtype and dx.dtype == dtype and dx.shape == x.shape
    for key, grad in layer.grads.items():
        assert grad.dtype == layer.params[key].dtype == np.float32
        assert grad.shape == layer.params[key].shape


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_get_config_round_trips_through_json_and_layer_types(name):
    layer = LAYERS[name][0]()
    config = json.loads(json.dumps(layer.get_config()))
    kind = type(layer).__name__
    rebuilt = layers.LAYER_TYPES[kind](**config)
    assert type(rebuilt) is type(layer)
    assert json.loads(json.dumps(rebuilt.get_config())) == config
    assert repr(rebuilt) == repr(layer)
    assert {k: v.shape for k, v in rebuilt.params.items()} == \
        {k: v.shape for k, v in layer.params.items()}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_backward_does_not_change_its_inputs(name):
    make, shape = LAYERS[name]
    layer = make()
    x = batch(shape)
    x_before = x.copy()
    y = layer.forward(x)
    dy = np.ones_like(y)
    layer.backward(dy)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dy, 1.0)


def test_params_default_to_float32_and_astype_casts_both_dicts():
    layer = layers.Dense(4, 3, rng=0)
    assert layer.params["W"].dtype == np.float32 and layer.params["b"].dtype == np.float32
    assert layer.astype(np.float64) is layer
    assert all(p.dtype == np.float64 for p in layer.params.values())
    assert all(g.dtype == np.float64 for g in layer.grads.values())
    assert layer.get_config()["dtype"] == "float64"
    assert layers.Dense(4, 3, dtype=np.float64).params["W"].dtype == np.float64
    W = layer.params["W"]
    assert layer.astype("float64").params["W"] is W               # no needless copy


def test_float64_params_with_float32_input_compute_in_float32():
    layer = layers.Dense(4, 3, rng=0, dtype=np.float64)
    y = layer.forward(np.ones((2, 4), dtype=np.float32))
    assert y.dtype == np.float32
    layer.backward(np.ones_like(y))
    assert layer.grads["W"].dtype == np.float64


def test_dense_is_reproducible_with_a_seeded_generator():
    a = layers.Dense(4, 3, rng=np.random.default_rng(0))
    b = layers.Dense(4, 3, rng=np.random.default_rng(0))
    c = layers.Dense(4, 3, rng=0)                             # an int is a seed
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    np.testing.assert_array_equal(a.params["W"], c.params["W"])
    assert not np.array_equal(a.params["W"], layers.Dense(4, 3, rng=1).params["W"])
    np.testing.assert_array_equal(a.params["b"], 0)


def test_dense_forward_backward_by_hand():
    layer = layers.Dense(2, 1, dtype=np.float64)
    layer.params["W"][:] = [[2.0], [-1.0]]
    layer.params["b"][:] = 0.5
    x = np.array([[1.0, 3.0], [0.0, 1.0]])
    np.testing.assert_allclose(layer.forward(x), [[-0.5], [-0.5]])
    dx = layer.backward(np.array([[1.0], [2.0]]))
    np.testing.assert_allclose(dx, [[2.0, -1.0], [4.0, -2.0]])
    np.testing.assert_allclose(layer.grads["W"], [[1.0], [5.0]])
    np.testing.assert_allclose(layer.grads["b"], [3.0])


def test_num_params_and_repr():
    assert layers.Dense(784, 10).num_params() == 7850
    conv = layers.Conv2D(3, 8, 5)
    assert conv.num_params() == 8 * 5 * 5 * 3 + 8 == 608
    assert repr(layers.Conv2D(1, 8, 3, padding=1)) == \
        "Conv2D(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=1)"
    assert repr(layers.Conv2D(1, 8, (2, 3), padding="same")) == \
        "Conv2D(1, 8, kernel_size=(2, 3), stride=(1, 1), padding='same')"
    assert repr(layers.MaxPool2D(2)) == "MaxPool2D(pool_size=(2, 2), stride=(2, 2))"
    assert repr(layers.AvgPool2D(3, stride=1)) == "AvgPool2D(pool_size=(3, 3), stride=(1, 1))"
    assert repr(layers.Dense(784, 10)) == "Dense(784, 10)"
    assert repr(layers.Dense(2, 3, dtype=np.float64)) == "Dense(2, 3, dtype='float64')"
    assert repr(layers.Dropout(0.5)) == "Dropout(rate=0.5)"
    assert repr(layers.ReLU()) == "ReLU()"
    assert layers.ReLU().num_params() == 0
    assert layers.ReLU().name is None and layers.ReLU().trainable


@pytest.mark.parametrize("name", ["zeros", "normal", "glorot_uniform", "he_normal"])
def test_every_init_name_builds_a_dense_layer(name):
    layer = layers.Dense(20, 30, init=name, rng=0)
    assert layer.params["W"].shape == (20, 30) and layer.params["W"].dtype == np.float32


def test_init_accepts_a_callable():
    layer = layers.Dense(2, 2, init=lambda shape, rng=None, dtype=np.float32:
                         np.full(shape, 0.5, dtype=dtype))
    np.testing.assert_array_equal(layer.params["W"], 0.5)


def test_fans():
    assert init.fans((784, 10)) == (784, 10)
    assert init.fans((8, 3, 5, 5)) == (75, 200)


def test_initialiser_scales():
    rng = np.random.default_rng(0)
    W = init.he_normal((2000, 500), rng=rng)
    assert W.std() == pytest.approx(np.sqrt(2 / 2000), rel=0.02)
    W = init.glorot_uniform((300, 100), rng=rng)
    limit = np.sqrt(6 / 400)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit
    assert init.normal((1000, 100), std=0.05, rng=rng).std() == pytest.approx(0.05, rel=0.02)
    assert init.zeros((2, 3)).dtype == np.float32 and not init.zeros((2, 3)).any()
    assert init.he_normal((3, 2), rng=0, dtype=np.float64).dtype == np.float64


def test_relu_and_leaky_relu_values():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(layers.ReLU().forward(x), [[0.0, 0.0, 3.0]])
    leaky = layers.LeakyReLU(0.1)
    np.testing.assert_allclose(leaky.forward(x), [[-0.2, 0.0, 3.0]])
    np.testing.assert_allclose(leaky.backward(np.ones((1, 3))), [[0.1, 0.1, 1.0]])


def test_sigmoid_is_stable_and_exact_at_extremes():
    s = layers.Sigmoid()
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        y = s.forward(np.array([[-1e4, 0.0, 1e4]], dtype=np.float32))
    np.testing.assert_array_equal(y, [[0.0, 0.5, 1.0]])


def test_dropout_is_identity_when_not_training():
    layer = layers.Dropout(0.9, rng=0)
    x = batch((10,))
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), 1.0)


def test_dropout_is_inverted_and_drops_the_right_fraction():
    layer = layers.Dropout(0.3, rng=0)
    x = np.ones((200, 500), dtype=np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32
    kept = y != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert y.mean() == pytest.approx(1.0, abs=0.02)              # expectation unchanged
    dx = layer.backward(np.full_like(y, 2.0))
    np.testing.assert_allclose(dx, 2 * y)                       # same mask backwards


def test_dropout_uses_its_own_generator():
    x = np.ones((4, 50))
    a = layers.Dropout(0.5, rng=7).forward(x)
    b = layers.Dropout(0.5, rng=np.random.default_rng(7)).forward(x)
    np.testing.assert_array_equal(a, b)
    layer = layers.Dropout(0.5, rng=7)
    assert not np.array_equal(layer.forward(x), layer.forward(x))  # a new mask each call


def test_dropout_rate_zero_is_identity_in_training():
    x = batch((5,))
    np.testing.assert_array_equal(layers.Dropout(0.0).forward(x), x)


def test_flatten_and_back():
    x = batch((2, 3, 4))
    layer = layers.Flatten()
    y = layer.forward(x)
    assert y.shape == (3, 24)
    np.testing.assert_array_equal(y[1], x[1].ravel())
    np.testing.assert_array_equal(layer.backward(y), x)


def test_layer_types_lists_every_layer():
    expected = {"Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "ReLU", "LeakyReLU",
                "Sigmoid", "Tanh", "Dropout"}
    assert expected <= set(layers.LAYER_TYPES)
    assert all(issubclass(cls, layers.Layer) for cls in layers.LAYER_TYPES.values())


def test_call_is_forward():
    layer = layers.Tanh()
    x = batch((3,))
    np.testing.assert_array_equal(layer(x), layer.forward(x))


def test_conv_output_shapes_of_the_classic_exercises():
    assert layers.Conv2D(3, 8, 5).output_shape((3, 32, 32)) == (8, 28, 28)
    assert layers.Conv2D(1, 64, 2, padding="same").output_shape((1, 28, 28)) == (64, 28, 28)
    assert layers.Conv2D(1, 4, 3, stride=2, padding=1).output_shape((1, 28, 28)) == (4, 14, 14)
    assert layers.MaxPool2D(2, stride=1).output_shape((64, 28, 28)) == (64, 27, 27)
    assert layers.MaxPool2D(2).output_shape((64, 26, 26)) == (64, 13, 13)


def test_conv_forward_by_hand():
    layer = layers.Conv2D(1, 1, 2, dtype=np.float64)
    layer.params["W"][:] = np.array([[1.0, 0.0], [0.0, -1.0]])
    layer.params["b"][:] = 0.5
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    np.testing.assert_allclose(layer.forward(x), np.full((1, 1, 2, 2), -4.0 + 0.5))


def test_pools_by_hand():
    x = np.array([[1.0, 2.0, 0.0, 1.0],
                  [3.0, 4.0, 5.0, 0.0],
                  [0.0, 1.0, 1.0, 1.0],
                  [2.0, 0.0, 1.0, 3.0]]).reshape(1, 1, 4, 4)
    maxpool, avgpool = layers.MaxPool2D(2), layers.AvgPool2D(2)
    np.testing.assert_array_equal(maxpool.forward(x)[0, 0], [[4.0, 5.0], [2.0, 3.0]])
    np.testing.assert_array_equal(avgpool.forward(x)[0, 0], [[2.5, 1.5], [0.75, 1.5]])
    dx = maxpool.backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(dx[0, 0],
                                  [[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 1]])
    np.testing.assert_array_equal(avgpool.backward(np.ones((1, 1, 2, 2))), np.full(x.shape, 0.25))


def test_maxpool_tie_goes_to_the_first_maximum():
    layer = layers.MaxPool2D(2)
    layer.forward(np.zeros((1, 1, 2, 2)))                     # all-zero window, as after a ReLU
    dx = layer.backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(dx[0, 0], [[1, 0], [0, 0]])


def test_conv_is_reproducible_and_uses_fans_of_the_conv_shape():
    a = layers.Conv2D(16, 32, 3, rng=0)
    np.testing.assert_array_equal(a.params["W"], layers.Conv2D(16, 32, 3, rng=0).params["W"])
    assert a.params["W"].shape == (32, 16, 3, 3) and a.params["b"].shape == (32,)
    assert a.params["W"].std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.05)


@pytest.mark.parametrize("layer", [layers.Dense(7, 3), layers.Conv2D(2, 5, (3, 1)),
                                   layers.MaxPool2D(2), layers.ReLU()],
                         ids=["Dense", "Conv2D", "MaxPool2D", "ReLU"])
def test_param_shapes_from_the_config_match_the_params(layer):
    shapes = type(layer).param_shapes(**layer.get_config())
    assert shapes == {key: value.shape for key, value in layer.params.items()}
