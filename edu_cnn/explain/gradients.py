"""Explanations from the gradient with respect to the input: saliency, SmoothGrad, FGSM.

All three run the model forward, put a gradient on its output and send it back
with the model's own ``Sequential.backward``, which returns dL/dx for the input.

- **saliency** (Simonyan et al. 2014): S[i, j] = max_c |∂ z_t / ∂ x[c, i, j]|, the
  gradient of the class score (logit) z_t: which pixels, changed a little, would
  change the score most.
- **SmoothGrad** (Smilkov et al. 2017): the mean saliency of n noisy copies
  x + ε, ε ~ N(0, σ²), σ = noise · (max x − min x); averages away the speckle.
- **FGSM** (Goodfellow et al. 2015): x_adv = clip(x + ε · sign(∂L/∂x), 0, 1) with L the
  cross-entropy of the true label: the step of size ε per pixel that raises the
  loss most (to first order).
"""
import numpy as np

from .. import _checks
from ..losses import SoftmaxCrossEntropy

__all__ = ["input_gradient", "saliency", "smoothgrad", "fgsm", "fgsm_accuracy"]


def input_gradient(model, x, target=None):
    """∂ z_target / ∂ x, the gradient of one class score (logit) with respect to the input.

    Parameters
    ----------
    model : Sequential ending in logits (N, K)
    x : ndarray of shape (N, C, H, W), float
    target : int, ndarray of shape (N,), or None (each image's predicted class)

    Returns
    -------
    grad : ndarray of shape (N, C, H, W)
    target : ndarray of shape (N,), the classes used
    """
    batch, _ = _checks.check_explain_images(model, x, "input_gradient")
    return _score_gradient(model, batch, target, "input_gradient")


def _score_gradient(model, x, target, who):
    """(∂ z_target / ∂ x (N, C, H, W), target (N,)) for checked images x (N, C, H, W)."""
    logits = model.forward(x, training=False)                   # (N, K)
    target = (logits.argmax(axis=1) if target is None
              else _checks.check_targets(target, len(x), logits.shape[1], who))
    dlogits = np.zeros_like(logits)
    dlogits[np.arange(len(x)), target] = 1.0                    # d z_t / d logits
    return model.backward(dlogits), target                      # (N, C, H, W)


def saliency(model, x, target=None):
    """Saliency map: max over channels of |∂ z_target / ∂ x|.

    x (N, C, H, W) -> (N, H, W); one image (C, H, W) -> (H, W).
    ``target``: int, (N,) class ids, or None for each image's predicted class.
    """
    batch, single = _checks.check_explain_images(model, x, "saliency")
    grad, _ = _score_gradient(model, batch, target, "saliency")
    s = np.abs(grad).max(axis=1)                                 # (N, H, W)
    return s[0] if single else s


def smoothgrad(model, x, target=None, n_samples=25, noise=0.15, rng=None):
    """SmoothGrad: the mean saliency of ``n_samples`` noisy copies of each image.

    x (N, C, H, W) -> (N, H, W); one image (C, H, W) -> (H, W). The noise has
    σ = noise · (max − min) of each image; ``target`` defaults to the class
    predicted for the clean image, so every copy explains the same class.
    """
    who = "smoothgrad"
    batch, single = _checks.check_explain_images(model, x, who)
    n_samples = _checks.check_positive_int(n_samples, who, "n_samples")
    noise = _checks.check_real(noise, who, "noise")
    _checks.check_positive(noise, "noise", who)
    rng = _checks.as_rng(rng, who)
    logits = model.forward(batch, training=False)
    target = (logits.argmax(axis=1) if target is None
              else _checks.check_targets(target, len(batch), logits.shape[1], who))
    maps = np.empty((len(batch),) + batch.shape[2:], dtype=batch.dtype)
    for n, image in enumerate(batch):
        sigma = noise * (image.max() - image.min() or 1.0)
        noisy = image + sigma * rng.standard_normal((n_samples,) + image.shape)  # (S, C, H, W)
        grad, _ = _score_gradient(model, noisy.astype(batch.dtype), int(target[n]), who)
        maps[n] = np.abs(grad).max(axis=1).mean(axis=0)          # mean of S saliency maps
    return maps[0] if single else maps


def _loss_gradient(model, x, y, who):
    """∂L/∂x of the mean cross-entropy of the labels y: x (N, C, H, W) -> (N, C, H, W)."""
    logits = model.forward(x, training=False)
    y = _checks.check_targets(y, len(x), logits.shape[1], who, arg="y")
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, y)
    return model.backward(loss.backward())


def fgsm(model, x, y, epsilon, clip=(0.0, 1.0)):
    """Fast gradient sign method: x_adv = clip(x + ε · sign(∂L/∂x), lo, hi).

    x (N, C, H, W) -> x_adv (N, C, H, W); one image (C, H, W) -> (C, H, W).
    ``y``: the true labels (N,) (or one int); ``epsilon`` ≥ 0, the change per pixel;
    ``clip``: the valid pixel range, or None for no clipping.
    """
    who = "fgsm"
    batch, single = _checks.check_explain_images(model, x, who)
    epsilon = _check_epsilon(epsilon, who)
    grad = _loss_gradient(model, batch, y, who)
    adv = batch + epsilon * np.sign(grad)
    adv = adv if clip is None else np.clip(adv, *clip)
    return adv[0] if single else adv


def fgsm_accuracy(model, x, y, epsilons, clip=(0.0, 1.0), batch_size=250):
    """Accuracy on FGSM images, one number per ε: x (N, C, H, W), y (N,) -> ndarray (E,).

    The gradient is computed once per batch; ε = 0 gives the clean accuracy.
    """
    who = "fgsm_accuracy"
    batch, _ = _checks.check_explain_images(model, x, who)
    epsilons = [_check_epsilon(e, who) for e in np.atleast_1d(epsilons)]
    y = _checks.check_targets(y, len(batch), 2 ** 31, who, arg="y")
    correct = np.zeros(len(epsilons), dtype=np.int64)
    for start in range(0, len(batch), batch_size):
        xb, yb = batch[start:start + batch_size], y[start:start + batch_size]
        step = np.sign(_loss_gradient(model, xb, yb, who))
        for k, eps in enumerate(epsilons):
            adv = xb + eps * step
            adv = adv if clip is None else np.clip(adv, *clip)
            correct[k] += int((model.forward(adv, training=False).argmax(axis=1) == yb).sum())
    return correct / len(batch)


def _check_epsilon(epsilon, who):
    epsilon = _checks.check_real(epsilon, who, "epsilon")
    if epsilon < 0:
        raise ValueError(f"{who} expected epsilon ≥ 0 (the change per pixel), got {epsilon:g}. "
                         "For pixels in [0, 1], try 0.05 to 0.3.")
    return epsilon
