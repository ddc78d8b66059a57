"""The math every module shares: softmax, log-softmax, sigmoid, probabilities from logits.

    softmax(z)_k     = exp(z_k − m) / Σ_j exp(z_j − m),   m = max_j z_j
    log_softmax(z)_k = z_k − m − log Σ_j exp(z_j − m)
    sigmoid(x)       = 1 / (1 + exp(−x))

Subtracting the maximum m changes nothing mathematically and keeps every
exponent <= 0, so nothing overflows, even for logits of ±1e4.
"""
import numpy as np

__all__ = ["softmax", "log_softmax", "sigmoid", "probabilities", "predicted_classes"]


def log_softmax(z):
    """Stable log of the softmax along the last axis; z (N, K) -> (N, K)."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(z):
    """Stable softmax along the last axis; z (N, K) -> (N, K), rows sum to 1."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x):
    """Stable logistic function in x's dtype; any shape.

    Uses e = exp(−|x|), which never overflows: σ(x) = 1 / (1 + e) for x >= 0
    and σ(x) = e / (1 + e) for x < 0 (accurate even far in the negative tail).
    """
    e = np.exp(-np.abs(x))
    y = np.asarray(1 / (1 + e))                            # σ(|x|), an array even for 0-d x
    np.multiply(y, e, out=y, where=x < 0)                  # σ(−|x|) = e · σ(|x|)
    return y


def probabilities(logits):
    """Class probabilities: softmax over K > 1 outputs, (N, K); the sigmoid for one, (N, 1)."""
    if logits.ndim == 2 and logits.shape[1] > 1:
        return softmax(logits)
    return sigmoid(logits)                                 # P(class 1)


def predicted_classes(logits):
    """Class ids (N,): argmax over K > 1 outputs, ``logit > 0`` for one output."""
    if logits.ndim == 2 and logits.shape[1] > 1:
        return logits.argmax(axis=1)
    return (logits.reshape(len(logits)) > 0).astype(np.int64)
