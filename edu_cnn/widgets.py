"""Interactive viewers: turn a knob, see the picture follow.

Each viewer is one call in a notebook cell and is built on a static twin in
``edu_cnn.viz`` that draws the very same picture without widgets:

==========================  =====================================
viewer                      static twin
==========================  =====================================
``KernelPlayground``        ``viz.show_convolution``
``PoolingPlayground``       ``viz.show_pooling``
``FeatureMapExplorer``      ``viz.show_feature_map_explorer``
``FilterViewer``            ``viz.show_filters``
``LiveTraining``            ``viz.plot_history`` + ``viz.show_filters``
==========================  =====================================

How a viewer works: its controls are ipywidgets; every change calls the
static twin, renders the figure to PNG and puts it in an ``Image`` widget.
A status line (CSS class ``edu-cnn-status``) then says ``update N: ...`` —
tests (and curious students) can wait on it. ``viewer.shown_figure`` is the
matplotlib Figure on screen (None while a message is shown instead),
``viewer.last_latency`` the seconds the last update took.

ipywidgets is imported here, not by ``import edu_cnn``.
"""
import html
import io
import time

import ipywidgets as W
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg

from . import filters, viz
from .functional import probabilities
from .model import Callback
from .ops.conv import conv2d_forward
from .ops.geometry import conv_output_shape, resolve_padding
from .ops.pool import avgpool2d_forward, maxpool2d_backward, maxpool2d_forward

__all__ = ["KernelPlayground", "PoolingPlayground", "FeatureMapExplorer",
           "FilterViewer", "LiveTraining"]

_PNG_DPI = 72


def figure_to_png(fig, dpi=_PNG_DPI):
    """Render a matplotlib Figure to PNG bytes.

    One Agg draw and a fast zlib level: about half the time of
    ``fig.savefig`` (which draws twice for a laid-out figure), and the PNG
    is shown once, so speed matters more than bytes.
    """
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    buf = io.BytesIO()
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
    return buf.getvalue()


class _LayoutCache:
    """Reuse the last figure's axes positions when the new one has the same structure.

    The static twins lay out with matplotlib's constrained layout, which is
    most of the cost of a redraw. When a knob changes only the data (same
    figure size, same number of axes, same image shapes), the previous
    positions are right, so they are copied and the layout engine is off.
    """

    def __init__(self):
        self.key, self.positions = None, None

    @staticmethod
    def _key(fig):
        shapes = tuple(tuple(im.get_array().shape) for ax in fig.axes for im in ax.images)
        return tuple(fig.get_size_inches()), len(fig.axes), shapes

    def render(self, fig):
        key = self._key(fig)
        if key == self.key:
            fig.set_layout_engine("none")
            for ax, pos in zip(fig.axes, self.positions):
                ax.set_position(pos)
        png = figure_to_png(fig)
        self.key, self.positions = key, [ax.get_position() for ax in fig.axes]
        return png


class _Displayed:
    """Shows ``self.widget`` in a notebook, with ``repr(self)`` as its text.

    The widget's own text/plain would embed the PNG bytes (and change with
    every redraw); a short description keeps saved notebooks small and
    their outputs reproducible.
    """

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


class _Viewer(_Displayed):
    """Controls + a rendered picture + a status line.

    Subclasses build ``self.controls`` (a list of widgets), implement
    ``figure()`` (the current picture, via the static twin) and ``describe()``
    (a short text of the current settings), and call ``self._update()``
    whenever a control changes.
    """

    def _build(self, controls, width=None):
        self.updates = 0
        self.last_latency = None
        self.image = W.Image(format="png")
        self._layout = _LayoutCache()
        if width:
            self.image.layout.width = width
        self.message = W.HTML()
        self.message.add_class("edu-cnn-message")
        self.info = W.HTML()
        self.status = W.HTML()
        self.status.add_class("edu-cnn-status")
        self.widget = W.VBox([W.HBox(controls, layout=W.Layout(flex_flow="row wrap")),
                              self.info, self.message, self.image, self.status])
        self.widget.add_class("edu-cnn-viewer")
        self.widget.add_class(_css_name(type(self).__name__))
        self._ready = True
        self._update()

    def _update(self, *_):
        if not getattr(self, "_ready", False):     # controls still being set up
            return
        start = time.perf_counter()
        try:
            fig = self.figure()
        except Exception as err:  # a callback's error would vanish into the browser console
            text = str(err) if isinstance(err, _FriendlyError) else f"{type(err).__name__}: {err}"
            self.message.value = _message_html(text)
            self.image.value = b""
            self.shown_figure = None
        else:
            self.message.value = ""
            self.image.value = self._layout.render(fig)
            self.shown_figure = fig
        self.info.value = self.info_html()
        self.updates += 1
        self.last_latency = time.perf_counter() - start
        self.status.value = f"update {self.updates}: {html.escape(self.describe())}"

    def info_html(self):
        """A line of text above the picture (e.g. a formula); none by default."""
        return ""

    def _refill(self, dropdown, options, value):
        """Give a dropdown new options and a value, then redraw once (not per step)."""
        dropdown.unobserve(self._update, "value")
        dropdown.options, dropdown.value = options, value
        dropdown.observe(self._update, "value")
        self._update()

    def __repr__(self):
        return f"{type(self).__name__}({self.describe()})"


