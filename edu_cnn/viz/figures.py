"""Where figures go: ``save_figure(fig, "03_sobel")`` writes a PNG for slides."""
import os
import tempfile
from pathlib import Path

from matplotlib.figure import Figure

__all__ = ["FIGURES_ENV", "figures_folder", "save_figure"]

FIGURES_ENV = "EDU_CNN_FIGURES"
_session_folder = []        # the temporary folder used when $EDU_CNN_FIGURES is not set


def figures_folder():
    """Where ``save_figure`` puts a figure given by name alone.

    ``$EDU_CNN_FIGURES`` when it is set (``make course`` sets it to the
    course's ``figures/``); otherwise one temporary folder per process, so that
    running a notebook (in JupyterLab, or under nbval in ``make test``) never
    rewrites the committed figures.
    """
    folder = os.environ.get(FIGURES_ENV)
    if folder:
        return Path(folder)
    if not _session_folder:
        _session_folder.append(Path(tempfile.mkdtemp(prefix="edu_cnn_figures_")))
    return _session_folder[0]


def save_figure(fig, name, dpi=150):
    """Write a figure as a PNG for slides; creates missing folders.

    Parameters
    ----------
    fig : Figure (e.g. returned by any function here)
    name : str or Path; a bare name such as ``"03_sobel"`` goes into
        ``figures_folder()``, a path with a folder (``tmp / "x.png"``) is used as
        given; ".png" is added if there is no suffix
    dpi : int, 150 is sharp on a projector and small in git

    Returns
    -------
    path : Path of the written file
    """
    if not isinstance(fig, Figure):
        hint = " Use ax.figure." if hasattr(fig, "figure") else ""
        raise TypeError(f"save_figure(fig) expected a matplotlib Figure, "
                        f"got {type(fig).__name__}.{hint}")
    path = Path(name)
    if path.parent == Path("."):
        path = figures_folder() / path
    if path.suffix == "":
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight", facecolor="white")
    return path
