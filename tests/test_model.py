"""Sequential: naming, summary, fit/evaluate/predict, callbacks, save/load."""
import json
import re

import numpy as np
import pytest

from edu_cnn import layers as L
from edu_cnn import optim
from edu_cnn.model import Callback, History, Sequential


# ---------------------------------------------------------------------- helpers

def bars_data(n=240, seed=0, noise=0.3):
    """A separable 3-class image problem: a vertical bar, a horizontal bar, or a dot."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    x = noise * rng.standard_normal((n, 1, 8, 8))
    for i, label in enumerate(y):
        r, c = rng.integers(1, 7, size=2)
        if label == 0:
            x[i, 0, :, c] += 1.0
        elif label == 1:
            x[i, 0, r, :] += 1.0
        else:
            x[i, 0, r - 1:r + 2, c - 1:c + 2] += 1.0
    return x.astype(np.float32), y


def small_cnn(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return Sequential([L.Conv2D(1, 6, 3, padding=1, rng=rng, dtype=dtype), L.ReLU(),
                       L.MaxPool2D(8), L.Flatten(), L.Dense(6, 3, rng=rng, dtype=dtype)])


def mlp(seed=0, n_in=6, n_out=3, dropout=0.0):
    rng = np.random.default_rng(seed)
    return Sequential([L.Dense(n_in, 16, rng=rng), L.ReLU(), L.Dropout(dropout, rng=rng),
                       L.Dense(16, n_out, rng=rng)])


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


# ---------------------------------------------------------------------- fit

def test_fit_learns_a_separable_problem():
    x, y = bars_data(300, seed=0)
    xv, yv = bars_data(90, seed=1)
    model = small_cnn()
    history = model.fit(x, y, epochs=3, batch_size=16, optimizer=optim.Adam(0.03),
                        loss="cross_entropy", validation_data=(xv, yv), verbose=0)
    assert isinstance(history, History)
    assert history.epoch == [0, 1, 2]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] >= 0.95
    loss, accuracy = model.evaluate(xv, yv)
    assert accuracy >= 0.95 and loss < 0.3


def test_seeded_fit_is_reproducible():
    x, y = bars_data(120)
    runs = []
    for _ in range(2):
        model = small_cnn(seed=3)
        history = model.fit(x, y, epochs=2, batch_size=16, optimizer=optim.SGD(0.05, momentum=0.9),
                            loss="cross_entropy", validation_data=(x[:30], y[:30]),
                            seed=7, verbose=0)
        runs.append((history.history, model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_different_seeds_shuffle_differently():
    x, y = bars_data(120)
    losses = [small_cnn(seed=3).fit(x, y, epochs=1, batch_size=16, optimizer=optim.SGD(0.05),
                                    loss="cross_entropy", seed=s, verbose=0).history["loss"]
              for s in (0, 1)]
    assert losses[0] != losses[1]


def test_fit_verbose_0_prints_nothing(capsys):
    x, y = bars_data(64)
    small_cnn().fit(x, y, epochs=2, optimizer="adam", loss="cross_entropy",
                    validation_data=(x, y), verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_fit_verbose_1_shows_a_progress_bar_with_metrics(capsys):
    x, y = bars_data(64)
    small_cnn().fit(x, y, epochs=2, batch_size=32, optimizer="adam", loss="cross_entropy",
                    validation_data=(x, y), verbose=1)
    err = capsys.readouterr().err
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "2/2" in err
    assert "loss=" in err and "accuracy=" in err and "val_loss=" in err


def test_fit_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = bars_data(64)
    small_cnn().fit(x, y, epochs=2, optimizer="adam", loss="cross_entropy", verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2: loss=")


def test_fit_nan_guard_names_epoch_batch_and_suggests_smaller_lr():
    x, y = bars_data(64)
    model = small_cnn(dtype=np.float64)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError) as info:
        model.fit(x.astype(np.float64), y, epochs=5, batch_size=8,
                  optimizer=optim.SGD(lr=1e200), loss="cross_entropy", verbose=0)
    message = str(info.value)
    assert re.search(r"epoch \d+/5, batch \d+/8", message)
    assert "lr=1e+200" in message and "smaller" in message


def test_restore_best_weights_restores_the_best_epoch(capsys):
    x, y = bars_data(120)
    # Validate on the same images with wrong labels: the better the model
    # learns, the worse val_loss gets, so the best epoch is an early one.
    y_wrong = (y + 1) % 3
    recorded = {}

    class Record(Callback):
        def on_epoch_end(self, model, epoch, logs):
            recorded[epoch] = model.get_weights()

    model = small_cnn()
    history = model.fit(x, y, epochs=4, batch_size=16, optimizer=optim.Adam(0.02),
                        loss="cross_entropy", validation_data=(x, y_wrong), verbose=2,
                        callbacks=[Record()])
    best = int(np.argmin(history.history["val_loss"]))
    assert history.best_epoch == best and best != 3
    for now, then in zip(model.get_weights(), recorded[best]):
        for key in now:
            np.testing.assert_array_equal(now[key], then[key])
    assert f"Restored the weights of epoch {best + 1}" in capsys.readouterr().out
    assert model.evaluate(x, y_wrong)[0] == pytest.approx(min(history.history["val_loss"]))


def test_restore_best_weights_false_keeps_the_last_weights():
    x, y = bars_data(120)
    last = {}

    class Record(Callback):
        def on_epoch_end(self, model, epoch, logs):
            last["weights"] = model.get_weights()

    model = small_cnn()
    model.fit(x, y, epochs=3, optimizer=optim.Adam(0.02), loss="cross_entropy",
              validation_data=(x, (y + 1) % 3), verbose=0, callbacks=[Record()],
              restore_best_weights=False)
    np.testing.assert_array_equal(model.get_weights()[0]["W"], last["weights"][0]["W"])


def test_callbacks_are_called_in_order_and_can_stop_training():
    x, y = bars_data(64)
    calls = []

    class Spy(Callback):
        def on_train_begin(self, model):
            calls.append("begin")

        def on_batch_end(self, model, batch, logs):
            calls.append(("batch", batch, sorted(logs)))

        def on_epoch_end(self, model, epoch, logs):
            calls.append(("epoch", epoch, sorted(logs)))
            model.stop_training = epoch == 1

        def on_train_end(self, model, history):
            calls.append(("end", len(history.epoch)))

    history = small_cnn().fit(x, y, epochs=5, batch_size=32, optimizer="sgd",
                              loss="cross_entropy", validation_data=(x, y), verbose=0,
                              callbacks=[Spy()])
    assert history.epoch == [0, 1]
    assert calls[0] == "begin" and calls[-1] == ("end", 2)
    assert calls[1] == ("batch", 0, ["accuracy", "loss"])
    assert calls[3] == ("epoch", 0, ["accuracy", "loss", "val_accuracy", "val_loss"])


def test_lr_schedule_is_stepped_once_per_epoch():
    x, y = bars_data(64)
    opt = optim.SGD(0.1)
    seen = []

    class LR(Callback):
        def on_epoch_end(self, model, epoch, logs):
            seen.append(model.optimizer.lr)

    small_cnn().fit(x, y, epochs=3, optimizer=opt, loss="cross_entropy", verbose=0,
                    lr_schedule=optim.ExponentialDecay(opt, gamma=0.5), callbacks=[LR()])
    assert seen == pytest.approx([0.1, 0.05, 0.025])
    assert opt.lr == pytest.approx(0.0125)


def test_fit_remembers_optimizer_and_loss():
    x, y = bars_data(64)
    model = small_cnn()
    opt = optim.Adam(0.01)
    model.fit(x, y, optimizer=opt, loss="cross_entropy", verbose=0)
    model.fit(x, y, verbose=0)                                 # continues with the same ones
    assert model.optimizer is opt


def test_fit_does_not_modify_its_inputs():
    x, y = bars_data(64)
    x0, y0 = x.copy(), y.copy()
    small_cnn().fit(x, y, epochs=1, optimizer="adam", loss="cross_entropy", verbose=0)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_fit_float64_model_on_flat_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 6))
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    history = mlp().astype(np.float64).fit(x, y, epochs=10, optimizer=optim.Adam(0.02),
                                          loss="cross_entropy", verbose=0)
    assert history.history["accuracy"][-1] > 0.85


def test_binary_classifier_with_one_output():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = mlp(n_out=1)
    history = model.fit(x, y, epochs=5, optimizer=optim.Adam(0.02), loss="bce", verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    p = model.predict(x)
    assert p.shape == (200, 1) and np.all((p > 0) & (p < 1))


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


# ---------------------------------------------------------------------- weights, save, load

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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip_is_exact(tmp_path, dtype):
    x, y = bars_data(40)
    model = Sequential([L.Conv2D(1, 4, 2, padding="same", rng=0, dtype=dtype), L.LeakyReLU(0.1),
                        L.AvgPool2D(2, stride=1), L.Conv2D(4, 3, 3, stride=2, padding=(1, 0),
                                                           rng=1, dtype=dtype),
                        L.Tanh(), L.MaxPool2D(2), L.Flatten(), L.Dropout(0.2),
                        L.Dense(3 * 2 * 1, 5, rng=2, dtype=dtype), L.Sigmoid(),
                        L.Dense(5, 3, rng=3, dtype=dtype)])
    model.layers[0].trainable = False
    model.fit(x, y, epochs=1, optimizer="adam", loss="cross_entropy", verbose=0)
    path = model.save(tmp_path / "model")
    assert path.endswith("model.npz")
    loaded = Sequential.load(path)
    assert [repr(a) for a in loaded.layers] == [repr(b) for b in model.layers]
    assert [a.name for a in loaded.layers] == [b.name for b in model.layers]
    assert loaded.layers[0].trainable is False
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        for key in a:
            assert a[key].dtype == b[key].dtype
            np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_saved_file_is_plain_npz_with_json_architecture(tmp_path):
    path = small_cnn().save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as data:
        assert "architecture" in data.files and "conv2d/W" in data.files
        architecture = json.loads(str(data["architecture"]))
    assert architecture["format"] == "edu_cnn.Sequential"
    assert [spec["type"] for spec in architecture["layers"]] == [
        "Conv2D", "ReLU", "MaxPool2D", "Flatten", "Dense"]


def rewrite(path, change):
    """Load a saved model's arrays, let ``change`` edit the dict, write it back."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    change(arrays)
    np.savez(path, **arrays)