def _css_name(class_name):
    """KernelPlayground -> edu-cnn-kernel-playground (a handle for tests and styling)."""
    words = "".join("-" + c.lower() if c.isupper() else c for c in class_name)
    return "edu-cnn" + words


class _FriendlyError(Exception):
    """Something the student should read in the widget, not as a traceback."""


def _message_html(text):
    return ('<div style="color:#a40000;background:#fff0f0;border:1px solid #e0a0a0;'
            f'padding:6px 10px;border-radius:4px">⚠ {html.escape(text)}</div>')


def _as_image2d(image, name):
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 2 or not np.issubdtype(image.dtype, np.floating):
        raise ValueError(f"{name} expected a float image of shape (H, W) or (1, H, W), "
                         f"got {image.dtype} array of shape {image.shape}.")
    return image


# --------------------------------------------------------------------------
# KernelPlayground
# --------------------------------------------------------------------------

def default_conv(image, kernel, stride, padding):
    """edu_cnn's convolution on one image: (H, W) * (K, K) -> (H_out, W_out)."""
    out, _ = conv2d_forward(image[None, None], kernel[None, None],
                            np.zeros(1, image.dtype), stride=stride, padding=padding)
    return out[0, 0]


def output_size_formula(H, W, K, stride, padding):
    """The output-size formula with the numbers filled in, as text (two lines)."""
    (pt, pb), (pl, pr) = resolve_padding(padding, K, stride)
    H_out, W_out = conv_output_shape(H, W, K, stride, padding)
    return (f"H_out = ⌊(H + P_top + P_bottom − K) / S⌋ + 1 = ⌊({H} + {pt} + {pb} − {K}) / {stride}⌋ + 1"
            f" = {H_out}\nW_out = ⌊(W + P_left + P_right − K) / S⌋ + 1 = ⌊({W} + {pl} + {pr} − {K}) / "
            f"{stride}⌋ + 1 = {W_out}")


