"""Matplotlib pictures for the course: images, filters, feature maps, curves.

Every function takes NumPy arrays and returns a ``matplotlib.figure.Figure``;
none calls ``plt.show()``.  In a notebook a returned figure displays when it
is the cell's last expression (or with ``display(fig)``); save it for slides
with ``save_figure(fig, "03_sobel")`` (into ``figures_folder()``).

The figures are closed in pyplot before they are returned, so they are not
kept alive by pyplot's global state: a widget that redraws a hundred times
leaks nothing, and a figure shows once (as the cell's result), not twice.

``import edu_cnn`` does not import this package; ``from edu_cnn import viz``
does (and with it matplotlib).

==================  ============================================================
module              pictures
==================  ============================================================
``images``          ``show_images``, ``show_digits_per_class``, ``mosaic``
``maps``            ``show_filters``, ``show_feature_maps``
``explorer``        ``show_feature_map_explorer``
``training``        ``plot_history``, ``show_training``, ``plot_confusion_matrix``
``activations``     ``plot_activation``, ``plot_activation_functions``,
                    ``plot_decision_boundary``
``convolution``     ``show_convolution``, ``plot_im2col``
``pooling``         ``show_pooling``, ``pool_with_argmax``
``figures``         ``save_figure``, ``figures_folder``
==================  ============================================================

The static twins of the widgets in ``edu_cnn.widgets``:
``show_convolution`` (KernelPlayground), ``show_pooling`` (PoolingPlayground),
``show_feature_map_explorer`` (FeatureMapExplorer), ``show_filters``
(FilterViewer), ``show_training`` / ``plot_history`` (LiveTraining).
Each docstring lists the order of the figure's axes, so a caller can update
a picture in place (``fig.axes[i].images[0].set_data(new)``) when speed matters.
``confusion_matrix`` is ``edu_cnn.metrics.confusion_matrix``, here for the notebooks.
"""
from ..metrics import confusion_matrix
from .activations import plot_activation, plot_activation_functions, plot_decision_boundary
from .convolution import plot_im2col, show_convolution
from .explorer import show_feature_map_explorer
from .figures import FIGURES_ENV, figures_folder, save_figure
from .images import mosaic, show_digits_per_class, show_images
from .maps import show_feature_maps, show_filters
from .pooling import pool_with_argmax, show_pooling
from .training import plot_confusion_matrix, plot_history, show_training

__all__ = [
    "show_images", "show_digits_per_class", "mosaic", "show_filters", "show_feature_maps",
    "plot_history", "show_training", "confusion_matrix", "plot_confusion_matrix",
    "plot_activation_functions", "plot_activation", "plot_decision_boundary",
    "show_convolution", "show_pooling", "pool_with_argmax", "show_feature_map_explorer",
    "plot_im2col", "save_figure", "figures_folder", "FIGURES_ENV",
]

# notebook 08 (explain.py): your digit, explanation maps, FGSM, receptive fields
from .explain import (  # noqa: E402
    plot_fgsm_curve,
    plot_receptive_field_growth,
    show_drawn_digit,
    show_explanations,
    show_fgsm,
    show_receptive_field,
)

__all__ += ["show_drawn_digit", "show_explanations", "show_fgsm", "plot_fgsm_curve",
            "show_receptive_field", "plot_receptive_field_growth"]
