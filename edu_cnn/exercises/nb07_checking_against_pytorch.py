"""Checks for notebook 07, checking against PyTorch: Dense weights for nn.Linear, SGD momentum.

The expectations are PyTorch's documented rules (``nn.Linear`` computes
x·weightᵀ + bias; ``torch.optim.SGD`` with momentum does v ← μ·v + g,
w ← w − lr·v); the tests compare them with torch itself. torch is not needed
to run the checks.
"""
import numpy as np

from ..interop import from_torch, to_torch
from ..optim import SGD
from ._feedback import Exercise, check, register_hints, written

__all__ = ["check_dense_to_torch", "check_sgd_momentum_step"]

NOTEBOOK = "07_checking_against_pytorch.ipynb"


def _linear_cases(ctx):
    sizes = ([(4, 3), (2, 5), (3, 3)] if ctx.seed is None
             else [tuple(int(v) for v in ctx.rng.integers(1, 8, size=2)) for _ in range(3)])
    return [(ctx.rng.standard_normal((d, m)), ctx.rng.standard_normal(m)) for d, m in sizes]


LINEAR_MISTAKES = {
    "weight": [
        ("not_transposed", lambda W, b: W,
         "weight has edu_cnn's layout (in_features, out_features); nn.Linear stores it the "
         "other way round, (out_features, in_features)."),
        ("reshaped_not_transposed", lambda W, b: W.reshape(W.shape[1], W.shape[0]),
         "weight has the right shape but its numbers are in the wrong places: a reshape keeps "
         "the reading order, a transpose swaps rows and columns."),
        ("swapped_pair", lambda W, b: b,
         "you returned the bias first; return (weight, bias) in that order.")],
    "bias": [
        ("swapped_pair", lambda W, b: W.T,
         "you returned the bias first; return (weight, bias) in that order."),
        ("bias_as_column", lambda W, b: b[:, None],
         "bias has shape (out_features, 1); nn.Linear's bias is a vector (out_features,)."),
        ("dropped_bias", lambda W, b: 0 * b,
         "bias is all zeros; keep the layer's bias, nn.Linear adds it after the product."),
        ("negated_bias", lambda W, b: -b, "bias has the wrong sign.")],
}


@check("07.1", library=lambda: [to_torch, from_torch])
def check_dense_to_torch(ctx, dense_to_torch):
    """Exercise 07.1: ``dense_to_torch(W, b) -> (weight, bias)`` for ``torch.nn.Linear``.

    edu_cnn's Dense stores W as (in_features, out_features); nn.Linear stores
    weight as (out_features, in_features) and computes x·weightᵀ + bias.
    """
    ctx.judge_parts(dense_to_torch, _linear_cases(ctx),
                    {"weight": lambda W, b: W.T, "bias": lambda W, b: b}, LINEAR_MISTAKES,
                    describe=lambda c: f"dense_to_torch(W of shape {c[0].shape}, b)")
    return ctx.ok("nn.Linear computes x·weightᵀ + bias, so weight = Wᵀ gives exactly x·W + b.")


def _momentum(w, g, v, lr, mu):
    v_new = mu * v + g
    return w - lr * v_new, v_new


def _step_cases(ctx):
    """(w, g, v, lr, momentum): a first step (v = 0) and later ones."""
    if ctx.seed is None:
        shapes, lrs, mus = [(4,), (4,), (2, 3)], [0.1, 0.1, 0.05], [0.9, 0.9, 0.5]
    else:
        shapes = [tuple(int(v) for v in ctx.rng.integers(1, 6, size=k)) for k in (1, 1, 2)]
        lrs = [float(v) for v in ctx.rng.choice([0.01, 0.05, 0.1, 0.3], size=3)]
        mus = [float(v) for v in ctx.rng.choice([0.5, 0.8, 0.9, 0.99], size=3)]
    cases = []
    for k, (shape, lr, mu) in enumerate(zip(shapes, lrs, mus, strict=True)):
        v = np.zeros(shape) if k == 0 else ctx.rng.standard_normal(shape)
        cases.append((ctx.rng.standard_normal(shape), ctx.rng.standard_normal(shape), v, lr, mu))
    return cases


