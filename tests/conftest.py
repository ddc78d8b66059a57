"""What the test files share: seeded random conv/pool configurations and PyTorch.

- A test with an argument ``conv_cfg`` (``pool_cfg``) runs once per entry of
  ``CONV_CONFIGS`` (``POOL_CONFIGS``): seeded random configurations plus
  hand-picked edge cases. The fixtures ``random_conv_configs`` /
  ``random_pool_configs`` give the random part, to test what it covers.
- ``torch`` (fixture): PyTorch, or a skip where it is not installed. Mark every
  test that needs it ``@pytest.mark.torch`` (a module: ``pytestmark``), so that
  ``pytest -m "not torch"`` runs everything else in an environment without torch.
- "Close" means ``edu_cnn.gradcheck.rel_error`` (worst difference relative to
  the largest entry); tests import it from there, there is no second copy.

The session-wide rules (figures folder, clean working tree, markers) are in the
conftest.py at the top of the repository.
"""
import numpy as np
import pytest

# The fixtures of data_helpers.py (``server``, ``offline_sandbox``) for every test
# module, without importing them there (tests/ is on sys.path: pytest's default
# "prepend" import mode puts this conftest's folder there).
pytest_plugins = ["data_helpers"]


def conv_config(i):
    """Random conv: batch 1–4, channels 1–4, kernel 1–5, stride 1–3, padding 0–2/pair/same/valid."""
    r = np.random.default_rng(100 + i)
    kh, kw = r.integers(1, 6, 2)
    kind = ["int", "int", "pair", "same", "valid"][i % 5]
    stride = (1, 1) if kind == "same" else tuple(int(s) for s in r.integers(1, 4, 2))
    padding = {"int": int(r.integers(0, 3)), "pair": tuple(int(p) for p in r.integers(0, 3, 2)),
               "same": "same", "valid": "valid"}[kind]
    pad_h, pad_w = (0, 0) if isinstance(padding, str) else np.broadcast_to(padding, 2)
    H = int(r.integers(max(1, kh - 2 * pad_h), 10))
    W = int(r.integers(max(1, kw - 2 * pad_w), 10))
    if H == W:
        W += 1                                                  # non-square inputs
    return dict(N=int(r.integers(1, 5)), C=int(r.integers(1, 5)), F=int(r.integers(1, 5)),
                kernel=(int(kh), int(kw)), stride=stride, padding=padding, H=H, W=W)


def pool_config(i):
    """Random pool: window 1–4, stride None (= window), smaller (overlapping) or larger."""
    r = np.random.default_rng(200 + i)
    ph, pw = (int(p) for p in r.integers(1, 5, 2))
    stride = [None, (1, 1), (int(r.integers(1, ph + 1)), int(r.integers(1, pw + 1))),
              int(r.integers(1, 4))][i % 4]
    H, W = ph + int(r.integers(0, 6)), pw + int(r.integers(0, 6)) + 1
    return dict(N=int(r.integers(1, 5)), C=int(r.integers(1, 5)), pool=(ph, pw),
                stride=stride, H=H, W=W)


N_RANDOM_CONV, N_RANDOM_POOL = 40, 30
CONV_CONFIGS = [conv_config(i) for i in range(N_RANDOM_CONV)] + [
    dict(N=1, C=1, F=1, H=1, W=1, kernel=1, stride=1, padding=0),        # 1×1 input
    dict(N=2, C=3, F=2, H=1, W=1, kernel=3, stride=1, padding=1),        # 1×1 input, padded
    dict(N=1, C=2, F=3, H=1, W=1, kernel=3, stride=1, padding="same"),   # 1×1 input, same
    dict(N=3, C=2, F=4, H=8, W=7, kernel=1, stride=3, padding=0),        # stride > kernel
    dict(N=2, C=1, F=2, H=9, W=9, kernel=2, stride=3, padding=(1, 0)),   # stride > kernel
    dict(N=1, C=3, F=2, H=6, W=5, kernel=(2, 4), stride=1, padding="same"),  # even kernels
    dict(N=2, C=2, F=3, H=5, W=8, kernel=4, stride=1, padding="same"),
    dict(N=1, C=1, F=8, H=28, W=28, kernel=3, stride=1, padding=1),      # the benchmark's conv
    dict(N=4, C=4, F=4, H=4, W=9, kernel=(4, 5), stride=(2, 1), padding="valid"),
]
POOL_CONFIGS = [pool_config(i) for i in range(N_RANDOM_POOL)] + [
    dict(N=1, C=1, H=1, W=1, pool=1, stride=None),        # 1×1 input
    dict(N=2, C=3, H=7, W=5, pool=3, stride=1),           # overlapping
    dict(N=2, C=2, H=9, W=8, pool=(3, 2), stride=(2, 1)),  # overlapping, non-square
    dict(N=1, C=2, H=8, W=8, pool=2, stride=3),           # stride > pool
    dict(N=3, C=1, H=7, W=9, pool=2, stride=None),        # odd size: last row/col unused
    dict(N=1, C=4, H=4, W=4, pool=4, stride=None),        # window = whole image
]


def config_id(cfg):
    """A test id such as ``N2-C3-F1-H5-W6-kernel(3,3)-stride(1,1)-padding'same'``."""
    return "-".join(f"{k}{v!r}" if isinstance(v, str) else f"{k}{v}"
                    for k, v in cfg.items()).replace(" ", "")


def pytest_generate_tests(metafunc):
    if "conv_cfg" in metafunc.fixturenames:
        metafunc.parametrize("conv_cfg", CONV_CONFIGS, ids=config_id)
    if "pool_cfg" in metafunc.fixturenames:
        metafunc.parametrize("pool_cfg", POOL_CONFIGS, ids=config_id)


@pytest.fixture
def random_conv_configs():
    """The random part of CONV_CONFIGS (for tests of what the generator covers)."""
    return CONV_CONFIGS[:N_RANDOM_CONV]


@pytest.fixture
def random_pool_configs():
    """The random part of POOL_CONFIGS."""
    return POOL_CONFIGS[:N_RANDOM_POOL]


@pytest.fixture
def torch():
    """PyTorch, or a skip where it is not installed (mark the test ``torch`` too)."""
    return pytest.importorskip("torch")


# The slide decks and the website, built once per session (test_slides_build/book/browser_offline).
pytest_plugins = [*pytest_plugins, "build_helpers"]

# The portability runs start in the background when collection ends (tests/portability.py).
pytest_plugins = [*pytest_plugins, "portability"]
