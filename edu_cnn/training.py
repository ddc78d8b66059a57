"""The training loop behind ``Sequential.fit``: epochs of shuffled mini-batches, then validation.

    for each epoch:                      # a new order of the N examples each epoch
        for each batch (xb, yb):         # (B, C, H, W), (B,)
            xb = transform(xb)           # optional, e.g. data.augment.Augment(...)
            logits = model.forward(xb)   # (B, K)
            loss.forward(logits, yb); model.backward(loss.backward()); optimizer.step(model)
        val_loss, val_accuracy = model.evaluate(x_val, y_val)

``Callback`` hooks run after every batch and epoch; ``History`` records each
epoch's means; with validation data the weights of the epoch with the lowest
``val_loss`` are put back at the end.
"""
import contextlib
import signal
import threading
from dataclasses import dataclass

import numpy as np

from . import losses as _losses
from . import optim as _optim
from ._checks import check_positive_int
from .data import batch_indices
from .functional import predicted_classes

__all__ = ["fit", "Callback", "History", "EVAL_BATCH_SIZE"]

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


@dataclass
class _FitRun:
    """The checked arguments of one ``fit`` call."""

    x: np.ndarray                # (N, C, H, W) or (N, D), float
    y: np.ndarray                # (N,), int class ids
    epochs: int
    batch_size: int
    verbose: int                 # 0, 1 or 2
    optimizer: _optim.Optimizer
    loss: _losses.Loss
    validation: tuple | None     # (x_val, y_val), checked like x and y, or None
    callbacks: list              # of Callback
    lr_schedule: object          # anything with .step(), or None
    transform: object = None     # callable xb (B, ...) -> xb of the same shape, or None


def fit(model, x, y, epochs=1, batch_size=32, optimizer=None, loss=None, validation_data=None,
        seed=0, verbose=1, callbacks=None, restore_best_weights=True, lr_schedule=None,
        transform=None):
    """Train ``model`` (a Sequential) in place; the arguments are those of ``Sequential.fit``.

    ``transform``, if given, is called on every training batch before the
    forward pass: ``xb = transform(xb)``, xb (B, C, H, W) or (B, D), and must
    return an array of the same shape and dtype (the labels stay as they are).
    Data augmentation: ``transform=data.augment.Augment(shift=2, rng=0)``
    gives each batch a new random version of its images. Validation data is
    never transformed.

    Ctrl-C (KeyboardInterrupt) is handled as ``Sequential.fit`` documents:
    training stops after the current batch, the best weights are restored,
    ``model.history`` keeps the finished epochs, one line says so, and the
    KeyboardInterrupt is raised again.

    Returns
    -------
    History (also kept as ``model.history``)
    """
    run = _check_fit_args(model, x, y, epochs, batch_size, optimizer, loss, validation_data,
                          verbose, callbacks, lr_schedule)
    run.transform = _check_transform(transform)
    rng = np.random.default_rng(seed)
    history, best = History(), _BestWeights(restore_best_weights and run.validation)
    model.history, model.stop_training = history, False
    for callback in run.callbacks:
        callback.on_train_begin(model)
    where = [0, 0]                                   # epoch, batches done in it
    try:
        with _ctrl_c_after_batch() as interrupted:
            for epoch in range(run.epochs):
                where[:] = epoch, 0
                logs = _run_epoch(model, run, rng, epoch, interrupted, where)
                history._append(epoch, logs)
                best.update(model, epoch, logs)
                for callback in run.callbacks:
                    callback.on_epoch_end(model, epoch, dict(logs))
                if run.lr_schedule is not None:
                    run.lr_schedule.step()
                if model.stop_training:
                    break
                interrupted.check()                  # Ctrl-C during validation: stop here
    except KeyboardInterrupt:
        _report_interrupt(model, run, history, best, where, interrupted.mid_batch)
        raise
    history.best_epoch = best.restore(model, run.verbose, last_epoch=history.epoch[-1])
    for callback in run.callbacks:
        callback.on_train_end(model, history)
    return history


