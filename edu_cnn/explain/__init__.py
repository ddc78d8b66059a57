"""What does the network look at? Explanations built from edu_cnn's own backward pass.

==========================  ===================================  ==================
function                    answers                              module
==========================  ===================================  ==================
``saliency``                which pixels move the class score    ``gradients``
``smoothgrad``              the same, averaged over noisy copies ``gradients``
``fgsm``, ``fgsm_accuracy``  how little change flips the answer   ``gradients``
``occlusion``               which regions, hidden, hurt it       ``maps``
``grad_cam``                where the last conv layer looked     ``maps``
``receptive_field``         which input pixels one unit sees     ``receptive``
==========================  ===================================  ==================

Each module's docstring holds its formulas. Pictures: ``viz.show_explanations``,
``viz.show_fgsm``, ``viz.show_receptive_field``; viewers in ``widgets``.
Notebook 08 uses all of them.
"""
from .gradients import fgsm, fgsm_accuracy, input_gradient, saliency, smoothgrad
from .maps import default_cam_layer, grad_cam, occlusion, occlusion_naive, upsample
from .receptive import receptive_field, receptive_field_growth

__all__ = ["input_gradient", "saliency", "smoothgrad", "fgsm", "fgsm_accuracy", "occlusion",
           "occlusion_naive", "grad_cam", "default_cam_layer", "upsample", "receptive_field",
           "receptive_field_growth"]
