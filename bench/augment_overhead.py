"""What data augmentation costs per epoch: fit with and without ``transform=Augment(...)``.

Two networks, float64, the 4,000 embedded training digits (``--n`` fewer), batch 32: notebook
06's CNN and notebook 09's recipe (``scripts/generalise_experiments.py``). The two settings are
timed in alternation, ``--repeats`` times each, so that both see the same machine load; the
figure reported is the best (least disturbed) epoch of each.

    python bench/augment_overhead.py              # ~1 min
    python bench/augment_overhead.py --n 1000 --repeats 5
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import generalise_experiments as recipe  # noqa: E402

from edu_cnn import data, layers, optim  # noqa: E402
from edu_cnn.data.augment import Augment  # noqa: E402
from edu_cnn.model import Sequential  # noqa: E402
from edu_cnn.training import fit  # noqa: E402


def cnn06():
    rng = np.random.default_rng(0)
    return Sequential([
        layers.Conv2D(1, 8, 5, padding="same", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Conv2D(8, 16, 5, padding="same", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Flatten(), layers.Dense(784, 64, rng=rng), layers.ReLU(),
        layers.Dropout(0.25, rng=rng), layers.Dense(64, 10, rng=rng)]).astype("float64")


NETS = {"06 CNN": cnn06, "09 recipe": lambda: recipe.build(recipe.CONFIGS["all three"], 0)}


def epoch_seconds(build, x, y, transform):
    model = build()
    start = time.perf_counter()
    fit(model, x, y, epochs=1, batch_size=32, optimizer=optim.AdamW(1e-3), loss="cross_entropy",
        verbose=0, transform=transform)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    (x, y), _ = data.load("mnist-subset")
    x, y = x[:args.n].astype("float64"), y[:args.n]
    print(f"{'network':<10} {'plain epoch':>12} {'augmented':>10} {'overhead':>9}")
    for name, build in NETS.items():
        plain, augmented = [], []
        for _ in range(args.repeats):
            plain.append(epoch_seconds(build, x, y, None))
            augmented.append(epoch_seconds(build, x, y, Augment(**recipe.AUGMENT, rng=0)))
        print(f"{name:<10} {min(plain):>10.2f} s {min(augmented):>8.2f} s "
              f"{min(augmented) / min(plain) - 1:>+8.1%}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
