"""The model file: one ``.npz`` holding the architecture (JSON) and every weight array.

    architecture            a 0-d str array: {"format": "edu_cnn.Sequential", "version": 1,
                            "layers": [{"type": "Conv2D", "name": "conv2d",
                                        "trainable": true, "config": {...}}, ...]}
    "<layer name>/<key>"    one array per parameter, e.g. "conv2d/W" of shape (F, C, KH, KW),
                            and per buffer (state that is not trained: BatchNorm's
                            "batch_norm2d/running_mean" and ".../running_var", each (C,))

The file holds only plain arrays, so ``np.load(path, allow_pickle=False)``
reads it.

``save`` is atomic: it writes a temporary file in the same folder and renames
it over the target only when complete, so a full disk, Ctrl-C or SIGTERM
leaves the previous file intact. It refuses what ``load`` could not read back
(NaN/inf weights, float16, layer types ``load`` does not know).

``load`` trusts nothing in the file. Before it allocates or initialises
anything it reads only the zip directory and the few bytes of each array's
header, and checks the architecture, every layer's config, the parameter
count (at most ``MAX_PARAMETERS``) and every declared shape and dtype; only
then does it read the weights (checking their CRC and refusing NaN/inf). Any
problem, down to a flipped byte, is one ``ModelFileError`` (a ValueError)
naming the file and, where it applies, the layer.
"""
import contextlib
import errno
import json
import math
import os
import struct
import zipfile
import zlib

import numpy as np

from . import __version__
from . import layers as _layers
from ._checks import check_finite, format_shape
from ._files import atomic_write

__all__ = ["save", "load", "ModelFileError", "FILE_FORMAT", "FILE_VERSION", "MAX_PARAMETERS"]

FILE_FORMAT = "edu_cnn.Sequential"
FILE_VERSION = 1

# Limits no model of this course comes near (the largest has about 0.4 million
# parameters); raise them here if a genuine file needs more.
MAX_PARAMETERS = 50_000_000        # all layers together (200 MB in float32)
MAX_LAYERS = 1_000
MAX_MEMBERS = 2 * MAX_LAYERS + 1   # arrays in the archive: 2 per layer and the architecture
MAX_ARCHITECTURE_BYTES = 1 << 20   # the JSON description, as stored (UTF-32)
WEIGHT_DTYPES = ("float32", "float64")

# What the zip and npy readers raise on damaged bytes; each becomes a ModelFileError.
_LOW_LEVEL = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError,
              ValueError, TypeError, KeyError, IndexError, OverflowError, NotImplementedError,
              RuntimeError, RecursionError, UnicodeError, OSError)


class ModelFileError(ValueError):
    """A file that ``Sequential.load`` refuses; the message names the file and what is wrong."""


# ---------------------------------------------------------------------- save

def save(model, path):
    """Write ``model``'s architecture and weights to ``path`` (``.npz`` appended if missing).

    Atomic: nothing at ``path`` changes unless the whole file was written.

    Returns
    -------
    str : the path written

    Raises
    ------
    ValueError
        If a layer could not be loaded back (unknown type, NaN/inf or
        non-float32/64 weights); nothing is written.
    OSError
        If the file cannot be written (folder not writable, disk full); the
        message names the file and says the previous file is unchanged.
    """
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    who = f"Sequential.save('{path}')"
    arrays = {"architecture": np.array(json.dumps(architecture(model)))}
    for i, layer in enumerate(model.layers):
        _check_savable(layer, i, who)
        for key, value in _arrays(layer).items():
            arrays[f"{layer.name}/{key}"] = value
    try:
        with atomic_write(path) as f:
            np.savez(f, **arrays)
    except OSError as err:
        raise _explain_write_error(err, path, who) from None
    return path


def _arrays(layer):
    """What a file holds for ``layer``: its parameters and its buffers (running statistics)."""
    return {**layer.params, **getattr(layer, "buffers", {})}


def _check_savable(layer, index, who):
    """Refuse, before writing, a layer that ``load`` would refuse."""
    name = f"{who}: layer {index} {layer.name!r} ({type(layer).__name__})"
    if _layers.LAYER_TYPES.get(type(layer).__name__) is not type(layer):
        raise ValueError(f"{name} is not one of the layer types Sequential.load can rebuild "
                         f"({', '.join(sorted(_layers.LAYER_TYPES))}). Save its weights with "
                         "np.savez(path, **layer.params) instead.")
    for key, value in _arrays(layer).items():
        if value.dtype.name not in WEIGHT_DTYPES:
            raise ValueError(f"{name} {key} has dtype {value.dtype}; a model file holds float32 "
                             "or float64 weights. Convert first: model.astype(np.float32).")
        check_finite(value, name, key, hint=" The model has diverged; nothing was written. "
                     "Save it before it diverges (fit restores the best weights when given "
                     "validation_data).")


