"""Weights to and from PyTorch (optional: torch is imported only inside these functions).

    net = interop.to_torch(model)          # torch.nn.Sequential, identical weights
    model = interop.from_torch(net)        # back to an edu_cnn Sequential

The layouts agree, so a conversion is a copy: conv weights are
(C_out, C_in, KH, KW) in both; dense weights are (in, out) here and
(out, in) in ``torch.nn.Linear``, so they are transposed. Padding that is not
the same on both sides ("same" with an even kernel: the extra row/column at the
bottom/right) becomes an ``nn.ZeroPad2d`` in front of the ``nn.Conv2d``.
BatchNorm1D/2D become ``nn.BatchNorm1d/2d`` with the same eps and momentum
(the same convention), gamma/beta as weight/bias and the running statistics.

Without torch, both functions raise an ImportError saying how to install it.
"""
from collections import OrderedDict

import numpy as np

from . import layers as _layers
from .model import Sequential
from .ops.geometry import pair, resolve_padding

__all__ = ["to_torch", "from_torch"]

INSTALL_HINT = 'pip install "edu_cnn[torch]"  (or: pip install torch==2.13.0)'
_TORCH_DTYPES = {"float32": "float32", "float64": "float64"}


def _import_torch():
    """``torch`` itself, or an ImportError that says how to install it."""
    try:
        import torch
    except ImportError as err:
        raise ImportError("edu_cnn.interop needs PyTorch, which is not installed. "
                          f"Install it with: {INSTALL_HINT}") from err
    return torch


def _tensor(torch, array):
    """A torch tensor holding a copy of ``array`` (same dtype)."""
    return torch.from_numpy(np.array(array, copy=True))


# ---------------------------------------------------------------------- edu_cnn -> torch

def to_torch(model):
    """Build a ``torch.nn.Sequential`` that computes exactly what ``model`` computes.

    Parameters
    ----------
    model : Sequential
        Of Dense, Conv2D, MaxPool2D, AvgPool2D, Flatten, ReLU, LeakyReLU,
        Sigmoid, Tanh, Dropout, BatchNorm1D, BatchNorm2D layers.

    Returns
    -------
    torch.nn.Sequential
        Submodules named after the layers (``conv2d``, ``dense_1``, ...), with
        parameters in the dtype of the edu_cnn parameters (float32 or float64).
        Like every new torch module it is in training mode: call ``.eval()``
        before comparing outputs with ``model.predict`` (Dropout).
    """
    torch = _import_torch()
    if not isinstance(model, Sequential):
        raise TypeError(f"to_torch expected an edu_cnn Sequential, got {type(model).__name__}.")
    modules = []
    for layer in model.layers:
        modules.extend(_to_torch_layer(torch, layer))
    return torch.nn.Sequential(OrderedDict(modules))


def _to_torch_layer(torch, layer):
    """``[(name, module), ...]`` for one layer (two modules for asymmetric padding)."""
    nn, name, config = torch.nn, layer.name, layer.get_config()
    simple = {_layers.Flatten: nn.Flatten, _layers.ReLU: nn.ReLU, _layers.Sigmoid: nn.Sigmoid,
              _layers.Tanh: nn.Tanh}
    for ours, theirs in simple.items():
        if isinstance(layer, ours):
            return [(name, theirs())]
    if isinstance(layer, _layers.LeakyReLU):
        return [(name, nn.LeakyReLU(config["alpha"]))]
    if isinstance(layer, _layers.Dropout):
        return [(name, nn.Dropout(config["rate"]))]
    if isinstance(layer, (_layers.MaxPool2D, _layers.AvgPool2D)):
        kind = type(layer).__name__                                 # for error messages only
        pool = nn.MaxPool2d if isinstance(layer, _layers.MaxPool2D) else nn.AvgPool2d
        stride = config.get("stride") or config["pool_size"]
        return [(name, pool(tuple(pair(config["pool_size"], kind)), tuple(pair(stride, kind))))]
    if isinstance(layer, _layers.Dense):
        return [(name, _torch_linear(torch, layer))]
    if isinstance(layer, _layers.Conv2D):
        return _torch_conv(torch, layer, config)
    if isinstance(layer, (_layers.BatchNorm1D, _layers.BatchNorm2D)):
        return [(name, _torch_batchnorm(torch, layer, config))]
    raise TypeError(f"to_torch: layer {name!r} of type {type(layer).__name__} has no PyTorch "
                    f"counterpart here; supported: {', '.join(sorted(_layers.LAYER_TYPES))}.")


