"""How long does each interactive viewer take to answer a knob? (issue 5: < 0.3 s)

Usage:  python bench/widget_latency.py

Drives every viewer from Python on MNIST-size inputs, turning each knob a
few times, and prints the median and worst time from the change to the new
PNG being ready (the kernel's side; the browser adds a few ms to show it).
"""
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from edu_cnn import Sequential, layers, widgets  # noqa: E402
from edu_cnn.data import load_mnist  # noqa: E402


def timed(viewer, changes):
    """Apply each change (a callable) and collect viewer.last_latency after it."""
    times = []
    for change in changes:
        change()
        times.append(viewer.last_latency)
    return times


def cnn(rng):
    return Sequential([
        layers.Conv2D(1, 16, 3, padding=1, rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Conv2D(16, 32, 3, padding=1, rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Flatten(), layers.Dense(32 * 7 * 7, 10, rng=rng),
    ])


def main():
    (x, _), (x_test, y_test) = load_mnist()
    model = cnn(np.random.default_rng(0))
    kp = widgets.KernelPlayground(x[0])
    pp = widgets.PoolingPlayground(x[0])
    fe = widgets.FeatureMapExplorer(model, x_test[:50], y_test[:50])
    fv = widgets.FilterViewer(model)
    runs = {
        "KernelPlayground: kernel value": timed(kp, [lambda v=v: setattr(kp.cells[4], "value", v)
                                                     for v in (1.0, 2.0, 3.0, 4.0, 5.0)]),
        "KernelPlayground: stride": timed(kp, [lambda v=v: setattr(kp.stride, "value", v)
                                               for v in (2, 3, 1, 2, 1)]),
        "KernelPlayground: preset": timed(kp, [lambda v=v: setattr(kp.preset, "value", v)
                                               for v in ("box blur", "sharpen", "Laplacian")]),
        "PoolingPlayground: size/stride": timed(pp, [lambda v=v: setattr(pp.size, "value", v)
                                                     for v in (3, 4, 2, 3)]),
        "PoolingPlayground: mode": timed(pp, [lambda v=v: setattr(pp.mode, "value", v)
                                              for v in ("average", "max", "average")]),
        "FeatureMapExplorer: image": timed(fe, [lambda v=v: setattr(fe.index, "value", v)
                                                for v in (1, 2, 3, 4, 5)]),
        "FeatureMapExplorer: layer": timed(fe, [lambda v=v: setattr(fe.layer, "value", v)
                                                for v in fe.layer.options[1:]]),
        "FeatureMapExplorer: channel": timed(fe, [lambda v=v: setattr(fe.channel, "value", v)
                                                  for v in (0, 1, 2, "all")]),
        "FilterViewer: layer/channel": timed(fv, [
            lambda: setattr(fv.layer, "value", fv.layer.options[1]),
            lambda: setattr(fv.channel, "value", 3),
            lambda: setattr(fv.normalize, "value", "global")]),
    }
    print(f"{'viewer: knob':<36} {'median':>8} {'worst':>8}")
    for name, times in runs.items():
        print(f"{name:<36} {statistics.median(times) * 1e3:6.0f} ms {max(times) * 1e3:6.0f} ms")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"(total {time.perf_counter() - t0:.1f} s)")
