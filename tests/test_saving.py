"""saving (behind Sequential.save / Sequential.load): round trips, file format, tampered files."""
import json

import numpy as np
import pytest
from tiny_nets import bars_data, small_cnn

from edu_cnn import layers as L
from edu_cnn.model import Sequential


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
