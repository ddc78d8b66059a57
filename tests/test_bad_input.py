"""Bad input to layers and losses: a table of mistakes and the errors they must raise.

Every row states the exception type and regex fragments that the message must
contain: who complained (layer or argument), what was expected and what was
got (and the fix, where there is one). Model-level cases live in the model's tests.
"""
import re

import numpy as np
import pytest

from edu_cnn import _checks, gradcheck, init, layers, losses


def f32(*shape):
    return np.zeros(shape, dtype=np.float32)


def forward(layer, x):
    return lambda: layer.forward(x)


def ce(logits, y):
    return lambda: losses.SoftmaxCrossEntropy().forward(logits, y)


def bce(logits, y):
    return lambda: losses.BinaryCrossEntropy().forward(logits, y)


def backward_first():
    return layers.Conv2D(1, 2, 3).backward(f32(1, 2, 3, 3))


def backward_wrong_dy():
    layer = layers.Dense(4, 3)
    layer.forward(f32(2, 4))
    return layer.backward(f32(2, 4))


NAN_LOGITS = np.array([[0.0, np.nan], [1.0, 2.0]])

# id, call, exception, fragments the message must contain (regexes)
CASES = [
    # --- Conv2D input ----------------------------------------------------------
    ("conv_wrong_channels", forward(layers.Conv2D(3, 8, 3), f32(64, 1, 28, 28)), ValueError,
     [r"Conv2D\(in_channels=3\) expected input of shape \(N, 3, H, W\), got \(64, 1, 28, 28\)"]),
    ("conv_3d_input", forward(layers.Conv2D(1, 8, 3), f32(64, 28, 28)), ValueError,
     [r"Conv2D\(in_channels=1\)", r"\(N, 1, H, W\)", r"got \(64, 28, 28\)",
      r"x\[:, np.newaxis\]"]),
    ("conv_single_image", forward(layers.Conv2D(3, 8, 3), f32(3, 32, 32)), ValueError,
     [r"Conv2D\(in_channels=3\)", r"\(N, 3, H, W\)", r"got \(3, 32, 32\)", r"x\[np.newaxis\]"]),
    ("conv_channels_last", forward(layers.Conv2D(3, 8, 3), f32(32, 32, 32, 3)), ValueError,
     [r"Conv2D\(in_channels=3\)", r"\(N, 3, H, W\)", r"got \(32, 32, 32, 3\)",
      r"transpose\(0, 3, 1, 2\)"]),
    ("conv_kernel_larger_than_padded_input", forward(layers.Conv2D(1, 2, 5), f32(1, 1, 3, 3)),
     ValueError, [r"Conv2D", r"kernel_size \(5, 5\)", r"padded input \(3, 3\)"]),
    ("conv_output_shape_checks_too", lambda: layers.Conv2D(3, 8, 3).output_shape((1, 28, 28)),
     ValueError, [r"Conv2D\(in_channels=3\)", r"\(N, 3, H, W\)", r"got \(N, 1, 28, 28\)"]),
    ("conv_int_images", forward(layers.Conv2D(1, 2, 3), np.zeros((2, 1, 5, 5), np.uint8)),
     TypeError, [r"Conv2D\(in_channels=1\)", r"float32 or float64", r"got uint8", r"/ 255"]),
    ("conv_float16", forward(layers.Conv2D(1, 2, 3), np.zeros((2, 1, 5, 5), np.float16)),
     TypeError, [r"Conv2D", r"float32 or float64", r"got float16", r"astype\(np.float32\)"]),
    ("conv_list_input", forward(layers.Conv2D(1, 2, 1), [[[[0.0]]]]), TypeError,
     [r"Conv2D", r"NumPy array", r"got list", r"np.asarray"]),
    # --- Conv2D / pool construction ---------------------------------------------
    ("conv_stride_0", lambda: layers.Conv2D(1, 2, 3, stride=0), ValueError,
     [r"Conv2D stride", r">= 1", r"got 0"]),
    ("conv_negative_padding", lambda: layers.Conv2D(1, 2, 3, padding=-1), ValueError,
     [r"Conv2D padding", r">= 0", r"got -1"]),
    ("conv_unknown_padding", lambda: layers.Conv2D(1, 2, 3, padding="full"), ValueError,
     [r"Conv2D padding", r"'valid' or 'same'", r"got 'full'"]),
    ("conv_same_with_stride_2", lambda: layers.Conv2D(1, 2, 3, stride=2, padding="same"),
     ValueError, [r"Conv2D\(padding='same'\)", r"stride 1", r"got stride=\(2, 2\)"]),
    ("conv_kernel_0", lambda: layers.Conv2D(1, 2, 0), ValueError,
     [r"Conv2D kernel_size", r">= 1", r"got 0"]),
    ("conv_kernel_triple", lambda: layers.Conv2D(1, 2, (3, 3, 3)), TypeError,
     [r"Conv2D kernel_size", r"\(h, w\) pair", r"got \(3, 3, 3\)"]),
    ("conv_in_channels_0", lambda: layers.Conv2D(0, 2, 3), ValueError,
     [r"Conv2D", r"in_channels", r"positive integer", r"got 0"]),
    ("conv_out_channels_float", lambda: layers.Conv2D(1, 2.5, 3), TypeError,
     [r"Conv2D", r"out_channels", r"positive integer", r"got 2.5"]),
    ("conv_int_dtype", lambda: layers.Conv2D(1, 2, 3, dtype=np.int32), TypeError,
     [r"Conv2D", r"dtype float32 or float64", r"got int32"]),
    ("pool_larger_than_input", forward(layers.MaxPool2D(3), f32(1, 1, 2, 2)), ValueError,
     [r"MaxPool2D pool_size \(3, 3\)", r"larger than the input \(2, 2\)"]),
    ("pool_3d_input", forward(layers.AvgPool2D(2), f32(8, 28, 28)), ValueError,
     [r"AvgPool2D\(pool_size=\(2, 2\)\)", r"\(N, C, H, W\)", r"got \(8, 28, 28\)"]),
    ("pool_stride_0", lambda: layers.MaxPool2D(2, stride=0), ValueError,
     [r"MaxPool2D stride", r">= 1", r"got 0"]),
    # --- Dense ---------------------------------------------------------------------
    ("dense_wrong_features", forward(layers.Dense(4, 3), f32(2, 5)), ValueError,
     [r"Dense\(in_features=4\) expected input of shape \(N, 4\), got \(2, 5\)"]),
    ("dense_4d_input", forward(layers.Dense(784, 10), f32(64, 1, 28, 28)), ValueError,
     [r"Dense\(in_features=784\)", r"\(N, 784\)", r"got \(64, 1, 28, 28\)", r"Flatten\(\)"]),
    ("dense_1d_input", forward(layers.Dense(4, 3), f32(4)), ValueError,
     [r"Dense\(in_features=4\)", r"\(N, 4\)", r"got \(4,\)", r"x\[np.newaxis\]"]),
    ("dense_int_input", forward(layers.Dense(4, 3), np.ones((2, 4), dtype=np.int64)), TypeError,
     [r"Dense\(in_features=4\)", r"float32 or float64", r"got int64", r"/ 255"]),
    ("dense_in_features_0", lambda: layers.Dense(0, 3), ValueError,
     [r"Dense", r"in_features", r"positive integer", r"got 0"]),
    ("unknown_init_name", lambda: layers.Dense(4, 3, init="he"), ValueError,
     [r"Dense", r"init", r"'he_normal'", r"got 'he'"]),
    ("init_not_a_name", lambda: layers.Dense(4, 3, init=3), TypeError,
     [r"Dense", r"init", r"name or a function", r"got int"]),
    ("rng_legacy_randomstate", lambda: layers.Dense(4, 3, rng=np.random.RandomState(0)),
     TypeError, [r"Dense", r"Generator, an int seed or None", r"got RandomState",
                 r"default_rng"]),
    # --- other layers ------------------------------------------------------------------
    ("dropout_rate_1.5", lambda: layers.Dropout(1.5), ValueError,
     [r"Dropout", r"rate in \[0, 1\)", r"got 1.5"]),
    ("dropout_rate_percent", lambda: layers.Dropout(50), ValueError,
     [r"Dropout", r"rate in \[0, 1\)", r"got 50", r"use 0.5"]),
    ("dropout_rate_string", lambda: layers.Dropout("0.5"), TypeError,
     [r"Dropout", r"rate", r"number", r"got '0.5'"]),
    ("flatten_1d_input", forward(layers.Flatten(), f32(5)), ValueError,
     [r"Flatten", r"\(N, \.\.\.\)", r"got \(5,\)"]),
    ("relu_int_input", forward(layers.ReLU(), np.arange(4).reshape(2, 2)), TypeError,
     [r"ReLU", r"float32 or float64", r"got int64", r"/ 255"]),
    ("backward_before_forward", backward_first, RuntimeError,
     [r"Conv2D.backward\(\)", r"before forward\(\)", r"run forward\(x\) first"]),
    ("backward_wrong_dy_shape", backward_wrong_dy, ValueError,
     [r"Dense.backward", r"dy of shape \(2, 3\)", r"got \(2, 4\)"]),
    ("astype_int", lambda: layers.Dense(2, 2).astype(np.int8), TypeError,
     [r"Dense.astype", r"float32 or float64", r"got int8"]),
    # --- losses ----------------------------------------------------------------------------
    ("labels_out_of_range", ce(np.zeros((4, 3)), np.array([0, 1, 2, 3])), ValueError,
     [r"SoftmaxCrossEntropy", r"class ids in 0\.\.2", r"3 columns", r"got label 3"]),
    ("negative_label", ce(np.zeros((2, 3)), np.array([0, -1])), ValueError,
     [r"SoftmaxCrossEntropy", r"0\.\.2", r"got label -1"]),
    ("float_labels", ce(np.zeros((3, 3)), np.array([0.0, 1.0, 2.0])), TypeError,
     [r"SoftmaxCrossEntropy", r"integer class ids", r"got dtype float64",
      r"astype\(np.int64\)"]),
    ("one_hot_labels", ce(np.zeros((3, 4)), np.eye(4)[[0, 1, 3]]), ValueError,
     [r"SoftmaxCrossEntropy", r"class ids of shape \(N,\)", r"got shape \(3, 4\)",
      r"argmax\(axis=1\)"]),
    ("column_labels", ce(np.zeros((3, 4)), np.array([[0], [1], [3]])), ValueError,
     [r"SoftmaxCrossEntropy", r"\(N,\)", r"got \(3, 1\)", r"y.ravel\(\)"]),
    ("mismatched_lengths", ce(np.zeros((4, 3)), np.array([0, 1, 2, 0, 1])), ValueError,
     [r"SoftmaxCrossEntropy", r"same number of rows", r"got 4 and 5"]),
    ("nan_logits", ce(NAN_LOGITS, np.array([0, 1])), ValueError,
     [r"SoftmaxCrossEntropy", r"finite values in logits", r"got 1 NaN", r"learning rate"]),
    ("ce_1d_logits", ce(np.zeros(4), np.array([0, 1, 0, 1])), ValueError,
     [r"SoftmaxCrossEntropy", r"logits of shape \(N, K\)", r"got \(4,\)"]),
    ("ce_int_logits", ce(np.zeros((2, 3), dtype=np.int64), np.array([0, 1])), TypeError,
     [r"SoftmaxCrossEntropy", r"logits", r"float32 or float64", r"got int64",
      r"logits.astype\(np.float32\)"]),
    ("ce_empty_batch", ce(np.zeros((0, 3)), np.zeros(0, dtype=np.int64)), ValueError,
     [r"SoftmaxCrossEntropy", r"at least one sample", r"got logits of shape \(0, 3\)"]),
    ("bce_labels_not_binary", bce(np.zeros(3), np.array([0, 1, 2])), ValueError,
     [r"BinaryCrossEntropy", r"labels in \[0, 1\]", r"got values from 0 to 2"]),
    ("bce_two_column_logits", bce(np.zeros((3, 2)), np.array([0, 1, 1])), ValueError,
     [r"BinaryCrossEntropy", r"\(N,\) or \(N, 1\)", r"got \(3, 2\)", r"SoftmaxCrossEntropy"]),
    ("bce_mismatched_lengths", bce(np.zeros(3), np.array([0, 1])), ValueError,
     [r"BinaryCrossEntropy", r"same number of rows", r"got 3 and 2"]),
    ("mse_shape_mismatch", lambda: losses.MeanSquaredError().forward(np.zeros((4, 3)),
                                                                     np.zeros((4, 2))),
     ValueError, [r"MeanSquaredError", r"targets y of shape \(4, 3\)", r"got \(4, 2\)"]),
    ("loss_backward_before_forward", lambda: losses.BinaryCrossEntropy().backward(),
     RuntimeError, [r"BinaryCrossEntropy.backward\(\)", r"before forward"]),
    ("unknown_loss_name", lambda: losses.get("crossentropy"), ValueError,
     [r"losses.get", r"'cross_entropy'", r"got 'crossentropy'"]),
    # --- helpers used by the model and notebooks ------------------------------------
    ("finite_check_counts", lambda: _checks.check_finite(np.array([np.inf, np.nan, 1.0]),
                                                         "Sequential.fit", "x"),
     ValueError, [r"Sequential.fit", r"finite values in x", r"got 1 NaN and 1 inf"]),
    ("rng_negative_seed", lambda: _checks.as_rng(-1, "Dropout"), ValueError,
     [r"Dropout", r"non-negative seed", r"got -1"]),
    ("init_normal_bad_std", lambda: init.normal((2, 2), std="big"), TypeError,
     [r"init.normal", r"std", r"number", r"got 'big'"]),
    ("rel_error_shapes", lambda: gradcheck.rel_error(np.zeros((2, 3)), np.zeros((3, 2))),
     ValueError, [r"rel_error", r"same shape", r"\(2, 3\) and \(3, 2\)"]),
]


@pytest.mark.parametrize("call, exception, fragments", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(call, exception, fragments):
    with pytest.raises(Exception) as info:
        call()
    assert type(info.value) is exception, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    for fragment in fragments:
        assert re.search(fragment, message), f"{fragment!r} not in {message!r}"
    assert "broadcast" not in message and "operands" not in message
    assert "/ 255" not in message or re.search(r"\bx\b", message)    # the image hint only for x


def test_the_table_is_big_enough():
    assert len(CASES) >= 16
    assert len({c[0] for c in CASES}) == len(CASES)


def test_float_labels_that_are_whole_numbers_are_still_refused_with_the_fix():
    y = np.array([0.0, 2.0])
    with pytest.raises(TypeError, match=r"y.astype\(np.int64\)"):
        losses.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), y)


def test_a_failed_forward_leaves_no_stale_cache():
    layer = layers.Dense(4, 3)
    with pytest.raises(ValueError):
        layer.forward(f32(2, 5))
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(f32(2, 3))
