"""Checks for the notebook exercises: each one says what is right or wrong.

Every ``check_*`` function takes the student's answer (usually the function
they wrote), runs it on small known inputs and prints one line of feedback:
``✅ Correct! ...`` or ``❌ Not yet: ...`` with what was expected, what was
got and, where there is a typical mistake, a hint. The checks never raise
on a wrong answer: an exception from the student's code is reported as
feedback. Each returns ``True`` when the answer is right.

One module per notebook (``nb03_convolution`` holds notebook 03's checks);
``_feedback`` holds what they share. Notebooks call ``exercises.check_*``.
"""
from .nb00_getting_started import check_flatten_images, check_one_hot, check_standardise
from .nb01_dense_layer import check_dense_backward, check_dense_forward, check_sigmoid_derivative
from .nb02_training_pitfalls import check_clip_by_norm, check_dead_fraction, check_init_weights
from .nb03_convolution import check_conv2d, check_conv_output_size
from .nb04_filter_bank_features import check_extract_features, check_feature_count
from .nb05_pooling import POOL_EXERCISE_INPUT, check_maxpool_backward, check_pooling_by_hand
from .nb06_full_cnn import check_confusion_matrix, check_valid_cnn
from .nb07_checking_against_pytorch import check_dense_to_torch, check_sgd_momentum_step

__all__ = [
    "check_flatten_images", "check_standardise", "check_one_hot",                # 00
    "check_dense_forward", "check_dense_backward", "check_sigmoid_derivative",   # 01
    "check_dead_fraction", "check_init_weights", "check_clip_by_norm",           # 02
    "check_conv_output_size", "check_conv2d",                                    # 03
    "check_feature_count", "check_extract_features",                             # 04
    "POOL_EXERCISE_INPUT", "check_pooling_by_hand", "check_maxpool_backward",    # 05
    "check_valid_cnn", "check_confusion_matrix",                                 # 06
    "check_dense_to_torch", "check_sgd_momentum_step",                           # 07
]
