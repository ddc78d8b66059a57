"""PoolingPlayground: max or average pooling with adjustable size and stride (notebook 05).

Draws through ``viz.show_pooling``; the pooling and the window maxima come
from ``viz.pool_with_argmax``, that is from ``ops.pool``.
"""
import ipywidgets as W

from .. import viz
from ._base import FriendlyError, Viewer, as_float_image

__all__ = ["PoolingPlayground"]


class PoolingPlayground(Viewer):
    """Max or average pooling of an image with adjustable size and stride.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (1, H, W), float
    """

    def __init__(self, image, mode="max", size=2, stride=2):
        self.input = as_float_image(image, "PoolingPlayground")
        self.mode = W.ToggleButtons(options=["max", "average"], value=mode, description="pooling")
        self.size = W.IntSlider(size, 1, 4, description="size")
        self.stride = W.IntSlider(stride, 1, 4, description="stride")
        for control in (self.mode, self.size, self.stride):
            control.observe(self._update, "value")
        self._build([self.mode, self.size, self.stride])

    def _op(self):
        return "max" if self.mode.value == "max" else "avg"

    def output(self):
        """(pooled map (H_out, W_out), window maxima (H, W) or None) for the current settings."""
        H, W_ = self.input.shape
        size, stride = self.size.value, self.stride.value
        if size > min(H, W_):
            raise FriendlyError(f"A {size}×{size} pool does not fit in a {H}×{W_} image.")
        return viz.pool_with_argmax(self.input, self._op(), size, stride)

    def figure(self):
        pooled, winners = self.output()
        title = (f"{self.mode.value} pool {self.size.value}×{self.size.value}, "
                 f"stride {self.stride.value} → {pooled.shape[0]}×{pooled.shape[1]}")
        return viz.show_pooling(self.input, pooled, argmax_mask=winners, pool_size=self.size.value,
                                stride=self.stride.value, mode=self._op(), title=title)

    def describe(self):
        return (f"{self.mode.value} pool {self.size.value}×{self.size.value}, "
                f"stride {self.stride.value}")
