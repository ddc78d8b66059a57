"""Interactive viewers: turn a knob, see the picture follow.

Each viewer is one call in a notebook cell and is built on a static twin in
``edu_cnn.viz`` that draws the very same picture without widgets:

==========================  =====================================  ===============
viewer                      static twin                            module
==========================  =====================================  ===============
``KernelPlayground``        ``viz.show_convolution``               ``convolution``
``PoolingPlayground``       ``viz.show_pooling``                   ``pooling``
``FeatureMapExplorer``      ``viz.show_feature_map_explorer``      ``explorer``
``FilterViewer``            ``viz.show_filters``                   ``explorer``
``LiveTraining``            ``viz.show_training``                  ``training``
==========================  =====================================  ===============

How a viewer works (``_base``): its controls are ipywidgets; every change
calls the static twin, renders the figure to PNG and puts it in an ``Image``
widget. A status line (CSS class ``edu-cnn-status``) then says
``update N: ...`` — tests (and curious students) can wait on it.
``viewer.shown_figure`` is the matplotlib Figure on screen (None while a
message is shown instead), ``viewer.last_latency`` the seconds the last
update took.

ipywidgets is imported here, not by ``import edu_cnn``.
"""
from ..viz import pool_with_argmax
from ._base import figure_to_png
from .convolution import KernelPlayground, default_conv, output_size_formula
from .explorer import FeatureMapExplorer, FilterViewer
from .pooling import PoolingPlayground
from .training import LiveTraining

__all__ = ["KernelPlayground", "PoolingPlayground", "FeatureMapExplorer",
           "FilterViewer", "LiveTraining", "pool_with_argmax", "figure_to_png",
           "default_conv", "output_size_formula"]

# notebook 08: draw a digit (ipycanvas), explanation maps, FGSM, receptive fields.
# DrawDigit -> viz.show_drawn_digit, ExplanationViewer -> viz.show_explanations,
# FGSMViewer -> viz.show_fgsm, ReceptiveFieldViewer -> viz.show_receptive_field.
from .draw import DrawDigit  # noqa: E402
from .explain import ExplanationViewer, FGSMViewer, ReceptiveFieldViewer  # noqa: E402

__all__ += ["DrawDigit", "ExplanationViewer", "FGSMViewer", "ReceptiveFieldViewer"]