def _torch_linear(torch, layer):
    W, b = layer.params["W"], layer.params["b"]                  # (in, out), (out,)
    linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=getattr(torch, W.dtype.name))
    with torch.no_grad():
        linear.weight.copy_(_tensor(torch, W.T))                 # (out, in)
        linear.bias.copy_(_tensor(torch, b))
    return linear


def _torch_conv(torch, layer, config):
    W, b = layer.params["W"], layer.params["b"]                  # (F, C, KH, KW), (F,)
    F, C, KH, KW = W.shape
    stride = pair(config.get("stride", 1), "Conv2D stride")
    (top, bottom), (left, right) = resolve_padding(config.get("padding", 0), (KH, KW), stride)
    symmetric = top == bottom and left == right
    padding = config.get("padding", 0)                           # "valid"/"same" kept as names
    conv = torch.nn.Conv2d(C, F, (KH, KW), stride=stride,
                           padding=(padding if isinstance(padding, str) else (top, left))
                           if symmetric else 0,
                           dtype=getattr(torch, W.dtype.name))
    with torch.no_grad():
        conv.weight.copy_(_tensor(torch, W))
        conv.bias.copy_(_tensor(torch, b))
    if symmetric:
        return [(layer.name, conv)]
    pad = torch.nn.ZeroPad2d((left, right, top, bottom))        # torch order: l, r, t, b
    return [(f"{layer.name}_pad", pad), (layer.name, conv)]


def _torch_batchnorm(torch, layer, config):
    cls = (torch.nn.BatchNorm2d if isinstance(layer, _layers.BatchNorm2D)
           else torch.nn.BatchNorm1d)
    gamma = layer.params["gamma"]                                # (C,)
    bn = cls(len(gamma), eps=config["eps"], momentum=config["momentum"],
             dtype=getattr(torch, gamma.dtype.name))
    with torch.no_grad():
        bn.weight.copy_(_tensor(torch, gamma))
        bn.bias.copy_(_tensor(torch, layer.params["beta"]))
        bn.running_mean.copy_(_tensor(torch, layer.buffers["running_mean"]))
        bn.running_var.copy_(_tensor(torch, layer.buffers["running_var"]))
    return bn


# ---------------------------------------------------------------------- torch -> edu_cnn

def from_torch(module):
    """Build an edu_cnn ``Sequential`` with the layers and weights of a torch model.

    Parameters
    ----------
    module : torch.nn.Sequential (or a list of modules)
        Of Conv2d (groups 1, dilation 1, zero padding), Linear, MaxPool2d /
        AvgPool2d (no padding, floor mode), Flatten, ReLU, LeakyReLU, Sigmoid,
        Tanh, Dropout, BatchNorm1d / BatchNorm2d (affine, with running
        statistics and a numeric momentum), and ZeroPad2d directly before a Conv2d.

    Returns
    -------
    Sequential
        Parameters keep the torch dtype (float32 or float64).
    """
    torch = _import_torch()
    if isinstance(module, torch.nn.Sequential):
        children = list(module.named_children())
    elif isinstance(module, (list, tuple)):
        children = [(str(i), m) for i, m in enumerate(module)]
    else:
        raise TypeError("from_torch expected a torch.nn.Sequential (or a list of modules), "
                        f"got {type(module).__name__}.")
    model, pending_pad = Sequential(), None
    for i, (name, child) in enumerate(children):
        if isinstance(child, torch.nn.ZeroPad2d):
            pending_pad = (i, name, child)
            continue
        if pending_pad is not None and not isinstance(child, torch.nn.Conv2d):
            _unsupported(*pending_pad, "a ZeroPad2d is supported only directly before a Conv2d")
        model.add(_from_torch_module(torch, i, name, child, pending_pad))
        pending_pad = None
    if pending_pad is not None:
        _unsupported(*pending_pad, "a ZeroPad2d is supported only directly before a Conv2d")
    return model


def _unsupported(index, name, module, reason):
    raise ValueError(f"from_torch: module {index} ({name!r}: {module!r}) cannot be converted: "
                     f"{reason}.")


