"""Your own digit as MNIST sees digits: strokes or an image -> a 28×28 input in [0, 1].

MNIST's digits were made like this (LeCun, Bottou, Bengio & Haffner 1998, and the
MNIST page): each scanned digit was scaled, keeping its aspect ratio, so that
its bounding box fits a 20×20 box (with anti-aliasing, hence grey edges), and
then put into a 28×28 field so that its **centre of mass** lies at the centre
of the field. ``to_mnist`` does the same:

1. grey levels in [0, 1], white ink on black (a light background is inverted);
2. crop to the bounding box of the ink (pixels > ``threshold``, 0 by default: any
   ink; a photo with a noisy background needs more, e.g. 0.25);
3. scale the longer side to 20 pixels by area averaging (each output pixel is the
   mean of the input area it covers: anti-aliased, and the same on every machine);
4. paste into 28×28 and shift by whole pixels so that the centre of mass is as
   close as possible to pixel (14, 14): that is where MNIST puts it (the mean
   centre of mass of the 5,000 embedded digits is (13.99, 14.00), in row/column
   index coordinates).

MNIST's own digits are already in this form: ``to_mnist`` gives them back unchanged
(tests/test_drawing.py checks it). A network trained on MNIST expects exactly this: a
digit drawn small in a corner and fed in as it is would be far from anything it has seen.

``render_strokes`` turns mouse strokes (lists of (x, y) points) into an image,
as the drawing widget does; ``PRE_DRAWN`` holds a few digits drawn that way.
"""
import numpy as np

from .. import _checks

__all__ = ["to_mnist", "render_strokes", "resize_area", "center_of_mass", "PRE_DRAWN"]

BOX, FIELD = 20, 28


def resize_area(image, out_h, out_w):
    """Area-averaging resize: (H, W) -> (out_h, out_w), each output pixel the mean it covers.

    Written as R_rows @ image @ R_cols.T with R[o, i] = the overlap of output pixel o
    with input pixel i (divided by the output pixel's size), so rows of R sum to 1.
    """
    return _area_weights(image.shape[0], out_h) @ image @ _area_weights(image.shape[1], out_w).T


