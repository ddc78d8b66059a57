"""``Sequential``: a stack of layers you can summarise, train, evaluate, save and load.

    model = Sequential([Conv2D(1, 8, 3, padding="same"), ReLU(), MaxPool2D(2),
                        Flatten(), Dense(8 * 14 * 14, 10)])
    model.summary(input_shape=(1, 28, 28))
    history = model.fit(x_train, y_train, epochs=2, batch_size=64,
                        optimizer=optim.Adam(1e-3), loss="cross_entropy",
                        validation_data=(x_val, y_val))
    probabilities = model.predict(x_test)        # (N, 10), rows sum to 1
    model.save("digits.npz");  model = Sequential.load("digits.npz")

The last layer outputs logits (no softmax layer): the loss applies softmax
(or the sigmoid, for one output) itself, and ``predict`` turns logits into
probabilities. The training loop lives in ``training.py``, the file format
in ``saving.py``; ``fit``, ``save`` and ``load`` hand over to them.
"""
import re

import numpy as np

from . import layers as _layers
from . import losses as _losses
from . import saving as _saving
from . import training as _training
from ._checks import (
    check_class_ids,
    check_finite,
    check_floating,
    check_layer_params,
    check_positive_int,
    format_shape,
)
from .data import batch_indices
from .functional import predicted_classes, probabilities
from .training import Callback, History

__all__ = ["Sequential", "History", "Callback"]


class SummaryTable(str):
    """The text of ``Sequential.summary()``: a str that notebooks do not echo a second time."""

    def _ipython_display_(self):
        """``summary()`` already printed the table; show nothing for the returned value."""


# Layers whose backward can skip dx (``input_grad=False``).
_FIRST_LAYER_SKIPS_DX = (_layers.Conv2D, _layers.Dense)