def _from_torch_module(torch, index, name, m, pad):
    """One edu_cnn layer for torch module ``m`` (``pad``: a ZeroPad2d just before it)."""
    nn = torch.nn
    simple = {nn.Flatten: _layers.Flatten, nn.ReLU: _layers.ReLU,
              nn.Sigmoid: _layers.Sigmoid, nn.Tanh: _layers.Tanh}
    if isinstance(m, nn.Flatten) and (m.start_dim, m.end_dim) != (1, -1):
        _unsupported(index, name, m, "only Flatten(start_dim=1, end_dim=-1) is supported")
    for theirs, ours in simple.items():
        if isinstance(m, theirs):
            return ours()
    if isinstance(m, nn.LeakyReLU):
        return _layers.LeakyReLU(alpha=m.negative_slope)
    if isinstance(m, nn.Dropout):
        return _layers.Dropout(rate=m.p)
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        return _pool_from_torch(index, name, m, nn)
    if isinstance(m, nn.Linear):
        return _dense_from_torch(m)
    if isinstance(m, nn.Conv2d):
        return _conv_from_torch(index, name, m, pad)
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return _batchnorm_from_torch(index, name, m, nn)
    _unsupported(index, name, m, "edu_cnn has no such layer; supported: Conv2d, Linear, "
                 "MaxPool2d, AvgPool2d, Flatten, ReLU, LeakyReLU, Sigmoid, Tanh, Dropout, "
                 "BatchNorm1d, BatchNorm2d, ZeroPad2d before Conv2d")


def _pool_from_torch(index, name, m, nn):
    if pair(m.padding, "padding", minimum=0) != (0, 0) or m.ceil_mode:
        _unsupported(index, name, m, "pooling with padding or ceil_mode=True is not supported")
    if isinstance(m, nn.MaxPool2d) and pair(m.dilation, "dilation") != (1, 1):
        _unsupported(index, name, m, "pooling with dilation is not supported")
    cls = _layers.MaxPool2D if isinstance(m, nn.MaxPool2d) else _layers.AvgPool2D
    return cls(pair(m.kernel_size, "kernel_size"), stride=pair(m.stride, "stride"))


def _dtype_name(tensor):
    name = str(tensor.dtype).replace("torch.", "")
    if name not in _TORCH_DTYPES:
        raise ValueError(f"from_torch: parameters must be float32 or float64, got {name}. "
                         "Convert the module first, e.g. module.float().")
    return name


def _dense_from_torch(m):
    weight = m.weight.detach().cpu().numpy()                     # (out, in)
    dtype = _dtype_name(m.weight)
    layer = _layers.Dense(m.in_features, m.out_features, dtype=dtype)
    layer.params["W"][...] = weight.T                            # (in, out)
    layer.params["b"][...] = 0 if m.bias is None else m.bias.detach().cpu().numpy()
    return layer


def _conv_from_torch(index, name, m, pad):
    if m.groups != 1 or tuple(m.dilation) != (1, 1) or m.padding_mode != "zeros":
        _unsupported(index, name, m, "only groups=1, dilation=1, padding_mode='zeros' convs")
    padding = _conv_padding(index, name, m, pad)
    layer = _layers.Conv2D(m.in_channels, m.out_channels, tuple(m.kernel_size),
                           stride=tuple(m.stride), padding=padding, dtype=_dtype_name(m.weight))
    layer.params["W"][...] = m.weight.detach().cpu().numpy()    # (F, C, KH, KW)
    layer.params["b"][...] = 0 if m.bias is None else m.bias.detach().cpu().numpy()
    return layer


def _conv_padding(index, name, m, pad):
    """edu_cnn ``padding`` for torch conv ``m``, merging a preceding ZeroPad2d."""
    if isinstance(m.padding, str):
        return m.padding                                         # "same" / "valid"
    if pad is None:
        ph, pw = (int(p) for p in m.padding)
        return ph if ph == pw else (ph, pw)
    if tuple(m.padding) != (0, 0):
        _unsupported(*pad, "a ZeroPad2d is supported only before a Conv2d with padding=0")
    left, right, top, bottom = (int(p) for p in pad[2].padding)
    if top == bottom and left == right:
        return top if top == left else (top, left)
    same = resolve_padding("same", tuple(m.kernel_size), 1) if tuple(m.stride) == (1, 1) else None
    if same == ((top, bottom), (left, right)):
        return "same"
    _unsupported(*pad, f"asymmetric padding (left, right, top, bottom)={pad[2].padding} is "
                 "supported only when it equals 'same' padding of the next Conv2d")


def _batchnorm_from_torch(index, name, m, nn):
    if not m.affine or not m.track_running_stats or m.momentum is None:
        _unsupported(index, name, m, "only BatchNorm with affine=True, "
                     "track_running_stats=True and a number as momentum is supported")
    cls = _layers.BatchNorm2D if isinstance(m, nn.BatchNorm2d) else _layers.BatchNorm1D
    layer = cls(m.num_features, momentum=m.momentum, eps=m.eps, dtype=_dtype_name(m.weight))
    layer.params["gamma"][...] = m.weight.detach().cpu().numpy()
    layer.params["beta"][...] = m.bias.detach().cpu().numpy()
    layer.buffers["running_mean"][...] = m.running_mean.detach().cpu().numpy()
    layer.buffers["running_var"][...] = m.running_var.detach().cpu().numpy()
    return layer
