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
probabilities.
"""
import copy
import json
import os
import re
import zipfile

import numpy as np

from . import __version__
from . import layers as _layers
from . import losses as _losses
from . import optim as _optim
from .data import batch_indices
from .functional import predicted_classes, probabilities
from ._checks import check_finite, check_floating, check_lengths, check_positive_int, format_shape

__all__ = ["Sequential", "History", "Callback"]

FILE_FORMAT = "edu_cnn.Sequential"
FILE_VERSION = 1
EVAL_BATCH_SIZE = 256          # validation inside fit runs in batches of this size


class Callback:
    """Hooks called by ``Sequential.fit``; subclass and override the ones you need.

    ``logs`` is a dict such as ``{"loss": 0.31, "accuracy": 0.91}`` (running
    means over the epoch so far); at the end of an epoch it also holds
    ``val_loss``/``val_accuracy`` when there is validation data. Set
    ``model.stop_training = True`` to stop after the current epoch.
    """

    def on_train_begin(self, model):
        """Called once before the first epoch."""

    def on_batch_end(self, model, batch, logs):
        """Called after every optimiser step; ``batch`` counts from 0 in each epoch."""

    def on_epoch_end(self, model, epoch, logs):
        """Called after each epoch (and its validation); ``epoch`` counts from 0."""

    def on_train_end(self, model, history):
        """Called once after training, after best weights were restored."""


class History:
    """What ``fit`` returns: ``history.history["loss"][e]`` is epoch ``e``'s mean loss.

    Attributes
    ----------
    history : dict of str -> list of float
        ``loss`` and ``accuracy`` per epoch, plus ``val_loss`` and
        ``val_accuracy`` when ``fit`` had ``validation_data``.
    epoch : list of int
        The epochs run, counted from 0.
    best_epoch : int or None
        The epoch with the lowest ``val_loss`` (None without validation data).
    """

    def __init__(self):
        self.history = {}
        self.epoch = []
        self.best_epoch = None

    def _append(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4f}" for k, v in self.history.items() if v)
        return f"History({len(self.epoch)} epochs; last: {last})"


class SummaryTable(str):
    """The text of ``Sequential.summary()``: a str that notebooks do not echo a second time."""

    def _ipython_display_(self):
        """``summary()`` already printed the table; show nothing for the returned value."""


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
    """

    def __init__(self, layers=None):
        self.layers = []
        self.optimizer = None
        self.loss = None
        self.stop_training = False
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

        Parameters
        ----------
        x : ndarray of shape (N, C, H, W) or (N, D)
            What the first layer takes.

        Returns
        -------
        logits : ndarray of shape (N, K), the last layer's output
        """
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def __call__(self, x, training=True):
        return self.forward(x, training=training)

    def backward(self, dout):
        """Backpropagate ``dout`` (dL/d logits) through the layers in reverse; fills their grads.

        Returns
        -------
        dx : ndarray, dL/dx with the shape of the model's input
        """
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def activations(self, x):
        """Each layer's output for ``x`` (inference mode), for the feature-map viewers.

        Returns
        -------
        list of (str, ndarray)
            ``(layer.name, output)`` in order, e.g. ``("conv2d", (N, 8, 28, 28))``.
        """
        x = self._check_images(x, "activations")
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
        line = "{:<%d}{:<%d}{:>%d}" % tuple(widths)
        width = sum(widths)
        text = "\n".join([
            f"Model: Sequential, input shape {format_shape(('None',) + tuple(input_shape))}",
            "_" * width, line.format("Layer (type)", "Output Shape", "Param #"), "=" * width,
            *(line.format(*row) for row in rows), "=" * width,
            f"Total params: {total:,}", f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}", "_" * width])
        print(text)
        return SummaryTable(text)

    # ------------------------------------------------------------------ input checks

    def _check_images(self, x, who):
        """Float, finite, non-empty images whose shape fits the first layer."""
        if isinstance(x, (list, tuple)):
            x = np.asarray(x)
        check_floating(x, who)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"{who} expected a non-empty batch x, "
                             f"got shape {format_shape(x.shape)}.")
        check_finite(x, who, hint=" Clean the data first, e.g. x = np.nan_to_num(x).")
        self.output_shapes(x.shape[1:], who=who)
        return x

    def _check_labels(self, y, n, who):
        """Integer class ids of shape (N,), one per row of x."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            raise ValueError(f"{who} expected labels y as class ids of shape (N,), got shape "
                             f"{format_shape(y.shape)}, which looks one-hot. "
                             "Use y.argmax(axis=1).")
        if y.ndim != 1:
            raise ValueError(f"{who} expected labels y of shape (N,), got {format_shape(y.shape)}."
                             + (" Use y.ravel()." if y.size == n else ""))
        if y.dtype.kind not in "iu":
            hint = " Convert them with y.astype(np.int64)." if y.dtype.kind in "fb" else ""
            raise TypeError(f"{who} expected integer class ids in y, got dtype {y.dtype}.{hint}")
        check_lengths(n, len(y), who, "x", "y")
        return y

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

    def _check_xy(self, x, y, who):
        x = self._check_images(x, who)
        y = self._check_labels(y, len(x), who)
        self._check_label_range(y, x.shape, who)
        return x, y

    # ------------------------------------------------------------------ training

    def fit(self, x, y, epochs=1, batch_size=32, optimizer=None, loss=None,
            validation_data=None, seed=0, verbose=1, callbacks=None,
            restore_best_weights=True, lr_schedule=None):
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

        Returns
        -------
        History
        """
        run = self._prepare_fit(x, y, epochs, batch_size, optimizer, loss, validation_data,
                                verbose, callbacks, lr_schedule)
        rng = np.random.default_rng(seed)
        history, best = History(), _BestWeights(restore_best_weights and run.validation)
        self.stop_training = False
        for callback in run.callbacks:
            callback.on_train_begin(self)
        for epoch in range(run.epochs):
            logs = self._run_epoch(run, rng, epoch)
            history._append(epoch, logs)
            best.update(self, epoch, logs)
            for callback in run.callbacks:
                callback.on_epoch_end(self, epoch, dict(logs))
            if lr_schedule is not None:
                lr_schedule.step()
            if self.stop_training:
                break
        history.best_epoch = best.restore(self, run.verbose, last_epoch=history.epoch[-1])
        for callback in run.callbacks:
            callback.on_train_end(self, history)
        return history

    def _prepare_fit(self, x, y, epochs, batch_size, optimizer, loss, validation_data,
                     verbose, callbacks, lr_schedule):
        """Validate every argument of ``fit`` before any weight changes; bundle them."""
        epochs = check_positive_int(epochs, "fit", "epochs")
        batch_size = check_positive_int(batch_size, "fit", "batch_size")
        if verbose not in (0, 1, 2) or isinstance(verbose, bool):
            raise ValueError(f"fit expected verbose to be 0 (silent), 1 (progress bar) or "
                             f"2 (one line per epoch), got {verbose!r}.")
        x, y = self._check_xy(x, y, "fit")
        optimizer = _require(optimizer, self.optimizer, "optimizer",
                             "optimizer=optim.Adam(lr=1e-3)", _optim.get)
        loss = _require(loss, self.loss, "loss", 'loss="cross_entropy"', _losses.get)
        validation = _check_validation_data(self, validation_data)
        callbacks = _check_callbacks(callbacks)
        _check_schedule(lr_schedule, optimizer)
        self.optimizer, self.loss = optimizer, loss          # remembered for the next fit
        return _FitRun(x=x, y=y, epochs=epochs, batch_size=batch_size, verbose=verbose,
                       callbacks=callbacks, validation=validation,
                       optimizer=optimizer, loss=loss)

    def _run_epoch(self, run, rng, epoch):
        """One pass over the shuffled training set; returns the epoch's logs."""
        order = rng.permutation(len(run.x))                      # (N,) a new order each epoch
        n_batches = -(-len(run.x) // run.batch_size)
        bar = _progress_bar(run, epoch, n_batches)
        loss_sum, correct, seen = 0.0, 0, 0
        try:
            for batch, idx in enumerate(batch_indices(len(run.x), run.batch_size, order)):
                value, hits = self._train_step(run, run.x[idx], run.y[idx],
                                               (epoch, batch, n_batches))
                loss_sum += value * len(idx)
                correct += hits
                seen += len(idx)
                logs = {"loss": loss_sum / seen, "accuracy": correct / seen}
                for callback in run.callbacks:
                    callback.on_batch_end(self, batch, dict(logs))
                if bar is not None:
                    bar.set_postfix(_rounded(logs), refresh=False)
                    bar.update(1)
            if run.validation:
                val_loss, val_accuracy = self._evaluate(*run.validation, EVAL_BATCH_SIZE,
                                                          run.loss)
                logs.update(val_loss=val_loss, val_accuracy=val_accuracy)
            if bar is not None:
                bar.set_postfix(_rounded(logs))
        finally:
            if bar is not None:
                bar.close()
        if run.verbose == 2:
            print(f"Epoch {epoch + 1}/{run.epochs}: " +
                  ", ".join(f"{k}={v:.4f}" for k, v in logs.items()))
        return logs

    def _train_step(self, run, xb, yb, where):
        """Forward, loss, backward, optimiser step on one batch; refuses a NaN/inf loss."""
        logits = self.forward(xb, training=True)                  # (B, K)
        finite = bool(np.isfinite(logits).all())
        value = float(run.loss.forward(logits, yb)) if finite else float("nan")
        if not np.isfinite(value):
            epoch, batch, n_batches = where
            lr = run.optimizer.lr
            raise FloatingPointError(
                f"fit stopped: the training loss became {value} at epoch {epoch + 1}/"
                f"{run.epochs}, batch {batch + 1}/{n_batches}. The weights diverged: the "
                f"learning rate lr={lr:g} is probably too large; try a smaller one, e.g. "
                f"lr={lr / 10:g} (and check that x is scaled, e.g. x / 255).")
        self.backward(run.loss.backward())
        run.optimizer.step(self)
        return value, int((predicted_classes(logits) == yb).sum())

    # ------------------------------------------------------------------ inference

    def evaluate(self, x, y, batch_size=256, loss=None):
        """Mean loss and accuracy on ``(x, y)`` in inference mode (no Dropout), in batches.

        Parameters
        ----------
        x : ndarray of shape (N, C, H, W) or (N, D), float
        y : ndarray of shape (N,), int
        batch_size : int
        loss : Loss or str, optional
            Defaults to the loss given to ``fit``, else ``"cross_entropy"``.

        Returns
        -------
        (float, float) : mean loss, fraction of correct predictions
        """
        x, y = self._check_xy(x, y, "evaluate")
        batch_size = check_positive_int(batch_size, "evaluate", "batch_size")
        loss = _losses.get(loss if loss is not None else self.loss or "cross_entropy")
        return self._evaluate(x, y, batch_size, loss)

    def _evaluate(self, x, y, batch_size, loss):
        """``evaluate`` on data already checked (fit's validation set)."""
        loss_sum, correct = 0.0, 0
        for idx in batch_indices(len(x), batch_size):
            logits = self.forward(x[idx], training=False)         # (B, K)
            loss_sum += float(loss.forward(logits, y[idx])) * len(logits)
            correct += int((predicted_classes(logits) == y[idx]).sum())
        return loss_sum / len(x), correct / len(x)

    def predict(self, x, batch_size=256):
        """Class probabilities, computed ``batch_size`` images at a time (bounded memory).

        Parameters
        ----------
        x : ndarray of shape (N, C, H, W) or (N, D), float

        Returns
        -------
        ndarray of shape (N, K)
            Softmax of the logits (each row sums to 1); for a single output,
            the sigmoid: the probability of class 1, shape (N, 1).
        """
        x = self._check_images(x, "predict")
        batch_size = check_positive_int(batch_size, "predict", "batch_size")
        chunks = [probabilities(self.forward(x[idx], training=False))
                  for idx in batch_indices(len(x), batch_size)]
        return np.concatenate(chunks)

    # ------------------------------------------------------------------ weights, save, load

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
            _check_param_arrays(layer, values, "set_weights")
        for layer, values in zip(self.layers, weights):
            for key, value in values.items():
                layer.params[key][...] = value       # in place: optimiser state stays valid

    def astype(self, dtype):
        """Cast every layer's parameters (and grads) to ``dtype``; returns the model."""
        for layer in self.layers:
            layer.astype(dtype)
        return self

    def save(self, path):
        """Write the architecture (JSON) and the weights to one ``.npz`` file.

        The file holds only plain arrays, so ``np.load(path, allow_pickle=False)``
        reads it; ``Sequential.load(path)`` rebuilds the model exactly.

        Returns
        -------
        str : the path written (``.npz`` is appended if missing)
        """
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        arrays = {"architecture": np.array(json.dumps(self._architecture()))}
        for layer in self.layers:
            for key, value in layer.params.items():
                arrays[f"{layer.name}/{key}"] = value
        np.savez(path, **arrays)
        return path

    def _architecture(self):
        return {"format": FILE_FORMAT, "version": FILE_VERSION, "edu_cnn_version": __version__,
                "layers": [{"type": type(layer).__name__, "name": layer.name,
                            "trainable": bool(layer.trainable), "config": layer.get_config()}
                           for layer in self.layers]}

    @classmethod
    def load(cls, path):
        """Rebuild a model written by ``save``; every layer and weight shape is checked.

        Raises
        ------
        ValueError
            If the file is not an edu_cnn model, names an unknown layer type, or
            has missing, extra or wrongly shaped weights; the message names the
            file, the layer and what was expected.
        """
        path = os.fspath(path)
        architecture, arrays = _read_model_file(path)
        model = cls()
        for i, spec in enumerate(architecture["layers"]):
            try:
                model.add(_build_layer(spec, i, path))
            except ValueError as err:               # e.g. two layers with the same name
                raise ValueError(f"Sequential.load('{path}'): layer {i}: {err}") from None
        for layer in model.layers:
            values = {key: arrays.pop(f"{layer.name}/{key}") for key in layer.params
                      if f"{layer.name}/{key}" in arrays}
            _check_param_arrays(layer, values, f"Sequential.load('{path}')")
            for key, value in values.items():
                layer.params[key] = np.array(value)             # keeps the saved dtype
                layer.grads[key] = np.zeros_like(layer.params[key])
        if arrays:
            raise ValueError(f"Sequential.load('{path}'): the file holds weights for no layer of "
                             f"the model: {sorted(arrays)}. The file was edited or corrupted.")
        return model


# ---------------------------------------------------------------------- fit helpers

class _FitRun:
    """The validated arguments of one ``fit`` call."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class _BestWeights:
    """Remembers the weights of the epoch with the lowest validation loss."""

    def __init__(self, enabled):
        self.enabled = bool(enabled)
        self.loss, self.epoch, self.weights = np.inf, None, None

    def update(self, model, epoch, logs):
        if "val_loss" in logs and logs["val_loss"] < self.loss:
            self.loss, self.epoch = logs["val_loss"], epoch
            if self.enabled:
                self.weights = model.get_weights()

    def restore(self, model, verbose, last_epoch):
        """Put the best weights back (if better than the last epoch's); return the best epoch."""
        if self.enabled and self.weights is not None and self.epoch != last_epoch:
            model.set_weights(self.weights)
            if verbose:
                print(f"Restored the weights of epoch {self.epoch + 1} "
                      f"(lowest val_loss {self.loss:.4f}).")
        return self.epoch


def _rounded(logs):
    return {key: f"{value:.4f}" for key, value in logs.items()}


def _progress_bar(run, epoch, n_batches):
    """A tqdm bar for one epoch when ``verbose == 1`` (widgets in notebooks), else None."""
    if run.verbose != 1:
        return None
    from tqdm.auto import tqdm          # imported here: tqdm.auto may load ipywidgets
    return tqdm(total=n_batches, desc=f"Epoch {epoch + 1}/{run.epochs}", unit="batch",
                leave=True, dynamic_ncols=True)


def _require(value, previous, name, example, resolve):
    """``value`` resolved, else the one from the previous ``fit``, else a clear error."""
    if value is None and previous is None:
        raise ValueError(f"fit needs {name}=..., got none (and no earlier fit set one). "
                         f"Example: model.fit(x, y, {example}).")
    return resolve(value) if value is not None else previous


def _check_validation_data(model, validation_data):
    """``(x_val, y_val)`` checked like the training data, or None."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        got = type(validation_data).__name__
        if hasattr(validation_data, "__len__"):
            got += f" of length {len(validation_data)}"
        raise ValueError(f"fit expected validation_data=(x_val, y_val), got {got}.")
    return model._check_xy(*validation_data, "fit(validation_data)")


def _check_callbacks(callbacks):
    callbacks = list(callbacks or [])
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError("fit expected callbacks to be a list of model.Callback instances, "
                            f"got {type(callback).__name__}.")
    return callbacks


def _check_schedule(lr_schedule, optimizer):
    if lr_schedule is None:
        return
    if not callable(getattr(lr_schedule, "step", None)):
        raise TypeError("fit expected lr_schedule with a .step() method, e.g. "
                        f"optim.ExponentialDecay(optimizer, gamma=0.9), got {lr_schedule!r}.")
    if getattr(lr_schedule, "optimizer", optimizer) is not optimizer:
        raise ValueError("fit: lr_schedule belongs to a different optimizer than the one "
                         "training the model; build it from the same object: "
                         "opt = optim.SGD(0.1); fit(..., optimizer=opt, "
                         "lr_schedule=optim.ExponentialDecay(opt, 0.9)).")


def _check_input_shape(input_shape):
    if (not isinstance(input_shape, (tuple, list)) or not input_shape
            or not all(isinstance(s, (int, np.integer)) and s > 0 for s in input_shape)):
        raise ValueError("summary expected input_shape as a tuple of positive ints without the "
                         f"batch axis, e.g. (1, 28, 28), got {input_shape!r}.")
    return tuple(int(s) for s in input_shape)


# ---------------------------------------------------------------------- load helpers

def _check_param_arrays(layer, values, who):
    """``values`` must hold exactly the layer's parameter keys, shapes and float dtypes."""
    if not isinstance(values, dict) or set(values) != set(layer.params):
        got = sorted(values) if isinstance(values, dict) else type(values).__name__
        missing = [k for k in layer.params if not isinstance(values, dict) or k not in values]
        raise ValueError(f"{who}: layer {layer.name!r} ({type(layer).__name__}) expected "
                         f"weights {sorted(layer.params)}, got {got}"
                         + (f" (missing: {missing})." if missing else "."))
    for key, param in layer.params.items():
        value = np.asarray(values[key])
        if value.shape != param.shape:
            raise ValueError(f"{who}: layer {layer.name!r} ({type(layer).__name__}) expected "
                             f"{key} of shape {format_shape(param.shape)}, got "
                             f"{format_shape(value.shape)}.")
        if value.dtype.kind != "f":
            raise ValueError(f"{who}: layer {layer.name!r} expected {key} with a float dtype, "
                             f"got {value.dtype}.")


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
        architecture = json.loads(str(arrays.pop("architecture")[()]))
    except (ValueError, IndexError) as err:
        raise ValueError(f"{not_model}: its architecture is not valid JSON ({err}).") from None
    if not isinstance(architecture, dict) or architecture.get("format") != FILE_FORMAT \
            or not isinstance(architecture.get("layers"), list):
        raise ValueError(f"{not_model}: its architecture does not describe an edu_cnn "
                         "Sequential model.")
    return architecture, arrays


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