def _area_weights(n_in, n_out):
    """(n_out, n_in): overlap of [o·n_in/n_out, (o+1)·n_in/n_out) with [i, i+1), / its size."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]                      # (n_out, 1)
    i = np.arange(n_in)[None, :]                                    # (1, n_in)
    overlap = np.clip(np.minimum(hi, i + 1) - np.maximum(lo, i), 0, None)
    return overlap / (n_in / n_out)


def center_of_mass(image):
    """(row, col) of the ink's centre of mass, Σ p·(i, j) / Σ p, of an (H, W) image."""
    total = image.sum()
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def _as_grey(image, who):
    """(H, W) or (H, W, 3|4), float [0, 1] or uint8 -> float64 (H, W) in [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] in (3, 4):
        image = image[..., :3] @ np.array([0.299, 0.587, 0.114])      # ITU-R 601 luminance
    if image.ndim != 2 or min(image.shape) < 2:
        raise ValueError(f"{who} expected a grey image (H, W) or a colour image (H, W, 3), got "
                         f"shape {image.shape}. For a batch, call it on one image at a time.")
    if image.dtype.kind in "iub":
        image = image / 255.0
    image = image.astype(np.float64)
    _checks.check_finite(image, who, "image")
    if image.min() < 0 or image.max() > 1:
        raise ValueError(f"{who} expected pixel values in [0, 1] (or 0–255 integers), got "
                         f"[{image.min():.3g}, {image.max():.3g}]. Scale the image first.")
    return image


def to_mnist(image, invert="auto", threshold=0.0):
    """A drawn or photographed digit -> an MNIST-like (28, 28) float64 image in [0, 1].

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, 3|4), float in [0, 1] or uint8 0–255
    invert : "auto" (invert if the border is mostly light), True or False
    threshold : float, grey level above which a pixel counts as ink (for the box); raise it
        (e.g. 0.25) for photos whose paper is not quite white

    Returns
    -------
    digit : ndarray of shape (28, 28): the ink's bounding box scaled to fit 20×20,
        its centre of mass moved to the centre of the 28×28 field.
    """
    who = "to_mnist"
    grey = _as_grey(image, who)
    if invert == "auto":
        border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
        invert = bool(np.median(border) > 0.5)
    grey = 1.0 - grey if invert else grey
    ink = np.argwhere(grey > threshold)
    if len(ink) == 0:
        raise ValueError(f"{who}: the image is empty — no pixel is brighter than threshold="
                         f"{threshold:g} (max {grey.max():.2f}). Draw a digit first, or pass "
                         "invert=True for dark ink on a light background.")
    (r0, c0), (r1, c1) = ink.min(axis=0), ink.max(axis=0) + 1
    crop = grey[r0:r1, c0:c1]                                       # the bounding box
    scale = BOX / max(crop.shape)
    h, w = (max(1, round(n * scale)) for n in crop.shape)
    small = np.clip(resize_area(crop, h, w), 0.0, 1.0)              # fits 20×20
    cy, cx = center_of_mass(small)
    centre = FIELD / 2                                              # 14, as in MNIST
    top = _clamp(np.floor(centre - cy + 0.5), FIELD - h)
    left = _clamp(np.floor(centre - cx + 0.5), FIELD - w)
    digit = np.zeros((FIELD, FIELD))
    digit[top:top + h, left:left + w] = small
    return digit


def _clamp(offset, largest):
    return int(min(max(offset, 0), largest))


def render_strokes(strokes, shape=(140, 140), width=10.0):
    """Draw strokes with a round pen: a list of (M, 2) (x, y) point lists -> (H, W) in [0, 1].

    Pixel (row, col) gets ink 1 within ``width`` / 2 of a segment, fading to 0 over
    one pixel (anti-aliased edge). A stroke of one point is a dot.
    """
    who = "render_strokes"
    H, W = shape
    canvas = np.zeros((H, W))
    half = _checks.check_real(width, who, "width") / 2
    rows, cols = np.indices((H, W)) + 0.5                           # pixel centres
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 0:
            continue
        segments = zip(pts, pts[1:]) if len(pts) > 1 else [(pts[0], pts[0])]
        for (x0, y0), (x1, y1) in segments:
            dx, dy = x1 - x0, y1 - y0
            t = ((cols - x0) * dx + (rows - y0) * dy) / (dx * dx + dy * dy or 1.0)
            t = np.clip(t, 0.0, 1.0)
            dist = np.hypot(cols - (x0 + t * dx), rows - (y0 + t * dy))
            canvas = np.maximum(canvas, np.clip(half + 0.5 - dist, 0.0, 1.0))
    return canvas


def _arc(cx, cy, rx, ry, start, stop, n=24):
    """Points of an ellipse arc (degrees, 0 = right, 90 = down), for the pre-drawn digits."""
    a = np.radians(np.linspace(start, stop, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


# Digits drawn with the mouse's strokes in a 140×140 field, as a student might draw them:
# name -> list of strokes (x, y). Two are ambiguous on purpose.
PRE_DRAWN = {
    "seven": [[(35, 30), (105, 30), (60, 120)]],
    "zero": [_arc(70, 72, 30, 45, 0, 360)],
    "two": [np.concatenate([_arc(70, 50, 28, 25, 190, 380), [(40, 115), (105, 115)]])],
    "four or nine": [np.concatenate([[(85, 25)], _arc(72, 50, 28, 24, -30, 200), [(85, 55)]]),
                     [(87, 25), (87, 122)]],
    "one or seven": [[(55, 40), (85, 22), (80, 120)]],
    "three": [np.concatenate([_arc(68, 45, 27, 22, 200, 450), _arc(68, 92, 30, 25, -90, 160)])],
}
