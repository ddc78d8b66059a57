"""DrawDigit: draw a digit with the mouse (or upload a picture), watch the network react.

The canvas is an ipycanvas ``Canvas``: each mouse event reaches Python, which
remembers the stroke's points and draws the segment. When the mouse button is
released, the strokes are rendered to an image (``data.render_strokes``), made
MNIST-like (``data.to_mnist``: bounding box to 20×20, centre of mass to the
centre of 28×28) and run through the model; the picture is the static twin
``viz.show_drawn_digit``. The strokes are drawn again in NumPy rather than read
back from the browser: one code path, the same in the notebook, in tests and live.
"""
import io

import ipywidgets as W
import numpy as np
import PIL.Image
from ipycanvas import Canvas

from .. import layers, viz
from ..data.drawing import render_strokes, to_mnist
from ..functional import probabilities
from ._base import FriendlyError, Viewer

__all__ = ["DrawDigit"]

EMPTY = "Draw a digit in the black box with the mouse (or upload a picture)."


class DrawDigit(Viewer):
    """A canvas to draw on, "clear", an upload button, and what the network makes of it.

    Parameters
    ----------
    model : Sequential for (N, 1, 28, 28) digits
    size : int, canvas side in screen pixels
    pen : float, pen width in screen pixels
    strokes : list of (M, 2) (x, y) point lists in a ``size``×``size`` field, drawn at the start

    ``viewer.strokes`` holds the strokes, ``viewer.digit`` the last 28×28 input,
    ``viewer.probs`` the last probabilities (None while the canvas is empty).
    """

    def __init__(self, model, size=224, pen=16, strokes=None, class_names=None):
        self.model, self.size, self.pen, self.class_names = model, size, pen, class_names
        self.strokes = [np.asarray(s, dtype=float).reshape(-1, 2).tolist()
                        for s in (strokes or [])]
        self.uploaded, self.digit, self.probs, self._pen_down = None, None, None, False
        self.canvas = Canvas(width=size, height=size, layout=W.Layout(
            width=f"{size}px", height=f"{size}px", border="1px solid #888"))
        self.canvas.add_class("edu-cnn-canvas")
        self.canvas.on_mouse_down(self._down)
        self.canvas.on_mouse_move(self._move)
        self.canvas.on_mouse_up(self._up)
        self.canvas.on_mouse_out(self._up)
        self.clear_button = W.Button(description="clear", icon="eraser")
        self.clear_button.on_click(lambda _: self.clear())
        self.upload = W.FileUpload(accept="image/*", multiple=False, description="upload")
        self.upload.observe(self._on_upload, "value")
        self._repaint()
        self._build([W.VBox([self.canvas, W.HBox([self.clear_button, self.upload])])])

    # -- drawing ---------------------------------------------------------------------------
    def _repaint(self):
        c = self.canvas
        c.fill_style = "black"
        c.fill_rect(0, 0, self.size, self.size)
        c.stroke_style, c.line_width, c.line_cap, c.line_join = "white", self.pen, "round", "round"
        for stroke in self.strokes:
            if len(stroke) > 1:
                c.stroke_lines(stroke)

    def _down(self, x, y):
        self._pen_down = True
        self.uploaded = None
        self.strokes.append([(x, y)])

    def _move(self, x, y):
        if self._pen_down:
            (x0, y0) = self.strokes[-1][-1]
            self.strokes[-1].append((x, y))
            self.canvas.stroke_line(x0, y0, x, y)

    def _up(self, x, y):
        if self._pen_down:
            self._pen_down = False
            self._update()

    def clear(self):
        """Empty the canvas (and forget an uploaded picture)."""
        self.strokes, self.uploaded = [], None
        self._repaint()
        self._update()

    def draw(self, strokes):
        """Add strokes ((M, 2) point lists, canvas pixels) as if drawn, and redraw."""
        self.strokes += [np.asarray(s, dtype=float).reshape(-1, 2).tolist() for s in strokes]
        self.uploaded = None
        self._repaint()
        self._update()

    def _on_upload(self, change):
        files = change["new"]
        if not files:
            return
        content = files[0]["content"]
        with PIL.Image.open(io.BytesIO(bytes(content))) as picture:
            self.uploaded = np.asarray(picture.convert("L"), dtype=np.float64) / 255.0
        self.strokes = []
        self._repaint()
        self._update()

    # -- the picture -----------------------------------------------------------------------
    def drawing(self):
        """The current drawing as an (H, W) image in [0, 1] (half the canvas resolution)."""
        if self.uploaded is not None:
            return self.uploaded
        scaled = [np.asarray(s) / 2 for s in self.strokes]
        return render_strokes(scaled, (self.size // 2, self.size // 2), self.pen / 2)

    def figure(self):
        raw = self.drawing()
        if self.uploaded is None and not self.strokes:
            self.digit = self.probs = None
            raise FriendlyError(EMPTY)
        try:                               # a photo's paper is never quite white: threshold
            self.digit = to_mnist(raw, threshold=0.0 if self.uploaded is None else 0.25)
        except ValueError as err:
            self.digit = self.probs = None
            raise FriendlyError(str(err)) from None
        acts = self.model.activations(self.digit[None, None].astype(self._dtype()))
        self.probs = probabilities(acts[-1][1])[0]
        convs = {la.name for la in self.model.layers if isinstance(la, layers.Conv2D)}
        maps = {name: out[0] for name, out in acts if name in convs}
        return viz.show_drawn_digit(raw, self.digit, maps, self.probs, self.class_names)

    def _dtype(self):
        first = next((la for la in self.model.layers if la.params), None)
        return first.params["W"].dtype if first else np.float64

    def describe(self):
        if self.probs is None:
            return f"empty canvas, strokes {len(self.strokes)}"
        k = int(np.argmax(self.probs))
        name = self.class_names[k] if self.class_names else k
        return f"prediction {name} ({self.probs[k]:.0%}), strokes {len(self.strokes)}"
