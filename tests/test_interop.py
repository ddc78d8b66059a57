"""to_torch / from_torch: identical weights, identical outputs, clear errors.

Most tests need PyTorch (the ``torch`` fixture, marked ``torch``); the two
"without torch" tests check what happens without it and run everywhere.
"""
import subprocess
import sys

import numpy as np
import pytest

from edu_cnn import interop
from edu_cnn import layers as L
from edu_cnn.model import Sequential


def every_layer_model(dtype=np.float64, seed=0):
    """Every layer type, symmetric and asymmetric ("same", even kernel) padding, strides."""
    rng = np.random.default_rng(seed)
    return Sequential([
        L.Conv2D(3, 4, 2, padding="same", rng=rng, dtype=dtype), L.LeakyReLU(0.2),
        L.Conv2D(4, 5, (3, 1), stride=(2, 1), padding=(1, 0), rng=rng, dtype=dtype), L.Tanh(),
        L.MaxPool2D(2, stride=1), L.Conv2D(5, 4, 3, padding="valid", rng=rng, dtype=dtype),
        L.ReLU(), L.AvgPool2D((2, 1)), L.Flatten(), L.Dropout(0.3),
        L.Dense(4 * 1 * 5, 7, rng=rng, dtype=dtype), L.Sigmoid(),
        L.Dense(7, 3, rng=rng, dtype=dtype)])


def inputs(dtype=np.float64, seed=1):
    return np.random.default_rng(seed).standard_normal((2, 3, 9, 8)).astype(dtype)


def torch_forward(torch, net, x):
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(x)).numpy()


@pytest.mark.torch
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_to_torch_gives_identical_outputs(torch, dtype, tol):
    model, x = every_layer_model(dtype), inputs(dtype)
    net = interop.to_torch(model)
    ours = model.forward(x, training=False)
    theirs = torch_forward(torch, net, x)
    assert theirs.dtype == dtype
    np.testing.assert_allclose(theirs, ours, rtol=tol, atol=tol)


@pytest.mark.torch
def test_to_torch_copies_weights_dense_transposed(torch):
    model = every_layer_model()
    net = interop.to_torch(model)
    assert isinstance(net, torch.nn.Sequential)
    np.testing.assert_array_equal(net.conv2d_1.weight.detach().numpy(), model[2].params["W"])
    np.testing.assert_array_equal(net.dense.weight.detach().numpy(), model[10].params["W"].T)
    np.testing.assert_array_equal(net.dense_1.bias.detach().numpy(), model[12].params["b"])
    # the even kernel's "same" padding is asymmetric: a ZeroPad2d (left, right, top, bottom)
    assert isinstance(net.conv2d_pad, torch.nn.ZeroPad2d)
    assert tuple(net.conv2d_pad.padding) == (0, 1, 0, 1)
    # weights are copies, not views: changing torch leaves edu_cnn alone
    with torch.no_grad():
        net.conv2d.weight.zero_()
    assert np.abs(model[0].params["W"]).max() > 0


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_edu_torch_edu(torch, dtype):
    model, x = every_layer_model(dtype), inputs(dtype)
    back = interop.from_torch(interop.to_torch(model))
    assert [repr(a) for a in back.layers] == [repr(b) for b in model.layers]
    for a, b in zip(back.get_weights(), model.get_weights()):
        for key in a:
            assert a[key].dtype == b[key].dtype
            np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's own note
