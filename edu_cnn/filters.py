"""Classical image filters and a fixed filter bank.

Every kernel is a float64 ndarray of shape (KH, KW), meant for
cross-correlation (what ``Conv2D`` computes, no kernel flip):

    out[i, j] = Σ_{u,v} kernel[u, v] · image[i + u, j + v]

Coordinates: ``x`` is the column offset (to the right), ``y`` the row offset
(downwards), both measured from the kernel's centre.  So ``sobel_x``
responds positively where the image gets brighter from left to right.

Use them as conv weights of shape (F, C, KH, KW) with ``kernel[None, None]``
or ``np.stack([...])[:, None]``.  ``filter_bank()`` builds the 36 17×17
filters of notebook 04; ``PRESETS`` / ``PRESETS_5X5`` hold the kernels of
the KernelPlayground widget (read-only: use ``get_preset`` for a copy).
"""
import numpy as np

from . import _checks

__all__ = [
    "identity", "box_blur", "gaussian", "binomial", "sharpen", "sobel_x", "sobel_y",
    "laplacian", "edge_horizontal", "edge_vertical", "edge_diagonal",
    "edge_antidiagonal", "outline", "gabor", "difference_of_gaussians",
    "filter_bank", "filter_bank_names", "PRESETS", "PRESETS_5X5", "get_preset",
]


def _grid(size):
    """Offsets from the centre: y (rows, downwards) and x (columns), each (size, size)."""
    r = np.arange(size) - size // 2
    y, x = np.meshgrid(r, r, indexing="ij")   # y[u, v] = u - c, x[u, v] = v - c
    return y.astype(np.float64), x.astype(np.float64)


# --------------------------------------------------------------------------
# Small classical kernels
# --------------------------------------------------------------------------

def identity(size=3):
    """Identity (delta) kernel: 1 at the centre, 0 elsewhere; out = image.

    Returns a kernel of shape (size, size), sum 1.
    """
    _checks.check_odd_size(size, "identity")
    k = np.zeros((size, size))
    k[size // 2, size // 2] = 1.0
    return k


def box_blur(k=3):
    """Box (mean) blur: every weight 1/k², the average of the k×k window.

    Returns a kernel of shape (k, k), sum 1.
    """
    _checks.check_odd_size(k, "box_blur")
    return np.full((k, k), 1.0 / (k * k))


def gaussian(size=5, sigma=1.0):
    """Sampled 2-D Gaussian blur, normalised to sum 1.

    G[y, x] = exp(−(x² + y²) / (2σ²)) / Σ exp(−(x² + y²) / (2σ²))

    Returns a kernel of shape (size, size), sum 1, symmetric.
    """
    _checks.check_odd_size(size, "gaussian")
    _checks.check_positive(sigma, "sigma", "gaussian")
    y, x = _grid(size)
    g = np.exp(-(x**2 + y**2) / (2.0 * sigma**2))
    return g / g.sum()


def binomial(size=3):
    """Binomial blur: outer product of Pascal's row, e.g. [1 2 1]ᵀ[1 2 1] / 16.

    The integer-weight approximation of a Gaussian used in textbooks
    (σ² = (size − 1) / 4 per axis).

    Returns a kernel of shape (size, size), sum 1.
    """
    _checks.check_odd_size(size, "binomial")
    row = np.array([1.0])
    for _ in range(size - 1):
        row = np.convolve(row, [1.0, 1.0])   # next row of Pascal's triangle
    return np.outer(row, row) / row.sum() ** 2


def sharpen():
    """Sharpen: 5·centre − the four neighbours (= identity − Laplacian).

        [[ 0, -1,  0],
         [-1,  5, -1],
         [ 0, -1,  0]]

    Returns a kernel of shape (3, 3), sum 1 (flat regions unchanged).
    """
    return np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])


def sobel_x():
    """Sobel x: horizontal derivative (right − left), smoothed vertically.

    Sx = [1 2 1]ᵀ [−1 0 1] = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]].
    Positive where brightness increases to the right: finds *vertical* edges.

    Returns a kernel of shape (3, 3), sum 0, antisymmetric left-right.
    """
    return np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])


def sobel_y():
    """Sobel y: vertical derivative (bottom − top), smoothed horizontally.

    Sy = Sxᵀ = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]].
    Positive where brightness increases downwards: finds *horizontal* edges.

    Returns a kernel of shape (3, 3), sum 0, antisymmetric top-bottom.
    """
    return sobel_x().T.copy()


def laplacian():
    """Laplacian (4-neighbour), the discrete second derivative ∇²I.

    ∇²I[y, x] ≈ I[y−1, x] + I[y+1, x] + I[y, x−1] + I[y, x+1] − 4·I[y, x]

        [[0,  1, 0],
         [1, -4, 1],
         [0,  1, 0]]

    Returns a kernel of shape (3, 3), sum 0, symmetric under flips and transpose.
    """
    return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def edge_horizontal():
    """Prewitt kernel for *horizontal* edges (a change from top to bottom).

    [[-1, -1, -1], [0, 0, 0], [1, 1, 1]]: bottom row − top row.

    Returns a kernel of shape (3, 3), sum 0.
    """
    return np.outer([-1.0, 0.0, 1.0], [1.0, 1.0, 1.0])


