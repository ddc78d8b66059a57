"""Checks for notebook 01, the dense layer: forward, backward by hand, the sigmoid's derivative,
and the gradient of softmax cross-entropy."""
import numpy as np

from ..functional import sigmoid, softmax
from ..layers import Dense, Sigmoid
from ..losses import Loss, SoftmaxCrossEntropy
from ._feedback import Exercise, check, register_hints, written

__all__ = ["check_dense_forward", "check_dense_backward", "check_sigmoid_derivative",
           "check_softmax_ce_gradient"]

NOTEBOOK = "01_dense_layer.ipynb"


def _dense_cases(ctx):
    """(dy, x, W, b) with different N, D, M (one case square, D = M)."""
    sizes = ([(4, 3, 2), (5, 3, 3), (2, 6, 4)] if ctx.seed is None
             else [tuple(int(v) for v in ctx.rng.integers(1, 8, size=3)) for _ in range(3)])
    cases = []
    for n, d, m in sizes:
        x, W = ctx.rng.normal(size=(n, d)), ctx.rng.normal(size=(d, m))
        cases.append((ctx.rng.normal(size=(n, m)), x, W, ctx.rng.normal(size=m)))
    return cases


DENSE_FORWARD_MISTAKES = [
    ("forgot_bias", lambda x, W, b: x @ W,
     "the matrix product is right but the bias is missing."),
    ("subtracted_bias", lambda x, W, b: x @ W - b, "the bias is subtracted instead of added."),
    ("transposed_output", lambda x, W, b: (x @ W + b).T,
     "rows and columns are swapped: the result has one row per example and one column per "
     "output unit."),
    ("averaged_batch", lambda x, W, b: (x @ W + b).mean(axis=0),
     "you averaged over the batch; keep one row per example."),
    ("applied_activation", lambda x, W, b: sigmoid(x @ W + b),
     "you applied a sigmoid; the dense layer itself is only the affine map, the activation is a "
     "separate layer."),
]


@check("01.1", library=lambda: [Dense.forward])
def check_dense_forward(ctx, dense_forward):
    """Exercise 01.1: ``dense_forward(x, W, b) -> y`` with y = x·W + b."""
    cases = [case[1:] for case in _dense_cases(ctx)]
    ctx.judge(dense_forward, cases, lambda x, W, b: x @ W + b, DENSE_FORWARD_MISTAKES,
              describe=lambda c: f"dense_forward(x {c[0].shape}, W {c[1].shape}, b {c[2].shape})")
    return ctx.ok("y = x·W + b: (N, D)·(D, M) + (M,) -> (N, M), the bias broadcast over the "
                  "batch.")


DENSE_BACKWARD_MISTAKES = {
    "dx": [("dx_transposed", lambda dy, x, W: (dy @ W.T).T,
            "dx is transposed; it must have the shape of x, (N, D).")],
    "dW": [("dW_transposed", lambda dy, x, W: dy.T @ x,
            "dW is transposed (it has shape (M, D)); it must have W's shape (D, M).",),
           ("dW_divided_by_n", lambda dy, x, W: x.T @ dy / len(x),
            "dW is divided by N; the loss already averaged over the batch, so dy carries that "
            "1/N.")],
    "db": [("db_mean", lambda dy, x, W: dy.mean(axis=0),
            "db averages dy over the batch; the bias is used by every example, so its gradient "
            "is the SUM over the batch."),
           ("db_total_sum", lambda dy, x, W: dy.sum(),
            "db sums every entry into one number; sum over the batch axis only, one value per "
            "output unit."),
           ("db_wrong_axis", lambda dy, x, W: dy.sum(axis=1),
            "db sums over the output units; sum over the batch (examples) instead."),
           ("db_keepdims", lambda dy, x, W: dy.sum(axis=0, keepdims=True),
            "db has shape (1, M); b has shape (M,), so db must too.")],
}
_DENSE_GRADS = {"dx": lambda dy, x, W: dy @ W.T, "dW": lambda dy, x, W: x.T @ dy,
                "db": lambda dy, x, W: dy.sum(axis=0)}


@check("01.2", library=lambda: [Dense.backward])
def check_dense_backward(ctx, dense_backward):
    """Exercise 01.2: ``dense_backward(dy, x, W) -> (dx, dW, db)``."""
    ctx.judge_parts(dense_backward, [case[:3] for case in _dense_cases(ctx)], _DENSE_GRADS,
                    DENSE_BACKWARD_MISTAKES,
                    describe=lambda c: f"dense_backward(dy {c[0].shape}, x {c[1].shape}, "
                                       f"W {c[2].shape})")
    return ctx.ok("dx = dy·Wᵀ, dW = xᵀ·dy, db = Σₙ dy: each gradient has the shape of its "
                  "variable.")


def _z_cases(ctx):
    if ctx.seed is None:
        return [(np.linspace(-6, 6, 13),), (np.linspace(-3, 3, 12).reshape(3, 4),)]
    return [(ctx.rng.normal(0, 3, size=int(ctx.rng.integers(2, 20))),),
            (ctx.rng.normal(0, 3, size=(int(ctx.rng.integers(1, 5)), 3)),)]


