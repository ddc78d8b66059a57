"""Training and inference speed of four CNNs: edu_cnn (NumPy) vs PyTorch CPU.

    mnist   Conv 8@3×3 pad 1 → ReLU → MaxPool 2 → Conv 16@3×3 pad 1 → ReLU → MaxPool 2
            → Flatten → Dense 784→128 → ReLU → Dense 10                      (1×28×28)
    cifar   Conv 32@3×3 pad 1 → ReLU → MaxPool 2 → Conv 64@3×3 pad 1 → ReLU → MaxPool 2
            → Flatten → Dense 4096→256 → ReLU → Dense 10                     (3×32×32)
    net_a   the 5,549,162-parameter reference net of the summary tests       (1×28×28)
    net_b   the 11,087,498-parameter reference net of the summary tests      (1×28×28)

Softmax cross-entropy, SGD (lr 0.001), float32, batch 64, random images (speed
does not depend on the pixel values). Both networks start from the same
weights (``edu_cnn.interop.to_torch``). A training step is forward + loss +
backward + SGD update; inference is one forward pass (``training=False`` /
``torch.no_grad()``).

Each run sets both frameworks to the same thread count: ``torch.set_num_threads``
and ``edu_cnn.set_blas_threads`` (NumPy's BLAS and edu_cnn's own threads);
``--threads 0`` keeps edu_cnn's default (one BLAS thread, kernels on every core). The
two are timed in alternation, repeat by repeat, so that both see the same
machine load; each figure is the median over the repeats. Every (net, threads)
run is a fresh process, so that its peak memory is its own.

Both frameworks use the same instruction set: OpenBLAS picks its kernels by CPU
(or by ``$OPENBLAS_CORETYPE``: a machine may force ``Haswell``, AVX2, on an AVX-512
CPU), while PyTorch's own kernels take the CPU's best. Each run therefore caps
PyTorch to the instruction set of NumPy's OpenBLAS kernel, with the variables the
portability tests use (tests/portability.py); ``--torch-native`` leaves it uncapped.

Run:  .venv/bin/python bench/train_speed.py                    # all four nets, 1 and 2 threads
      .venv/bin/python bench/train_speed.py --net cifar --threads 2 [--repeats 15 --steps 10]
      OPENBLAS_CORETYPE=SkylakeX .venv/bin/python bench/train_speed.py   # AVX-512, both sides
"""
import argparse
import os
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
sys.path.insert(1, os.path.join(ROOT, "tests"))

from portability import X86_CORES  # noqa: E402

from edu_cnn import blas_info, layers, losses, optim, set_blas_threads  # noqa: E402
from edu_cnn.model import Sequential  # noqa: E402
from edu_cnn.threads import kernel_threads  # noqa: E402

BATCH, LR = 64, 0.001        # small enough that the nets never diverge on one batch
L = layers


