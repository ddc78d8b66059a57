"""The array shapes the pictures accept, turned into what ``imshow`` draws.

Each helper takes the caller's name (``fname``) and argument (``arg``) for its
error message, says what shapes it accepts and, where there is one, the fix.
Shared by the picture modules of ``edu_cnn.viz``; not part of the public API.
"""
import numpy as np


def as_image_stack(images, fname, arg="images"):
    """(N, H, W), (N, 1, H, W) or (N, 3, H, W) -> (N, H, W) or (N, H, W, 3) for imshow."""
    a = np.asarray(images)
    if a.ndim in (3, 4) and len(a) == 0:
        raise ValueError(f"{fname}({arg}) got 0 images (shape {a.shape}); pass at least one.")
    if a.ndim == 4 and a.shape[1] == 1:
        return a[:, 0]
    if a.ndim == 4 and a.shape[1] == 3:
        return a.transpose(0, 2, 3, 1)                      # channels last for imshow
    if a.ndim == 3:
        return a
    hint = ""
    if a.ndim == 2:
        hint = f" For one image use {arg}[None]."
    elif a.ndim == 4 and a.shape[-1] in (1, 3):
        hint = f" Channels-last images need {arg}.transpose(0, 3, 1, 2)."
    raise ValueError(f"{fname}({arg}) expected an array of shape (N, H, W), (N, 1, H, W) "
                     f"or (N, 3, H, W), got {a.shape}.{hint}")


def as_2d(a, fname, arg):
    """(H, W), (1, H, W) or (1, 1, H, W) -> (H, W)."""
    a = np.asarray(a)
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 2:
        raise ValueError(f"{fname}({arg}) expected one 2-D array of shape (H, W) "
                         f"(or (1, H, W), (1, 1, H, W)), got {np.shape(a)}.")
    return a


def as_maps(maps, fname, arg="maps"):
    """(C, H, W) or (1, C, H, W) -> (C, H, W)."""
    a = np.asarray(maps)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3 and len(a) == 0:
        raise ValueError(f"{fname}({arg}) got 0 channels (shape {a.shape}).")
    if a.ndim == 3:
        return a
    hint = " Pick one example with maps[i]." if a.ndim == 4 else ""
    if a.ndim == 2:
        hint = " For one map use maps[None]."
    raise ValueError(f"{fname}({arg}) expected feature maps of shape (C, H, W) "
                     f"(or (1, C, H, W)), got {a.shape}.{hint}")


def as_one_image(image, fname):
    """(H, W), (1, H, W), (3, H, W) or (1, C, H, W) -> (H, W) or (H, W, 3)."""
    a = np.asarray(image)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 2:
        return a
    if a.ndim == 3 and a.shape[0] in (1, 3):
        return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
    raise ValueError(f"{fname}(image) expected one image of shape (H, W), (1, H, W) or "
                     f"(3, H, W), got {a.shape}.")


def check_ncols(ncols, fname):
    """A grid's column count must be a positive int."""
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"{fname}(ncols=...) expected a positive int, got {ncols!r}.")
