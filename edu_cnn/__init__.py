"""edu_cnn — convolutional neural networks from first principles, in NumPy.

A small module of vetted layers (each checked against PyTorch and by
numerical gradients) and the helpers the course notebooks use::

    from edu_cnn import layers, losses, optim, Sequential
    from edu_cnn.data import load_mnist

Plots (``edu_cnn.viz``), interactive viewers (``edu_cnn.widgets``) and
PyTorch interop (``edu_cnn.interop``) are imported on demand, so
``import edu_cnn`` stays quick and needs neither pyplot, ipywidgets nor torch.
"""
__version__ = "0.1.0"

from . import data, gradcheck, init, layers, losses, optim  # noqa: E402
from .model import Sequential  # noqa: E402
from .threads import blas_info, blas_threads, set_blas_threads  # noqa: E402
from .training import Callback, History  # noqa: E402

__all__ = ["Sequential", "History", "Callback", "layers", "losses", "optim", "init",
           "data", "gradcheck", "set_blas_threads", "blas_threads", "blas_info", "__version__"]

from . import explain  # noqa: E402  (notebook 08: saliency, Grad-CAM, FGSM, ...)

__all__ += ["explain"]
