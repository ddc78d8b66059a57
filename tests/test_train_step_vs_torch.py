"""The classic check: my library vs the framework, one training step of a whole network.

The same conv-relu-pool-conv-relu-pool-flatten-dense-relu-dense network, with the
same float64 weights, is built in edu_cnn and (by hand, not via interop) in
PyTorch. One batch goes through both; the losses, every gradient and every
weight after the optimiser step must agree to ~1e-10.
"""
import numpy as np
import pytest

from edu_cnn import layers as L
from edu_cnn import losses, optim
from edu_cnn.model import Sequential

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

TOL = 1e-10


def edu_network(rng):
    return Sequential([
        L.Conv2D(2, 4, 3, padding=1, rng=rng, dtype=np.float64), L.ReLU(), L.MaxPool2D(2),
        L.Conv2D(4, 6, (3, 2), stride=1, padding="same", rng=rng, dtype=np.float64), L.ReLU(),
        L.MaxPool2D(2, stride=1),
        L.Flatten(), L.Dense(6 * 3 * 3, 16, rng=rng, dtype=np.float64), L.ReLU(),
        L.Dense(16, 5, rng=rng, dtype=np.float64)])


def torch_copy(model):
    """The same network written directly in PyTorch, weights copied (Dense transposed)."""
    conv1, conv2, dense1, dense2 = (layer for layer in model.layers if layer.params)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.ZeroPad2d((0, 1, 1, 1)),              # "same" for a 3×2 kernel: extra col right
        torch.nn.Conv2d(4, 6, (3, 2)), torch.nn.ReLU(), torch.nn.MaxPool2d(2, stride=1),
        torch.nn.Flatten(), torch.nn.Linear(54, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 5)).double()
    pairs = [(net[0], conv1, False), (net[4], conv2, False),
             (net[8], dense1, True), (net[10], dense2, True)]
    with torch.no_grad():
        for module, layer, transpose in pairs:
            W = layer.params["W"].T if transpose else layer.params["W"]
            module.weight.copy_(torch.from_numpy(W.copy()))
            module.bias.copy_(torch.from_numpy(layer.params["b"].copy()))
    return net, pairs


def max_weight_diff(pairs):
    diffs = []
    for module, layer, transpose in pairs:
        W = module.weight.detach().numpy()
        diffs.append(np.abs((W.T if transpose else W) - layer.params["W"]).max())
        diffs.append(np.abs(module.bias.detach().numpy() - layer.params["b"]).max())
    return max(diffs)


def max_grad_diff(pairs):
    diffs = []
    for module, layer, transpose in pairs:
        gW = module.weight.grad.numpy()
        diffs.append(np.abs((gW.T if transpose else gW) - layer.grads["W"]).max())
        diffs.append(np.abs(module.bias.grad.numpy() - layer.grads["b"]).max())
    return max(diffs)


OPTIMIZERS = [
    ("SGD momentum", lambda: optim.SGD(lr=0.1, momentum=0.9),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("Adam", lambda: optim.Adam(lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
]


@pytest.mark.parametrize("make_ours, make_theirs", [o[1:] for o in OPTIMIZERS],
                         ids=[o[0] for o in OPTIMIZERS])
def test_training_steps_match_pytorch(make_ours, make_theirs):
    rng = np.random.default_rng(0)
    model = edu_network(rng)
    x = rng.standard_normal((4, 2, 9, 8))                  # N=4, C=2, non-square 9×8
    y = rng.integers(0, 5, size=4)
    net, pairs = torch_copy(model)
    assert max_weight_diff(pairs) == 0.0                   # identical weights before
    loss_fn, ours = losses.SoftmaxCrossEntropy(), make_ours()
    theirs = make_theirs(net.parameters())
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for step in range(2):                                  # 2 steps: momentum/moments matter
        logits = model.forward(x, training=True)
        loss = loss_fn.forward(logits, y)
        model.backward(loss_fn.backward())
        theirs.zero_grad()
        torch_logits = net(xt)
        torch_loss = torch.nn.functional.cross_entropy(torch_logits, yt)
        torch_loss.backward()
        assert np.abs(logits - torch_logits.detach().numpy()).max() < TOL
        assert abs(loss - torch_loss.item()) < TOL, (step, loss, torch_loss.item())
        assert max_grad_diff(pairs) < TOL
        ours.step(model)
        theirs.step()
        assert max_weight_diff(pairs) < TOL, step
    moved = np.abs(model.layers[0].params["W"] - edu_network(np.random.default_rng(0))
                   .layers[0].params["W"]).max()
    assert moved > 1e-3                                    # the step really changed the weights


def test_same_network_via_fit_one_batch_matches_pytorch():
    """fit itself (one epoch, one batch) performs exactly the PyTorch SGD step."""
    rng = np.random.default_rng(1)
    model = edu_network(rng)
    x = rng.standard_normal((6, 2, 9, 8))
    y = rng.integers(0, 5, size=6)
    net, pairs = torch_copy(model)
    model.fit(x, y, epochs=1, batch_size=6, optimizer=optim.SGD(0.05), loss="cross_entropy",
              verbose=0)
    torch_opt = torch.optim.SGD(net.parameters(), lr=0.05)
    torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    torch_opt.step()
    assert max_weight_diff(pairs) < TOL
