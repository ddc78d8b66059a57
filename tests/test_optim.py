"""Optimisers: five steps against torch.optim, float64, to 1e-10; schedules; validation.

The comparisons with torch.optim are marked ``torch``; the rest needs no torch.
"""
import numpy as np
import pytest

from edu_cnn import optim

N_STEPS = 5
TOL = 1e-10


class FakeLayer:
    """The smallest thing an optimiser can step: params and grads dicts."""

    def __init__(self, params, trainable=True):
        self.params = params
        self.grads = {k: np.zeros_like(v) for k, v in params.items()}
        self.trainable = trainable


def make_layers(rng):
    shapes = [{"W": (3, 4), "b": (4,)}, {"W": (2, 3, 2, 2), "b": (2,)}]
    return [FakeLayer({k: rng.standard_normal(s) for k, s in d.items()}) for d in shapes]


def run_both(torch, ours, theirs_cls, theirs_kwargs, seed=0, steps=N_STEPS):
    """Apply the same gradient sequence to edu_cnn and torch; return max |Δθ| per step."""
    rng = np.random.default_rng(seed)
    layers = make_layers(rng)
    tensors = [torch.tensor(p.copy(), requires_grad=True)
               for layer in layers for p in layer.params.values()]
    theirs = theirs_cls(tensors, **theirs_kwargs)
    diffs = []
    for _ in range(steps):
        flat = []
        for layer in layers:
            for key, p in layer.params.items():
                layer.grads[key] = rng.standard_normal(p.shape)
                flat.append(layer.grads[key])
        for t, g in zip(tensors, flat):
            t.grad = torch.tensor(g.copy())
        ours.step(layers)
        theirs.step()
        ours_flat = [p for layer in layers for p in layer.params.values()]
        diffs.append(max(np.abs(a - t.detach().numpy()).max() for a, t in zip(ours_flat, tensors)))
    return diffs


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.01, momentum=0.5, weight_decay=0.1),
    dict(lr=0.2, weight_decay=0.01),
    dict(lr=0.03, momentum=0.8, nesterov=True, weight_decay=0.05),
]
RMSPROP_CASES = [
    dict(lr=0.01),
    dict(lr=0.001, alpha=0.9, eps=1e-6),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.005, alpha=0.5, momentum=0.3, weight_decay=0.1),
]
ADAM_CASES = [
    dict(lr=0.001),
    dict(lr=0.01, betas=(0.5, 0.9)),
    dict(lr=0.1, betas=(0.0, 0.99), eps=1e-6),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.003, betas=(0.95, 0.5), eps=1e-4, weight_decay=0.01),
]


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_torch(torch, kwargs):
    diffs = run_both(torch, optim.SGD(**kwargs), torch.optim.SGD, kwargs)
    assert max(diffs) < TOL, diffs


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=str)
def test_rmsprop_matches_torch(torch, kwargs):
    diffs = run_both(torch, optim.RMSprop(**kwargs), torch.optim.RMSprop, kwargs)
    assert max(diffs) < TOL, diffs


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_matches_torch(torch, kwargs):
    diffs = run_both(torch, optim.Adam(**kwargs), torch.optim.Adam, kwargs)
    assert max(diffs) < TOL, diffs


def test_parameters_actually_move():
    """Guard against a vacuous parity test: the parameters change every step."""
    rng = np.random.default_rng(1)
    layer = FakeLayer({"W": rng.standard_normal((3, 3))})
    before = layer.params["W"].copy()
    layer.grads["W"] = np.ones((3, 3))
    optim.Adam(lr=0.1).step(layer)
    assert np.abs(layer.params["W"] - before).min() > 0.05


def test_updates_in_place_and_keeps_dtype():
    w = np.ones((2, 2), dtype=np.float32)
    layer = FakeLayer({"W": w})
    layer.grads["W"] = np.full((2, 2), 0.5, dtype=np.float32)
    optim.SGD(lr=0.1, momentum=0.9).step(layer)
    assert layer.params["W"] is w and w.dtype == np.float32
    np.testing.assert_allclose(w, 0.95)


