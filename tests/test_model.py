"""Sequential: naming, forward/backward, summary, evaluate/predict, weights."""
import re

import numpy as np
import pytest
from tiny_nets import bars_data, mlp, small_cnn

import edu_cnn
from edu_cnn import layers as L
from edu_cnn import training
from edu_cnn.model import Callback, History, Sequential

# ---------------------------------------------------------------------- helpers

def parse_summary(text):
    """(per-layer parameter counts, {'Total': .., 'Trainable': .., 'Non-trainable': ..})."""
    body = text.split("=" * 10)[1:-1]
    rows = [line for chunk in body for line in chunk.splitlines() if line.strip("= ")]
    per_layer = [int(line.split()[-1].replace(",", "")) for line in rows]
    totals = {m.group(1): int(m.group(2).replace(",", ""))
              for m in re.finditer(r"^(Total|Trainable|Non-trainable) params: ([\d,]+)$",
                                   text, flags=re.M)}
    return per_layer, totals


# ---------------------------------------------------------------------- structure

def test_add_names_layers_keras_style():
    model = Sequential([L.Conv2D(1, 2, 3), L.ReLU(), L.Conv2D(2, 2, 3), L.MaxPool2D(2),
                        L.Flatten(), L.Dense(2, 2), L.Dense(2, 2), L.LeakyReLU()])
    assert [layer.name for layer in model.layers] == [
        "conv2d", "relu", "conv2d_1", "max_pool2d", "flatten",
        "dense", "dense_1", "leaky_relu"]


def test_add_keeps_given_names_and_refuses_duplicates():
    dense = L.Dense(2, 2)
    dense.name = "classifier"
    model = Sequential([dense])
    assert model.layers[0].name == "classifier"
    other = L.Dense(2, 2)
    other.name = "classifier"
    with pytest.raises(ValueError, match="'classifier' is already in the model"):
        model.add(other)


def test_add_refuses_a_class_instead_of_a_layer():
    with pytest.raises(TypeError, match=r"forget the parentheses, e.g. ReLU\(\)"):
        Sequential().add(L.ReLU)


def test_forward_backward_shapes():
    model = small_cnn(dtype=np.float64)
    x, _ = bars_data(5)
    logits = model.forward(x.astype(np.float64))
    assert logits.shape == (5, 3)
    dx = model.backward(np.ones_like(logits))
    assert dx.shape == x.shape
    assert model.layers[0].grads["W"].shape == (6, 1, 3, 3)


def test_activations_lists_every_layer():
    model = small_cnn()
    x, _ = bars_data(2)
    acts = model.activations(x)
    assert [name for name, _ in acts] == [layer.name for layer in model.layers]
    assert [a.shape for _, a in acts] == [(2, 6, 8, 8), (2, 6, 8, 8), (2, 6, 1, 1), (2, 6),
                                         (2, 3)]


# ---------------------------------------------------------------------- summary

def reference_net_a():
    return Sequential([
        L.Conv2D(1, 64, 2, padding="same"), L.MaxPool2D(2, stride=1), L.Dropout(0.25),
        L.Conv2D(64, 32, 2, padding="same"), L.MaxPool2D(2, stride=1), L.Dropout(0.25),
        L.Flatten(), L.Dense(32 * 26 * 26, 256), L.Dropout(0.5), L.Dense(256, 10)])


def reference_net_b():
    return Sequential([
        L.Conv2D(1, 64, 3, padding="valid"), L.MaxPool2D(2), L.ReLU(), L.Flatten(),
        L.Dense(64 * 13 * 13, 1024), L.ReLU(), L.Dense(1024, 10)])


@pytest.mark.parametrize("make, expected_layers, total", [
    (reference_net_a, [320, 8_224, 5_538_048, 2_570], 5_549_162),
    (reference_net_b, [640, 11_076_608, 10_250], 11_087_498),
], ids=["net_a", "net_b"])
def test_summary_reference_networks(make, expected_layers, total, capsys):
    text = make().summary(input_shape=(1, 28, 28))
    printed = capsys.readouterr().out
    assert printed.strip() == text.strip()                  # printed AND returned
    per_layer, totals = parse_summary(printed)
    assert [n for n in per_layer if n] == expected_layers
    assert sum(per_layer) == total
    assert totals == {"Total": total, "Trainable": total, "Non-trainable": 0}


