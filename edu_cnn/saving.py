"""The model file: one ``.npz`` holding the architecture (JSON) and every weight array.

    architecture            a 0-d str array: {"format": "edu_cnn.Sequential", "version": 1,
                            "layers": [{"type": "Conv2D", "name": "conv2d",
                                        "trainable": true, "config": {...}}, ...]}
    "<layer name>/<key>"    one array per parameter, e.g. "conv2d/W" of shape (F, C, KH, KW)

The file holds only plain arrays, so ``np.load(path, allow_pickle=False)``
reads it. ``load`` checks the file, every layer spec and every weight shape
and says what is wrong, naming the file and the layer.
"""
import copy
import json
import os
import zipfile

import numpy as np

from . import __version__
from . import layers as _layers
from ._checks import check_layer_params

__all__ = ["save", "load", "FILE_FORMAT", "FILE_VERSION"]

FILE_FORMAT = "edu_cnn.Sequential"
FILE_VERSION = 1


def save(model, path):
    """Write ``model``'s architecture and weights to ``path`` (``.npz`` appended if missing).

    Returns
    -------
    str : the path written
    """
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    arrays = {"architecture": np.array(json.dumps(architecture(model)))}
    for layer in model.layers:
        for key, value in layer.params.items():
            arrays[f"{layer.name}/{key}"] = value
    np.savez(path, **arrays)
    return path


def architecture(model):
    """The JSON-ready description of ``model``: format, versions and one spec per layer."""
    return {"format": FILE_FORMAT, "version": FILE_VERSION, "edu_cnn_version": __version__,
            "layers": [{"type": type(layer).__name__, "name": layer.name,
                        "trainable": bool(layer.trainable), "config": layer.get_config()}
                       for layer in model.layers]}


def load(path, model_class):
    """Rebuild a ``model_class`` (Sequential) model written by ``save``, checking everything.

    Raises
    ------
    ValueError
        If the file is not an edu_cnn model, names an unknown layer type, or
        has missing, extra or wrongly shaped weights; the message names the
        file, the layer and what was expected.
    """
    path = os.fspath(path)
    spec, arrays = _read_model_file(path)
    model = model_class()
    for i, layer_spec in enumerate(spec["layers"]):
        try:
            model.add(_build_layer(layer_spec, i, path))
        except ValueError as err:               # e.g. two layers with the same name
            raise ValueError(f"Sequential.load('{path}'): layer {i}: {err}") from None
    for layer in model.layers:
        values = {key: arrays.pop(f"{layer.name}/{key}") for key in layer.params
                  if f"{layer.name}/{key}" in arrays}
        check_layer_params(layer, values, f"Sequential.load('{path}')")
        for key, value in values.items():
            layer.params[key] = np.array(value)             # keeps the saved dtype
            layer.grads[key] = np.zeros_like(layer.params[key])
    if arrays:
        raise ValueError(f"Sequential.load('{path}'): the file holds weights for no layer of "
                         f"the model: {sorted(arrays)}. The file was edited or corrupted.")
    return model


def _starts_with(path, magic):
    with open(path, "rb") as f:
        return f.read(len(magic)) == magic


def _read_model_file(path):
    """Return ``(architecture dict, {key: array})`` or say why the file is not a model."""
    not_model = f"Sequential.load: '{path}' is not an edu_cnn model file (an .npz written by " \
                "model.save)"
    if os.path.exists(path) and not zipfile.is_zipfile(path):
        kind = "a single .npy array" if _starts_with(path, b"\x93NUMPY") else "not an .npz archive"
        raise ValueError(f"{not_model}: the file is {kind}.")
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{not_model}: {err}") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{not_model}: it holds a single array, not a model.")
    with data:
        arrays = {key: data[key] for key in data.files}
    if "architecture" not in arrays:
        raise ValueError(f"{not_model}: it has no 'architecture' entry "
                         f"(its arrays: {sorted(arrays)[:5]}).")
    try:
        spec = json.loads(str(arrays.pop("architecture")[()]))
    except (ValueError, IndexError) as err:
        raise ValueError(f"{not_model}: its architecture is not valid JSON ({err}).") from None
    if not isinstance(spec, dict) or spec.get("format") != FILE_FORMAT \
            or not isinstance(spec.get("layers"), list):
        raise ValueError(f"{not_model}: its architecture does not describe an edu_cnn "
                         "Sequential model.")
    return spec, arrays


def _build_layer(spec, index, path):
    """One layer from ``{"type": ..., "name": ..., "config": {...}}``, with clear errors."""
    who = f"Sequential.load('{path}'): layer {index}"
    if not isinstance(spec, dict) or not isinstance(spec.get("config", {}), dict):
        raise ValueError(f"{who} is not a layer description (type/name/config), got {spec!r}.")
    type_name = spec.get("type")
    if type_name not in _layers.LAYER_TYPES:
        raise ValueError(f"{who} {spec.get('name')!r} has unknown type {type_name!r}; known "
                         f"types: {', '.join(sorted(_layers.LAYER_TYPES))}.")
    try:
        layer = _layers.LAYER_TYPES[type_name](**copy.deepcopy(spec.get("config", {})))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{who} {spec.get('name')!r} ({type_name}) has an invalid "
                         f"config {spec.get('config')}: {err}") from None
    layer.name = spec.get("name")
    layer.trainable = bool(spec.get("trainable", True))
    return layer
