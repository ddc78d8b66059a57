"""One edu_cnn training step at 1 and 2 BLAS threads, switched at run time.

The threads are set with ``edu_cnn.blas_threads`` (threadpoolctl) in the
running process, alternately, so both counts see the same machine load. Run
it on an idle machine and on a busy one (``--busy`` starts one CPU-bound
process per core for the duration):

    .venv/bin/python bench/blas_threads.py [--busy] [--repeats 15]

The network and batch are those of bench/train_speed.py (float32, batch 64).
"""
import argparse
import multiprocessing
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from train_speed import BATCH, build_edu, edu_runners, seconds_per_call  # noqa: E402

from edu_cnn import blas_info, blas_threads  # noqa: E402


def burn():
    while True:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--busy", action="store_true", help="load every core meanwhile")
    args = parser.parse_args()
    burners = [multiprocessing.Process(target=burn, daemon=True)
               for _ in range(os.cpu_count() if args.busy else 0)]
    for p in burners:
        p.start()
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=BATCH)
    train, _ = edu_runners(build_edu(), x, y)
    samples = {1: [], 2: []}
    try:
        for _ in range(3):
            train()
        for _ in range(args.repeats):
            for n in samples:
                with blas_threads(n):
                    samples[n].append(seconds_per_call(train, args.steps))
    finally:
        for p in burners:
            p.terminate()
    print(f"BLAS {[(b['name'], b['kernel']) for b in blas_info()]}, batch {BATCH}, "
          f"{'busy (one CPU-bound process per core)' if args.busy else 'idle'} machine, "
          f"median of {args.repeats} × {args.steps} steps")
    for n, s in samples.items():
        print(f"  {n} BLAS thread{'s' if n > 1 else ''}: {np.median(s) * 1000:7.1f} ms per step")


if __name__ == "__main__":
    main()