def _explain_write_error(err, path, who):
    """The same kind of OSError, with a message that names the file and what to do."""
    folder = os.path.dirname(os.path.abspath(path))
    if err.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", -1)):
        fix = "Free some disk space (or raise the file-size limit), or save to another folder."
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"The folder {folder} is not writable by you; save into a folder you can write to."
    elif err.errno == errno.ENOENT:
        fix = f"The folder {folder} does not exist; create it first (os.makedirs)."
    else:
        fix = "Check the path, or save to another folder."
    message = (f"{who}: could not write the model file ({err.strerror or err}). Any previous "
               f"file at that path is unchanged and no temporary file was left. {fix}")
    return type(err)(err.errno, message) if err.errno is not None else type(err)(message)


def architecture(model):
    """The JSON-ready description of ``model``: format, versions and one spec per layer."""
    return {"format": FILE_FORMAT, "version": FILE_VERSION, "edu_cnn_version": __version__,
            "layers": [{"type": type(layer).__name__, "name": layer.name,
                        "trainable": bool(layer.trainable), "config": layer.get_config()}
                       for layer in model.layers]}


# ---------------------------------------------------------------------- load

def load(path, model_class):
    """Rebuild a ``model_class`` (Sequential) model written by ``save``, checking everything.

    Raises
    ------
    FileNotFoundError, PermissionError
        If ``path`` does not exist or cannot be read.
    ModelFileError (a ValueError)
        If the file is not an edu_cnn model, is damaged, exceeds a limit, names
        an unknown layer type, or has missing, extra, wrongly shaped, non-float
        or NaN/inf weights; the message names the file, the layer and what was
        expected.
    """
    path = os.fspath(path)
    who = f"Sequential.load('{path}')"
    with _open_archive(path) as (archive, members):
        specs = _read_architecture(archive, members, path)
        expected = _expected_params(specs, who)
        _check_members(members, expected, who)
        model = model_class()
        for i, spec in enumerate(specs):
            model.add(_build_layer(spec, i, who))    # names were checked to be unique
        for layer in model.layers:
            for key in _arrays(layer):
                value = _read_member(archive, members[f"{layer.name}/{key}"], path)
                try:
                    check_finite(value, f"{who}: layer {layer.name!r} ({type(layer).__name__})",
                                 key, hint=" The model had diverged when it was saved; load "
                                 "an earlier file or retrain (e.g. with a smaller learning rate).")
                except ValueError as err:
                    raise ModelFileError(str(err)) from None
                value = value.astype(value.dtype.newbyteorder("="), copy=False)
                if key in layer.params:
                    layer.params[key] = value
                    layer.grads[key] = np.zeros_like(value)
                else:
                    layer.buffers[key] = value
    return model


def _not_model(path, why):
    return ModelFileError(f"Sequential.load: '{path}' is not an edu_cnn model file (an .npz "
                          f"written by model.save): {why}")


def _damaged(path, err):
    return _not_model(path, f"it is damaged ({type(err).__name__}: {str(err)[:200]}). Use "
                            "another copy, or save the model again.")


@contextlib.contextmanager
def _low_level_errors(path):
    """Turn what the zip and npy readers raise on bad bytes into one ModelFileError."""
    try:
        yield
    except (ModelFileError, FileNotFoundError, PermissionError):
        raise
    except _LOW_LEVEL as err:
        raise _damaged(path, err) from None


@contextlib.contextmanager
def _open_archive(path):
    """The open ZipFile and ``{key: (ZipInfo, shape, dtype)}`` read from its array headers."""
    if os.path.isdir(path):
        raise _not_model(path, "it is a folder. Give the path of the .npz file inside it.")
    with open(path, "rb") as f:                      # FileNotFoundError/PermissionError as is
        magic = f.read(6)
    if magic == b"\x93NUMPY":
        raise _not_model(path, "the file is a single .npy array, not a model.")
    with _low_level_errors(path):
        if not zipfile.is_zipfile(path):
            raise _not_model(path, "the file is not an .npz archive.")
        archive = zipfile.ZipFile(path)
    with archive:
        with _low_level_errors(path):
            members = _read_headers(archive, path)
        yield archive, members                       # the caller's errors pass unchanged