class _Interrupted:
    """Set by the first Ctrl-C during fit; the loop stops at the end of the current batch."""

    def __init__(self):
        self.requested = False
        self.mid_batch = False      # True if a KeyboardInterrupt cut a batch short

    def check(self):
        if self.requested:
            raise KeyboardInterrupt


@contextlib.contextmanager
def _ctrl_c_after_batch():
    """Defer the first Ctrl-C to the end of the batch; a second one interrupts at once.

    Only in the main thread and only if SIGINT has Python's default handler
    (an IDE's or the application's own handler is left alone; then the
    KeyboardInterrupt arrives wherever it arrives, and fit says so).
    """
    flag = _Interrupted()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        flag.mid_batch = True
        yield flag
        return

    def defer(signum, frame):
        if flag.requested:                           # pressed twice: stop now
            flag.mid_batch = True
            raise KeyboardInterrupt
        flag.requested = True

    signal.signal(signal.SIGINT, defer)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _report_interrupt(model, run, history, best, where, mid_batch):
    """After Ctrl-C: restore the best weights, keep the History, say so in one line."""
    epoch, done = where
    n_batches = -(-len(run.x) // run.batch_size)
    restored = best.restore(model, verbose=0, last_epoch=None)
    history.best_epoch = best.epoch
    stop = (f"at the end of epoch {epoch + 1}/{run.epochs}" if done == n_batches else
            f"in epoch {epoch + 1}/{run.epochs} after batch {done}/{n_batches}")
    if mid_batch and done < n_batches:
        stop += f" (batch {done + 1} was cut short)"
    if restored is not None:
        weights = (f"restored the weights of epoch {restored + 1} (lowest val_loss "
                   f"{best.loss:.4f})")
    elif mid_batch:
        weights = "kept the weights as they were (the last update may be partial)"
    else:
        weights = "kept the weights after the last finished batch"
    print(f"fit interrupted (Ctrl-C) {stop}: {weights}; model.history keeps the "
          f"{len(history.epoch)} finished epoch(s).")


def _run_epoch(model, run, rng, epoch, interrupted, where):
    """One pass over the shuffled training set; returns the epoch's logs.

    ``where[1]`` counts the finished batches; ``interrupted.check()`` after
    each one stops the epoch there if Ctrl-C was pressed.
    """
    order = rng.permutation(len(run.x))                      # (N,) a new order each epoch
    n_batches = -(-len(run.x) // run.batch_size)
    bar = _epoch_bar(run, epoch, n_batches)
    loss_sum, correct, seen = 0.0, 0, 0
    try:
        for batch, idx in enumerate(batch_indices(len(run.x), run.batch_size, order)):
            value, hits = _train_step(model, run, _transformed(run, run.x[idx]), run.y[idx],
                                      (epoch, batch, n_batches))
            loss_sum += value * len(idx)
            correct += hits
            seen += len(idx)
            where[1] = batch + 1
            logs = {"loss": loss_sum / seen, "accuracy": correct / seen}
            for callback in run.callbacks:
                callback.on_batch_end(model, batch, dict(logs))
            if bar is not None:
                bar.set_postfix(_rounded(logs), refresh=False)
                bar.update(1)
            interrupted.check()
        if run.validation:
            val_loss, val_accuracy = model.evaluate(*run.validation, batch_size=EVAL_BATCH_SIZE,
                                                    loss=run.loss)
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


def _train_step(model, run, xb, yb, where):
    """Forward, loss, backward, optimiser step on one batch; refuses a NaN/inf loss."""
    logits = model.forward(xb, training=True)                 # (B, K)
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
    model.backward(run.loss.backward(), input_grad=False)    # dL/dx of the input: not needed
    run.optimizer.step(model)
    return value, int((predicted_classes(logits) == yb).sum())


def _transformed(run, xb):
    """``run.transform(xb)``, checked to keep xb's shape and dtype (or xb if no transform)."""
    if run.transform is None:
        return xb
    out = run.transform(xb)
    if not isinstance(out, np.ndarray) or out.shape != xb.shape or out.dtype != xb.dtype:
        got = f"{type(out).__name__} {getattr(out, 'shape', '')} {getattr(out, 'dtype', '')}"
        raise ValueError(f"fit(transform={run.transform!r}) must return an array of the batch's "
                         f"shape {xb.shape} and dtype {xb.dtype}, got {got.strip()}. A transform "
                         "changes the images, not their number, size or dtype.")
    return out


class _BestWeights:
    """Remembers the weights (and BatchNorm statistics) of the epoch with the lowest val_loss."""

    def __init__(self, enabled):
        self.enabled = bool(enabled)
        self.loss, self.epoch, self.weights = np.inf, None, None

    def update(self, model, epoch, logs):
        if "val_loss" in logs and logs["val_loss"] < self.loss:
            self.loss, self.epoch = logs["val_loss"], epoch
            if self.enabled:
                self.weights = model.get_weights()          # and BatchNorm's statistics:
                self.buffers = [{k: v.copy() for k, v in getattr(layer, "buffers", {}).items()}
                                for layer in model.layers]

    def restore(self, model, verbose, last_epoch):
        """Put the best weights back (if better than the last epoch's); return the best epoch.

        ``last_epoch=None`` (an interrupted run) always restores them, if any,
        and returns the restored epoch or None.
        """
        if self.enabled and self.weights is not None and self.epoch != last_epoch:
            model.set_weights(self.weights)
            for layer, buffers in zip(model.layers, self.buffers):
                for key, value in buffers.items():
                    layer.buffers[key][...] = value
            if verbose:
                print(f"Restored the weights of epoch {self.epoch + 1} "
                      f"(lowest val_loss {self.loss:.4f}).")
            return self.epoch
        return self.epoch if last_epoch is not None else None


def _rounded(logs):
    return {key: f"{value:.4f}" for key, value in logs.items()}


def _epoch_bar(run, epoch, n_batches):
    """A tqdm bar over one epoch's batches if ``verbose == 1`` (widgets in notebooks), else None."""
    if run.verbose != 1:
        return None
    from tqdm.auto import tqdm  # imported here: tqdm.auto may load ipywidgets
    return tqdm(total=n_batches, desc=f"Epoch {epoch + 1}/{run.epochs}", unit="batch",
                leave=True, dynamic_ncols=True)


# ---------------------------------------------------------------------- argument checks

def _check_fit_args(model, x, y, epochs, batch_size, optimizer, loss, validation_data,
                    verbose, callbacks, lr_schedule):
    """Validate every argument of ``fit`` before any weight changes; bundle them."""
    epochs = check_positive_int(epochs, "fit", "epochs")
    batch_size = check_positive_int(batch_size, "fit", "batch_size")
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"fit expected verbose to be 0 (silent), 1 (progress bar) or "
                         f"2 (one line per epoch), got {verbose!r}.")
    x, y = model.check_data(x, y, "fit")
    optimizer = _require(optimizer, model.optimizer, "optimizer",
                         "optimizer=optim.Adam(lr=1e-3)", _optim.get)
    loss = _require(loss, model.loss, "loss", 'loss="cross_entropy"', _losses.get)
    validation = _check_validation_data(model, validation_data)
    callbacks = _check_callbacks(callbacks)
    _check_schedule(lr_schedule, optimizer)
    model.optimizer, model.loss = optimizer, loss          # remembered for the next fit
    return _FitRun(x=x, y=y, epochs=epochs, batch_size=batch_size, verbose=verbose,
                   optimizer=optimizer, loss=loss, validation=validation,
                   callbacks=callbacks, lr_schedule=lr_schedule)


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
    return model.check_data(*validation_data, "fit(validation_data)")


def _check_callbacks(callbacks):
    callbacks = list(callbacks or [])
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError("fit expected callbacks to be a list of model.Callback instances, "
                            f"got {type(callback).__name__}.")
    return callbacks


def _check_transform(transform):
    if transform is not None and not callable(transform):
        raise TypeError("fit expected transform to be a function of a batch xb returning the "
                        "transformed batch (e.g. data.augment.Augment(shift=2, rng=0)), got "
                        f"{type(transform).__name__}.")
    return transform


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
