"""Receptive fields: which input pixels can reach one unit of a feature map.

A layer with kernel (or pool window) k, stride s and top padding p computes
output row i from input rows i·s − p … i·s − p + k − 1. Going back from a unit
layer by layer turns a range of rows [a, b) into [a·s − p, (b − 1)·s − p + k);
the box that reaches the input is the receptive field (clipped at every layer to
that layer's input: the rest is zero padding). Its size grows as
r_l = r_(l−1) + (k_l − 1)·j_(l−1), with the jump j_l = j_(l−1)·s_l (the input pixels
between neighbouring units).
"""
from .. import _checks
from ..layers import AvgPool2D, Conv2D, MaxPool2D
from ..ops.geometry import resolve_padding

__all__ = ["receptive_field", "receptive_field_growth"]

ELEMENTWISE = ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout")


def _window(layer, who):
    """((kh, kw), (sh, sw), (top, left)) of a spatial layer; None for elementwise ones."""
    if isinstance(layer, Conv2D):
        (top, _), (left, _) = resolve_padding(layer.padding, layer.kernel_size, layer.stride)
        return layer.kernel_size, layer.stride, (top, left)
    if isinstance(layer, (MaxPool2D, AvgPool2D)):
        return layer.pool_size, layer.stride, (0, 0)
    if type(layer).__name__ in ELEMENTWISE:
        return None
    raise ValueError(f"{who}: layer {layer.name!r} ({type(layer).__name__}) mixes all "
                     "positions, so a unit after it sees the whole image; pick a conv, "
                     "pooling or activation layer before Flatten.")


def _layers_up_to(model, layer, who):
    names = [la.name for la in model.layers]
    if layer not in names:
        raise ValueError(f"{who}: no layer named {layer!r}; the layers are {names}.")
    return model.layers[:names.index(layer) + 1]


def receptive_field(model, layer, i, j, input_shape=(1, 28, 28)):
    """The input box that unit (i, j) of ``layer``'s feature maps sees.

    Returns ``(top, bottom, left, right)``: rows top … bottom − 1 and columns
    left … right − 1 of the input (clipped to the image of ``input_shape`` (C, H, W)).
    """
    who = "receptive_field"
    chain = _layers_up_to(model, layer, who)
    windows = [_window(la, who) for la in chain]             # refuses Flatten, Dense
    shapes = [tuple(input_shape)] + model.output_shapes(tuple(input_shape), who=who)
    out_shape = shapes[len(chain)]
    i = _checks.check_positive_int(i + 1, who, "i (≥ 0)") - 1
    j = _checks.check_positive_int(j + 1, who, "j (≥ 0)") - 1
    if len(out_shape) != 3 or i >= out_shape[1] or j >= out_shape[2]:
        raise ValueError(f"{who}: {layer!r} outputs maps of shape {out_shape}; unit ({i}, {j}) "
                         "is not in them.")
    (r0, r1), (c0, c1) = (i, i + 1), (j, j + 1)
    for k in reversed(range(len(chain))):
        window = windows[k]
        if window is None:
            continue
        (kh, kw), (sh, sw), (top, left) = window
        _, H, W = shapes[k]                                  # this layer's input; the rest is
        r0, r1 = max(r0 * sh - top, 0), min((r1 - 1) * sh - top + kh, H)       # zero padding
        c0, c1 = max(c0 * sw - left, 0), min((c1 - 1) * sw - left + kw, W)
    return r0, r1, c0, c1


def receptive_field_growth(model):
    """Per spatial layer: ``(name, size, jump)`` of the receptive field (rows), unclipped.

    size = input rows one unit sees, jump = input rows between neighbouring units;
    stops at the first layer that mixes all positions (Flatten, Dense).
    """
    size, jump, rows = 1, 1, []
    for la in model.layers:
        try:
            window = _window(la, "receptive_field_growth")
        except ValueError:
            break
        if window is not None:
            (k, _), (s, _), _ = window
            size, jump = size + (k - 1) * jump, jump * s
        rows.append((la.name, size, jump))
    return rows
