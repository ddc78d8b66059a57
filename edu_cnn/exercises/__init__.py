"""Checks for the notebook exercises: each one says what is right or wrong, in words.

Every ``check_*`` function takes the student's answer (usually the function
they wrote), runs it on copies of small inputs, with a timeout, and returns a
``Result`` (``passed``, ``score`` in [0, 1], ``message``, ``diagnosis``); in a
notebook it also prints one line, ``✅ Correct! ...`` or ``❌ Not yet: ...``.
Keywords: ``show=False`` (no line), ``seed=`` (inputs drawn from that seed, as
a grader does, so hard-coded sizes fail), ``timeout=`` (seconds). Checks never
raise. ``hint("03.2")`` gives more help, a tier at a time; no check or hint
prints solution code.

``EXERCISES`` lists every exercise in course order (id -> ``Exercise``:
notebook, title, check, answer names, points, written or not).

One module per notebook (``nb03_convolution`` holds notebook 03's checks);
``_feedback`` holds what they share.
"""
from ._feedback import Exercise, Result, get_timeout, hint, set_timeout
from .nb00_getting_started import EXERCISES as _EX00
from .nb00_getting_started import check_flatten_images, check_one_hot, check_standardise
from .nb01_dense_layer import EXERCISES as _EX01
from .nb01_dense_layer import (
    check_dense_backward,
    check_dense_forward,
    check_sigmoid_derivative,
    check_softmax_ce_gradient,
)
from .nb02_training_pitfalls import EXERCISES as _EX02
from .nb02_training_pitfalls import check_clip_by_norm, check_dead_fraction, check_init_weights
from .nb03_convolution import EXERCISES as _EX03
from .nb03_convolution import (
    check_conv2d,
    check_conv2d_backward,
    check_conv2d_strided,
    check_conv_output_size,
    check_output_shape_2d,
)
from .nb04_filter_bank_features import EXERCISES as _EX04
from .nb04_filter_bank_features import check_extract_features, check_feature_count
from .nb05_pooling import EXERCISES as _EX05
from .nb05_pooling import POOL_EXERCISE_INPUT, check_maxpool_backward, check_pooling_by_hand
from .nb06_full_cnn import EXERCISES as _EX06
from .nb06_full_cnn import check_confusion_matrix, check_valid_cnn
from .nb07_checking_against_pytorch import EXERCISES as _EX07
from .nb07_checking_against_pytorch import check_dense_to_torch, check_sgd_momentum_step
from .nb09_generalise import EXERCISES as _EX09
from .nb09_generalise import check_adamw_step, check_batchnorm_forward, check_shift_image

EXERCISES = {ex.id: ex for ex in (*_EX00, *_EX01, *_EX02, *_EX03, *_EX04, *_EX05, *_EX06, *_EX07)}
"""Every exercise in course order: id ("00.1", ...) -> Exercise."""

__all__ = [
    "EXERCISES", "Exercise", "Result", "hint", "set_timeout", "get_timeout",
    "check_flatten_images", "check_standardise", "check_one_hot",                # 00
    "check_dense_forward", "check_dense_backward", "check_sigmoid_derivative",   # 01
    "check_softmax_ce_gradient",
    "check_dead_fraction", "check_init_weights", "check_clip_by_norm",           # 02
    "check_conv_output_size", "check_conv2d", "check_conv2d_strided",            # 03
    "check_output_shape_2d", "check_conv2d_backward",
    "check_feature_count", "check_extract_features",                             # 04
    "POOL_EXERCISE_INPUT", "check_pooling_by_hand", "check_maxpool_backward",    # 05
    "check_valid_cnn", "check_confusion_matrix",                                 # 06
    "check_dense_to_torch", "check_sgd_momentum_step",                           # 07
]

# notebook 08: what the network looks at
from .nb08_what_the_network_sees import EXERCISES as _EX08  # noqa: E402
from .nb08_what_the_network_sees import check_fgsm_step, check_grad_cam_weights  # noqa: E402

EXERCISES.update({ex.id: ex for ex in _EX08})
__all__ += ["check_grad_cam_weights", "check_fgsm_step"]                         # 08
EXERCISES.update((ex.id, ex) for ex in _EX09)
__all__ += ["check_batchnorm_forward", "check_adamw_step", "check_shift_image"]       # 09
