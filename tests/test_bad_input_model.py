"""Model-level bad input: each mistake raises ValueError/TypeError saying what and how to fix.

Every row: a call that should fail, the exception type, and fragments its message
must contain (who complained, what was expected, what was got, the fix).
"""
import json

import numpy as np
import pytest

from edu_cnn import layers as L
from edu_cnn import optim
from edu_cnn.model import Sequential

RNG = np.random.default_rng(0)
X = RNG.random((12, 1, 8, 8)).astype(np.float32)
Y = RNG.integers(0, 3, size=12)


def net():
    return Sequential([L.Conv2D(1, 2, 3, padding=1, rng=0), L.ReLU(), L.MaxPool2D(2),
                       L.Flatten(), L.Dense(2 * 4 * 4, 3, rng=1)])


def fit(x=X, y=Y, **kwargs):
    kwargs = {"optimizer": optim.SGD(0.1), "loss": "cross_entropy", "verbose": 0, **kwargs}
    return net().fit(x, y, **kwargs)


def with_nan(x):
    x = x.copy()
    x[3, 0, 2, 2] = np.nan
    x[5, 0, 1, 1] = np.inf
    return x


def saved(tmp_path, change=None):
    """Path of a saved model, optionally with its arrays edited by ``change``."""
    path = net().save(tmp_path / "net.npz")
    if change is not None:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        change(arrays)
        np.savez(path, **arrays)
    return path


def text_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("not a model")
    return path


def other_npz(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=X)
    return path


def set_layer_type(arrays, index, type_name):
    architecture = json.loads(str(arrays["architecture"]))
    architecture["layers"][index]["type"] = type_name
    arrays["architecture"] = np.array(json.dumps(architecture))


# (id, call taking tmp_path, exception, message fragments)
CASES = [
    ("int images to fit", lambda t: fit(x=(X * 255).astype(np.uint8)), TypeError,
     ["fit", "float32 or float64", "uint8", "/ 255"]),
    ("int images to predict", lambda t: net().predict((X * 255).astype(np.int64)), TypeError,
     ["predict", "int64", "/ 255"]),
    ("NaN input to fit", lambda t: fit(x=with_nan(X)), ValueError,
     ["fit", "finite", "1 NaN", "1 inf"]),
    ("NaN in validation data", lambda t: fit(validation_data=(with_nan(X), Y)), ValueError,
     ["validation_data", "1 NaN"]),
    ("mismatched x/y lengths", lambda t: fit(y=Y[:10]), ValueError,
     ["fit", "same number of rows", "12", "10"]),
    ("labels out of range", lambda t: fit(y=np.where(Y == 0, 7, Y)), ValueError,
     ["fit", "label 7", "'dense'", "3", "0..2"]),
    ("negative labels", lambda t: fit(y=Y - 1), ValueError, ["label -1", "0..2"]),
    ("float labels", lambda t: fit(y=Y.astype(np.float64)), TypeError,
     ["fit", "integer class ids", "float64", "astype"]),
    ("bool labels", lambda t: fit(y=Y > 1), TypeError,
     ["fit", "integer class ids", "bool", "y.astype(np.int64)"]),
    ("one-hot labels", lambda t: fit(y=np.eye(3, dtype=int)[Y]), ValueError,
     ["fit", "one-hot", "(12, 3)", "argmax"]),
    ("wrong input shape to predict", lambda t: net().predict(np.zeros((4, 3, 8, 8), np.float32)),
     ValueError, ["predict", "layer 0 'conv2d' (Conv2D)", "Conv2D(in_channels=1)",
                  "(N, 1, H, W)", "(N, 3, 8, 8)"]),
    ("channels-last images to predict",
     lambda t: net().predict(np.zeros((4, 8, 8, 1), np.float32)), ValueError,
     ["conv2d", "(N, 8, 8, 1)", "transpose(0, 3, 1, 2)"]),
    ("image size that does not fit the Dense layer",
     lambda t: net().predict(np.zeros((4, 1, 10, 10), np.float32)), ValueError,
     ["layer 4 'dense' (Dense)", "50", "32"]),
    ("empty batch to predict", lambda t: net().predict(np.zeros((0, 1, 8, 8), np.float32)),
     ValueError, ["predict", "non-empty", "(0, 1, 8, 8)"]),
    ("list instead of array to evaluate", lambda t: net().evaluate("images", Y), TypeError,
     ["evaluate", "NumPy array", "str"]),
    ("fit without optimizer", lambda t: fit(optimizer=None), ValueError,
     ["fit needs optimizer", "optim.Adam"]),
    ("fit without loss", lambda t: fit(loss=None), ValueError,
     ["fit needs loss", "cross_entropy"]),
    ("unknown optimizer name", lambda t: fit(optimizer="adamw"), ValueError,
     ["optimizer", "'adamw'", "sgd"]),
    ("epochs = 0", lambda t: fit(epochs=0), ValueError, ["fit", "epochs", "positive", "0"]),
    ("epochs = 2.5", lambda t: fit(epochs=2.5), TypeError, ["fit", "epochs", "2.5"]),
    ("batch_size = -8", lambda t: fit(batch_size=-8), ValueError, ["fit", "batch_size", "-8"]),
    ("batch_size as string", lambda t: fit(batch_size="32"), TypeError,
     ["fit", "batch_size", "'32'"]),
    ("verbose = True", lambda t: fit(verbose=True), ValueError, ["verbose", "0", "1", "2"]),
    ("validation_data not a pair", lambda t: fit(validation_data=X), ValueError,
     ["validation_data=(x_val, y_val)"]),
    ("callback not a Callback", lambda t: fit(callbacks=[print]), TypeError,
     ["callbacks", "Callback"]),
    ("lr_schedule of another optimizer",
     lambda t: fit(lr_schedule=optim.ExponentialDecay(optim.SGD(0.1), 0.9)), ValueError,
     ["lr_schedule", "different optimizer"]),
    ("model without layers", lambda t: Sequential().predict(X), ValueError,
     ["no layers", "model.add"]),
    ("summary with batch axis mistakes", lambda t: net().summary(input_shape=28), ValueError,
     ["summary", "input_shape", "(1, 28, 28)", "28"]),
    ("load a file that is not a model", lambda t: Sequential.load(text_file(t)), ValueError,
     ["notes.npz", "not an edu_cnn model file", "not an .npz archive"]),
    ("load an npz of other arrays", lambda t: Sequential.load(other_npz(t)), ValueError,
     ["data.npz", "not an edu_cnn model file", "architecture"]),
    ("load a tampered file (wrong shape)", lambda t: Sequential.load(saved(
        t, lambda a: a.update({"conv2d/W": np.zeros((2, 1, 5, 5), np.float32)}))), ValueError,
     ["net.npz", "'conv2d' (Conv2D)", "W", "(2, 1, 3, 3)", "(2, 1, 5, 5)"]),
    ("load a tampered file (missing weight)", lambda t: Sequential.load(saved(
        t, lambda a: a.pop("dense/W"))), ValueError,
     ["net.npz", "'dense' (Dense)", "missing", "'W'"]),
    ("load a file with an unknown layer type", lambda t: Sequential.load(saved(
        t, lambda a: set_layer_type(a, 2, "BatchNorm"))), ValueError,
     ["net.npz", "layer 2", "BatchNorm", "known types", "MaxPool2D"]),
]


@pytest.mark.parametrize("call, error, fragments", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_explained(tmp_path, call, error, fragments):
    with pytest.raises(error) as info:
        call(tmp_path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in: {message}"


def test_there_are_enough_cases():
    assert len(CASES) >= 8
