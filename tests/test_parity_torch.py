"""Forward and backward parity with PyTorch for every layer and loss.

The same weights go into torch (conv: a copy, dense: a transpose), the same
input and the same upstream gradient dy; outputs, dx and every parameter
gradient are compared with ``gradcheck.rel_error`` (worst difference relative
to the largest entry): < 1e-6 in float64, < 1e-4 in float32.

Configurations are random but seeded (conv and pool: ``conv_cfg`` / ``pool_cfg``
from tests/conftest.py). ``python tests/test_parity_torch.py`` prints the worst
error measured per layer and dtype. The whole-network check (one training
step, every gradient and weight) is tests/test_train_step_vs_torch.py.
"""
import numpy as np
import pytest

from edu_cnn import layers, losses
from edu_cnn.gradcheck import rel_error

torch = pytest.importorskip("torch")
F = torch.nn.functional
pytestmark = pytest.mark.torch

TOL = {"float64": 1e-6, "float32": 1e-4}
DTYPES = ["float64", "float32"]
N_SMALL = 12


def torch_run(module_or_fn, x, dy, params=()):
    """Forward x through torch, backprop dy; return y, dx and the grads of ``params``."""
    xt = torch.tensor(x, requires_grad=True)
    y = module_or_fn(xt)
    y.backward(torch.tensor(dy))
    return y.detach().numpy(), xt.grad.numpy(), [p.grad.numpy() for p in params]


def ours_run(layer, x, dy):
    y = layer.forward(x, training=True)
    return y, layer.backward(dy)


def errors_of(pairs):
    """{name: rel_error(ours, theirs)} for name -> (ours, theirs)."""
    for name, (a, b) in pairs.items():
        assert np.shape(a) == np.shape(b), (name, np.shape(a), np.shape(b))
    return {name: rel_error(a, b) for name, (a, b) in pairs.items()}


def upstream(shape, dtype, seed):
    return np.random.default_rng(seed + 10_000).standard_normal(shape).astype(dtype)


# --------------------------------------------------------------------------- layers


def conv_errors(cfg, dtype, seed):
    layer = layers.Conv2D(cfg["C"], cfg["F"], cfg["kernel"], stride=cfg["stride"],
                          padding=cfg["padding"], dtype=dtype, rng=seed)
    layer.params["b"][:] = np.random.default_rng(seed).standard_normal(cfg["F"])
    x = np.random.default_rng(seed).standard_normal(
        (cfg["N"], cfg["C"], cfg["H"], cfg["W"])).astype(dtype)
    theirs = torch.nn.Conv2d(cfg["C"], cfg["F"], cfg["kernel"], stride=cfg["stride"],
                             padding=cfg["padding"], dtype=getattr(torch, dtype))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(layer.params["W"]))   # same layout: a copy
        theirs.bias.copy_(torch.tensor(layer.params["b"]))
    y, dx = ours_run(layer, x, upstream(layer.forward(x).shape, dtype, seed))
    ty, tdx, (tW, tb) = torch_run(theirs, x, upstream(y.shape, dtype, seed),
                                  [theirs.weight, theirs.bias])
    return errors_of({"y": (y, ty), "dx": (dx, tdx), "W": (layer.grads["W"], tW),
                      "b": (layer.grads["b"], tb)})


def pool_errors(kind, cfg, dtype, seed, x=None):
    make = {"max": layers.MaxPool2D, "avg": layers.AvgPool2D}[kind]
    fn = {"max": F.max_pool2d, "avg": F.avg_pool2d}[kind]
    layer = make(cfg["pool"], stride=cfg["stride"])
    if x is None:
        x = np.random.default_rng(seed).standard_normal(
            (cfg["N"], cfg["C"], cfg["H"], cfg["W"])).astype(dtype)
    stride = cfg["pool"] if cfg["stride"] is None else cfg["stride"]
    y, dx = ours_run(layer, x, upstream(layer.forward(x).shape, dtype, seed))
    ty, tdx, _ = torch_run(lambda t: fn(t, cfg["pool"], stride), x, upstream(y.shape, dtype, seed))
    return errors_of({"y": (y, ty), "dx": (dx, tdx)})


