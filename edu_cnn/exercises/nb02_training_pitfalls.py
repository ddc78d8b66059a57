"""Checks for notebook 02, training pitfalls: dead ReLUs, weight init, gradient clipping."""
import numpy as np

from ..init import glorot_uniform, he_normal
from ._feedback import Exercise, check, register_hints, written

__all__ = ["check_dead_fraction", "check_init_weights", "check_clip_by_norm"]

NOTEBOOK = "02_training_pitfalls.ipynb"


def _activations(rng, n, m, dead):
    """h (n, m) after a ReLU: ``dead`` columns zero for every row, others zero for some rows."""
    h = np.abs(rng.normal(size=(n, m)))
    h[rng.random((n, m)) < 0.3] = 0.0                 # units that are off for some examples
    h[0, :] = np.maximum(h[0, :], 0.5)                # ... but on for the first one
    h[:, rng.choice(m, size=dead, replace=False)] = 0.0
    return h


def _dead_cases(ctx):
    sizes = ([(6, 8, 3), (10, 5, 1)] if ctx.seed is None
             else [(int(ctx.rng.integers(4, 12)), m, int(ctx.rng.integers(1, m)))
                   for m in ctx.rng.integers(3, 12, size=2)])
    return [(_activations(ctx.rng, *size),) for size in sizes]


DEAD_MISTAKES = [
    ("counted_units", lambda h: (h == 0).all(axis=0).sum(),
     "you returned the NUMBER of dead units; return the fraction of all units."),
    ("counted_entries", lambda h: (h == 0).mean(),
     "you counted zero ENTRIES; a unit is dead only if its column is zero for EVERY example."),
    ("any_instead_of_all", lambda h: (h == 0).any(axis=0).mean(),
     "you counted units that are zero for SOME example; dead means zero for EVERY example."),
    ("wrong_axis", lambda h: (h == 0).all(axis=1).mean(),
     "you looked along the rows (examples); a unit is a COLUMN of h (N, M)."),
    ("alive_fraction", lambda h: 1 - (h == 0).all(axis=0).mean(),
     "you returned the fraction of units that are still alive; the question asks for the dead "
     "ones."),
    ("percent", lambda h: 100 * (h == 0).all(axis=0).mean(),
     "you returned a percentage; return a fraction between 0 and 1."),
]


def _scalar(ctx):
    def convert(value, what):
        arr = ctx.array(value, f"the result of {what}")
        if arr.ndim != 0:
            ctx.fail(f"{what} returned an array of shape {arr.shape}; return a single number.",
                     "not_a_number")
        return arr
    return convert


@check("02.1")
def check_dead_fraction(ctx, dead_unit_fraction):
    """Exercise 02.1: ``dead_unit_fraction(h) -> float``, units zero for every example."""
    ctx.judge(dead_unit_fraction, _dead_cases(ctx), lambda h: (h == 0).all(axis=0).mean(),
              DEAD_MISTAKES, describe=lambda c: f"dead_unit_fraction(h of shape {c[0].shape})",
              convert=_scalar(ctx))
    return ctx.ok("the share of units (columns) that are zero for every example.")


def _init_shapes(ctx):
    if ctx.seed is None:
        return [(784, 64), (50, 200)]
    return [(int(ctx.rng.integers(40, 400)), int(ctx.rng.integers(100, 300))) for _ in range(2)]


def _init_problem(ctx, W, fan_in, fan_out):
    """A (message, diagnosis) for weights W that are not He-initialised, or None."""
    he_std = np.sqrt(2 / fan_in)
    if W.shape == (fan_out, fan_in) and fan_in != fan_out:
        return "your weights have shape (fan_out, fan_in); here W is (fan_in, fan_out).", \
            "transposed_shape"
    if W.shape != (fan_in, fan_out):
        return f"your weights have shape {W.shape}, expected ({fan_in}, {fan_out}).", \
            "wrong_shape"
    if np.allclose(W, W.flat[0]):
        return ("all your weights are equal, so every hidden unit computes the same thing and "
                "gets the same gradient: they stay identical forever. Draw them at random."), \
            "symmetric"
    if np.allclose(W, W[:, :1]):
        return ("every column (hidden unit) is the same, so the units stay identical; draw each "
                "weight independently."), "same_columns"
    if abs(W.mean()) > 0.2 * he_std:
        return (f"your weights have mean {W.mean():.3f}; centre them on 0 so units start half "
                "on, half off."), "not_centred"
    if 0.85 * he_std < W.std() < 1.15 * he_std:
        return None
    glorot_std = np.sqrt(2 / (fan_in + fan_out))
    if abs(W.std() - glorot_std) < 0.1 * glorot_std:
        return ("your standard deviation fits Glorot initialisation (made for sigmoid and tanh); "
                "for ReLU units He initialisation uses a standard deviation that depends on "
                "fan_in only."), "used_glorot"
    size = "large" if W.std() > he_std else "small"
    return (f"your weights have standard deviation {W.std():.3f}, too {size}: for {fan_in} "
            f"inputs He initialisation gives {he_std:.3f}, so that the signal keeps its size "
            "from layer to layer."), f"too_{size}"


