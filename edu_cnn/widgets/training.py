"""LiveTraining: a ``fit`` callback that redraws the curves and filters as it trains.

Draws through ``viz.show_training``.
"""
import time

import ipywidgets as W

from .. import layers, viz
from ..model import Callback
from ._base import Displayed, css_name, figure_to_png

__all__ = ["LiveTraining"]


class LiveTraining(Displayed, Callback):
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
        self.widget.add_class(css_name(type(self).__name__))
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
        conv = next((layer for layer in self.model.layers
                     if isinstance(layer, layers.Conv2D)), None)
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