def edge_vertical():
    """Prewitt kernel for *vertical* edges (a change from left to right).

    [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]: right column − left column.

    Returns a kernel of shape (3, 3), sum 0.
    """
    return edge_horizontal().T.copy()


def edge_diagonal():
    """Edges along the "\\" diagonal: bright below-left minus bright above-right.

    k[y, x] = y − x  →  [[0, -1, -2], [1, 0, -1], [2, 1, 0]]

    Returns a kernel of shape (3, 3), sum 0.
    """
    y, x = _grid(3)
    return y - x


def edge_antidiagonal():
    """Edges along the "/" diagonal: bright below-right minus bright above-left.

    k[y, x] = y + x  →  [[-2, -1, 0], [-1, 0, 1], [0, 1, 2]]

    Returns a kernel of shape (3, 3), sum 0.
    """
    y, x = _grid(3)
    return y + x


def outline():
    """Outline (all-direction edges): 8·centre − the 8 neighbours.

    [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]

    Returns a kernel of shape (3, 3), sum 0.
    """
    k = -np.ones((3, 3))
    k[1, 1] = 8.0
    return k


# --------------------------------------------------------------------------
# Gabor and difference-of-Gaussians (the filter bank's building blocks)
# --------------------------------------------------------------------------

def gabor(size, sigma, theta, lambd, gamma=0.5, psi=0.0):
    """Gabor kernel: a cosine wave under a Gaussian envelope (OpenCV's formula).

    x' =  x·cos θ + y·sin θ
    y' = −x·sin θ + y·cos θ
    g[y, x] = exp(−(x'² + γ²·y'²) / (2σ²)) · cos(2π·x'/λ + ψ)

    θ = 0 puts the wave along x, i.e. vertical stripes: it responds to
    vertical strokes.  ψ = 0 gives an even (bar) detector, ψ = π/2 an odd
    (edge) detector.  Values are the raw formula (not zero-mean); see
    ``filter_bank`` for normalised ones.

    Parameters
    ----------
    size : int, odd
    sigma : float, width of the envelope in pixels
    theta : float, orientation in radians
    lambd : float, wavelength of the cosine in pixels
    gamma : float, aspect ratio of the envelope (< 1: elongated along the stripes)
    psi : float, phase offset in radians

    Returns a kernel of shape (size, size).
    """
    _checks.check_odd_size(size, "gabor")
    for arg, value in (("sigma", sigma), ("lambd", lambd), ("gamma", gamma)):
        _checks.check_positive(value, arg, "gabor")
    y, x = _grid(size)
    xr = x * np.cos(theta) + y * np.sin(theta)
    yr = -x * np.sin(theta) + y * np.cos(theta)
    envelope = np.exp(-(xr**2 + gamma**2 * yr**2) / (2.0 * sigma**2))
    return envelope * np.cos(2.0 * np.pi * xr / lambd + psi)


def difference_of_gaussians(size, sigma, ratio=2.0):
    """Centre-surround blob detector: narrow Gaussian minus wide Gaussian.

    DoG = G(σ) − G(ratio·σ), each G normalised to sum 1, so Σ DoG = 0:
    positive for a bright spot of radius ≈ σ on a dark background.

    Returns a kernel of shape (size, size), sum ≈ 0 (exactly 0 up to rounding).
    """
    _checks.check_odd_size(size, "difference_of_gaussians")
    _checks.check_positive(sigma, "sigma", "difference_of_gaussians")
    _checks.check_positive(ratio, "ratio", "difference_of_gaussians")
    return gaussian(size, sigma) - gaussian(size, ratio * sigma)


def _zero_mean_unit_norm(k):
    k = k - k.mean()
    return k / np.linalg.norm(k)


def _unit_norm(k):
    return k / np.linalg.norm(k)


# --------------------------------------------------------------------------
# The 36-filter bank of notebook 04
# --------------------------------------------------------------------------

_BANK_ORIENTATIONS = (0, 30, 60, 90, 120, 150)      # degrees
_BANK_GABOR_SCALES = ((4.0, 2.0), (8.0, 3.5))       # (wavelength λ, envelope σ) in pixels
_BANK_DOG_SIGMAS = (1.0, 2.0, 3.0)
_BANK_BLUR_SIGMAS = (1.5, 3.0)
_BANK_EDGE_ORIENTATIONS = (0, 45, 90, 135)           # degrees