@pytest.mark.parametrize("opt", [optim.SGD(0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
                                 optim.RMSprop(momentum=0.5, weight_decay=0.1),
                                 optim.Adam(weight_decay=0.1)], ids=repr)
def test_float32_parameters_and_state_stay_float32(opt):
    layer = FakeLayer({"W": np.ones(3, dtype=np.float32)})
    layer.grads["W"] = np.full(3, 0.5, dtype=np.float32)
    for _ in range(3):
        opt.step(layer)
    assert layer.params["W"].dtype == np.float32
    buffers = [v for state in opt.state.values() for v in state.values()
               if isinstance(v, np.ndarray)]
    assert len(buffers) >= 2 and all(b.dtype == np.float32 for b in buffers)


def test_non_trainable_layers_are_skipped():
    frozen = FakeLayer({"W": np.ones(3)}, trainable=False)
    frozen.grads["W"] = np.ones(3)
    optim.SGD(lr=1.0).step([frozen])
    np.testing.assert_array_equal(frozen.params["W"], np.ones(3))


def test_step_accepts_object_with_layers_attribute():
    class Model:
        layers = [FakeLayer({"W": np.zeros(2)})]
    Model.layers[0].grads["W"] = np.ones(2)
    optim.SGD(lr=0.5).step(Model())
    np.testing.assert_array_equal(Model.layers[0].params["W"], [-0.5, -0.5])


def test_step_rejects_unknown_model():
    with pytest.raises(TypeError, match="Sequential, a Layer or a list"):
        optim.SGD().step(42)


@pytest.mark.torch
def test_exponential_decay_matches_torch_exponential_lr(torch):
    ours = optim.SGD(lr=0.1)
    schedule = optim.ExponentialDecay(ours, gamma=0.9)
    t = torch.zeros(1, requires_grad=True)
    theirs = torch.optim.SGD([t], lr=0.1)
    torch_schedule = torch.optim.lr_scheduler.ExponentialLR(theirs, gamma=0.9)
    for _ in range(6):
        theirs.step()
        torch_schedule.step()
        schedule.step()
        assert abs(ours.lr - theirs.param_groups[0]["lr"]) < 1e-15
    assert ours.lr == pytest.approx(0.1 * 0.9 ** 6)


def test_get_by_name_and_instance():
    assert isinstance(optim.get("adam"), optim.Adam)
    assert isinstance(optim.get("SGD"), optim.SGD)
    opt = optim.RMSprop()
    assert optim.get(opt) is opt
    with pytest.raises(ValueError, match="adagrad"):
        optim.get("adagrad")


def test_repr_lists_hyperparameters():
    assert repr(optim.SGD(lr=0.1, momentum=0.9)) == \
        "SGD(lr=0.1, momentum=0.9, nesterov=False, weight_decay=0.0)"


BAD_HYPERPARAMETERS = [
    (lambda: optim.SGD(lr=0), ValueError, ["SGD: lr must be > 0, got 0."]),
    (lambda: optim.SGD(lr=-0.1), ValueError, ["SGD", "lr", "-0.1"]),
    (lambda: optim.SGD(lr="fast"), TypeError, ["SGD", "lr", "'fast'"]),
    (lambda: optim.SGD(momentum=-0.5), ValueError, ["SGD", "momentum", "-0.5"]),
    (lambda: optim.SGD(nesterov=True), ValueError, ["SGD", "nesterov", "momentum"]),
    (lambda: optim.SGD(weight_decay=-1), ValueError, ["SGD", "weight_decay"]),
    (lambda: optim.RMSprop(lr=0), ValueError, ["RMSprop", "lr"]),
    (lambda: optim.RMSprop(alpha=1.5), ValueError, ["RMSprop", "alpha", "1.5"]),
    (lambda: optim.RMSprop(momentum=-1), ValueError, ["RMSprop", "momentum"]),
    (lambda: optim.Adam(lr=-1e-3), ValueError, ["Adam", "lr"]),
    (lambda: optim.Adam(betas=(1.0, 0.999)), ValueError,
     ["Adam: betas[0] must be in [0, 1), got 1.0."]),
    (lambda: optim.Adam(betas=(0.9, -0.1)), ValueError, ["Adam", "betas[1]", "-0.1"]),
    (lambda: optim.Adam(betas=0.9), ValueError, ["Adam", "betas", "pair"]),
    (lambda: optim.Adam(eps=-1), ValueError, ["Adam", "eps"]),
    (lambda: optim.ExponentialDecay(optim.SGD(), gamma=0), ValueError,
     ["ExponentialDecay", "gamma"]),
    (lambda: optim.ExponentialDecay("sgd", gamma=0.9), TypeError, ["ExponentialDecay", "str"]),
]


@pytest.mark.parametrize("make, error, fragments", BAD_HYPERPARAMETERS)
def test_bad_hyperparameters_are_explained(make, error, fragments):
    with pytest.raises(error) as info:
        make()
    for fragment in fragments:
        assert fragment in str(info.value)


def test_gradient_shape_mismatch_is_explained():
    layer = FakeLayer({"W": np.zeros((2, 3))})
    layer.grads["W"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        optim.SGD().step(layer)
