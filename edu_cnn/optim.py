"""Optimisers (SGD, RMSprop, Adam, AdamW) and an exponential learning-rate schedule.

Each optimiser walks a model's layers, reads ``layer.params[key]`` and
``layer.grads[key]`` and updates the parameter **in place** with exactly the
rule ``torch.optim`` uses (the tests compare five steps with PyTorch to 1e-10).
State (momentum buffers, running averages) is kept per parameter array.

    opt = optim.Adam(lr=1e-3)
    loss.backward(); model.backward(...)   # fills every layer.grads
    opt.step(model)                         # model: Sequential, a Layer or a list of layers
"""
import numpy as np

from . import _checks

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "ExponentialDecay", "get"]


def _parameters(model):
    """Yield ``(param, grad)`` pairs of every trainable layer of ``model``.

    ``model`` may be a Sequential (anything with ``.layers``), one layer
    (anything with ``.params``) or a list/tuple of layers.
    """
    if hasattr(model, "layers"):
        layers = model.layers
    elif isinstance(model, (list, tuple)):
        layers = model
    elif hasattr(model, "params"):
        layers = [model]
    else:
        raise TypeError("optimizer.step(model) expected a Sequential, a Layer or a list of "
                        f"layers, got {type(model).__name__}.")
    for layer in layers:
        if not getattr(layer, "trainable", True):
            continue
        for key, param in layer.params.items():
            yield param, layer.grads[key]