def _snake_case(type_name):
    """``"Conv2D"`` -> ``"conv2d"``, ``"MaxPool2D"`` -> ``"max_pool2d"`` (Keras-style names)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])", "_", type_name).lower()


class Sequential:
    """A stack of layers applied one after the other.

    Parameters
    ----------
    layers : list of Layer, optional
        Added in order with ``add`` (which names unnamed layers ``conv2d``,
        ``conv2d_1``, ``dense``, ... as Keras does).

    Attributes
    ----------
    layers : list of Layer
    optimizer, loss : the last ones given to ``fit`` (reused by later calls)
    stop_training : bool
        A callback may set it to stop ``fit`` after the current epoch.
    history : History or None
        The History of the last ``fit`` (kept even if it was interrupted).
    """

    def __init__(self, layers=None):
        self.layers = []
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Append ``layer``, giving it a unique name if it has none. Returns the model."""
        if not isinstance(layer, _layers.Layer):
            hint = " Did you forget the parentheses, e.g. ReLU()?" if isinstance(layer, type) \
                else ""
            raise TypeError("Sequential.add expected an edu_cnn layer (e.g. "
                            f"layers.Dense(784, 10)), got {layer!r}.{hint}")
        taken = {other.name for other in self.layers}
        if layer.name is None:
            base = _snake_case(type(layer).__name__)
            layer.name, k = base, 0
            while layer.name in taken:
                k += 1
                layer.name = f"{base}_{k}"
        elif layer.name in taken:
            raise ValueError(f"Sequential.add: a layer named {layer.name!r} is already in the "
                             "model; layer names must be unique (leave name=None to get one).")
        self.layers.append(layer)
        return self

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __repr__(self):
        inner = "".join(f"\n  {layer!r}," for layer in self.layers)
        return f"Sequential([{inner}\n])" if self.layers else "Sequential([])"

    # ------------------------------------------------------------------ forward / backward

    def forward(self, x, training=True):
        """Run ``x`` through every layer; ``training=False`` turns Dropout off.

        x (N, C, H, W) or (N, D), what the first layer takes -> logits (N, K).
        A MemoryError names the layer and the batch and says to lower ``batch_size``.
        """
        for i, layer in enumerate(self.layers):
            try:
                x = layer.forward(x, training=training)
            except MemoryError as err:
                raise _out_of_memory(i, layer, x, err) from None
        return x

    def __call__(self, x, training=True):
        return self.forward(x, training=training)

    def backward(self, dout, input_grad=True):
        """Backpropagate ``dout`` (dL/d logits) through the layers in reverse; fills their grads.

        dout (N, K) -> dx, dL/dx with the shape of the model's input (a saliency map).
        ``input_grad=False`` (what ``fit`` uses) returns None: training needs the
        parameters' gradients only, so the layers before the first one with
        parameters are skipped and that one (Conv2D, Dense) does not compute its dx.
        """
        first = 0 if input_grad else next(
            (i for i, layer in enumerate(self.layers) if layer.params), len(self.layers))
        for i in range(len(self.layers) - 1, first - 1, -1):
            layer = self.layers[i]
            if i == first and not input_grad and isinstance(layer, _FIRST_LAYER_SKIPS_DX):
                layer.backward(dout, input_grad=False)
            else:
                dout = layer.backward(dout)
        return dout if input_grad else None

    def activations(self, x):
        """Each layer's output for ``x`` (inference mode), for the feature-map viewers.

        Returns a list of ``(layer.name, output)``, e.g. ``("conv2d", (N, 8, 28, 28))``.
        """
        x = self.check_images(x, "activations")
        result = []
        for layer in self.layers:
            x = layer.forward(x, training=False)
            result.append((layer.name, x))
        return result

    # ------------------------------------------------------------------ shapes and summary

    def output_shapes(self, input_shape, who="Sequential"):
        """Output shape (without the batch axis) of every layer for one input of ``input_shape``.

        Raises the layer's own error, prefixed with its position and name, if a
        shape does not fit (e.g. Dense expecting 6272 features and getting 1568).
        """
        if not self.layers:
            raise ValueError(f"{who}: the model has no layers; add some with model.add(...).")
        shapes, shape = [], tuple(input_shape)
        for i, layer in enumerate(self.layers):
            try:
                shape = tuple(layer.output_shape(shape))
            except (ValueError, TypeError) as err:
                kind = TypeError if isinstance(err, TypeError) else ValueError
                raise kind(f"{who}: layer {i} {layer.name!r} ({type(layer).__name__}) cannot "
                           f"take input of shape {format_shape(('N',) + shape)}: {err}") from err
            shapes.append(shape)
        return shapes

    def summary(self, input_shape):
        """Print and return a Keras-style table: layer (type), output shape, parameter count.

        Parameters
        ----------
        input_shape : tuple of int
            One example without the batch axis, e.g. ``(1, 28, 28)``.

        Returns
        -------
        SummaryTable (a str)
            The printed text, ending with total / trainable / non-trainable counts.
        """
        shapes = self.output_shapes(_check_input_shape(input_shape), who="summary")
        rows = [(f"{layer.name} ({type(layer).__name__})", format_shape(("None",) + shape),
                 f"{layer.num_params():,}") for layer, shape in zip(self.layers, shapes)]
        total = sum(layer.num_params() for layer in self.layers)
        trainable = sum(layer.num_params() for layer in self.layers if layer.trainable)
        widths = [max(len(h), *(len(r[c]) for r in rows)) + 3
                  for c, h in enumerate(("Layer (type)", "Output Shape", "Param #"))]
        w_layer, w_shape, w_params = widths

        def line(layer, shape, params):
            return f"{layer:<{w_layer}}{shape:<{w_shape}}{params:>{w_params}}"

        width = sum(widths)
        text = "\n".join([
            f"Model: Sequential, input shape {format_shape(('None',) + tuple(input_shape))}",
            "_" * width, line("Layer (type)", "Output Shape", "Param #"), "=" * width,
            *(line(*row) for row in rows), "=" * width,
            f"Total params: {total:,}", f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}", "_" * width])
        print(text)
        return SummaryTable(text)

    # ------------------------------------------------------------------ input checks

    def check_images(self, x, who):
        """Float, finite, non-empty images ``(N, ...)`` whose shape fits the first layer."""
        if isinstance(x, (list, tuple)):
            x = np.asarray(x)
        check_floating(x, who)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"{who} expected a non-empty batch x, "
                             f"got shape {format_shape(x.shape)}.")
        check_finite(x, who, hint=" Clean the data first, e.g. x = np.nan_to_num(x).")
        self.output_shapes(x.shape[1:], who=who)
        return x

    def check_data(self, x, y, who):
        """``check_images(x)``, and ``y`` (N,) class ids within the last layer's outputs."""
        x = self.check_images(x, who)
        y = check_class_ids(y, len(x), who)
        self._check_label_range(y, x.shape, who)
        return x, y

    def _check_label_range(self, y, x_shape, who):
        """Labels must be < the number of outputs of the last layer."""
        out_shape = self.output_shapes(x_shape[1:], who=who)[-1]
        last = self.layers[-1]
        if len(out_shape) != 1:
            raise ValueError(f"{who}: the last layer {last.name!r} outputs shape "
                             f"{format_shape(('N',) + out_shape)}, expected logits (N, K). "
                             "End the model with Flatten() and Dense(..., K).")
        n_classes = max(out_shape[0], 2)
        if y.min() < 0 or y.max() >= n_classes:
            bad = int(y[(y < 0) | (y >= n_classes)][0])
            fix = ("class ids start at 0" if bad < 0 else
                   f"check y, or give the last Dense {int(y.max()) + 1} outputs")
            raise ValueError(f"{who}: label {bad} is out of range; the last layer {last.name!r} "
                             f"outputs {out_shape[0]} value(s) per example, so labels must be "
                             f"in 0..{n_classes - 1} ({fix}).")

    # ------------------------------------------------------------------ training

    def fit(self, x, y, epochs=1, batch_size=32, optimizer=None, loss=None,
            validation_data=None, seed=0, verbose=1, callbacks=None,
            restore_best_weights=True, lr_schedule=None, transform=None):
        """Train with shuffled mini-batches; validate after every epoch.

        Parameters
        ----------
        x : ndarray of shape (N, C, H, W) or (N, D), float32 or float64
            Scaled images (integer 0-255 pixels are refused: use ``x / 255``).
        y : ndarray of shape (N,), int
            Class ids in ``0 .. K-1`` for a last layer with K outputs.
        epochs, batch_size : int >= 1
        optimizer : Optimizer or str
            e.g. ``optim.SGD(0.1, momentum=0.9)`` or ``"adam"``; required on
            the first call, reused afterwards.
        loss : Loss or str
            e.g. ``"cross_entropy"``; required on the first call, reused afterwards.
        validation_data : (x_val, y_val), optional
        seed : int
            Seeds the numpy Generator that shuffles each epoch.
        verbose : {0, 1, 2}
            0 silent, 1 a progress bar per epoch, 2 one line per epoch.
        callbacks : list of Callback, optional
        restore_best_weights : bool
            With validation data, put back the weights of the epoch with the
            lowest ``val_loss`` at the end.
        lr_schedule : e.g. ``optim.ExponentialDecay(optimizer, gamma)``; ``.step()`` per epoch.
        transform : callable, optional
            Applied to every training batch before the forward pass, ``xb = transform(xb)``
            (same shape), e.g. ``data.augment.Augment(shift=2, rng=0)``; never to validation.

        Returns
        -------
        History
            Also kept as ``model.history``.

        Ctrl-C (KeyboardInterrupt)
        --------------------------
        The first Ctrl-C stops training at a consistent point: after the batch
        being computed (a second Ctrl-C stops at once). Then ``fit`` puts back
        the weights of the best epoch so far (with ``validation_data`` and
        ``restore_best_weights``), keeps the finished epochs in
        ``model.history``, prints one line saying what it did, and raises the
        KeyboardInterrupt again, so that a script or "Run All" stops as the
        user asked. The model can be used at once: ``model.history``,
        ``model.evaluate``, ``model.save``, or ``fit`` again.
        """
        return _training.fit(self, x, y, epochs=epochs, batch_size=batch_size,
                             optimizer=optimizer, loss=loss, validation_data=validation_data,
                             seed=seed, verbose=verbose, callbacks=callbacks,
                             restore_best_weights=restore_best_weights, lr_schedule=lr_schedule,
                             transform=transform)

    # ------------------------------------------------------------------ inference

    def evaluate(self, x, y, batch_size=256, loss=None):
        """Mean loss and accuracy on ``(x, y)`` in inference mode (no Dropout), in batches.

        x (N, C, H, W) or (N, D) float, y (N,) int -> (mean loss, fraction correct).
        ``loss`` defaults to the one given to ``fit``, else ``"cross_entropy"``.
        """
        x, y = self.check_data(x, y, "evaluate")
        batch_size = check_positive_int(batch_size, "evaluate", "batch_size")
        loss = _losses.get(loss if loss is not None else self.loss or "cross_entropy")
        loss_sum, correct = 0.0, 0
        for idx in batch_indices(len(x), batch_size):
            logits = self.forward(x[idx], training=False)         # (B, K)
            loss_sum += float(loss.forward(logits, y[idx])) * len(logits)
            correct += int((predicted_classes(logits) == y[idx]).sum())
        return loss_sum / len(x), correct / len(x)

    def predict(self, x, batch_size=256):
        """Class probabilities, computed ``batch_size`` images at a time (bounded memory).

        x (N, C, H, W) or (N, D) float -> (N, K), the softmax of the logits (rows sum to 1);
        for a single output, the sigmoid: P(class 1), shape (N, 1).
        """
        x = self.check_images(x, "predict")
        batch_size = check_positive_int(batch_size, "predict", "batch_size")
        chunks = [probabilities(self.forward(x[idx], training=False))
                  for idx in batch_indices(len(x), batch_size)]
        return np.concatenate(chunks)

    # ------------------------------------------------------------------ weights

    def get_weights(self):
        """Copies of all parameters: a list with one ``{name: ndarray}`` dict per layer."""
        return [{key: value.copy() for key, value in layer.params.items()}
                for layer in self.layers]

    def set_weights(self, weights):
        """Copy ``weights`` (as from ``get_weights``) into the parameters, checking every shape."""
        if len(weights) != len(self.layers):
            raise ValueError(f"set_weights expected a list of {len(self.layers)} dicts (one per "
                             f"layer), got {len(weights)}.")
        for layer, values in zip(self.layers, weights):
            check_layer_params(layer, values, "set_weights")
        for layer, values in zip(self.layers, weights):
            for key, value in values.items():
                layer.params[key][...] = value       # in place: optimiser state stays valid

    def astype(self, dtype):
        """Cast every layer's parameters (and grads) to ``dtype``; returns the model."""
        for layer in self.layers:
            layer.astype(dtype)
        return self

    # ------------------------------------------------------------------ save, load

    def save(self, path):
        """Write the architecture (JSON) and the weights to one ``.npz`` file (see ``saving``).

        Returns the path written (``.npz`` is appended if missing).
        """
        return _saving.save(self, path)

    @classmethod
    def load(cls, path):
        """Rebuild a model written by ``save``; every layer and weight shape is checked.

        Raises ValueError naming the file, the layer and what was expected if
        the file is not an edu_cnn model or was edited.
        """
        return _saving.load(path, cls)


def _out_of_memory(index, layer, x, err):
    """The MemoryError of a layer's forward, with the batch it got and the fix."""
    n = len(x)
    smaller = max(1, n // 8)
    return MemoryError(
        f"Sequential.forward: layer {index} {layer.name!r} ({type(layer).__name__}) ran out of "
        f"memory on a batch of shape {format_shape(x.shape)} {x.dtype} "
        f"({x.nbytes / 2**20:,.1f} MiB in, and more for its output and workspace). Lower "
        f"batch_size (fit, evaluate and predict take it; e.g. batch_size={smaller}), or use "
        f"smaller images. ({err})")


def _check_input_shape(input_shape):
    if (not isinstance(input_shape, (tuple, list)) or not input_shape
            or not all(isinstance(s, (int, np.integer)) and s > 0 for s in input_shape)):
        raise ValueError("summary expected input_shape as a tuple of positive ints without the "
                         f"batch axis, e.g. (1, 28, 28), got {input_shape!r}.")
    return tuple(int(s) for s in input_shape)
