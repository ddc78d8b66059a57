"""KernelPlayground: edit a kernel, see what it does to an image (notebook 03).

Draws through ``viz.show_convolution``; the output size comes from
``ops.geometry.conv_output_shape``, the default convolution from ``ops.conv``.
"""
import html

import ipywidgets as W
import numpy as np

from .. import filters, viz
from ..ops.conv import conv2d_forward
from ..ops.geometry import conv_output_shape, resolve_padding
from ._base import FriendlyError, Viewer, as_float_image

__all__ = ["KernelPlayground", "default_conv", "output_size_formula"]


def default_conv(image, kernel, stride, padding):
    """edu_cnn's convolution on one image: (H, W) * (K, K) -> (H_out, W_out)."""
    out, _ = conv2d_forward(image[None, None], kernel[None, None],
                            np.zeros(1, image.dtype), stride=stride, padding=padding)
    return out[0, 0]


def output_size_formula(H, W, K, stride, padding):
    """The output-size formula with the numbers filled in, as text (two lines)."""
    (pt, pb), (pl, pr) = resolve_padding(padding, K, stride)
    H_out, W_out = conv_output_shape(H, W, K, stride, padding)
    return (f"H_out = ⌊(H + P_top + P_bottom − K) / S⌋ + 1 = "
            f"⌊({H} + {pt} + {pb} − {K}) / {stride}⌋ + 1 = {H_out}\n"
            f"W_out = ⌊(W + P_left + P_right − K) / S⌋ + 1 = "
            f"⌊({W} + {pl} + {pr} − {K}) / {stride}⌋ + 1 = {W_out}")


class KernelPlayground(Viewer):
    """Edit a 3×3 or 5×5 kernel and see what it does to an image.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (1, H, W), float
    conv_fn : callable, optional
        ``conv_fn(image, kernel, stride, padding) -> ndarray of shape (H_out, W_out)``
        with image (H, W), kernel (K, K), stride int, padding int. Plug in the
        convolution you wrote in the exercise; errors and wrong shapes are shown
        as a message in the widget. Default: ``edu_cnn``'s own convolution.
    preset : str, one of ``filters.PRESETS``
    """

    def __init__(self, image, conv_fn=None, preset="Sobel x"):
        self.input = as_float_image(image, "KernelPlayground")
        self.conv_fn = conv_fn or default_conv
        self.user_fn = conv_fn is not None
        self.preset = W.Dropdown(options=list(filters.PRESETS), value=preset, description="preset")
        self.size = W.ToggleButtons(options=[3, 5], value=3, description="kernel")
        self.stride = W.IntSlider(1, 1, 3, description="stride")
        self.padding = W.IntSlider(0, 0, 2, description="padding")
        self.cells = []
        self.grid = W.GridBox(layout=W.Layout(grid_gap="2px"))
        self._quiet = False
        self._make_cells(3)
        self._load_preset()
        self.preset.observe(self._on_preset, "value")
        self.size.observe(self._on_size, "value")
        for control in (self.stride, self.padding):
            control.observe(self._update, "value")
        self._build([W.VBox([self.preset, self.size, self.stride, self.padding]), self.grid])

    @property
    def kernel(self):
        """The kernel in the number boxes, ndarray of shape (K, K)."""
        K = self.size.value
        return np.array([c.value for c in self.cells], dtype=self.input.dtype).reshape(K, K)

    def set_kernel(self, kernel):
        """Put a (K, K) kernel (K = 3 or 5) into the number boxes (one update)."""
        kernel = np.asarray(kernel, dtype=float)
        if kernel.shape not in ((3, 3), (5, 5)):
            raise ValueError(f"KernelPlayground.set_kernel expected a 3×3 or 5×5 kernel, "
                             f"got shape {kernel.shape}.")
        self._quiet = True
        self.size.value = kernel.shape[0]
        for cell, value in zip(self.cells, kernel.ravel()):
            cell.value = round(float(value), 4)
        self._quiet = False
        self._update()

    def _make_cells(self, K):
        for cell in self.cells:
            cell.unobserve(self._on_cell, "value")
        self.cells = [W.FloatText(0.0, layout=W.Layout(width="64px")) for _ in range(K * K)]
        for cell in self.cells:
            cell.observe(self._on_cell, "value")
        self.grid.children = self.cells
        self.grid.layout.grid_template_columns = f"repeat({K}, 66px)"

    def _load_preset(self):
        kernel = filters.get_preset(self.preset.value, self.size.value)
        for cell, value in zip(self.cells, kernel.ravel()):
            cell.value = round(float(value), 4)

    def _on_preset(self, _):
        self._quiet = True
        self._load_preset()
        self._quiet = False
        self._update()

    def _on_size(self, change):
        self._quiet = True
        self._make_cells(change.new)
        self._load_preset()
        self._quiet = False
        self._update()

    def _on_cell(self, _):
        if not self._quiet:
            self._update()

    def output(self):
        """Run the convolution with the current settings; ndarray of shape (H_out, W_out)."""
        H, W_ = self.input.shape
        K, s, p = self.size.value, self.stride.value, self.padding.value
        expected = conv_output_shape(H, W_, K, s, p)
        try:
            out = self.conv_fn(self.input, self.kernel, s, p)
        except Exception as err:  # the student's code: show, don't crash
            raise FriendlyError(f"Your conv_fn raised {type(err).__name__}: {err} "
                                f"(called with image {self.input.shape}, kernel "
                                f"{self.kernel.shape}, stride {s}, padding {p}).") from None
        out = np.asarray(out)
        if out.shape != expected:
            raise FriendlyError(f"Your conv_fn returned shape {out.shape}; for a {K}×{K} kernel, "
                                f"stride {s} and padding {p} on a {H}×{W_} image it should be "
                                f"{expected}.")
        return out

    def formula(self):
        """The output-size formula with the current numbers filled in."""
        H, W_ = self.input.shape
        return output_size_formula(H, W_, self.size.value, self.stride.value, self.padding.value)

    def figure(self):
        out = self.output()
        return viz.show_convolution(self.input, self.kernel, out, stride=self.stride.value,
                                    padding=self.padding.value,
                                    title=f"output {out.shape[0]}×{out.shape[1]}")

    def info_html(self):
        H, W_ = self.input.shape
        H_out, W_out = conv_output_shape(H, W_, self.size.value, self.stride.value,
                                         self.padding.value)
        lines = html.escape(self.formula()).replace("\n", "<br>")
        return (f"<b>output shape ({H_out}, {W_out})</b><br>"
                f"<span style='font-family:monospace'>{lines}</span>")

    def describe(self):
        who = "your conv_fn" if self.user_fn else "edu_cnn"
        return (f"{who}, kernel {self.size.value}×{self.size.value}, stride {self.stride.value}, "
                f"padding {self.padding.value}")