def test_summary_shows_output_shapes_and_names(capsys):
    text = reference_net_a().summary((1, 28, 28))
    assert "conv2d (Conv2D)" in text and "(None, 64, 28, 28)" in text
    assert "max_pool2d (MaxPool2D)" in text and "(None, 64, 27, 27)" in text
    assert "(None, 32, 26, 26)" in text and "(None, 21632)" in text
    assert "dense_1 (Dense)" in text and "(None, 10)" in text


def test_summary_counts_non_trainable_layers(capsys):
    model = mlp()
    model.layers[0].trainable = False
    _, totals = parse_summary(model.summary((6,)))
    assert totals == {"Total": 163, "Trainable": 51, "Non-trainable": 112}


def test_summary_names_the_layer_that_does_not_fit(capsys):
    model = Sequential([L.Conv2D(1, 4, 3), L.Flatten(), L.Dense(100, 10)])
    with pytest.raises(ValueError) as info:
        model.summary((1, 28, 28))
    message = str(info.value)
    assert "layer 2 'dense' (Dense)" in message and "2704" in message and "100" in message


def test_summary_returned_value_is_not_echoed_twice_in_notebooks(capsys):
    text = mlp().summary((6,))
    assert isinstance(text, str) and text._ipython_display_() is None

# ---------------------------------------------------------------------- evaluate / predict

def test_predict_returns_softmax_probabilities():
    x, _ = bars_data(10)
    model = small_cnn(dtype=np.float64)
    p = model.predict(x.astype(np.float64))
    logits = model.forward(x.astype(np.float64), training=False)
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_predict_is_batched_so_memory_stays_bounded():
    x, _ = bars_data(1000)
    model = small_cnn()
    first = model.layers[0]
    seen = []
    original_forward = first.forward

    def spy(xb, training=True):
        seen.append(xb.shape[0])
        return original_forward(xb, training=training)

    first.forward = spy
    p = model.predict(x, batch_size=256)
    assert seen == [256, 256, 256, 232]
    assert p.shape == (1000, 3)
    seen.clear()
    model.evaluate(x, np.zeros(1000, dtype=int), batch_size=300)
    assert seen == [300, 300, 300, 100]


def test_predict_uses_inference_mode():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 6)).astype(np.float32)
    model = mlp(dropout=0.5)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))


def test_evaluate_matches_a_manual_computation():
    x, y = bars_data(50)
    model = small_cnn(dtype=np.float64)
    x = x.astype(np.float64)
    loss, accuracy = model.evaluate(x, y, batch_size=7)
    logits = model.forward(x, training=False)
    log_p = logits - logits.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    assert loss == pytest.approx(-log_p[np.arange(50), y].mean(), rel=1e-12)
    assert accuracy == pytest.approx((logits.argmax(1) == y).mean())

# ---------------------------------------------------------------------- weights

def test_get_and_set_weights_round_trip_in_place():
    model, other = small_cnn(seed=0), small_cnn(seed=1)
    W = other.layers[0].params["W"]
    other.set_weights(model.get_weights())
    assert other.layers[0].params["W"] is W                   # same arrays, new values
    np.testing.assert_array_equal(W, model.layers[0].params["W"])


def test_set_weights_wrong_shape_names_the_layer():
    model = small_cnn()
    weights = model.get_weights()
    weights[4]["W"] = np.zeros((3, 6))
    with pytest.raises(ValueError, match=r"'dense' \(Dense\) expected W of shape \(6, 3\), "
                                         r"got \(3, 6\)"):
        model.set_weights(weights)


# ---------------------------------------------------------------------- public names

def test_callback_and_history_are_importable_from_model_and_package():
    assert Callback is training.Callback is edu_cnn.Callback
    assert History is training.History is edu_cnn.History
    assert edu_cnn.Sequential is Sequential
