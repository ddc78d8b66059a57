"""Checks for notebook 07, checking against PyTorch: Dense weights for nn.Linear, SGD momentum.

Both compare with PyTorch itself (``torch.nn.Linear``, ``torch.optim.SGD``); torch is
imported inside the checks, so ``import edu_cnn.exercises`` does not need it.
"""
import numpy as np

from ._feedback import call, check, report, shape_of

__all__ = ["check_dense_to_torch", "check_sgd_momentum_step"]


def _torch_linear_output(weight, bias, x):
    """Run x (5, 4) through a torch.nn.Linear(4, 3) holding ``weight`` (3, 4) and ``bias`` (3,)."""
    import torch
    weight = torch.as_tensor(np.asarray(weight, dtype=np.float64))
    bias = torch.as_tensor(np.asarray(bias, dtype=np.float64))
    linear = torch.nn.Linear(4, 3, dtype=torch.float64)
    if tuple(weight.shape) != tuple(linear.weight.shape) or tuple(bias.shape) != (3,):
        return None
    with torch.no_grad():
        linear.weight.copy_(weight)
        linear.bias.copy_(bias)
        return linear(torch.as_tensor(x)).numpy()


def _linear_params_problem(weight, bias, W):
    """Feedback if (weight, bias) do not fit nn.Linear(4, 3) or weight is W reshaped; else None."""
    if weight.shape != (3, 4):
        hint = (" That is edu_cnn's layout (in, out); nn.Linear wants (out_features, "
                "in_features): use W.T.") if weight.shape == (4, 3) else ""
        return (f"your weight has shape {weight.shape}; nn.Linear(4, 3).weight has shape "
                f"(3, 4).{hint}")
    if bias.shape != (3,):
        return f"your bias has shape {bias.shape}; nn.Linear(4, 3).bias has shape (3,)."
    if np.array_equal(weight, W.reshape(3, 4)) and not np.array_equal(weight, W.T):
        return ("the shape is right but the numbers are in the wrong places: "
                "W.reshape(3, 4) is not a transpose. Use W.T.")
    return None


@check
def check_dense_to_torch(dense_to_torch):
    """Check exercise 07.1: ``dense_to_torch(W, b) -> (weight, bias)`` for ``torch.nn.Linear``.

    edu_cnn's Dense stores W as (in_features, out_features); nn.Linear stores
    weight as (out_features, in_features), so the answer is (W.T, b).
    """
    rng = np.random.default_rng(0)
    W, b, x = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((5, 4))
    W_before = W.copy()
    result = call(dense_to_torch, W, b)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return report(False, f"dense_to_torch returned {shape_of(result)}; return a pair "
                             "(weight, bias).")
    if not np.array_equal(W, W_before):
        return report(False, "your function changed W in place; return a new (transposed) array.")
    weight, bias = (np.asarray(t.detach() if hasattr(t, "detach") else t, dtype=float)
                    for t in result)                            # numpy arrays or torch tensors
    problem = _linear_params_problem(weight, bias, W)
    if problem:
        return report(False, problem)
    out = _torch_linear_output(weight, bias, x)
    expected = x @ W + b
    if not np.allclose(out, expected):
        worst = np.abs(out - expected).max()
        return report(False, f"nn.Linear with your (weight, bias) differs from x @ W + b by up to "
                             f"{worst:.2g}.")
    return report(True, "nn.Linear computes x @ weight.T + bias, so weight = W.T gives exactly "
                        "x @ W + b.")


def _momentum_mistake(w1, v1, ref_w, ref_v, g, w, v, lr, mu):
    """A specific message for a momentum step that differs from PyTorch's (w, v: the inputs)."""
    if np.allclose(w1, w - lr * g) and np.allclose(v1, v):
        return ("that is plain SGD (w ← w − lr·g): the velocity never changes. With momentum, "
                "first update the velocity v ← μ·v + g, then step along it: w ← w − lr·v.")
    if np.allclose(v1, -lr * ref_v):
        return ("your velocity is −lr times PyTorch's: the classical form 'v ← μ·v − lr·g; "
                "w ← w + v' (the same steps while lr is constant). PyTorch keeps the learning "
                "rate out of the velocity: v ← μ·v + g, then w ← w − lr·v.")
    if np.allclose(v1, mu * v + (1 - mu) * g):
        return ("your velocity looks like an average μ·v + (1 − μ)·g; PyTorch adds the full "
                "gradient: v ← μ·v + g.")
    if np.allclose(v1, ref_v) and not np.allclose(w1, ref_w):
        return ("your velocity is right but the weights are not: w ← w − lr·v (use the NEW "
                "velocity).")
    return ("your (w, v) differ from torch.optim.SGD(momentum=0.9); PyTorch does v ← μ·v + g, "
            "then w ← w − lr·v.")


@check
def check_sgd_momentum_step(sgd_momentum_step):
    """Check exercise 07.2: ``sgd_momentum_step(w, g, v, lr, momentum) -> (w_new, v_new)``.

    Compared with ``torch.optim.SGD(lr, momentum)`` over three steps with
    different gradients (the velocity starts at zeros).
    """
    import torch
    rng = np.random.default_rng(0)
    lr, mu = 0.1, 0.9
    w0, grads = rng.standard_normal(4), rng.standard_normal((3, 4))
    param = torch.nn.Parameter(torch.tensor(w0))
    opt = torch.optim.SGD([param], lr=lr, momentum=mu)
    w, v = w0.copy(), np.zeros(4)
    for step, g in enumerate(grads, start=1):
        param.grad = torch.tensor(g)
        opt.step()
        ref_w, ref_v = param.detach().numpy(), opt.state[param]["momentum_buffer"].numpy()
        result = call(sgd_momentum_step, w.copy(), g.copy(), v.copy(), lr, mu)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return report(False, f"sgd_momentum_step returned {shape_of(result)}; return a pair "
                                 "(w_new, v_new).")
        w1, v1 = (np.asarray(a, dtype=float) for a in result)
        if w1.shape != (4,) or v1.shape != (4,):
            return report(False, f"w_new has shape {w1.shape} and v_new {v1.shape}; both should "
                                 "keep w's shape (4,).")
        if not (np.allclose(w1, ref_w, atol=1e-12) and np.allclose(v1, ref_v, atol=1e-12)):
            mistake = _momentum_mistake(w1, v1, ref_w, ref_v, g, w, v, lr, mu)
            return report(False, f"step {step}: {mistake}")
        w, v = w1, v1
    return report(True, "three steps agree with torch.optim.SGD(lr=0.1, momentum=0.9) to 1e-12.")
