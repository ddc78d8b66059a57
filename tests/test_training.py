"""training.fit (behind Sequential.fit): the loop, progress, callbacks, best weights, schedules."""
import re

import numpy as np
import pytest
from tiny_nets import bars_data, mlp, small_cnn

from edu_cnn import optim
from edu_cnn.model import Callback, History


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

def test_fit_with_bad_arguments_changes_nothing():
    x, y = bars_data(32)
    model = small_cnn()
    before = model.get_weights()
    with pytest.raises(ValueError):
        model.fit(x, y, optimizer="sgd", loss="cross_entropy", validation_data=(x, y[:5]),
                  verbose=0)
    assert model.optimizer is None and model.loss is None
    np.testing.assert_array_equal(model.get_weights()[0]["W"], before[0]["W"])


def test_fit_keeps_its_history_on_the_model():
    x, y = bars_data(60)
    model = small_cnn()
    assert model.history is None
    history = model.fit(x, y, epochs=2, optimizer="adam", loss="cross_entropy", verbose=0)
    assert model.history is history and history.epoch == [0, 1]