def _bank_specs(size):
    """(name, kernel) pairs of the bank, in order; each kernel (size, size)."""
    specs = []
    for lambd, sigma in _BANK_GABOR_SCALES:                         # 2 × 2 × 6 = 24
        for phase, psi in (("even", 0.0), ("odd", np.pi / 2)):
            for deg in _BANK_ORIENTATIONS:
                k = gabor(size, sigma, np.deg2rad(deg), lambd, gamma=0.5, psi=psi)
                specs.append((f"gabor_{phase}_l{lambd:g}_{deg:03d}", _zero_mean_unit_norm(k)))
    for sigma in _BANK_DOG_SIGMAS:                                  # 3 × 2 = 6
        k = _zero_mean_unit_norm(difference_of_gaussians(size, sigma))
        specs += [(f"dog_on_s{sigma:g}", k), (f"dog_off_s{sigma:g}", -k)]
    for sigma in _BANK_BLUR_SIGMAS:                                 # 2
        specs.append((f"gauss_s{sigma:g}", _unit_norm(gaussian(size, sigma))))
    y, x = _grid(size)
    for deg in _BANK_EDGE_ORIENTATIONS:                             # 4
        t = np.deg2rad(deg)
        d = x * np.cos(t) + y * np.sin(t)           # signed distance across the edge
        k = d * np.exp(-(x**2 + y**2) / (2.0 * 2.0**2))   # derivative of a Gaussian, σ = 2
        specs.append((f"edge_{deg:03d}", _zero_mean_unit_norm(k)))
    return specs


def filter_bank(size=17, dtype=np.float64):
    """The fixed bank of 36 filters used as features in notebook 04.

    In order (names from ``filter_bank_names()``):

    - 24 Gabor filters: wavelengths λ ∈ {4, 8} px (σ = 2, 3.5), even (ψ = 0,
      bars) and odd (ψ = π/2, edges) phase, orientations θ ∈ {0°, 30°, …, 150°};
    - 6 centre-surround blobs: DoG(σ, 2σ) for σ ∈ {1, 2, 3}, on- and off-centre;
    - 2 Gaussian blurs, σ ∈ {1.5, 3};
    - 4 oriented edges: derivative of a Gaussian (σ = 2) at 0°, 45°, 90°, 135°.

    Every filter has unit L2 norm, and all but the two Gaussians are zero-mean
    (they ignore the local brightness and respond to structure only).

    Parameters
    ----------
    size : int, odd, >= 7
    dtype : numpy dtype of the result (float32 to match Conv2D's default)

    Returns
    -------
    bank : ndarray of shape (36, 1, size, size)
        Conv weights (F, C_in, KH, KW) for one input channel.
    """
    _checks.check_odd_size(size, "filter_bank", min_size=7)
    kernels = [k for _, k in _bank_specs(size)]
    return np.stack(kernels)[:, None].astype(dtype)   # (36, 1, size, size)


def filter_bank_names(size=17):
    """Names of the filters of ``filter_bank(size)``, in the same order.

    E.g. ``"gabor_even_l4_030"`` (Gabor, even phase, λ = 4 px, θ = 30°),
    ``"dog_on_s2"``, ``"gauss_s1.5"``, ``"edge_045"``.

    Returns
    -------
    names : list of 36 str
    """
    _checks.check_odd_size(size, "filter_bank_names", min_size=7)
    return [name for name, _ in _bank_specs(size)]


# --------------------------------------------------------------------------
# Presets for the KernelPlayground widget
# --------------------------------------------------------------------------

def _frozen(k):
    k = np.array(k, dtype=np.float64)
    k.setflags(write=False)
    return k


PRESETS = {
    "identity": _frozen(identity(3)),
    "box blur": _frozen(box_blur(3)),
    "Gaussian": _frozen(binomial(3)),               # [1 2 1]ᵀ[1 2 1] / 16
    "sharpen": _frozen(sharpen()),
    "Sobel x": _frozen(sobel_x()),
    "Sobel y": _frozen(sobel_y()),
    "Laplacian": _frozen(laplacian()),
}
"""dict name -> read-only ndarray of shape (3, 3): the widget's presets."""

PRESETS_5X5 = {
    "identity": _frozen(identity(5)),
    "box blur": _frozen(box_blur(5)),
    "Gaussian": _frozen(binomial(5)),               # [1 4 6 4 1]ᵀ[1 4 6 4 1] / 256
    "sharpen": _frozen(2.0 * identity(5) - binomial(5)),   # unsharp mask: 2·I − blur
    "Sobel x": _frozen(np.outer([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1])),
    "Sobel y": _frozen(np.outer([-1, -2, 0, 2, 1], [1, 4, 6, 4, 1])),
    "Laplacian": _frozen([[0, 0, 1, 0, 0], [0, 1, 2, 1, 0], [1, 2, -16, 2, 1],
                          [0, 1, 2, 1, 0], [0, 0, 1, 0, 0]]),  # Laplacian of Gaussian
}
"""dict name -> read-only ndarray of shape (5, 5): the same presets at 5×5."""


def get_preset(name, size=3):
    """A writable copy of a preset kernel.

    Parameters
    ----------
    name : str, a key of ``PRESETS`` (e.g. "Sobel x")
    size : 3 or 5

    Returns a kernel of shape (size, size).
    """
    table = {3: PRESETS, 5: PRESETS_5X5}.get(size)
    if table is None:
        raise ValueError(f"get_preset(size=...) expected 3 or 5, got {size!r}.")
    if name not in table:
        raise ValueError(f"get_preset: unknown preset {name!r}; "
                         f"choose one of {list(table)}.")
    return table[name].copy()
