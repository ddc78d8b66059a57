"""Training steps at different thread settings, switched at run time in one process.

A setting is (BLAS threads, edu_cnn threads): NumPy's BLAS runs the Dense
layers' products, edu_cnn's threads the chunks of the convolution and pooling
kernels (``edu_cnn.threads``). ``edu_cnn.set_blas_threads(n)`` sets both to n;
here they are also set apart, to see which one matters. The settings take
turns, repeat by repeat, so all see the same machine load. Run it on an idle
machine and on a busy one (``--busy`` starts one CPU-bound process per core
for the duration):

    .venv/bin/python bench/blas_threads.py [--busy] [--net cifar] [--repeats 9]

The nets and batch are those of bench/train_speed.py (float32, batch 64).
"""
import argparse
import contextlib
import multiprocessing
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from train_speed import NETS, build, edu_runners, seconds_per_call  # noqa: E402

from edu_cnn import blas_info, blas_threads, threads  # noqa: E402

SETTINGS = [(1, 1), (1, 2), (2, 2), (2, 1)]      # (BLAS threads, edu_cnn threads)


def burn():
    while True:
        pass


@contextlib.contextmanager
def setting(n_blas, n_edu):
    with blas_threads(n_blas):
        threads._set_kernel_threads(n_edu)          # blas_threads restores it afterwards
        yield


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--net", choices=list(NETS), action="append")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--busy", action="store_true", help="load every core meanwhile")
    args = parser.parse_args()
    burners = [multiprocessing.Process(target=burn, daemon=True)
               for _ in range(os.cpu_count() if args.busy else 0)]
    for p in burners:
        p.start()
    results = {}
    try:
        for name in args.net or ["mnist", "cifar", "net_b"]:
            net, _, x, y = build(name)
            train, _ = edu_runners(net, x, y)
            samples = {s: [] for s in SETTINGS}
            for s in SETTINGS:
                with setting(*s):
                    train()
            for _ in range(args.repeats):
                for s in SETTINGS:
                    with setting(*s):
                        samples[s].append(seconds_per_call(train, args.steps))
            results[name] = {s: np.median(v) * 1000 for s, v in samples.items()}
    finally:
        for p in burners:
            p.terminate()
    print(f"BLAS {[(b['name'], b['kernel']) for b in blas_info()]}, batch 64, "
          f"{'busy (one CPU-bound process per core)' if args.busy else 'no extra load'}, "
          f"load average {os.getloadavg()[0]:.2f}, median of {args.repeats} × {args.steps} "
          f"steps, ms per training step")
    print("| net | " + " | ".join(f"BLAS {b}, edu_cnn {e}" for b, e in SETTINGS) + " |")
    print("|---" * (len(SETTINGS) + 1) + "|")
    for name, ms in results.items():
        print(f"| {name} | " + " | ".join(f"{ms[s]:.1f}" for s in SETTINGS) + " |")


if __name__ == "__main__":
    main()