SIGMOID_MISTAKES = [
    ("applied_to_z", lambda z: z * (1 - z),
     "you applied s·(1 − s) to z itself; s must be the sigmoid of z."),
    ("returned_sigmoid", lambda z: sigmoid(z), "that is σ(z) itself, not its derivative."),
    ("sigmoid_squared", lambda z: sigmoid(z) ** 2,
     "you multiplied σ(z) by itself; the second factor is 1 − σ(z)."),
    ("one_minus_only", lambda z: 1 - sigmoid(z),
     "you returned 1 − σ(z); the derivative is σ(z) times that."),
    ("negative_derivative", lambda z: -sigmoid(z) * (1 - sigmoid(z)),
     "your derivative has the wrong sign: σ increases everywhere, so σ' is positive."),
]


@check("01.3", library=lambda: [Sigmoid.backward])
def check_sigmoid_derivative(ctx, sigmoid_derivative):
    """Exercise 01.3: ``sigmoid_derivative(z) -> σ(z)·(1 − σ(z))`` elementwise."""
    ctx.judge(sigmoid_derivative, _z_cases(ctx), lambda z: sigmoid(z) * (1 - sigmoid(z)),
              SIGMOID_MISTAKES, describe=lambda c: f"sigmoid_derivative(z of shape {c[0].shape})")
    return ctx.ok("σ'(z) = σ(z)·(1 − σ(z)), largest at z = 0 where it is 0.25.")


def _logit_cases(ctx):
    sizes = ([(4, 3), (6, 10)] if ctx.seed is None
             else [(int(ctx.rng.integers(2, 9)), int(ctx.rng.integers(2, 12))) for _ in range(2)])
    return [(ctx.rng.normal(0, 2, size=(n, k)), ctx.rng.integers(0, k, size=n)) for n, k in sizes]


def _onehot(y, k):
    return np.eye(k)[y]


CE_MISTAKES = [
    ("forgot_divide_by_n", lambda z, y: softmax(z) - _onehot(y, z.shape[1]),
     "your gradient is N times too large: the loss is the MEAN over the batch, so each row "
     "carries a factor 1/N."),
    ("sign_flipped", lambda z, y: (_onehot(y, z.shape[1]) - softmax(z)) / len(z),
     "your gradient has the wrong sign: raising the true class's logit must LOWER the loss, so "
     "its entry is negative."),
    ("forgot_softmax", lambda z, y: (z - _onehot(y, z.shape[1])) / len(z),
     "you subtracted the one-hot labels from the logits themselves; first turn the logits into "
     "probabilities."),
    ("forgot_onehot", lambda z, y: softmax(z) / len(z),
     "you left out the labels: the true class's probability must be lowered by 1."),
    ("divided_by_classes", lambda z, y: (softmax(z) - _onehot(y, z.shape[1])) / z.shape[1],
     "you divided by the number of classes; the mean runs over the N examples."),
    ("softmax_wrong_axis",
     lambda z, y: (np.exp(z) / np.exp(z).sum(axis=0) - _onehot(y, z.shape[1])) / len(z),
     "your probabilities are normalised down each column (over the batch); each ROW (one "
     "example's scores) must sum to 1."),
]


@check("01.4", library=lambda: [SoftmaxCrossEntropy.forward, Loss.backward])
def check_softmax_ce_gradient(ctx, softmax_ce_gradient):
    """Exercise 01.4: ``softmax_ce_gradient(logits, y) -> (p − onehot(y)) / N``."""
    ctx.judge(softmax_ce_gradient, _logit_cases(ctx),
              lambda z, y: (softmax(z) - _onehot(y, z.shape[1])) / len(z), CE_MISTAKES,
              describe=lambda c: f"softmax_ce_gradient(logits {c[0].shape}, y of {len(c[1])} "
                                 "labels)")
    return ctx.ok("dL/dz = (p − onehot(y)) / N: every backward pass of a classifier starts "
                  "here.")


register_hints("01.1", "A matrix product where the inner sizes meet: (N, D) times (D, M).",
               "After the product, add the bias; broadcasting adds it to every row.")
register_hints("01.2", "Each gradient has exactly the shape of its variable: dx like x, dW like "
                       "W, db like b.",
               "Write the shapes of dy, x and W next to each other and find the one product "
               "that gives each shape. The bias is shared by all examples: add up their "
               "contributions.")
register_hints("01.3", "First compute the sigmoid of z; the derivative is written in terms of "
                       "it.", "Multiply σ(z) by one minus σ(z).")
register_hints("01.4", "Follow the derivation above: probabilities minus the one-hot labels.",
               "Turn the logits into probabilities row by row, subtract 1 at each true class, "
               "and remember that the loss is a mean over the batch.")

EXERCISES = [
    Exercise("01.1", NOTEBOOK, "Dense forward", check_dense_forward, ("dense_forward",), 1),
    Exercise("01.2", NOTEBOOK, "Dense backward", check_dense_backward, ("dense_backward",), 2),
    Exercise("01.3", NOTEBOOK, "The sigmoid's derivative", check_sigmoid_derivative,
             ("sigmoid_derivative",), 1),
    Exercise("01.4", NOTEBOOK, "The softmax cross-entropy gradient", check_softmax_ce_gradient,
             ("softmax_ce_gradient",), 2),
    written("01.5", NOTEBOOK, "Why does the loss start near ln 10?", hints=(
        "What probability does an untrained network give each of the 10 classes?",)),
]
