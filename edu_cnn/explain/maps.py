"""Explanations that need no input gradient: occlusion sensitivity and Grad-CAM.

- **Occlusion** (Zeiler & Fergus 2014): cover a P×P patch with grey, measure the drop
  of the class probability, p_t(x) − p_t(x with patch); each pixel gets the mean drop
  of the patches that covered it. Red: hiding it hurts the answer.
- **Grad-CAM** (Selvaraju et al. 2017) on feature maps A (K, H', W') of a conv layer:

      α_k = (1 / H'W') Σ_ij ∂z_t / ∂A_k[i, j]        (one weight per channel)
      CAM = ReLU( Σ_k α_k A_k )                      (H', W'), upsampled to H × W

  The gradient ∂z_t/∂A comes from sending a one-hot dlogits back through the
  layers *after* A with their own ``backward``.
"""
import numpy as np

from .. import _checks
from ..functional import probabilities
from ..layers import Conv2D

__all__ = ["occlusion_naive", "occlusion", "grad_cam", "upsample", "default_cam_layer"]


def _positions(size, patch, stride):
    """Top-left corners along one axis; the last patch touches the edge."""
    starts = list(range(0, size - patch + 1, stride))
    return starts if starts[-1] == size - patch else starts + [size - patch]


def _occlusion_args(model, x, target, patch, stride, who):
    batch, single = _checks.check_explain_images(model, x, who)
    patch = _checks.check_positive_int(patch, who, "patch")
    stride = _checks.check_positive_int(stride, who, "stride")
    if patch > min(batch.shape[2:]):
        raise ValueError(f"{who} expected patch ≤ the image side {min(batch.shape[2:])}, "
                         f"got {patch}.")
    probs = probabilities(model.forward(batch, training=False))            # (N, K)
    target = (probs.argmax(axis=1) if target is None
              else _checks.check_targets(target, len(batch), probs.shape[1], who))
    return batch, single, patch, stride, probs[np.arange(len(batch)), target], target


def occlusion_naive(model, x, target=None, patch=6, stride=2, fill=0.5):
    """Occlusion map by a loop over patch positions (the teaching version).

    x (N, C, H, W) -> (N, H, W); one image (C, H, W) -> (H, W).
    """
    batch, single, patch, stride, p_clean, target = _occlusion_args(
        model, x, target, patch, stride, "occlusion_naive")
    N, _, H, W = batch.shape
    drop, count = np.zeros((N, H, W)), np.zeros((H, W))
    for i in _positions(H, patch, stride):
        for j in _positions(W, patch, stride):
            hidden = batch.copy()
            hidden[:, :, i:i + patch, j:j + patch] = fill                 # the grey patch
            p = probabilities(model.forward(hidden, training=False))[np.arange(N), target]
            drop[:, i:i + patch, j:j + patch] += (p_clean - p)[:, None, None]
            count[i:i + patch, j:j + patch] += 1
    out = (drop / count).astype(batch.dtype)
    return out[0] if single else out


def occlusion(model, x, target=None, patch=6, stride=2, fill=0.5):
    """Occlusion map, every patch position of one image in one batch (fast).

    x (N, C, H, W) -> (N, H, W); one image (C, H, W) -> (H, W). Same result as
    ``occlusion_naive`` (a test checks it).
    """
    batch, single, patch, stride, p_clean, target = _occlusion_args(
        model, x, target, patch, stride, "occlusion")
    N, _, H, W = batch.shape
    corners = [(i, j) for i in _positions(H, patch, stride) for j in _positions(W, patch, stride)]
    masks = np.zeros((len(corners), 1, H, W), dtype=bool)                    # (P, 1, H, W)
    for k, (i, j) in enumerate(corners):
        masks[k, 0, i:i + patch, j:j + patch] = True
    count = masks[:, 0].sum(axis=0)                                          # (H, W)
    out = np.empty((N, H, W), dtype=batch.dtype)
    for n in range(N):
        hidden = np.where(masks, batch.dtype.type(fill), batch[n][None])     # (P, C, H, W)
        p = probabilities(model.forward(hidden, training=False))[:, target[n]]   # (P,)
        drop = p_clean[n] - p
        out[n] = np.tensordot(drop, masks[:, 0], axes=1) / count
    return out[0] if single else out


def default_cam_layer(model):
    """Name of Grad-CAM's default layer: the one after the last Conv2D (its activation).

    If the last Conv2D is not followed by an elementwise activation, the Conv2D itself.
    """
    convs = [k for k, layer in enumerate(model.layers) if isinstance(layer, Conv2D)]
    if not convs:
        raise ValueError("grad_cam needs a model with a Conv2D layer; this one has none.")
    k = convs[-1]
    nxt = model.layers[k + 1] if k + 1 < len(model.layers) else None
    activation = type(nxt).__name__ in ("ReLU", "LeakyReLU", "Sigmoid", "Tanh")
    return (nxt if activation else model.layers[k]).name


def grad_cam(model, x, target=None, layer=None, upsampled=True):
    """Grad-CAM of one layer's feature maps.

    x (N, C, H, W) -> (N, H, W) if ``upsampled`` else (N, H', W') (the layer's map
    size); one image (C, H, W) -> (H, W) or (H', W'). ``layer``: a layer name
    (default ``default_cam_layer(model)``); ``target``: class ids or None (predicted).
    """
    who = "grad_cam"
    batch, single = _checks.check_explain_images(model, x, who)
    name = default_cam_layer(model) if layer is None else layer
    names = [la.name for la in model.layers]
    if name not in names:
        raise ValueError(f"{who}: no layer named {name!r}; the layers are {names}.")
    k = names.index(name)
    out = batch
    for index, la in enumerate(model.layers):                # forward, keeping A
        out = la.forward(out, training=False)
        if index == k:
            maps = out                                          # A: (N, K, H', W')
    if maps.ndim != 4:
        raise ValueError(f"{who}: layer {name!r} outputs shape {maps.shape}, not feature maps "
                         "(N, K, H', W'); pick a conv, activation or pooling layer.")
    target = (out.argmax(axis=1) if target is None
              else _checks.check_targets(target, len(batch), out.shape[1], who))
    d = np.zeros_like(out)
    d[np.arange(len(batch)), target] = 1.0                      # d z_t / d logits
    for la in reversed(model.layers[k + 1:]):
        d = la.backward(d)                                      # ends as d z_t / d A
    alpha = d.mean(axis=(2, 3))                                 # (N, K)
    cam = np.maximum(np.einsum("nk,nkij->nij", alpha, maps), 0)  # (N, H', W')
    if upsampled:
        cam = upsample(cam, batch.shape[2:])
    return cam[0] if single else cam


def upsample(maps, size):
    """Bilinear upsampling, pixel centres aligned: (N, h, w) -> (N, H, W) (``size`` = (H, W))."""
    maps = np.asarray(maps)
    H, W = size
    h, w = maps.shape[-2:]
    rows = _linear_weights(h, H)                                # (H, h)
    cols = _linear_weights(w, W)                                # (W, w)
    return np.einsum("Hh,nhw,Ww->nHW", rows, maps, cols)


def _linear_weights(n_in, n_out):
    """(n_out, n_in) matrix of linear interpolation weights, pixel centres aligned."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    weights = np.zeros((n_out, n_in))
    weights[np.arange(n_out), lo] += 1 - frac
    weights[np.arange(n_out), hi] += frac
    return weights