def dense_errors(i, dtype):
    r = np.random.default_rng(300 + i)
    N, D, K = (int(v) for v in r.integers(1, 9, 3))
    N = N % 4 + 1
    layer = layers.Dense(D, K, dtype=dtype, rng=i, init=["he_normal", "glorot_uniform"][i % 2])
    layer.params["b"][:] = r.standard_normal(K)
    x = r.standard_normal((N, D)).astype(dtype)
    theirs = torch.nn.Linear(D, K, dtype=getattr(torch, dtype))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(layer.params["W"].T))  # torch stores (out, in)
        theirs.bias.copy_(torch.tensor(layer.params["b"]))
    y, dx = ours_run(layer, x, upstream((N, K), dtype, i))
    ty, tdx, (tW, tb) = torch_run(theirs, x, upstream((N, K), dtype, i),
                                  [theirs.weight, theirs.bias])
    return errors_of({"y": (y, ty), "dx": (dx, tdx), "W": (layer.grads["W"], tW.T),
                      "b": (layer.grads["b"], tb)})


def random_shape(r):
    return tuple(int(s) for s in r.integers(1, 5, int(r.integers(2, 5))))


def activation_errors(name, i, dtype):
    r = np.random.default_rng(400 + i)
    alpha = float(r.uniform(0.01, 0.5))
    ours, theirs = {
        "ReLU": (layers.ReLU(), F.relu),
        "LeakyReLU": (layers.LeakyReLU(alpha), lambda t: F.leaky_relu(t, alpha)),
        "Sigmoid": (layers.Sigmoid(), torch.sigmoid),
        "Tanh": (layers.Tanh(), torch.tanh),
        "Flatten": (layers.Flatten(), lambda t: torch.flatten(t, 1)),
    }[name]
    x = (3 * r.standard_normal(random_shape(r))).astype(dtype)
    y, dx = ours_run(ours, x, upstream(ours.forward(x).shape, dtype, i))
    ty, tdx, _ = torch_run(theirs, x, upstream(y.shape, dtype, i))
    return errors_of({"y": (y, ty), "dx": (dx, tdx)})


def dropout_errors(i, dtype):
    """Masks come from different generators, so compare the rule, not the draw:
    kept units are x / (1 − p) in both, and eval mode is the identity in both."""
    r = np.random.default_rng(500 + i)
    rate = float(r.uniform(0.05, 0.9))
    x = (r.uniform(0.5, 2, (4, 64)) * r.choice([-1, 1], (4, 64))).astype(dtype)
    layer = layers.Dropout(rate, rng=i)
    y, dx = ours_run(layer, x, np.ones_like(x))
    torch.manual_seed(i)
    ty = F.dropout(torch.tensor(x), rate, training=True).numpy()
    kept, tkept = y != 0, ty != 0
    ev, tev = layer.forward(x, training=False), F.dropout(torch.tensor(x), rate, training=False)
    return errors_of({"y_kept": (y[kept], x[kept] / (1 - rate)),
                      "torch_kept": (ty[tkept], x[tkept] / (1 - rate)),
                      "dx": (dx, y / x), "eval": (ev, tev.numpy())})


# --------------------------------------------------------------------------- losses


