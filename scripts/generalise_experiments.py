"""The experiments behind notebook 09's table: what augmentation, batch norm and weight decay buy.

Each configuration trains one CNN on all 4,000 embedded training digits
(``data.load("mnist-subset")``, float64, seeded) for a fixed number of epochs and
measures it once on the 1,000 embedded test digits. Nothing is chosen on the test
set: every configuration runs the same epochs and keeps its last weights.

    python scripts/generalise_experiments.py                      # everything (~15 min)
    python scripts/generalise_experiments.py --configs plain,all  # some, merged into the file
    python scripts/generalise_experiments.py --configs all --seeds 0

Results go to ``notebooks/results/09_generalise.json`` (one entry per
configuration and seed: test accuracy and loss, final training loss, seconds),
with each configuration's settings, the versions and the machine. The file is
merged, so the table can be computed in pieces. ``tests/test_generalise_results.py``
recomputes one entry from scratch and checks it is identical.
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import edu_cnn
from edu_cnn import data, layers, optim
from edu_cnn.data.augment import Augment
from edu_cnn.model import Sequential
from edu_cnn.training import fit

RESULTS = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "09_generalise.json"
SEEDS = (0, 1, 2)

AUGMENT = dict(shift=2, rotate=10, scale=0.1, elastic_alpha=16, elastic_sigma=4)
# name -> settings; all share the network shape, epochs and schedule (COMMON); n_train None
# means all 4,000 training digits, 500 the first 500 of them
CONFIGS = {
    "plain": dict(batchnorm=False, augment=None, weight_decay=0.0, n_train=None),
    "augmentation": dict(batchnorm=False, augment=AUGMENT, weight_decay=0.0, n_train=None),
    "augmentation + batch norm": dict(batchnorm=True, augment=AUGMENT, weight_decay=0.0,
                                      n_train=None),
    "all three": dict(batchnorm=True, augment=AUGMENT, weight_decay=0.05, n_train=None),
    "plain (500 digits)": dict(batchnorm=False, augment=None, weight_decay=0.0, n_train=500),
    "all three (500 digits)": dict(batchnorm=True, augment=AUGMENT, weight_decay=0.05,
                                  n_train=500),
}
RECIPE = "all three"
COMMON = dict(filters=(16, 32), kernel=3, hidden=128, dropout=0.25, epochs=30, batch_size=32,
              lr=0.003, gamma=0.9, dtype="float64")


def build(config, seed):
    """conv-[BN]-ReLU-pool ×2, dense-[BN]-ReLU-dropout, dense; for 1×28×28 digits."""
    rng = np.random.default_rng(seed)
    (f1, f2), k, hidden = COMMON["filters"], COMMON["kernel"], COMMON["hidden"]

    def block(c_in, c_out):
        conv = [layers.Conv2D(c_in, c_out, k, padding="same", rng=rng)]
        norm = [layers.BatchNorm2D(c_out)] if config["batchnorm"] else []
        return conv + norm + [layers.ReLU(), layers.MaxPool2D(2)]

    dense_norm = [layers.BatchNorm1D(hidden)] if config["batchnorm"] else []
    return Sequential(block(1, f1) + block(f1, f2) + [
        layers.Flatten(), layers.Dense(f2 * 7 * 7, hidden, rng=rng), *dense_norm,
        layers.ReLU(), layers.Dropout(COMMON["dropout"], rng=rng),
        layers.Dense(hidden, 10, rng=rng)]).astype(COMMON["dtype"])


def run(name, seed, digits=None):
    """Train configuration ``name`` with ``seed``; returns its JSON entry (a dict)."""
    config = CONFIGS[name]
    (x_train, y_train), (x_test, y_test) = digits or data.load("mnist-subset")
    x_train, x_test = x_train.astype(COMMON["dtype"]), x_test.astype(COMMON["dtype"])
    x_train, y_train = x_train[:config["n_train"]], y_train[:config["n_train"]]
    model = build(config, seed)
    opt = optim.AdamW(COMMON["lr"], weight_decay=config["weight_decay"])
    augment = Augment(**config["augment"], rng=seed) if config["augment"] else None
    start = time.perf_counter()
    history = fit(model, x_train, y_train, epochs=COMMON["epochs"],
                  batch_size=COMMON["batch_size"], optimizer=opt, loss="cross_entropy",
                  lr_schedule=optim.ExponentialDecay(opt, COMMON["gamma"]), seed=seed,
                  verbose=0, transform=augment)
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test)
    return {"config": name, "seed": seed, "test_accuracy": test_accuracy,
            "test_loss": test_loss, "train_loss": history.history["loss"][-1],
            "train_accuracy": history.history["accuracy"][-1], "seconds": round(seconds, 1)}


def _environment():
    return {"edu_cnn": edu_cnn.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "blas": edu_cnn.blas_info()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help="comma-separated names from: " + ", ".join(CONFIGS))
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.configs.split(",")]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; known: {list(CONFIGS)}")
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {"runs": []}
    digits = data.load("mnist-subset")
    for name in names:
        for seed in (int(s) for s in args.seeds.split(",")):
            entry = run(name, seed, digits)
            print(f"{name:<14} seed {seed}: test accuracy {entry['test_accuracy']:.2%}, "
                  f"{entry['seconds']:.0f} s", flush=True)
            results["runs"] = [r for r in results["runs"]
                               if (r["config"], r["seed"]) != (name, seed)] + [entry]
    results.update(configs=CONFIGS, common=COMMON, environment=_environment(),
                   command="python scripts/generalise_experiments.py")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=list) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
