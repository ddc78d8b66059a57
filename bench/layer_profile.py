"""Per-layer forward and backward times of one net of train_speed.py: edu_cnn vs PyTorch.

Every layer is timed on its own, with the input the net gives it (batch 64,
float32), forward (training mode) and backward, edu_cnn and PyTorch in
alternation, repeat by repeat; each figure is the median, in ms.

Run:  .venv/bin/python bench/layer_profile.py [--net cifar] [--threads 1] [--repeats 15]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from train_speed import NETS, build, time_alternating  # noqa: E402

from edu_cnn import set_blas_threads  # noqa: E402


def layer_runners(net, torch_net, x):
    """[(name, {"edu fwd", "edu bwd", "torch fwd", "torch bwd": closure})] per edu layer."""
    import torch
    modules = dict(torch_net.named_children())
    runners = []
    for layer in net.layers:
        y = layer.forward(x, training=True)
        dy = np.random.default_rng(1).standard_normal(y.shape).astype(y.dtype)
        mods = [m for key, m in modules.items() if key.startswith(layer.name)
                and key[len(layer.name):] in ("", "_pad")]           # conv may have a pad module
        xt = torch.from_numpy(x).requires_grad_()
        torch_mod = torch.nn.Sequential(*mods)
        yt, dyt = torch_mod(xt), torch.from_numpy(dy)

        runners.append((layer.name, {
            "edu fwd": lambda layer=layer, x=x: layer.forward(x, training=True),
            "torch fwd": lambda m=torch_mod, xt=xt: m(xt),
            "edu bwd": lambda layer=layer, dy=dy: layer.backward(dy),
            "torch bwd": lambda yt=yt, dyt=dyt: torch.autograd.backward(yt, dyt,
                                                                         retain_graph=True),
        }))
        layer.forward(x, training=True)                  # its cache matches dy again
        x = y
    return runners


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--net", choices=list(NETS), default="cifar")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    set_blas_threads(args.threads)
    net, torch_net, x, _ = build(args.net)
    print(f"{args.net}, {args.threads} thread(s), ms per call (median of {args.repeats}), "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'layer':14s}{'edu fwd':>9s}{'torch fwd':>10s}{'edu bwd':>9s}{'torch bwd':>10s}")
    total = np.zeros(4)
    for name, runners in layer_runners(net, torch_net, x):
        ms = np.array(list(time_alternating(runners, args.repeats, args.steps).values())) * 1e3
        total += ms
        print(f"{name:14s}" + "".join(f"{t:{w}.2f}" for t, w in zip(ms, (9, 10, 9, 10))))
    print(f"{'total':14s}" + "".join(f"{t:{w}.2f}" for t, w in zip(total, (9, 10, 9, 10))))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
