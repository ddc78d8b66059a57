"""Checks for notebook 01, the dense layer: forward, backward by hand, the sigmoid's derivative."""
import numpy as np

from ..functional import sigmoid
from ._feedback import call, check, report, shape_of

__all__ = ["check_dense_forward", "check_dense_backward", "check_sigmoid_derivative"]


def _dense_data():
    """x (4, 3), W (3, 2), b (2,), dy (4, 2)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3))
    W = rng.normal(size=(3, 2))
    b = np.array([0.5, -1.0])
    dy = rng.normal(size=(4, 2))
    return x, W, b, dy


@check
def check_dense_forward(dense_forward):
    """Check ``dense_forward(x, W, b) -> y`` with y = x·W + b."""
    x, W, b, _ = _dense_data()
    out = call(dense_forward, x, W, b,
               hint="x has shape (N, D) = (4, 3) and W has shape (D, M) = (3, 2): "
                    "which order of the matrix product makes the shapes fit?")
    if not hasattr(out, "shape"):
        return report(False, f"your function returned {shape_of(out)}; expected shape (4, 2).")
    out = np.asarray(out, dtype=np.float64)
    if out.shape != (4, 2):
        hint = ("rows and columns are swapped; x @ W gives (N, M)." if out.shape == (2, 4)
                else "y has one row per example (N = 4) and one column per output unit (M = 2).")
        return report(False, f"your output has shape {out.shape}, expected (4, 2): {hint}")
    if np.allclose(out, x @ W):
        return report(False, "x @ W is right but the bias b is missing: y = x @ W + b.")
    if np.allclose(out, x @ W - b):
        return report(False, "the bias is subtracted; y = x @ W + b.")
    if not np.allclose(out, x @ W + b):
        worst = np.abs(out - (x @ W + b)).max()
        return report(False, f"the shape is right but the values differ from x @ W + b by up to "
                             f"{worst:.2f}.")
    return report(True, "y = x @ W + b: (N, D)·(D, M) + (M,) -> (N, M), the bias broadcast over "
                        "the batch.")


def _typical_backward_mistakes(dy, x):
    """For dW and db: (wrong answer, what it reveals) pairs."""
    return {
        "dW": [(dy.T @ x, "you computed dyᵀ·x, which is dW transposed; dW must have W's shape "
                          "(D, M): xᵀ·dy."),
               (x.T @ dy / len(x), "you divided by N; the loss already averaged over the batch, "
                                   "so dy carries that 1/N: dW = xᵀ·dy.")],
        "db": [(dy.mean(axis=0), "you averaged dy over the batch; the bias is used by every "
                                 "example, so its gradient is the SUM: db = dy.sum(axis=0)."),
               (dy.sum(), "you summed every entry into one number; sum over the batch axis only: "
                          "dy.sum(axis=0), one value per output unit."),
               (dy.sum(axis=1), "you summed over the output units (axis=1); sum over the batch: "
                                "dy.sum(axis=0)."),
               (dy.sum(axis=0, keepdims=True), "keepdims=True gives shape (1, M); b has shape "
                                               "(M,): use dy.sum(axis=0).")],
    }


def _dense_backward_problem(name, got, want, dy, x):
    """Describe what is wrong with one of dx, dW, db, or return None if it is right."""
    if not hasattr(got, "shape"):
        return f"{name} is {shape_of(got)}; expected an array of shape {want.shape}."
    got = np.asarray(got, dtype=np.float64)
    if got.shape == want.shape and np.allclose(got, want):
        return None
    for wrong, message in _typical_backward_mistakes(dy, x).get(name, []):
        if np.shape(got) == np.shape(wrong) and np.allclose(got, wrong):
            return message
    if got.shape != want.shape:
        return (f"{name} has shape {got.shape}; it must have the same shape as its variable, "
                f"{want.shape}.")
    return (f"{name} has the right shape {want.shape} but wrong values (off by up to "
            f"{np.abs(got - want).max():.2f}).")


@check
def check_dense_backward(dense_backward):
    """Check ``dense_backward(dy, x, W) -> (dx, dW, db)``."""
    x, W, _, dy = _dense_data()
    out = call(dense_backward, dy, x, W,
               hint="Shapes: dy (4, 2), x (4, 3), W (3, 2); dx must be (4, 3).")
    if not (isinstance(out, (tuple, list)) and len(out) == 3):
        return report(False, f"return three arrays, (dx, dW, db); you returned {shape_of(out)}.")
    wanted = {"dx": dy @ W.T, "dW": x.T @ dy, "db": dy.sum(axis=0)}
    problems = []
    for (name, want), got in zip(wanted.items(), out, strict=True):
        problem = _dense_backward_problem(name, got, want, dy, x)
        if problem:
            problems.append(f"{name}: {problem}")
    if problems:
        right = [n for n in wanted if not any(p.startswith(n + ":") for p in problems)]
        done = (f" ({' and '.join(right)} {'is' if len(right) == 1 else 'are'} right.)"
                if right else "")
        return report(False, " ".join(problems) + done)
    return report(True, "dx = dy·Wᵀ, dW = xᵀ·dy, db = Σₙ dy: each gradient has the shape of its "
                        "variable.")


@check
def check_sigmoid_derivative(sigmoid_derivative):
    """Check ``sigmoid_derivative(z) -> σ(z)·(1 − σ(z))``."""
    z = np.linspace(-6, 6, 13)
    s = sigmoid(z)
    out = call(sigmoid_derivative, z.copy())
    if not hasattr(out, "shape") or np.shape(out) != z.shape:
        return report(False, f"your output is {shape_of(out)}; the derivative is taken "
                             f"elementwise, so it has the shape of z, {z.shape}.")
    out = np.asarray(out, dtype=np.float64)
    if np.allclose(out, z * (1 - z)):
        return report(False, "you applied σ(1 − σ) to z itself; first compute "
                             "s = 1 / (1 + exp(−z)), then return s * (1 − s).")
    if np.allclose(out, s):
        return report(False, "that is σ(z) itself, not its derivative σ(z)·(1 − σ(z)).")
    if not np.allclose(out, s * (1 - s)):
        return report(False, f"at z = 0 your derivative is {out[6]:.3f}; "
                             "σ'(0) = σ(0)·(1 − σ(0)) = 0.25.")
    return report(True, "σ'(z) = σ(z)·(1 − σ(z)), largest at z = 0 where it is 0.25.")
