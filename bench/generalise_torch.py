"""PyTorch twin of notebook 09's recipe, for calibration: does PyTorch reach the same accuracy?

The network, settings and data are those of ``scripts/generalise_experiments.py``
(configuration ``--config``, default "all three"): the same edu_cnn network is built
from the same seed and handed to PyTorch with ``interop.to_torch`` (same initial
weights, BatchNorm and Dropout included), the same NumPy ``Augment`` transforms
every batch and the batches come in the same order; then PyTorch trains it
(``torch.optim.AdamW`` + ``ExponentialLR``, its own Dropout masks) and the test
accuracy on the 1,000 embedded digits is measured. Default float32, PyTorch's
usual precision (``--dtype float64`` for the library's).

    python bench/generalise_torch.py                        # 3 seeds, ~1-2 min
    python bench/generalise_torch.py --config plain --seeds 0 --dtype float64

Results: ``notebooks/results/09_generalise_torch.json`` (merged per config and dtype).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import generalise_experiments as recipe  # noqa: E402

from edu_cnn import data, interop  # noqa: E402
from edu_cnn.data import batch_indices  # noqa: E402
from edu_cnn.data.augment import Augment  # noqa: E402

OUT = ROOT / "notebooks" / "results" / "09_generalise_torch.json"


def run(name, seed, dtype, digits):
    """Train configuration ``name`` in PyTorch; returns its JSON entry."""
    config, common = recipe.CONFIGS[name], recipe.COMMON
    (x_train, y_train), (x_test, y_test) = digits
    torch.manual_seed(seed)
    net = interop.to_torch(recipe.build(config, seed).astype(dtype))
    opt = torch.optim.AdamW(net.parameters(), lr=common["lr"],
                            weight_decay=config["weight_decay"])
    schedule = torch.optim.lr_scheduler.ExponentialLR(opt, common["gamma"])
    augment = Augment(**config["augment"], rng=seed) if config["augment"] else None
    x_train, x_test = x_train.astype(dtype), x_test.astype(dtype)
    rng = np.random.default_rng(seed)                     # the same batch order as fit
    start = time.perf_counter()
    net.train()
    for _ in range(common["epochs"]):
        for idx in batch_indices(len(x_train), common["batch_size"],
                                 rng.permutation(len(x_train))):
            xb = x_train[idx] if augment is None else augment(x_train[idx])
            loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(xb)),
                                                     torch.from_numpy(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
        schedule.step()
    seconds = time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        logits = net(torch.from_numpy(x_test))
    accuracy = float((logits.argmax(1).numpy() == y_test).mean())
    return {"config": name, "seed": seed, "dtype": dtype, "test_accuracy": accuracy,
            "seconds": round(seconds, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="all three", choices=list(recipe.CONFIGS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    digits = data.load("mnist-subset")
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {"runs": []}
    for seed in (int(s) for s in args.seeds.split(",")):
        entry = run(args.config, seed, args.dtype, digits)
        print(f"torch {args.config} {args.dtype} seed {seed}: test accuracy "
              f"{entry['test_accuracy']:.2%}, {entry['seconds']:.0f} s", flush=True)
        results["runs"] = [r for r in results["runs"] if (r["config"], r["seed"], r["dtype"])
                           != (args.config, seed, args.dtype)] + [entry]
    results.update(torch=torch.__version__, threads=args.threads, common=recipe.COMMON,
                   cpu_count=os.cpu_count(), command="python bench/generalise_torch.py")
    out.write_text(json.dumps(results, indent=1, default=list) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