def mnist_net(rng):
    return [L.Conv2D(1, 8, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
            L.Conv2D(8, 16, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
            L.Flatten(), L.Dense(16 * 7 * 7, 128, rng=rng), L.ReLU(), L.Dense(128, 10, rng=rng)]


def cifar_net(rng):
    return [L.Conv2D(3, 32, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
            L.Conv2D(32, 64, 3, padding=1, rng=rng), L.ReLU(), L.MaxPool2D(2),
            L.Flatten(), L.Dense(64 * 8 * 8, 256, rng=rng), L.ReLU(), L.Dense(256, 10, rng=rng)]


def reference_net_a(rng):      # = tests/test_model.py::reference_net_a (5,549,162 parameters)
    return [L.Conv2D(1, 64, 2, padding="same", rng=rng), L.MaxPool2D(2, stride=1),
            L.Dropout(0.25, rng=rng),
            L.Conv2D(64, 32, 2, padding="same", rng=rng), L.MaxPool2D(2, stride=1),
            L.Dropout(0.25, rng=rng),
            L.Flatten(), L.Dense(32 * 26 * 26, 256, rng=rng), L.Dropout(0.5, rng=rng),
            L.Dense(256, 10, rng=rng)]


def reference_net_b(rng):      # = tests/test_model.py::reference_net_b (11,087,498 parameters)
    return [L.Conv2D(1, 64, 3, padding="valid", rng=rng), L.MaxPool2D(2), L.ReLU(),
            L.Flatten(), L.Dense(64 * 13 * 13, 1024, rng=rng), L.ReLU(),
            L.Dense(1024, 10, rng=rng)]


NETS = {"mnist": (mnist_net, (1, 28, 28)), "cifar": (cifar_net, (3, 32, 32)),
        "net_a": (reference_net_a, (1, 28, 28)), "net_b": (reference_net_b, (1, 28, 28))}


def build(name, seed=0):
    """(edu_cnn Sequential, torch copy with the same weights, x, y) for one of NETS."""
    from edu_cnn import interop
    make, input_shape = NETS[name]
    rng = np.random.default_rng(seed)
    net = Sequential(make(rng))
    x = rng.random((BATCH,) + input_shape, dtype=np.float32)
    y = rng.integers(0, 10, size=BATCH)
    return net, interop.to_torch(net), x, y


def edu_runners(net, x, y):
    """(train_step, infer) closures for edu_cnn; train_step returns the loss."""
    loss, opt = losses.SoftmaxCrossEntropy(), optim.SGD(lr=LR)

    def train_step():
        value = loss.forward(net.forward(x, training=True), y)
        net.backward(loss.backward(), input_grad=False)     # as fit does: no dL/dx of x
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
        value = loss(net.train()(xt), yt)
        value.backward()
        opt.step()
        return value.item()

    def infer():
        with torch.no_grad():
            return net.eval()(xt)

    return train_step, infer


def seconds_per_call(fn, steps):
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


def time_alternating(runners, repeats, steps, warmup=3):
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


def run(name, threads, repeats, steps):
    """Time one net at one thread count in this process; returns a dict of figures."""
    import torch
    torch.set_num_threads(threads or kernel_threads())
    if threads:                                   # 0: edu_cnn's default (threads.py)
        set_blas_threads(threads)
    net, torch_net, x, y = build(name)
    edu_train, edu_infer = edu_runners(net, x, y)
    torch_train, torch_infer = torch_runners(torch_net, x, y)
    first = edu_train(), torch_train()
    load_before = os.getloadavg()[0]
    times = time_alternating({"edu train": edu_train, "torch train": torch_train,
                              "edu infer": edu_infer, "torch infer": torch_infer},
                             repeats, steps)
    figures = {key: BATCH / t for key, t in times.items()}
    figures.update(net=name, threads=threads, load=max(load_before, os.getloadavg()[0]),
                   loss_edu=first[0], loss_torch=first[1],   # net_a: dropout draws differ
                   same_start=name != "net_a",
                   edu_train_mb=traced_peak_mb(edu_train), edu_infer_mb=traced_peak_mb(edu_infer),
                   maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


HEADER = ("| net | threads | load | edu_cnn train img/s | torch train img/s | train ratio "
          "| edu_cnn infer img/s | torch infer img/s | infer ratio | edu_cnn peak MB "
          "(train / infer) | process peak MB |")


def table_row(f):
    return (f"| {f['net']} | {f['threads']} | {f['load']:.2f} | {f['edu train']:,.0f} "
            f"| {f['torch train']:,.0f} | {f['edu train'] / f['torch train']:.2f}× "
            f"| {f['edu infer']:,.0f} | {f['torch infer']:,.0f} "
            f"| {f['edu infer'] / f['torch infer']:.2f}× "
            f"| {f['edu_train_mb']:.0f} / {f['edu_infer_mb']:.0f} | {f['maxrss_mb']:.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--net", choices=list(NETS), action="append",
                        help="one of the nets (repeatable); default: all four")
    parser.add_argument("--threads", type=int, action="append",
                        help="thread count for both frameworks (repeatable; 0: edu_cnn's "
                             "default, torch on every core); default: 1 and 2")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--steps", type=int, default=5, help="calls per timed repeat")
    parser.add_argument("--torch-native", action="store_true",
                        help="let PyTorch use the CPU's best instruction set")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    nets, thread_counts = args.net or list(NETS), args.threads or [1, 2]
    if args.child:                                  # one run, its figures as a Python literal
        print(repr(run(nets[0], thread_counts[0], args.repeats, args.steps)))
        return
    import torch
    kernels = [b["kernel"] for b in blas_info() if b["name"] == "openblas"]
    caps = {} if args.torch_native or not kernels else X86_CORES.get(kernels[0], {})
    env = {**os.environ, **caps}
    torch_isa = subprocess.run([sys.executable, "-c", "import torch; print(torch.backends.cpu."
                                "get_cpu_capability())"], env=env, capture_output=True,
                               text=True, check=True).stdout.strip()
    blas = [(b["name"], b["version"], b["kernel"]) for b in blas_info()]
    print(f"batch {BATCH}, float32, torch {torch.__version__} (kernels: {torch_isa}), numpy "
          f"{np.__version__}, BLAS {blas}; "
          f"{args.repeats} repeats × {args.steps} calls, median; load = 1-minute load "
          f"average (max of start and end); edu_cnn peak = tracemalloc of one call")
    print(HEADER)
    print("|---" * HEADER.count(" | ") + "|---|")
    for name in nets:
        for threads in thread_counts:
            out = subprocess.run([sys.executable, __file__, "--child", "--net", name,
                                  "--threads", str(threads), "--repeats", str(args.repeats),
                                  "--steps", str(args.steps)],
                                 capture_output=True, text=True, env=env)
            if out.returncode:
                sys.exit(f"{name} at {threads} threads failed:\n{out.stderr}")
            figures = eval(out.stdout.strip().splitlines()[-1])   # our own repr of a dict
            print(table_row(figures), flush=True)
            if figures["same_start"] and abs(figures["loss_edu"] - figures["loss_torch"]) > 1e-4:
                print(f"  first-step losses differ: edu_cnn {figures['loss_edu']:.6f}, "
                      f"torch {figures['loss_torch']:.6f}")


if __name__ == "__main__":
    main()
