"""BatchNorm1D / BatchNorm2D: PyTorch parity (both modes, forward and backward, running
statistics), loop twin = vectorised, gradient checks, bad input, save/load, interop."""
import numpy as np
import pytest

from edu_cnn import gradcheck, layers, optim
from edu_cnn.layers.batchnorm import (
    batchnorm_backward,
    batchnorm_backward_naive,
    batchnorm_forward,
    batchnorm_forward_naive,
)
from edu_cnn.model import Sequential
from edu_cnn.training import Callback

SHAPES = {"BatchNorm1D": (7, 3), "BatchNorm2D": (4, 3, 5, 6)}
TOL = 1e-10


def make(name, momentum=0.3, seed=0):
    layer = getattr(layers, name)(3, momentum=momentum, dtype="float64")
    rng = np.random.default_rng(seed)
    layer.params["gamma"][...] = rng.normal(1.0, 0.5, 3)
    layer.params["beta"][...] = rng.normal(0.0, 0.5, 3)
    return layer


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_parity_with_torch_both_modes_over_several_batches(name):
    torch = pytest.importorskip("torch")
    ours = make(name)
    theirs = getattr(torch.nn, name.replace("D", "d"))(3, momentum=0.3, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.params["gamma"]))
        theirs.bias.copy_(torch.tensor(ours.params["beta"]))
    rng = np.random.default_rng(1)
    for training in (True, True, True, False, True, False):
        theirs.train(training)
        x = rng.normal(2.0, 3.0, SHAPES[name])
        dy = rng.standard_normal(SHAPES[name])
        y, dx = ours.forward(x, training=training), None
        dx = ours.backward(dy)
        xt = torch.tensor(x, requires_grad=True)
        theirs.zero_grad()
        yt = theirs(xt)
        yt.backward(torch.tensor(dy))
        pairs = {"y": (y, yt.detach().numpy()), "dx": (dx, xt.grad.numpy()),
                 "dgamma": (ours.grads["gamma"], theirs.weight.grad.numpy()),
                 "dbeta": (ours.grads["beta"], theirs.bias.grad.numpy()),
                 "running_mean": (ours.buffers["running_mean"], theirs.running_mean.numpy()),
                 "running_var": (ours.buffers["running_var"], theirs.running_var.numpy())}
        for key, (a, b) in pairs.items():
            assert np.abs(a - b).max() < TOL, (training, key, np.abs(a - b).max())


@pytest.mark.parametrize("shape", [(7, 3), (4, 3, 5, 6)])
def test_loop_twin_equals_vectorised(shape):
    rng = np.random.default_rng(2)
    x, dy = rng.normal(1, 2, shape), rng.standard_normal(shape)
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    y_loop, mean, var = batchnorm_forward_naive(x, gamma, beta, 1e-5)
    y_fast, cache = batchnorm_forward(x, gamma, beta, 1e-5)
    np.testing.assert_allclose(y_loop, y_fast, rtol=0, atol=1e-12)
    np.testing.assert_allclose(mean, cache[3], rtol=0, atol=1e-12)
    np.testing.assert_allclose(var, cache[4], rtol=0, atol=1e-12)
    for a, b in zip(batchnorm_backward_naive(dy, x, gamma, mean, var, 1e-5),
                    batchnorm_backward(dy, cache)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_gradients_training_mode(name):
    x = np.random.default_rng(3).normal(0.5, 2.0, SHAPES[name])
    errors = gradcheck.check_layer(make(name), x)
    assert set(errors) == {"dx", "gamma", "beta"}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_gradients_inference_mode(name):
    layer = make(name)
    layer.buffers["running_mean"][...] = [0.5, -1.0, 2.0]
    layer.buffers["running_var"][...] = [0.3, 2.0, 1.5]
    rng = np.random.default_rng(4)
    x, dy = rng.standard_normal(SHAPES[name]), rng.standard_normal(SHAPES[name])
    layer.forward(x, training=False)
    dx = layer.backward(dy)
    numeric = gradcheck.numerical_gradient(
        lambda v: np.sum(layer.forward(v, training=False) * dy), x.copy())
    assert gradcheck.rel_error(dx, numeric) < 1e-7
    assert np.array_equal(layer.buffers["running_var"], [0.3, 2.0, 1.5])   # untouched


def test_training_updates_running_stats_inference_uses_them():
    layer = layers.BatchNorm1D(2, momentum=0.5, dtype="float64")
    x = np.array([[1.0, 10.0], [3.0, 30.0]])
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, [[-1, -1], [1, 1]], atol=1e-5)          # biased variance
    np.testing.assert_allclose(layer.buffers["running_mean"], [1.0, 10.0])  # 0.5·0 + 0.5·mean
    np.testing.assert_allclose(layer.buffers["running_var"], [0.5 + 0.5 * 2, 0.5 + 0.5 * 200])
    y_eval = layer.forward(x, training=False)
    np.testing.assert_allclose(y_eval, (x - [1, 10]) / np.sqrt([1.5, 100.5] + np.array(1e-5)))