def edit_architecture(edit):
    def change(arrays):
        architecture = json.loads(str(arrays["architecture"]))
        edit(architecture)
        arrays["architecture"] = np.array(json.dumps(architecture))
    return change


TAMPERING = [
    ("wrong shape", lambda a: a.update({"dense/W": np.zeros((3, 6), np.float32)}),
     ["dense", "Dense", "W", "(6, 3)", "(3, 6)"]),
    ("missing weight", lambda a: a.pop("conv2d/b"), ["conv2d", "Conv2D", "missing", "'b'"]),
    ("extra weight", lambda a: a.update({"mystery/W": np.zeros(3)}), ["mystery/W"]),
    ("unknown layer type",
     edit_architecture(lambda arch: arch["layers"][1].update(type="Softmax")),
     ["layer 1", "Softmax", "unknown", "Conv2D"]),
    ("bad config",
     edit_architecture(lambda arch: arch["layers"][0]["config"].update(kernel_size=-3)),
     ["layer 0", "Conv2D", "kernel_size"]),
    ("duplicate layer names",
     edit_architecture(lambda arch: arch["layers"][1].update(name="conv2d")),
     ["layer 1", "'conv2d' is already in the model"]),
    ("not a Sequential",
     edit_architecture(lambda arch: arch.update(format="something else")),
     ["not an edu_cnn model"]),
    ("integer weights", lambda a: a.update({"dense/b": np.zeros(3, dtype=np.int64)}),
     ["dense", "float", "int64"]),
]