class Optimizer:
    """Base class: keeps ``lr`` and per-parameter state; subclasses define ``_update``.

    Parameters
    ----------
    lr : float
        Learning rate, > 0. Schedules (``ExponentialDecay``) change ``opt.lr``.
    """

    def __init__(self, lr):
        self.lr = _checks.check_number(type(self).__name__, "lr", lr, "> 0")
        self.state = {}          # id(param) -> dict of buffers for that parameter

    def step(self, model):
        """Update every trainable parameter of ``model`` in place from its gradient."""
        for param, grad in _parameters(model):
            if param.shape != grad.shape:
                raise ValueError(f"{type(self).__name__}.step: gradient of shape {grad.shape} "
                                 f"does not match its parameter of shape {param.shape}.")
            state = self.state.setdefault(id(param), {"param": param, "step": 0})
            state["step"] += 1
            self._update(param, grad.astype(param.dtype, copy=False), state)

    def _update(self, param, grad, state):
        raise NotImplementedError

    def _hyperparameters(self):
        return {"lr": self.lr}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay.

    Same rule as ``torch.optim.SGD`` (dampening 0)::

        g = grad + weight_decay · θ
        v = g                      (first step)
        v = momentum · v + g       (later steps)
        θ = θ − lr · (g + momentum · v)   if nesterov  else  θ − lr · v

    Parameters
    ----------
    lr : float, default 0.01
    momentum : float, default 0.0
        In [0, 1]; 0 is plain SGD.
    nesterov : bool, default False
        Requires ``momentum > 0``.
    weight_decay : float, default 0.0
    """

    def __init__(self, lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr)
        self.momentum = _checks.check_number("SGD", "momentum", momentum, "in [0, 1]")
        self.weight_decay = _checks.check_number("SGD", "weight_decay", weight_decay, ">= 0")
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0, got momentum=0.0. "
                             "Use e.g. SGD(lr, momentum=0.9, nesterov=True).")
        self.nesterov = bool(nesterov)

    def _update(self, param, grad, state):
        g = grad + self.weight_decay * param if self.weight_decay else grad
        if self.momentum:
            if "velocity" not in state:
                state["velocity"] = g.copy()
            else:
                state["velocity"] = self.momentum * state["velocity"] + g
            g = g + self.momentum * state["velocity"] if self.nesterov else state["velocity"]
        param -= self.lr * g

    def _hyperparameters(self):
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    Same rule as ``torch.optim.RMSprop`` (not centred)::

        g = grad + weight_decay · θ
        s = alpha · s + (1 − alpha) · g²            (s starts at 0)
        u = g / (√s + eps)
        b = momentum · b + u;  θ = θ − lr · b       if momentum > 0
        θ = θ − lr · u                              otherwise

    Parameters
    ----------
    lr : float, default 0.01
    alpha : float, default 0.99
        Smoothing constant, in [0, 1).
    eps : float, default 1e-8
    momentum : float, default 0.0
    weight_decay : float, default 0.0
    """

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        super().__init__(lr)
        self.alpha = _checks.check_number("RMSprop", "alpha", alpha, "in [0, 1)")
        self.eps = _checks.check_number("RMSprop", "eps", eps, ">= 0")
        self.momentum = _checks.check_number("RMSprop", "momentum", momentum, "in [0, 1]")
        self.weight_decay = _checks.check_number("RMSprop", "weight_decay", weight_decay, ">= 0")

    def _update(self, param, grad, state):
        g = grad + self.weight_decay * param if self.weight_decay else grad
        s = state.get("square_avg", 0.0)                  # running averages start at 0
        state["square_avg"] = s = self.alpha * s + (1 - self.alpha) * g * g
        u = g / (np.sqrt(s) + self.eps)
        if self.momentum > 0:
            b = state.get("momentum_buffer", 0.0)
            state["momentum_buffer"] = u = self.momentum * b + u
        param -= self.lr * u

    def _hyperparameters(self):
        return {"lr": self.lr, "alpha": self.alpha, "eps": self.eps,
                "momentum": self.momentum, "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, with bias correction.

    Same rule as ``torch.optim.Adam`` (L2 weight decay added to the gradient)::

        g = grad + weight_decay · θ
        m = β1 · m + (1 − β1) · g                   (m, v start at 0; t = 1, 2, ...)
        v = β2 · v + (1 − β2) · g²
        θ = θ − lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + eps)

    Parameters
    ----------
    lr : float, default 0.001
    betas : (float, float), default (0.9, 0.999)
        Each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0.0
    """

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        who = type(self).__name__                                # Adam or AdamW
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{who}: betas must be a pair (beta1, beta2), got {betas!r}.")
        self.betas = tuple(_checks.check_number(who, f"betas[{i}]", b, "in [0, 1)")
                           for i, b in enumerate(betas))
        self.eps = _checks.check_number(who, "eps", eps, ">= 0")
        self.weight_decay = _checks.check_number(who, "weight_decay", weight_decay, ">= 0")

    def _update(self, param, grad, state):
        g = grad + self.weight_decay * param if self.weight_decay else grad
        self._adam_step(param, g, state)

    def _adam_step(self, param, g, state):
        """The Adam step for gradient ``g`` (weight decay already applied)."""
        beta1, beta2 = self.betas
        t = state["step"]
        m = beta1 * state.get("m", 0.0) + (1 - beta1) * g        # m, v start at 0
        v = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        state["m"], state["v"] = m, v
        step_size = self.lr / (1 - beta1 ** t)
        denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + self.eps
        param -= step_size * m / denom

    def _hyperparameters(self):
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps,
                "weight_decay": self.weight_decay}


class AdamW(Adam):
    """AdamW: Adam with *decoupled* weight decay (Loshchilov & Hutter, 2019).

    Same rule as ``torch.optim.AdamW``: the weights shrink by a fixed fraction
    ``lr · weight_decay`` per step, and the gradient that Adam normalises is
    the loss gradient alone::

        θ = θ · (1 − lr · weight_decay)
        then Adam's step with g = grad (no weight_decay · θ added)

    In ``Adam(weight_decay=λ)`` the term λθ is added to the gradient and then
    divided by √v, so weights with large gradients are hardly decayed; AdamW
    decays every weight at the same rate.

    Parameters
    ----------
    lr : float, default 0.001
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0.01
        (PyTorch's default for AdamW.)
    """

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(lr, betas, eps, weight_decay)

    def _update(self, param, grad, state):
        if self.weight_decay:
            param *= 1 - self.lr * self.weight_decay             # decoupled: before the step
        self._adam_step(param, grad, state)


class ExponentialDecay:
    """Multiply the optimiser's learning rate by ``gamma`` once per epoch.

    Same as ``torch.optim.lr_scheduler.ExponentialLR``: after ``k`` calls of
    ``step()``, ``optimizer.lr == initial_lr · gamma**k``. ``Sequential.fit``
    calls ``step()`` at the end of every epoch when given ``lr_schedule=``.

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float
        Decay factor per epoch, in (0, 1].
    """

    def __init__(self, optimizer, gamma):
        if not isinstance(optimizer, Optimizer):
            raise TypeError("ExponentialDecay expected an edu_cnn optimiser "
                            f"(e.g. optim.SGD(...)), got {type(optimizer).__name__}.")
        self.optimizer = optimizer
        self.gamma = _checks.check_number("ExponentialDecay", "gamma", gamma, "in (0, 1]")
        self.initial_lr = optimizer.lr
        self.epoch = 0

    def step(self):
        """End of one epoch: ``lr ← lr · gamma``. Returns the new learning rate."""
        self.epoch += 1
        self.optimizer.lr = self.optimizer.lr * self.gamma
        return self.optimizer.lr

    def __repr__(self):
        return f"ExponentialDecay({self.optimizer!r}, gamma={self.gamma!r})"


_OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def get(optimizer):
    """Return an optimiser: an ``Optimizer`` unchanged, or a new one from its name.

    Parameters
    ----------
    optimizer : Optimizer or {"sgd", "rmsprop", "adam"}
        Names give the default hyperparameters (e.g. Adam(lr=0.001)).
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _OPTIMIZERS:
        return _OPTIMIZERS[optimizer.lower()]()
    raise ValueError(f"optimizer must be an edu_cnn optimiser or one of {sorted(_OPTIMIZERS)}, "
                     f"got {optimizer!r}. Example: optimizer=optim.Adam(lr=1e-3).")