@pytest.mark.parametrize("make_bad, exc, words", [
    (lambda: layers.BatchNorm2D(3).forward(np.zeros((2, 3)), training=True), ValueError,
     ["BatchNorm2D(num_features=3)", "(N, 3, H, W)", "(2, 3)", "BatchNorm1D"]),
    (lambda: layers.BatchNorm1D(3).forward(np.zeros((2, 3, 4, 4)), training=True), ValueError,
     ["BatchNorm1D(num_features=3)", "(N, 3)", "BatchNorm2D"]),
    (lambda: layers.BatchNorm2D(3).forward(np.zeros((2, 4, 5, 5)), training=True), ValueError,
     ["BatchNorm2D(num_features=3)", "(2, 4, 5, 5)"]),
    (lambda: layers.BatchNorm1D(3).forward(np.zeros((1, 3)), training=True), ValueError,
     ["BatchNorm1D(num_features=3)", "more than one value", "training=False"]),
    (lambda: layers.BatchNorm2D(3).forward(np.zeros((0, 3, 2, 2)), training=False), ValueError,
     ["BatchNorm2D(num_features=3)", "non-empty"]),
    (lambda: layers.BatchNorm1D(3).forward(np.zeros((2, 3), dtype=int)), TypeError,
     ["BatchNorm1D"]),
    (lambda: layers.BatchNorm1D(3).backward(np.zeros((2, 3))), RuntimeError,
     ["BatchNorm1D.backward", "before"]),
    (lambda: layers.BatchNorm1D(0), ValueError, ["BatchNorm1D", "num_features"]),
    (lambda: layers.BatchNorm2D(3, momentum=1.5), ValueError, ["BatchNorm2D", "momentum"]),
    (lambda: layers.BatchNorm2D(3, eps=0), ValueError, ["BatchNorm2D", "eps"]),
])
def test_bad_input_names_the_layer(make_bad, exc, words):
    with pytest.raises(exc) as info:
        make_bad()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_batch_of_one_works_in_inference_mode():
    layer = layers.BatchNorm1D(3, dtype="float64")
    assert layer.forward(np.ones((1, 3)), training=False).shape == (1, 3)


def _bn_model(seed=0):
    rng = np.random.default_rng(seed)
    return Sequential([layers.Conv2D(1, 2, 3, padding="same", rng=rng), layers.BatchNorm2D(2),
                       layers.ReLU(), layers.Flatten(), layers.Dense(2 * 5 * 5, 4, rng=rng),
                       layers.BatchNorm1D(4), layers.Dense(4, 3, rng=rng)]).astype("float64")


def _trained_bn_model():
    model = _bn_model()
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((24, 1, 5, 5)), rng.integers(0, 3, 24)
    model.fit(x, y, epochs=2, batch_size=8, optimizer=optim.SGD(0.1), loss="cross_entropy",
              verbose=0)
    return model, x


def test_save_load_round_trip_keeps_running_statistics(tmp_path):
    model, x = _trained_bn_model()
    assert not np.allclose(model.layers[1].buffers["running_var"], 1.0)  # they did move
    loaded = Sequential.load(model.save(tmp_path / "bn.npz"))
    for ours, theirs in zip(model.layers, loaded.layers):
        assert ours.get_config() == theirs.get_config()
        for key, value in getattr(ours, "buffers", {}).items():
            assert np.array_equal(value, theirs.buffers[key]), key
    assert np.array_equal(model.predict(x), loaded.predict(x))
    with np.load(tmp_path / "bn.npz", allow_pickle=False) as archive:
        assert "batch_norm2d/running_var" in archive.files


def test_file_without_running_statistics_is_refused(tmp_path):
    model, _ = _trained_bn_model()
    path = model.save(tmp_path / "bn.npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files if k != "batch_norm1d/running_mean"}
    np.savez(tmp_path / "cut.npz", **arrays)
    with pytest.raises(ValueError, match="batch_norm1d.*running_mean"):
        Sequential.load(tmp_path / "cut.npz")


def test_best_weights_restore_the_running_statistics_too():
    model = _bn_model()
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((32, 1, 5, 5)), rng.integers(0, 3, 32)
    snapshots = []

    class Record(Callback):
        def on_epoch_end(self, model, epoch, logs):
            snapshots.append((logs["val_loss"], model.predict(x[:8])))

    history = model.fit(x, y, epochs=6, batch_size=8, optimizer=optim.SGD(0.5),
                        loss="cross_entropy", validation_data=(x[:8], y[:8]), verbose=0,
                        callbacks=[Record()])
    best = history.best_epoch
    assert best != history.epoch[-1], "choose settings where the last epoch is not the best"
    assert np.array_equal(model.predict(x[:8]), snapshots[best][1])


@pytest.mark.torch
def test_to_torch_and_back():
    torch = pytest.importorskip("torch")
    from edu_cnn import interop
    model, x = _trained_bn_model()
    net = interop.to_torch(model).eval()
    assert isinstance(net.batch_norm2d, torch.nn.BatchNorm2d)
    assert net.batch_norm2d.momentum == 0.1 and net.batch_norm1d.eps == 1e-5
    with torch.no_grad():
        theirs = net(torch.tensor(x)).numpy()
    ours = model.forward(x, training=False)
    assert np.abs(ours - theirs).max() < TOL
    back = interop.from_torch(net)
    assert [type(layer).__name__ for layer in back.layers] == \
        [type(layer).__name__ for layer in model.layers]
    assert np.array_equal(back.forward(x, training=False), ours)
    with pytest.raises(ValueError, match="track_running_stats"):
        interop.from_torch(torch.nn.Sequential(torch.nn.BatchNorm1d(3, momentum=None)))