MOMENTUM_MISTAKES = [
    ("plain_sgd", lambda w, g, v, lr, mu: (w - lr * g, v),
     "that is plain SGD: the velocity never changes and the step ignores it."),
    ("lr_in_velocity", lambda w, g, v, lr, mu: (w + (mu * v - lr * g), mu * v - lr * g),
     "you used the classical form with the learning rate inside the velocity; PyTorch keeps "
     "the learning rate out of it (the velocity collects raw gradients)."),
    ("averaged_velocity", lambda w, g, v, lr, mu: (w - lr * (mu * v + (1 - mu) * g),
                                                  mu * v + (1 - mu) * g),
     "your velocity is an average of the old velocity and the gradient; PyTorch adds the full "
     "gradient to μ times the old velocity."),
    ("old_velocity", lambda w, g, v, lr, mu: (w - lr * v, mu * v + g),
     "your velocity is right but the step uses the OLD velocity; update the velocity first, "
     "then step along the new one."),
    ("nesterov", lambda w, g, v, lr, mu: (w - lr * (g + mu * (mu * v + g)), mu * v + g),
     "that is the Nesterov update (a look-ahead step); plain momentum steps along the new "
     "velocity only."),
    ("sign_error", lambda w, g, v, lr, mu: (w + lr * (mu * v + g), mu * v + g),
     "your velocity is right but you step uphill: the weights move AGAINST the velocity."),
]


@check("07.2", library=lambda: [SGD._update])
def check_sgd_momentum_step(ctx, sgd_momentum_step):
    """Exercise 07.2: ``sgd_momentum_step(w, g, v, lr, momentum) -> (w_new, v_new)``,
    exactly as ``torch.optim.SGD(lr, momentum)`` (no dampening, no Nesterov)."""
    ctx.judge(sgd_momentum_step, _step_cases(ctx), _momentum, MOMENTUM_MISTAKES,
              describe=lambda c: f"sgd_momentum_step(w {c[0].shape}, g, v, lr={c[3]:g}, "
                                 f"momentum={c[4]:g})",
              convert=lambda value, what: tuple(ctx.array(a, f"{n} from {what}") for n, a in
                                                zip(("w_new", "v_new"), ctx.pair(value, what),
                                                    strict=True)),
              difference=lambda got, want: _first_wrong_of_pair(got, want))
    return ctx.ok("the steps agree with torch.optim.SGD's rule: v ← μ·v + g, then "
                  "w ← w − lr·v.")


def _first_wrong_of_pair(got, want):
    from ._feedback import first_difference, same
    for name, g, w in zip(("w_new", "v_new"), got, want, strict=True):
        if not same(g, w):
            return first_difference(g, w, name)
    return "the values differ"


register_hints("07.1", "Compare the shapes: edu_cnn's W is (in, out), nn.Linear's weight is "
                       "(out, in).", "Swap the two axes; the bias stays as it is.")
register_hints("07.2", "Two lines: first the new velocity from the old one and the gradient, "
                       "then the step.",
               "The velocity is μ times the old velocity plus the gradient; the weights move "
               "by the learning rate times the NEW velocity, downhill.")

EXERCISES = [
    Exercise("07.1", NOTEBOOK, "A dense layer's weights for PyTorch", check_dense_to_torch,
             ("dense_to_torch",), 1),
    Exercise("07.2", NOTEBOOK, "PyTorch's momentum step by hand", check_sgd_momentum_step,
             ("sgd_momentum_step",), 2),
    written("07.3", NOTEBOOK, "How close is close enough?", hints=(
        "How many digits does float64 keep, and how many operations separate the two "
        "results?",)),
]