class KernelPlayground(_Viewer):
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
        self.input = _as_image2d(image, "KernelPlayground")
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
            raise _FriendlyError(f"Your conv_fn raised {type(err).__name__}: {err} "
                                 f"(called with image {self.input.shape}, kernel {self.kernel.shape}, "
                                 f"stride {s}, padding {p}).") from None
        out = np.asarray(out)
        if out.shape != expected:
            raise _FriendlyError(f"Your conv_fn returned shape {out.shape}; for a {K}×{K} kernel, "
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


# --------------------------------------------------------------------------
# PoolingPlayground
# --------------------------------------------------------------------------

def pool_with_argmax(image, mode, size, stride):
    """Pool one image; return (pooled (H_out, W_out), argmax mask (H, W) or None).

    The mask marks the input pixel each max came from (first max in a tie,
    as the backward pass routes it): it is the gradient of the pooled sum.
    """
    x = image[None, None]
    if mode == "max":
        out, cache = maxpool2d_forward(x, size, stride)
        mask = maxpool2d_backward(np.ones_like(out), cache)[0, 0] > 0
        return out[0, 0], mask
    out, _ = avgpool2d_forward(x, size, stride)
    return out[0, 0], None


class PoolingPlayground(_Viewer):
    """Max or average pooling of an image with adjustable size and stride.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (1, H, W), float
    """

    def __init__(self, image, mode="max", size=2, stride=2):
        self.input = _as_image2d(image, "PoolingPlayground")
        self.mode = W.ToggleButtons(options=["max", "average"], value=mode, description="pooling")
        self.size = W.IntSlider(size, 1, 4, description="size")
        self.stride = W.IntSlider(stride, 1, 4, description="stride")
        for control in (self.mode, self.size, self.stride):
            control.observe(self._update, "value")
        self._build([self.mode, self.size, self.stride])

    def output(self):
        """(pooled map (H_out, W_out), argmax mask (H, W) or None) for the current settings."""
        H, W_ = self.input.shape
        size, stride = self.size.value, self.stride.value
        if size > min(H, W_):
            raise _FriendlyError(f"A {size}×{size} pool does not fit in a {H}×{W_} image.")
        return pool_with_argmax(self.input, "max" if self.mode.value == "max" else "avg",
                                size, stride)

    def figure(self):
        pooled, mask = self.output()
        mode = "max" if self.mode.value == "max" else "avg"
        return viz.show_pooling(self.input, pooled, argmax_mask=mask, pool_size=self.size.value,
                                stride=self.stride.value, mode=mode, title=f"{self.mode.value} pool {self.size.value}×{self.size.value}, "
                                      f"stride {self.stride.value} → {pooled.shape[0]}×{pooled.shape[1]}")

    def describe(self):
        return f"{self.mode.value} pool {self.size.value}×{self.size.value}, stride {self.stride.value}"


# --------------------------------------------------------------------------
# FeatureMapExplorer
# --------------------------------------------------------------------------

_MAP_LAYERS = ("Conv2D", "MaxPool2D", "AvgPool2D", "ReLU", "LeakyReLU", "Sigmoid", "Tanh")


class FeatureMapExplorer(_Viewer):
    """Pick an image, a layer and a channel; see the feature maps and the prediction.

    Parameters
    ----------
    model : Sequential
    images : ndarray of shape (N, C, H, W), float
    labels : ndarray of shape (N,), optional
    """

    def __init__(self, model, images, labels=None, class_names=None):
        self.model = model
        self.images = np.asarray(images)
        if self.images.ndim != 4:
            raise ValueError(f"FeatureMapExplorer expected images of shape (N, C, H, W), "
                             f"got {self.images.shape}.")
        self.labels = labels
        self.class_names = class_names
        self._cache = {}
        maps = self._activations(0)[0]             # layers whose output is (C, H', W')
        names = [layer.name for layer in model.layers
                 if type(layer).__name__ in _MAP_LAYERS and maps[layer.name].ndim == 3]
        if not names:
            raise ValueError("FeatureMapExplorer needs a model with at least one conv, pool "
                             "or activation layer on images; this one has none.")
        self.index = W.IntSlider(0, 0, len(self.images) - 1, description="image")
        self.layer = W.Dropdown(options=names, value=names[0], description="layer")
        self.channel = W.Dropdown(options=self._channel_options(), value="all",
                                  description="channel")
        self.index.observe(self._update, "value")
        self.layer.observe(self._on_layer, "value")
        self.channel.observe(self._update, "value")
        self._build([self.index, self.layer, self.channel])

    def _activations(self, i):
        if i not in self._cache:
            acts = self.model.activations(self.images[i:i + 1])
            probs = probabilities(acts[-1][1])[0]
            self._cache[i] = ({name: out[0] for name, out in acts}, probs)
        return self._cache[i]

    def _channel_options(self):
        maps = self._activations(self.index.value)[0][self.layer.value]
        return ["all"] + list(range(maps.shape[0]))

    def _on_layer(self, _):
        self._refill(self.channel, self._channel_options(), "all")

    def maps(self):
        """Feature maps shown now: ndarray of shape (C, H', W') (C = 1 for one channel)."""
        maps = self._activations(self.index.value)[0][self.layer.value]
        return maps if self.channel.value == "all" else maps[self.channel.value:self.channel.value + 1]

    def figure(self):
        i = self.index.value
        maps, probs = self._activations(i)
        label = None if self.labels is None else self.labels[i]
        return viz.show_feature_map_explorer(self.images[i], maps[self.layer.value], probs,
                                             self.layer.value, channel=self.channel.value,
                                             class_names=self.class_names, label=label)

    def describe(self):
        return f"image {self.index.value}, layer {self.layer.value}, channel {self.channel.value}"


# --------------------------------------------------------------------------
# FilterViewer
# --------------------------------------------------------------------------

class FilterViewer(_Viewer):
    """Every filter of a conv layer as a grid.

    Parameters
    ----------
    model : Sequential
    layer : str, optional
        Name of a Conv2D layer; default the first.
    """

    def __init__(self, model, layer=None):
        self.model = model
        self.convs = {l.name: l for l in model.layers if type(l).__name__ == "Conv2D"}
        if not self.convs:
            raise ValueError("FilterViewer needs a model with a Conv2D layer; this one has none.")
        if layer is not None and layer not in self.convs:
            raise ValueError(f"FilterViewer: no Conv2D layer named {layer!r}; "
                             f"the conv layers are {list(self.convs)}.")
        self.layer = W.Dropdown(options=list(self.convs), value=layer or next(iter(self.convs)),
                                description="layer")
        self.channel = W.Dropdown(options=self._channel_options(), value=0,
                                  description="input ch.")
        self.normalize = W.ToggleButtons(options=["per_filter", "global"], value="per_filter",
                                         description="scale")
        self.layer.observe(self._on_layer, "value")
        for control in (self.channel, self.normalize):
            control.observe(self._update, "value")
        self._build([self.layer, self.channel, self.normalize])

    def _channel_options(self):
        return list(range(self.weights().shape[1]))

    def _on_layer(self, _):
        self._refill(self.channel, self._channel_options(), 0)

    def weights(self):
        """The selected layer's filters, ndarray of shape (F, C, KH, KW)."""
        return self.convs[self.layer.value].params["W"]

    def figure(self):
        # One tiled image instead of one axes per filter: several times faster to redraw.
        w = self.weights()
        title = (f"{self.layer.value}: {w.shape[0]} filters {w.shape[2]}×{w.shape[3]}, "
                 f"input channel {self.channel.value}")
        return viz.show_filters(w, normalize=self.normalize.value, channel=self.channel.value,
                                as_mosaic=True, suptitle=title)

    def describe(self):
        return (f"layer {self.layer.value}, input channel {self.channel.value}, "
                f"scale {self.normalize.value}")


# --------------------------------------------------------------------------
# LiveTraining
# --------------------------------------------------------------------------

class LiveTraining(_Displayed, Callback):
    """A ``fit`` callback that redraws loss/accuracy curves and first-layer filters.

    Every ``every`` batches the picture is redrawn; at the end of training a
    final static figure is displayed, so the notebook reads the same without
    widgets. Pass it as ``model.fit(..., callbacks=[LiveTraining(every=20)])``.
    """

    def __init__(self, every=20):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"LiveTraining(every=...) expected a positive int, got {every!r}.")
        self.every = every
        self.batch_losses = []
        self.history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
        self.image = W.Image(format="png")
        self.status = W.HTML()
        self.status.add_class("edu-cnn-status")
        self.widget = W.VBox([self.image, self.status])
        self.widget.add_class("edu-cnn-viewer")
        self.widget.add_class(_css_name(type(self).__name__))
        self.redraws = 0
        self.last_latency = None

    def on_train_begin(self, model):
        from IPython.display import display
        self.model = model
        display(self)

    def on_batch_end(self, model, batch, logs):
        self.batch_losses.append(float(logs["loss"]))
        if len(self.batch_losses) % self.every == 0:
            self._redraw()

    def on_epoch_end(self, model, epoch, logs):
        for key in self.history:
            if key in logs:
                self.history[key].append(float(logs[key]))
        self._redraw()

    def on_train_end(self, model, history):
        from IPython.display import display
        display(self.figure())

    def figure(self):
        """Curves (per batch and per epoch) and first-layer filters, as one Figure."""
        conv = next((l for l in self.model.layers if type(l).__name__ == "Conv2D"), None)
        w = None if conv is None else conv.params["W"]
        return viz.show_training(self.batch_losses, self.history, w)

    def _redraw(self):
        start = time.perf_counter()
        self.image.value = figure_to_png(self.figure())
        self.redraws += 1
        self.last_latency = time.perf_counter() - start
        self.status.value = (f"update {self.redraws}: batch {len(self.batch_losses)}, "
                             f"loss {self.batch_losses[-1]:.3f}" if self.batch_losses else "")

    def __repr__(self):
        return f"LiveTraining(every={self.every})"
