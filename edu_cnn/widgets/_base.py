"""What every viewer shares: PNG rendering and ``Viewer`` (controls + picture + status line).

How a viewer works is told in the package docstring. Not part of the public API.
"""
import html
import io
import time

import ipywidgets as W
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg

PNG_DPI = 72


def figure_to_png(fig, dpi=PNG_DPI):
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


class LayoutCache:
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


class Displayed:
    """Shows ``self.widget`` in a notebook, with ``repr(self)`` as its text.

    The widget's own text/plain would embed the PNG bytes (and change with
    every redraw); a short description keeps saved notebooks small and
    their outputs reproducible.
    """

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


class FriendlyError(Exception):
    """Something the student should read in the widget, not as a traceback."""


class Viewer(Displayed):
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
        self._layout = LayoutCache()
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
        self.widget.add_class(css_name(type(self).__name__))
        self._ready = True
        self._update()

    def _update(self, *_):
        if not getattr(self, "_ready", False):     # controls still being set up
            return
        start = time.perf_counter()
        try:
            fig = self.figure()
        except Exception as err:  # a callback's error would vanish into the browser console
            text = str(err) if isinstance(err, FriendlyError) else f"{type(err).__name__}: {err}"
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


def css_name(class_name):
    """KernelPlayground -> edu-cnn-kernel-playground (a handle for tests and styling)."""
    words = "".join("-" + c.lower() if c.isupper() else c for c in class_name)
    return "edu-cnn" + words


def _message_html(text):
    return ('<div style="color:#a40000;background:#fff0f0;border:1px solid #e0a0a0;'
            f'padding:6px 10px;border-radius:4px">⚠ {html.escape(text)}</div>')


def as_float_image(image, name):
    """(H, W) or (1, H, W) float -> (H, W); the playgrounds' input image."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 2 or not np.issubdtype(image.dtype, np.floating):
        raise ValueError(f"{name} expected a float image of shape (H, W) or (1, H, W), "
                         f"got {image.dtype} array of shape {image.shape}.")
    return image
