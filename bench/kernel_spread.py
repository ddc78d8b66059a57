"""How far apart do CPU kernels take notebook 06's training, in float32 and in float64?

Trains notebook 06's CNN (10 epochs, Adam, 3,500 embedded digits, seed 0) once per
OpenBLAS core type and with 2 threads, each in a fresh process, and prints the
largest difference from the native single-thread run of every recorded number.
This is the measurement behind the notebooks' DTYPE = "float64".

    .venv/bin/python bench/kernel_spread.py [--dtypes float32 float64]
        [--cores SkylakeX Haswell Sandybridge Nehalem]      (~4 minutes on 2 cores)
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def train(dtype):
    """Notebook 06's run; every number it prints, at full precision."""
    from edu_cnn import data, layers, optim
    from edu_cnn.model import Sequential
    (x_all, y_all), (x_test, y_test) = data.load("mnist-subset")
    x_all, x_test = x_all.astype(dtype), x_test.astype(dtype)
    order = np.random.default_rng(0).permutation(len(x_all))
    x_val, y_val = x_all[order[:500]], y_all[order[:500]]
    x, y = x_all[order[500:]], y_all[order[500:]]
    rng = np.random.default_rng(0)
    model = Sequential([
        layers.Conv2D(1, 8, 5, padding="same", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Conv2D(8, 16, 5, padding="same", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Flatten(), layers.Dense(16 * 7 * 7, 64, rng=rng), layers.ReLU(),
        layers.Dropout(0.25, rng=rng), layers.Dense(64, 10, rng=rng)]).astype(dtype)
    opt = optim.Adam(lr=0.003)
    start = time.perf_counter()
    history = model.fit(x, y, epochs=10, batch_size=32, optimizer=opt, loss="cross_entropy",
                        validation_data=(x_val, y_val),
                        lr_schedule=optim.ExponentialDecay(opt, 0.75), seed=0, verbose=0)
    seconds = time.perf_counter() - start
    test_loss, test_acc = model.evaluate(x_test, y_test)
    return {"seconds": seconds, **history.history, "test_loss": [test_loss],
            "test_accuracy": [test_acc], "best_epoch": [history.best_epoch],
            "W1_range": [float(model.layers[0].params["W"].min()),
                         float(model.layers[0].params["W"].max())],
            "predictions": model.predict(x_test).argmax(axis=1).tolist()}


def run(dtype, core=None, threads=1):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    if core:
        env["OPENBLAS_CORETYPE"] = core
    out = subprocess.run([sys.executable, __file__, "--child", dtype], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    parser.add_argument("--cores", nargs="+", default=["Haswell", "Sandybridge", "Nehalem"])
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(train(np.dtype(args.child))))
        return
    for dtype in args.dtypes:
        native = run(dtype)
        others = {core: run(dtype, core) for core in args.cores}
        others["2 threads"] = run(dtype, threads=2)
        print(f"{dtype}: native run {native['seconds']:.1f} s; largest difference from it:")
        for key in native:
            if key in ("seconds", "predictions"):
                continue
            diff = max(np.max(np.abs(np.subtract(r[key], native[key]))) for r in others.values())
            print(f"  {key:<14} {diff:.1e}")
        changed = max(int(np.sum(np.not_equal(r["predictions"], native["predictions"])))
                      for r in others.values())
        print(f"  test predictions changed: at most {changed} of {len(native['predictions'])}")
        print("  seconds: " + ", ".join(f"{k} {r['seconds']:.1f}" for k, r in others.items()))


if __name__ == "__main__":
    main()
