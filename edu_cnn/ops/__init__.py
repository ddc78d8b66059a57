"""The kernels: convolution and pooling, forward and backward.

Each comes as adjacent twins with one signature — a ``*_naive`` loop version
that mirrors the math (the teaching version and the test oracle) and a fast
vectorised version (im2col + one matrix multiply; strided window views) that
the layers use. ``geometry`` holds the output-size and padding rules.
"""
from .conv import conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive
from .geometry import conv_output_shape, pair, pool_output_shape, resolve_padding, tap_view
from .pool import (
                   avgpool2d_backward,
                   avgpool2d_backward_naive,
                   avgpool2d_forward,
                   avgpool2d_forward_naive,
                   maxpool2d_backward,
                   maxpool2d_backward_naive,
                   maxpool2d_forward,
                   maxpool2d_forward_naive,
)

__all__ = [
    "conv2d_forward_naive", "conv2d_backward_naive", "conv2d_forward", "conv2d_backward",
    "maxpool2d_forward_naive", "maxpool2d_backward_naive", "maxpool2d_forward",
    "maxpool2d_backward", "avgpool2d_forward_naive", "avgpool2d_backward_naive",
    "avgpool2d_forward", "avgpool2d_backward",
    "pair", "resolve_padding", "conv_output_shape", "pool_output_shape", "tap_view",
]