def test_from_torch_a_handwritten_pytorch_model(torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 4, 4, padding="same"), torch.nn.ReLU(), torch.nn.AvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(4 * 7 * 7, 10)).double()
    model = interop.from_torch(net)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "ReLU", "MaxPool2D", "Conv2D", "ReLU", "AvgPool2D", "Flatten", "Dropout",
        "Dense"]
    assert model[3].padding == "same"
    x = np.random.default_rng(0).standard_normal((3, 1, 28, 28))
    np.testing.assert_allclose(model.forward(x, training=False), torch_forward(torch, net, x),
                               rtol=1e-12, atol=1e-12)
    again = interop.to_torch(model)
    np.testing.assert_allclose(torch_forward(torch, again, x), torch_forward(torch, net, x),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.torch
def test_from_torch_merges_zeropad_before_conv(torch):
    pad_same = torch.nn.Sequential(torch.nn.ZeroPad2d((1, 2, 1, 2)), torch.nn.Conv2d(1, 2, 4))
    pad_sym = torch.nn.Sequential(torch.nn.ZeroPad2d((1, 1, 2, 2)), torch.nn.Conv2d(1, 2, 3))
    assert interop.from_torch(pad_same)[0].padding == "same"
    assert interop.from_torch(pad_sym)[0].padding == (2, 1)


@pytest.mark.torch
def test_from_torch_linear_without_bias_gets_zero_bias(torch):
    net = torch.nn.Sequential(torch.nn.Linear(3, 2, bias=False))
    model = interop.from_torch(net)
    np.testing.assert_array_equal(model[0].params["b"], [0, 0])
    np.testing.assert_array_equal(model[0].params["W"], net[0].weight.detach().numpy().T)


UNSUPPORTED = {   # id: (the modules, from torch.nn; fragments of the message)
    "LayerNorm": (lambda nn: [nn.Linear(4, 4), nn.LayerNorm(4)],
                  ["module 1", "LayerNorm", "no such layer", "Linear"]),
    "groups": (lambda nn: [nn.Conv2d(2, 2, 3, groups=2)], ["module 0", "groups=1"]),
    "dilation": (lambda nn: [nn.Conv2d(1, 1, 3, dilation=2)], ["dilation=1"]),
    "pool_padding": (lambda nn: [nn.MaxPool2d(2, padding=1)], ["padding or ceil_mode"]),
    "pad_before_relu": (lambda nn: [nn.ZeroPad2d(1), nn.ReLU()],
                        ["ZeroPad2d", "before a Conv2d"]),
    "asymmetric_pad": (lambda nn: [nn.ZeroPad2d((0, 3, 0, 0)), nn.Conv2d(1, 1, 2)],
                       ["asymmetric padding", "'same'"]),
    "flatten_dims": (lambda nn: [nn.Flatten(0)], ["Flatten(start_dim=1, end_dim=-1)"]),
}


@pytest.mark.torch
@pytest.mark.parametrize("modules, fragments", UNSUPPORTED.values(), ids=list(UNSUPPORTED))
def test_from_torch_unsupported_modules_are_explained(torch, modules, fragments):
    with pytest.raises(ValueError) as info:
        interop.from_torch(torch.nn.Sequential(*modules(torch.nn)))
    message = str(info.value)
    assert message.startswith("from_torch: ")
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.torch
def test_from_torch_refuses_non_float_and_non_sequential(torch):
    with pytest.raises(ValueError, match="float32 or float64, got float16"):
        interop.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2).half()))
    with pytest.raises(TypeError, match="torch.nn.Sequential"):
        interop.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="edu_cnn Sequential"):
        interop.to_torch(torch.nn.Sequential())


@pytest.mark.parametrize("call", [lambda: interop.to_torch(Sequential([L.ReLU()])),
                                  lambda: interop.from_torch([])], ids=["to", "from"])
def test_without_torch_says_how_to_install(monkeypatch, call):
    monkeypatch.setitem(sys.modules, "torch", None)      # makes `import torch` fail
    with pytest.raises(ImportError) as info:
        call()
    message = str(info.value)
    assert 'pip install "edu_cnn[torch]"' in message and "torch==2.13.0" in message


def test_importing_edu_cnn_and_interop_does_not_import_torch():
    code = ("import sys, edu_cnn, edu_cnn.interop, edu_cnn.model, edu_cnn.optim; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.torch
@pytest.mark.parametrize("padding, kernel", [("same", 3), ("same", (3, 5)), ("valid", 2),
                                             (2, 3), ((0, 1), 2), ("same", (2, 3))])
def test_conv_padding_variants_match(torch, padding, kernel):
    model = Sequential([L.Conv2D(2, 3, kernel, padding=padding, rng=0, dtype=np.float64)])
    x = np.random.default_rng(2).standard_normal((2, 2, 6, 7))
    net = interop.to_torch(model)
    np.testing.assert_allclose(torch_forward(torch, net, x), model.forward(x),
                               rtol=1e-12, atol=1e-12)
    assert interop.from_torch(net)[0].padding == model[0].padding
