"""Where one edu_cnn training step spends its time: each layer timed inside whole steps.

``layer_profile.py`` times every layer alone, on the same input every call
(warm caches). Here every layer's forward and backward are timed inside
complete training steps (fresh arrays, caches as a real step leaves them);
median over the steps, in ms. The step is the one ``fit`` runs: forward,
loss, backward (``input_grad=False`` where the version has it), SGD.

``--before REV`` also loads edu_cnn as it was at git revision REV (``git
archive`` into a temporary folder, imported as ``edu_cnn_before``) and runs
the two versions in alternation, step by step, on the same weights and
batch, so that both see the same machine load: a before/after table per op.

Run:  .venv/bin/python bench/step_profile.py [--net cifar] [--threads 1] [--before 67836f6]
"""
import argparse
import importlib
import inspect
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from train_speed import LR, NETS, build  # noqa: E402

import edu_cnn  # noqa: E402


def load_version(rev, folder):
    """edu_cnn as at git revision ``rev``, imported as the package ``edu_cnn_before``."""
    archive = subprocess.run(["git", "-C", os.path.dirname(HERE), "archive", rev, "edu_cnn"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    os.rename(os.path.join(folder, "edu_cnn"), os.path.join(folder, "edu_cnn_before"))
    sys.path.insert(0, folder)
    return importlib.import_module("edu_cnn_before")


def timed(samples, key, fn):
    """fn, recording the seconds of each call in samples[key]."""
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        samples.setdefault(key, []).append(time.perf_counter() - start)
        return result
    return wrapper


def instrumented_step(package, net, x, y, samples):
    """A training step of ``net`` (built by ``package``), each layer's calls timed."""
    loss, opt = package.losses.SoftmaxCrossEntropy(), package.optim.SGD(lr=LR)
    for layer in net.layers:
        layer.forward = timed(samples, (layer.name, "fwd"), layer.forward)
        layer.backward = timed(samples, (layer.name, "bwd"), layer.backward)
    skip_dx = "input_grad" in inspect.signature(net.backward).parameters

    def step():
        loss.forward(net.forward(x, training=True), y)
        if skip_dx:
            net.backward(loss.backward(), input_grad=False)
        else:
            net.backward(loss.backward())
        opt.step(net)

    return timed(samples, ("step", ""), step)


def profile(name, threads, steps, before=None):
    """{version: {(layer, "fwd"/"bwd") or ("step", ""): median ms}} for net ``name``."""
    packages = {"after": edu_cnn} if before is None else {"before": before, "after": edu_cnn}
    net, _, x, y = build(name)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "net.npz")
        net.save(path)
        samples = {version: {} for version in packages}
        steps_of = {version: instrumented_step(pkg, pkg.Sequential.load(path), x, y,
                                                samples[version])
                    for version, pkg in packages.items()}
    for pkg in packages.values():
        pkg.set_blas_threads(threads)
    for _ in range(3):
        for step in steps_of.values():
            step()
    for s in samples.values():
        s.clear()
    for _ in range(steps):
        for step in steps_of.values():
            step()
    return {version: {key: float(np.median(v)) * 1e3 for key, v in s.items()}
            for version, s in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--net", choices=list(NETS), default="cifar")
    parser.add_argument("--before", metavar="REV", help="git revision to compare with")
    for option, default in (("--threads", 1), ("--steps", 30)):
        parser.add_argument(option, type=int, default=default)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        before = load_version(args.before, folder) if args.before else None
        ms = profile(args.net, args.threads, args.steps, before)
    versions = list(ms)
    print(f"{args.net}, {args.threads} thread(s), ms per call inside training steps (median "
          f"of {args.steps}{', versions alternating' if before else ''}), load average "
          f"{load:.2f} -> {os.getloadavg()[0]:.2f}")
    heads = [f"{v} {d}" for d in ("fwd", "bwd") for v in versions]
    print("| layer | " + " | ".join(heads) + " |")
    print("|---" * (len(heads) + 1) + "|")
    layer_names = list(dict.fromkeys(k[0] for k in ms["after"] if k[0] != "step"))
    for layer in layer_names:
        cells = [ms[v].get((layer, d)) for d in ("fwd", "bwd") for v in versions]
        print(f"| {layer} | " + " | ".join("—" if c is None else f"{c:.2f}" for c in cells)
              + " |")
    print("| whole step | " + " | ".join(f"{ms[v][('step', '')]:.2f}" for v in versions)
          + " |")


if __name__ == "__main__":
    main()