@check("02.2", library=lambda: [he_normal, glorot_uniform])
def check_init_weights(ctx, init_weights):
    """Exercise 02.2: ``init_weights(fan_in, fan_out, rng) -> W``: random, He-scaled,
    reproducible."""
    shapes = _init_shapes(ctx)
    for fan_in, fan_out in shapes:
        what = f"init_weights({fan_in}, {fan_out}, rng)"
        seed = int(ctx.rng.integers(0, 2**31))
        W = ctx.array(ctx.run(init_weights, fan_in, fan_out, np.random.default_rng(seed),
                              what=what), f"the result of {what}")
        problem = _init_problem(ctx, W, fan_in, fan_out)
        if problem:
            ctx.fail(f"{what}: {problem[0]}", problem[1])
        again = ctx.array(ctx.run(init_weights, fan_in, fan_out, np.random.default_rng(seed),
                                  what=what), f"the result of {what}")
        if not np.array_equal(again, W):
            ctx.fail("two calls with generators of the same seed gave different weights; draw "
                     "from the rng you were given, not from NumPy's global random state.",
                     "not_reproducible", 0.5)
    return ctx.ok("random weights centred on 0 with standard deviation √(2 / fan_in): symmetry "
                  "broken, signal size kept, reproducible from the rng.")


def _clip_cases(ctx):
    if ctx.seed is None:
        return [(np.array([6.0, -8.0, 0.0]), 5.0), (np.array([0.6, 0.0, -0.8]), 5.0),
                (np.arange(-3.0, 3.0).reshape(2, 3), 2.0)]
    cases = []
    for scale in (10.0, 0.1, 3.0):
        g = ctx.rng.normal(size=tuple(int(v) for v in ctx.rng.integers(1, 5, size=2)))
        cases.append((g, float(np.linalg.norm(g) * scale ** -0.5)))
    return cases


def _clip(g, max_norm):
    return g * min(1.0, max_norm / np.linalg.norm(g))


CLIP_MISTAKES = [
    ("clipped_entries", lambda g, m: np.clip(g, -m, m),
     "you clipped each entry separately, which changes the gradient's direction; scale the "
     "whole gradient instead."),
    ("always_rescaled", lambda g, m: g * m / np.linalg.norm(g),
     "you rescaled every gradient to length max_norm, even short ones; only shorten gradients "
     "that are longer than max_norm."),
    ("normalised", lambda g, m: g / np.linalg.norm(g),
     "you scaled the gradient to length 1; the target length is max_norm."),
    ("inverted_ratio", lambda g, m: g * min(1.0, np.linalg.norm(g) / m),
     "your scale factor is upside down: it should be max_norm divided by the norm."),
    ("squared_norm", lambda g, m: g * min(1.0, m / (g ** 2).sum()),
     "you divided by the squared norm (the sum of squares); the norm is its square root."),
]


@check("02.3")
def check_clip_by_norm(ctx, clip_by_norm):
    """Exercise 02.3: ``clip_by_norm(g, max_norm) -> g`` rescaled to norm ≤ max_norm."""
    ctx.judge(clip_by_norm, _clip_cases(ctx), _clip, CLIP_MISTAKES,
              describe=lambda c: f"clip_by_norm(g of norm {np.linalg.norm(c[0]):.3g}, "
                                 f"max_norm={c[1]:.3g})")
    return ctx.ok("long gradients are shortened to max_norm, short ones left alone, the "
                  "direction kept.")


register_hints("02.1", "A unit is one column of h. Ask, column by column: is it zero in every "
                       "row?", "Turn that yes/no per column into a fraction by averaging.")
register_hints("02.2", "Draw from the generator you are given, with mean 0.",
               "The He standard deviation is the square root of 2 / fan_in.")
register_hints("02.3", "Compute the length (norm) of the whole gradient first.",
               "If it is longer than max_norm, multiply by max_norm / norm; otherwise return a "
               "copy unchanged.")

EXERCISES = [
    Exercise("02.1", NOTEBOOK, "Count dead units", check_dead_fraction,
             ("dead_unit_fraction",), 1),
    Exercise("02.2", NOTEBOOK, "Break the symmetry", check_init_weights, ("init_weights",), 2),
    Exercise("02.3", NOTEBOOK, "Gradient clipping", check_clip_by_norm, ("clip_by_norm",), 1),
    written("02.4", NOTEBOOK, "Why do all-zero weights not learn?", hints=(
        "Compare the gradients of two hidden units that start with identical weights.",)),
]