def loss_errors(kind, i, dtype):
    r = np.random.default_rng(600 + i)
    N, K = int(r.integers(1, 9)), int(r.integers(2, 11))
    scale = [1.0, 5.0, 30.0, 1e3][i % 4]
    if kind == "cross_entropy":
        z, y = scale * r.standard_normal((N, K)), r.integers(0, K, N)
        ours = losses.SoftmaxCrossEntropy()

        def theirs(t):
            return F.cross_entropy(t, torch.tensor(y))
    elif kind == "bce":
        shape = [(N,), (N, 1)][i % 2]
        z, y = scale * r.standard_normal(shape), r.integers(0, 2, shape)
        ours = losses.BinaryCrossEntropy()

        def theirs(t):
            return F.binary_cross_entropy_with_logits(t, torch.tensor(y, dtype=t.dtype))
    else:
        z, y = r.standard_normal((N, K)), r.standard_normal((N, K))
        ours = losses.MeanSquaredError()

        def theirs(t):
            return F.mse_loss(t, torch.tensor(y, dtype=t.dtype))
    z = z.astype(dtype)
    value, grad = ours.forward(z, y), ours.backward()
    zt = torch.tensor(z, requires_grad=True)
    tvalue = theirs(zt)
    tvalue.backward()
    return errors_of({"loss": (value, tvalue.item()), "dlogits": (grad, zt.grad.numpy())})


# --------------------------------------------------------------------------- tests


CASES = [(name, i) for name in ("Dense", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Flatten",
                                "Dropout", "SoftmaxCrossEntropy", "BinaryCrossEntropy",
                                "MeanSquaredError") for i in range(N_SMALL)]


def case_errors(name, i, dtype):
    if name == "Dense":
        return dense_errors(i, dtype)
    if name == "Dropout":
        return dropout_errors(i, dtype)
    loss_kinds = {"SoftmaxCrossEntropy": "cross_entropy", "BinaryCrossEntropy": "bce",
                  "MeanSquaredError": "mse"}
    if name in loss_kinds:
        return loss_errors(loss_kinds[name], i, dtype)
    return activation_errors(name, i, dtype)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_parity(conv_cfg, dtype):
    errors = conv_errors(conv_cfg, dtype, seed=0)
    assert max(errors.values()) < TOL[dtype], errors


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_parity(pool_cfg, kind, dtype):
    errors = pool_errors(kind, pool_cfg, dtype, seed=0)
    assert max(errors.values()) < TOL[dtype], errors


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, i", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_parity(name, i, dtype):
    errors = case_errors(name, i, dtype)
    assert max(errors.values()) < TOL[dtype], errors


@pytest.mark.parametrize("dtype", DTYPES)
def test_maxpool_ties_follow_torch(pool_cfg, dtype):
    """Windows full of equal values (as after a ReLU): torch gives the gradient to the
    first maximum in row-major order, and so must we."""
    r = np.random.default_rng(700)
    shape = tuple(pool_cfg[k] for k in "NCHW")
    x = np.maximum(r.integers(-2, 2, shape), 0).astype(dtype)
    errors = pool_errors("max", pool_cfg, dtype, seed=0, x=x)
    assert max(errors.values()) < TOL[dtype], errors     # a wrongly routed tie costs ~1


def all_errors(dtype, conv_configs, pool_configs):
    """``(name, errors)`` for every configuration of every layer and loss."""
    for cfg in conv_configs:
        yield "Conv2D", conv_errors(cfg, dtype, seed=0)
    for kind in ("max", "avg"):
        for cfg in pool_configs:
            yield f"{kind.capitalize()}Pool2D", pool_errors(kind, cfg, dtype, seed=0)
    for name, i in CASES:
        yield name, case_errors(name, i, dtype)


if __name__ == "__main__":
    from conftest import CONV_CONFIGS, POOL_CONFIGS  # tests/ is sys.path[0] when run as a script

    table, counts = {}, {}
    for dtype in DTYPES:
        for name, errors in all_errors(dtype, CONV_CONFIGS, POOL_CONFIGS):
            table[name, dtype] = max(table.get((name, dtype), 0.0), *errors.values())
            counts[name] = counts.get(name, 0) + (dtype == DTYPES[0])
    print(f"{'layer / loss':22} {'configs':>7} {'float64':>10} {'float32':>10}")
    for name in counts:
        print(f"{name:22} {counts[name]:7d} {table[name, 'float64']:10.1e} "
              f"{table[name, 'float32']:10.1e}")