def _read_headers(archive, path):
    """Check every member's name, count and npy header (shape, dtype) without reading data."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _not_model(path, f"it holds {len(infos):,} entries, more than the limit "
                               f"{MAX_MEMBERS:,} (saving.MAX_MEMBERS).")
    members = {}
    for info in infos:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise _not_model(path, f"it holds {info.filename[:80]!r}, which is not a NumPy "
                                   "array (.npy); a model file holds nothing else.")
        key = info.filename[:-4]
        if key in members:
            raise _not_model(path, f"it holds {key!r} twice.")
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise _not_model(path, f"array {key!r} has npy format {version}, "
                                       "expected 1.0 or 2.0.")
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(f)
            header_bytes = f.tell()
        if dtype.hasobject:
            raise _not_model(path, f"array {key!r} holds Python objects (pickled data), "
                                   "which a model file never does.")
        data_bytes = math.prod(shape) * dtype.itemsize
        if info.file_size != header_bytes + data_bytes:
            raise _damaged(path, ValueError(
                f"array {key!r} declares shape {shape} {dtype} ({data_bytes:,} bytes) but its "
                f"entry holds {info.file_size - header_bytes:,} bytes"))
        members[key] = (info, shape, dtype)
    return members


def _read_member(archive, member, path):
    """The array of one member (sizes already checked), its CRC verified."""
    info, _, _ = member
    with _low_level_errors(path), archive.open(info) as f:
        value = np.lib.format.read_array(f, allow_pickle=False)
        if f.read(1):                                # also makes zipfile check the CRC
            raise ValueError(f"array {info.filename!r} has bytes after its data")
    return value


def _read_architecture(archive, members, path):
    """The layer specs of the file, each checked: a list of dicts (type, name, config)."""
    if "architecture" not in members:
        raise _not_model(path, f"it has no 'architecture' entry (its arrays: "
                               f"{sorted(members)[:5]}).")
    info, shape, dtype = members.pop("architecture")
    if shape != () or dtype.kind != "U" or info.file_size > MAX_ARCHITECTURE_BYTES:
        raise _not_model(path, f"its 'architecture' entry is {format_shape(shape)} {dtype} of "
                               f"{info.file_size:,} bytes, expected a JSON string (at most "
                               f"{MAX_ARCHITECTURE_BYTES:,} bytes).")
    text = str(_read_member(archive, (info, shape, dtype), path)[()])
    try:
        spec = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise _not_model(path, f"its architecture is not valid JSON "
                               f"({type(err).__name__}: {str(err)[:100]}).") from None
    if not isinstance(spec, dict) or spec.get("format") != FILE_FORMAT \
            or not isinstance(spec.get("layers"), list):
        raise _not_model(path, "its architecture does not describe an edu_cnn Sequential model.")
    if len(spec["layers"]) > MAX_LAYERS:
        raise _not_model(path, f"it declares {len(spec['layers']):,} layers, more than the "
                               f"limit {MAX_LAYERS:,} (saving.MAX_LAYERS).")
    who = f"Sequential.load('{path}')"
    for i, layer_spec in enumerate(spec["layers"]):
        _check_layer_spec(layer_spec, f"{who}: layer {i}")
    return spec["layers"]


def _is_scalar(value):
    return value is None or isinstance(value, (bool, int, float, str))


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _check_layer_spec(spec, where):
    """A layer spec is ``{"type": str, "name": str, "trainable": bool, "config": {...}}``
    whose config values are numbers, strings, None or short flat lists of them."""
    if not isinstance(spec, dict) or not isinstance(spec.get("config", {}), dict):
        raise ModelFileError(f"{where} is not a layer description (type/name/config), "
                             f"got {_short(spec)}.")
    type_name, name = spec.get("type"), spec.get("name")
    if type_name not in _layers.LAYER_TYPES:
        raise ModelFileError(f"{where} {_short(name)} has unknown type {_short(type_name)}; "
                             f"known types: {', '.join(sorted(_layers.LAYER_TYPES))}.")
    if not isinstance(name, str) or not name or len(name) > 200:
        raise ModelFileError(f"{where} ({type_name}) has name {_short(name)}; expected a "
                             "non-empty string.")
    if not isinstance(spec.get("trainable", True), bool):
        raise ModelFileError(f"{where} {name!r} has trainable={_short(spec['trainable'])}, "
                             "expected true or false.")
    for key, value in spec.get("config", {}).items():
        flat = _is_scalar(value) or (isinstance(value, list) and len(value) <= 4
                                     and all(_is_scalar(v) for v in value))
        if not flat:
            raise ModelFileError(f"{where} {name!r} ({type_name}) has config {key}="
                                 f"{_short(value)}; a layer config holds numbers, strings, "
                                 "null or short lists of them, nothing nested.")


def _expected_params(specs, who):
    """``{"<layer name>/<key>": shape}`` from the configs alone, within MAX_PARAMETERS."""
    expected, total, largest, seen = {}, 0, (0, ""), set()
    for i, spec in enumerate(specs):
        if spec["name"] in seen:
            raise ModelFileError(f"{who}: layer {i}: a layer named {spec['name']!r} is already "
                                 "in the model; layer names must be unique.")
        seen.add(spec["name"])
        layer_class, config = _layers.LAYER_TYPES[spec["type"]], spec.get("config", {})
        try:
            shapes = layer_class.param_shapes(**config)
            if hasattr(layer_class, "buffer_shapes"):          # BatchNorm's running statistics
                shapes = {**shapes, **layer_class.buffer_shapes(**config)}
        except (TypeError, ValueError) as err:
            raise _invalid_config(spec, i, who, err) from None
        count = sum(math.prod(shape) for shape in shapes.values())
        total += count
        largest = max(largest, (count, f"layer {i} {spec['name']!r} ({spec['type']})"))
        for key, shape in shapes.items():
            expected[f"{spec['name']}/{key}"] = (spec, key, shape)
    if total > MAX_PARAMETERS:
        raise ModelFileError(f"{who}: the file declares {total:,} parameters ({largest[1]} "
                             f"alone has {largest[0]:,}), more than the limit "
                             f"{MAX_PARAMETERS:,} (saving.MAX_PARAMETERS); models of this "
                             "course have well under a million. Nothing was allocated.")
    return expected


def _invalid_config(spec, index, who, err):
    return ModelFileError(f"{who}: layer {index} {spec['name']!r} ({spec['type']}) has an "
                          f"invalid config {_short(spec.get('config'), 200)}: {err}")


def _check_members(members, expected, who):
    """Every expected weight is present with its shape and a float32/64 dtype; no extras."""
    by_layer = {}
    for spec, param, shape in expected.values():
        by_layer.setdefault(spec["name"], (spec, {}))[1][param] = shape
    for name, (spec, shapes) in by_layer.items():
        layer = f"{who}: layer {name!r} ({spec['type']})"
        found = {param for param in shapes if f"{name}/{param}" in members}
        if found != set(shapes):
            missing = sorted(set(shapes) - found)
            raise ModelFileError(f"{layer} expected weights {sorted(shapes)}, got "
                                 f"{sorted(found)} (missing: {missing}).")
        for param, shape in shapes.items():
            _, got_shape, dtype = members[f"{name}/{param}"]
            if got_shape != shape:
                raise ModelFileError(f"{layer} expected {param} of shape {format_shape(shape)}, "
                                     f"got {format_shape(got_shape)}.")
            if dtype.kind != "f" or dtype.itemsize not in (4, 8):
                raise ModelFileError(f"{layer} expected {param} with a float dtype (float32 or "
                                     f"float64), got {dtype.name}. edu_cnn computes in float32 "
                                     "or float64 only; re-save the model from one of those.")
    extra = sorted(set(members) - set(expected))
    if extra:
        raise ModelFileError(f"{who}: the file holds weights for no layer of the model: "
                             f"{extra[:5]}{' ...' if len(extra) > 5 else ''}. The file was "
                             "edited or corrupted.")


def _build_layer(spec, index, who):
    """One layer from a checked spec; its config was checked by ``param_shapes`` already."""
    type_name = spec["type"]
    try:
        layer = _layers.LAYER_TYPES[type_name](**spec.get("config", {}))
    except (TypeError, ValueError) as err:
        raise _invalid_config(spec, index, who, err) from None
    layer.name = spec["name"]
    layer.trainable = spec.get("trainable", True)
    return layer
