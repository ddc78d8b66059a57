"""FeatureMapExplorer and FilterViewer: inside a trained model (notebook 06).

Draw through ``viz.show_feature_map_explorer`` and ``viz.show_filters``.
"""
import ipywidgets as W
import numpy as np

from .. import layers, viz
from ..functional import probabilities
from ._base import Viewer

__all__ = ["FeatureMapExplorer", "FilterViewer"]

# Layers whose output on images is feature maps (C, H', W'), worth exploring.
MAP_LAYERS = (layers.Conv2D, layers.MaxPool2D, layers.AvgPool2D, layers.ReLU, layers.LeakyReLU,
              layers.Sigmoid, layers.Tanh)


class FeatureMapExplorer(Viewer):
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
                 if isinstance(layer, MAP_LAYERS) and maps[layer.name].ndim == 3]
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
        c = self.channel.value
        return maps if c == "all" else maps[c:c + 1]

    def figure(self):
        i = self.index.value
        maps, probs = self._activations(i)
        label = None if self.labels is None else self.labels[i]
        return viz.show_feature_map_explorer(self.images[i], maps[self.layer.value], probs,
                                             self.layer.value, channel=self.channel.value,
                                             class_names=self.class_names, label=label)

    def describe(self):
        return f"image {self.index.value}, layer {self.layer.value}, channel {self.channel.value}"


class FilterViewer(Viewer):
    """Every filter of a conv layer as a grid.

    Parameters
    ----------
    model : Sequential
    layer : str, optional
        Name of a Conv2D layer; default the first.
    """

    def __init__(self, model, layer=None):
        self.model = model
        self.convs = {layer.name: layer for layer in model.layers
                      if isinstance(layer, layers.Conv2D)}
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
