"""Viewers of notebook 08: explanation maps, FGSM with an ε slider, receptive fields by click.

Each draws through its static twin: ``viz.show_explanations`` (ExplanationViewer),
``viz.show_fgsm`` (FGSMViewer), ``viz.show_receptive_field`` (ReceptiveFieldViewer).
"""
import ipywidgets as W
import matplotlib
import numpy as np
from ipycanvas import Canvas

from .. import explain, viz
from ..functional import probabilities
from ..layers import Flatten
from ._base import Viewer

__all__ = ["ExplanationViewer", "FGSMViewer", "ReceptiveFieldViewer"]


def _check_images(images, who):
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"{who} expected images of shape (N, C, H, W), got {images.shape}.")
    return images


class ExplanationViewer(Viewer):
    """Pick a digit and a class; see saliency, SmoothGrad, occlusion and Grad-CAM side by side.

    images : ndarray of shape (N, C, H, W); ``class`` "predicted" or a class id to explain.
    """

    def __init__(self, model, images, smoothgrad_samples=16, seed=0):
        self.model, self.images = model, _check_images(images, "ExplanationViewer")
        self.samples, self.seed = smoothgrad_samples, seed
        self.index = W.IntSlider(0, 0, len(self.images) - 1, description="image")
        self.target = W.Dropdown(options=["predicted"] + list(range(10)), value="predicted",
                                 description="class")
        for control in (self.index, self.target):
            control.observe(self._update, "value")
        self._build([self.index, self.target])

    def maps(self):
        """{method: (1, H, W)} for the chosen image and class."""
        x = self.images[self.index.value:self.index.value + 1]
        t = None if self.target.value == "predicted" else self.target.value
        return {"saliency": explain.saliency(self.model, x, t),
                "SmoothGrad": explain.smoothgrad(self.model, x, t, self.samples, rng=self.seed),
                "occlusion": explain.occlusion(self.model, x, t),
                "Grad-CAM": explain.grad_cam(self.model, x, t)}

    def figure(self):
        x = self.images[self.index.value:self.index.value + 1]
        p = probabilities(self.model.forward(x, training=False))[0]
        k = int(np.argmax(p)) if self.target.value == "predicted" else self.target.value
        return viz.show_explanations(x, self.maps(), titles=[f"class {k}: {p[k]:.0%}"],
                                     panel_size=2.4)

    def describe(self):
        return f"image {self.index.value}, class {self.target.value}"


class FGSMViewer(Viewer):
    """An ε slider: the FGSM change, the changed digit and the prediction before and after.

    images : ndarray of shape (N, C, H, W) in [0, 1]; labels : (N,) their true classes.
    """

    def __init__(self, model, images, labels, epsilon=0.1, max_epsilon=0.3, class_names=None):
        self.model, self.images = model, _check_images(images, "FGSMViewer")
        self.labels, self.class_names = np.asarray(labels), class_names
        self.index = W.IntSlider(0, 0, len(self.images) - 1, description="image")
        self.epsilon = W.FloatSlider(epsilon, min=0.0, max=max_epsilon, step=0.01,
                                     description="ε", readout_format=".2f")
        for control in (self.index, self.epsilon):
            control.observe(self._update, "value")
        self._build([self.index, self.epsilon])

    def figure(self):
        i, eps = self.index.value, round(self.epsilon.value, 2)
        x = self.images[i:i + 1]
        adv = explain.fgsm(self.model, x, self.labels[i:i + 1], eps)
        p, p_adv = (probabilities(self.model.forward(a, training=False))[0] for a in (x, adv))
        self.prediction = int(np.argmax(p_adv))
        return viz.show_fgsm(x[0], adv[0], p, p_adv, eps, self.class_names)

    def describe(self):
        pred = getattr(self, "prediction", None)
        return (f"image {self.index.value}, label {self.labels[self.index.value]}, "
                f"epsilon {self.epsilon.value:.2f}, prediction {pred}")


class ReceptiveFieldViewer(Viewer):
    """Click a unit of a feature map: its receptive field lights up on the input.

    image : ndarray of shape (C, H, W); the chosen map fills an ipycanvas of
    H·``zoom`` screen pixels (each unit a square), and a click picks the unit under the mouse.
    """

    def __init__(self, model, image, zoom=12):
        self.model, self.input_image = model, np.asarray(image)
        acts = model.activations(self.input_image[None])
        end = next((k for k, la in enumerate(model.layers) if isinstance(la, Flatten)),
                   len(model.layers))
        self.acts = {name: out[0] for name, out in acts[:end] if out.ndim == 4}
        names = list(self.acts)
        self.layer = W.Dropdown(options=names, value=names[-1], description="layer")
        self.channel = W.Dropdown(options=self._channels(), value=0, description="channel")
        side = self.input_image.shape[1] * zoom
        self.canvas = Canvas(width=side, height=side,
                             layout=W.Layout(width=f"{side}px", height=f"{side}px"))
        self.canvas.add_class("edu-cnn-canvas")
        self.canvas.on_mouse_down(self._click)
        self.unit = self._centre()
        self.layer.observe(self._on_layer, "value")
        self.channel.observe(self._update, "value")
        self._build([W.VBox([W.HBox([self.layer, self.channel]), self.canvas])])

    def _channels(self):
        return list(range(self.acts[self.layer.value].shape[0]))

    def _centre(self):
        _, h, w = self.acts[self.layer.value].shape
        return h // 2, w // 2

    def _on_layer(self, _):
        self.unit = self._centre()
        self._refill(self.channel, self._channels(), 0)

    def _unit_size(self):
        """Screen pixels per unit of the chosen map (the map fills the canvas)."""
        return self.canvas.width // max(self.acts[self.layer.value].shape[1:])

    def _click(self, x, y):
        fmap = self.acts[self.layer.value][self.channel.value]
        i, j = int(y // self._unit_size()), int(x // self._unit_size())
        if i < fmap.shape[0] and j < fmap.shape[1]:
            self.unit = (i, j)
            self._update()

    def _paint_map(self):
        """The chosen map, colour-mapped and zoomed, on the canvas (unit marked by the figure)."""
        fmap = self.acts[self.layer.value][self.channel.value]
        lo, hi = float(fmap.min()), float(fmap.max())
        rgb = matplotlib.colormaps["viridis"]((fmap - lo) / ((hi - lo) or 1.0))[..., :3]
        k = self._unit_size()
        big = np.kron((rgb * 255).astype(np.uint8), np.ones((k, k, 1), np.uint8))
        self.canvas.clear()
        self.canvas.put_image_data(big, 0, 0)

    def figure(self):
        self._paint_map()
        box = explain.receptive_field(self.model, self.layer.value, *self.unit,
                                      input_shape=self.input_image.shape)
        name = self.layer.value
        return viz.show_receptive_field(self.input_image, self.acts[name], self.unit, box, name,
                                        self.channel.value)

    def describe(self):
        return f"layer {self.layer.value}, channel {self.channel.value}, unit {self.unit}"
