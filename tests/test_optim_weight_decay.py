"""Weight decay: coupled L2 (SGD, Adam) and decoupled (AdamW) against torch.optim, float64.

The gradient sequences and the comparison are those of tests/test_optim.py (``run_both``).
"""
import numpy as np
import pytest
from test_optim import TOL, FakeLayer, run_both

from edu_cnn import optim

ADAMW_CASES = [
    dict(lr=0.001),                                         # torch's default weight_decay 0.01
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.003, betas=(0.95, 0.5), eps=1e-4, weight_decay=0.5),
    dict(lr=0.05, weight_decay=0.0),                        # = Adam
]


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", ADAMW_CASES, ids=str)
def test_adamw_matches_torch_over_several_steps(torch, kwargs):
    diffs = run_both(torch, optim.AdamW(**kwargs), torch.optim.AdamW, kwargs, steps=8)
    assert max(diffs) < TOL, diffs


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", [
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.3)),
    ("Adam", dict(lr=0.01, weight_decay=0.3)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3)),
])
def test_weight_decay_with_a_learning_rate_schedule_matches_torch(torch, name, kwargs):
    """The decay uses the current lr (AdamW: θ·(1 − lr·λ)), also after the schedule changed it."""
    rng = np.random.default_rng(3)
    layer = FakeLayer({"W": rng.standard_normal((4, 3))})
    tensor = torch.tensor(layer.params["W"].copy(), requires_grad=True)
    ours = getattr(optim, name)(**kwargs)
    theirs = getattr(torch.optim, name)([tensor], **kwargs)
    ours_schedule = optim.ExponentialDecay(ours, 0.5)
    theirs_schedule = torch.optim.lr_scheduler.ExponentialLR(theirs, 0.5)
    for _ in range(4):                                       # 4 epochs of 3 steps
        for _ in range(3):
            grad = rng.standard_normal((4, 3))
            layer.grads["W"], tensor.grad = grad, torch.tensor(grad.copy())
            ours.step(layer)
            theirs.step()
        ours_schedule.step()
        theirs_schedule.step()
    assert np.abs(layer.params["W"] - tensor.detach().numpy()).max() < TOL


def test_adamw_decays_weights_at_a_fixed_rate_without_gradient():
    """With a zero gradient Adam's step is 0, so AdamW only shrinks: θ_k = θ_0 (1 − lr·λ)^k."""
    layer = FakeLayer({"W": np.full((2, 2), 3.0)})
    opt = optim.AdamW(lr=0.1, weight_decay=0.5)
    for _ in range(5):
        opt.step(layer)
    np.testing.assert_allclose(layer.params["W"], 3.0 * 0.95 ** 5, rtol=1e-15)


def test_coupled_and_decoupled_decay_differ():
    """Adam divides the decay term by √v too; AdamW does not: different weights after a step."""
    rng = np.random.default_rng(0)
    w, g = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)) * 100
    after = {}
    for cls in (optim.Adam, optim.AdamW):
        layer = FakeLayer({"W": w.copy()})
        layer.grads["W"] = g
        cls(lr=0.01, weight_decay=0.1).step(layer)
        after[cls.__name__] = layer.params["W"]
    assert np.abs(after["Adam"] - after["AdamW"]).max() > 1e-4


def test_weight_decay_shrinks_the_weight_norm_in_training():
    """On the same data and seed, fit with AdamW(weight_decay) ends with smaller weights."""
    from edu_cnn import layers
    from edu_cnn.model import Sequential
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((64, 6)), rng.integers(0, 3, 64)
    norms = {}
    for wd in (0.0, 1.0):
        model = Sequential([layers.Dense(6, 16, rng=0), layers.ReLU(),
                            layers.Dense(16, 3, rng=1)]).astype("float64")
        model.fit(x, y, epochs=20, batch_size=16, optimizer=optim.AdamW(0.01, weight_decay=wd),
                  loss="cross_entropy", verbose=0)
        norms[wd] = np.sqrt(sum((layer.params["W"] ** 2).sum() for layer in model.layers
                                if "W" in layer.params))
    assert norms[1.0] < 0.8 * norms[0.0], norms


def test_adamw_by_name_repr_and_bad_values():
    assert optim.get(optim.AdamW()).weight_decay == 0.01        # by object (no name: explicit)
    assert repr(optim.AdamW()) == ("AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, "
                                   "weight_decay=0.01)")
    with pytest.raises(ValueError, match="AdamW: weight_decay must be >= 0"):
        optim.AdamW(weight_decay=-0.1)
    with pytest.raises(ValueError, match="AdamW: betas"):
        optim.AdamW(betas=(0.9,))