@pytest.mark.parametrize("what, change, fragments", TAMPERING, ids=[t[0] for t in TAMPERING])
def test_load_tampered_file_gives_a_clear_error(tmp_path, what, change, fragments):
    path = small_cnn().save(tmp_path / "m.npz")
    rewrite(path, change)
    with pytest.raises(ValueError) as info:
        Sequential.load(path)
    message = str(info.value)
    assert "m.npz" in message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("write", [
    lambda p: p.write_text("hello, I am a text file"),
    lambda p: np.save(open(p, "wb"), np.arange(3)),
    lambda p: np.savez(p, x=np.arange(3)),
    lambda p: np.savez(p, architecture=np.array("{not json")),
], ids=["text", "npy", "npz without architecture", "bad json"])
def test_load_something_that_is_not_a_model(tmp_path, write):
    path = tmp_path / "weights.npz"
    write(path)
    with pytest.raises(ValueError, match=r"'.*weights.npz' is not an edu_cnn model file"):
        Sequential.load(path)


def test_load_missing_file():
    with pytest.raises(FileNotFoundError):
        Sequential.load("/nonexistent/model.npz")


def test_fit_with_bad_arguments_changes_nothing():
    x, y = bars_data(32)
    model = small_cnn()
    before = model.get_weights()
    with pytest.raises(ValueError):
        model.fit(x, y, optimizer="sgd", loss="cross_entropy", validation_data=(x, y[:5]),
                  verbose=0)
    assert model.optimizer is None and model.loss is None
    np.testing.assert_array_equal(model.get_weights()[0]["W"], before[0]["W"])
