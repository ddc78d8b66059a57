"""Training and inference speed of one small CNN: edu_cnn (NumPy) vs PyTorch CPU.

    Conv 8@3×3 pad 1 → ReLU → MaxPool 2 → Conv 16@3×3 pad 1 → ReLU → MaxPool 2
    → Flatten → Dense 128 → ReLU → Dense 10, softmax cross-entropy, SGD

Both networks start from the same weights and see the same batches (float32,
batch 64, random 28×28 images; speed does not depend on the pixel values).
PyTorch runs with 2 threads, NumPy with its default BLAS threads (2 cores);
``--threads N`` sets both (edu_cnn through ``edu_cnn.set_blas_threads``).
The two frameworks are timed in alternation, repeat by repeat, so that both
see the same machine load; each figure is the median over the repeats.

Run:  .venv/bin/python bench/train_speed.py [--repeats 15] [--steps 10] [--torch-threads 2]
      .venv/bin/python bench/train_speed.py --threads 1       # both frameworks on one thread
"""
import argparse
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from edu_cnn import blas_info, layers, losses, optim, set_blas_threads  # noqa: E402
from edu_cnn.model import Sequential  # noqa: E402

BATCH, LR = 64, 0.01


def build_edu(seed=0):
    """The benchmark network as an edu_cnn Sequential (float32 parameters)."""
    rng = np.random.default_rng(seed)
    return Sequential([
        layers.Conv2D(1, 8, 3, padding=1, rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Conv2D(8, 16, 3, padding=1, rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Flatten(), layers.Dense(16 * 7 * 7, 128, rng=rng), layers.ReLU(),
        layers.Dense(128, 10, rng=rng),
    ])


def build_torch(edu_net):
    """The same network in PyTorch, with a copy of edu_net's weights (dense W transposed)."""
    import torch
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    trained = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    ours = [layer for layer in edu_net.layers if layer.params]
    with torch.no_grad():
        for mod, layer in zip(trained, ours):
            W = layer.params["W"]
            mod.weight.copy_(torch.from_numpy(W.T.copy() if W.ndim == 2 else W))
            mod.bias.copy_(torch.from_numpy(layer.params["b"]))
    return net


def edu_runners(net, x, y):
    """(train_step, infer) closures for edu_cnn; train_step returns the loss."""
    loss, opt = losses.SoftmaxCrossEntropy(), optim.SGD(lr=LR)

    def train_step():
        value = loss.forward(net.forward(x, training=True), y)
        net.backward(loss.backward())
        opt.step(net)
        return value

    return train_step, lambda: net.forward(x, training=False)


def torch_runners(net, x, y):
    """(train_step, infer) closures for PyTorch; train_step returns the loss."""
    import torch
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss, opt = torch.nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=LR)

    def train_step():
        opt.zero_grad()
        value = loss(net(xt), yt)
        value.backward()
        opt.step()
        return value.item()

    def infer():
        with torch.no_grad():
            return net(xt)

    return train_step, infer


def seconds_per_call(fn, steps):
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


def time_alternating(runners, repeats, steps, warmup=5):
    """Median seconds per call of each runner; runners take turns, repeat by repeat."""
    for fn in runners.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            samples[name].append(seconds_per_call(fn, steps))
    return {name: float(np.median(s)) for name, s in samples.items()}


def traced_peak_mb(fn):
    """Peak of Python/NumPy allocations during one call of fn (tracemalloc), in MB."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=10, help="calls per timed repeat")
    parser.add_argument("--torch-threads", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both: NumPy's BLAS and PyTorch")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(args.threads or args.torch_threads)
    if args.threads:
        set_blas_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=BATCH)
    edu_net = build_edu()
    torch_net = build_torch(edu_net)
    edu_train, edu_infer = edu_runners(edu_net, x, y)
    torch_train, torch_infer = torch_runners(torch_net, x, y)
    first = edu_train(), torch_train()

    times = time_alternating({"edu train": edu_train, "torch train": torch_train,
                              "edu infer": edu_infer, "torch infer": torch_infer},
                             args.repeats, args.steps)
    ips = {name: BATCH / t for name, t in times.items()}
    print(f"batch {BATCH}, float32, torch {torch.__version__} with "
          f"{torch.get_num_threads()} threads, numpy {np.__version__} with BLAS "
          f"{[(b['name'], b['kernel'], b['threads']) for b in blas_info()]}, "
          f"{args.repeats} repeats × {args.steps} calls, median; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"first-step loss: edu_cnn {first[0]:.6f}, torch {first[1]:.6f}")
    print(f"{'':10s}{'edu_cnn img/s':>15s}{'torch img/s':>14s}{'ratio':>8s}")
    for what in ("train", "infer"):
        ours, theirs = ips[f"edu {what}"], ips[f"torch {what}"]
        print(f"{what:10s}{ours:15,.0f}{theirs:14,.0f}{ours / theirs:8.2f}×")
    print(f"peak memory, tracemalloc (NumPy allocations of edu_cnn): "
          f"train step {traced_peak_mb(edu_train):.1f} MB, "
          f"inference {traced_peak_mb(edu_infer):.1f} MB")
    print(f"peak memory, getrusage ru_maxrss (whole process, both frameworks): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
