"""Answers for the exercise tests: the solution, typical mistakes, hard-coded and library-calling
answers of every exercise, as a student would write them (the notebooks hold the same solutions).
"""
import numpy as np

from edu_cnn import layers
from edu_cnn.data.preprocess import one_hot as lib_one_hot
from edu_cnn.losses import SoftmaxCrossEntropy
from edu_cnn.metrics import confusion_matrix
from edu_cnn.model import Sequential
from edu_cnn.ops.conv import conv2d_backward, conv2d_forward
from edu_cnn.ops.geometry import conv_output_shape
from edu_cnn.ops.pool import maxpool2d_backward, maxpool2d_forward


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def size(n, k, p, s):
    return (n + 2 * p - k) // s + 1


def conv2d(x, w, b, padding=0, stride=1, flip=False, bias=True):
    """One image x (C, H, W) -> (F, H', W') by loops, as a student writes it."""
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    F, _, KH, KW = w.shape
    w = w[:, :, ::-1, ::-1] if flip else w
    H_out, W_out = (x.shape[1] - KH) // stride + 1, (x.shape[2] - KW) // stride + 1
    out = np.zeros((F, H_out, W_out))
    for f in range(F):
        for i in range(H_out):
            for j in range(W_out):
                window = x[:, i * stride:i * stride + KH, j * stride:j * stride + KW]
                out[f, i, j] = np.sum(window * w[f]) + (b[f] if bias else 0)
    return out


def conv_backward(dout, x, w, padding, flip=False, crop="centre", batch="sum", db="sum"):
    p = padding
    N, C, H, W = x.shape
    F, _, K, L = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    wk = w[:, :, ::-1, ::-1] if flip else w
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x_pad[:, :, i:i + K, j:j + L]
            contribution = np.einsum("nf,ncuv->fcuv", dout[:, :, i, j], window)
            if batch == "last":
                contribution = np.einsum("f,cuv->fcuv", dout[-1, :, i, j], window[-1])
            dw += contribution
            dx_pad[:, :, i:i + K, j:j + L] += np.einsum("nf,fcuv->ncuv", dout[:, :, i, j], wk)
    dx = {"centre": dx_pad[:, :, p:p + H, p:p + W], "top_left": dx_pad[:, :, :H, :W],
          "none": dx_pad}[crop]
    dbias = {"sum": dout.sum(axis=(0, 2, 3)), "per_example": dout.sum(axis=(2, 3)),
             "mean": dout.sum(axis=(2, 3)).mean(axis=0)}[db]
    return dx, (dw / N if batch == "mean" else dw), dbias


def maxpool_backward(x, dout, rule="first"):
    dx = np.zeros_like(x, dtype=float)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            if rule == "all":
                dx[2 * i:2 * i + 2, 2 * j:2 * j + 2] += dout[i, j] * (window == window.max())
                continue
            k = np.argmax(window) if rule != "last" else 3 - np.argmax(window.ravel()[::-1])
            r, c = np.unravel_index(k, (2, 2))
            dx[2 * i + r, 2 * j + c] = dout[i, j] if rule != "mask" else 1.0
    return dx


def valid_cnn(features):
    def build(image_size):
        rng = np.random.default_rng(0)
        return Sequential([
            layers.Conv2D(1, 8, 5, padding="valid", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
            layers.Conv2D(8, 16, 5, padding="valid", rng=rng), layers.ReLU(),
            layers.MaxPool2D(2), layers.Flatten(), layers.Dense(features(image_size), 10, rng=rng)])
    return build


def confusion(t, p, k):
    cm = np.zeros((k, k), dtype=np.int64)
    for a, b in zip(t, p, strict=True):
        cm[a, b] += 1
    return cm


def momentum(w, g, v, lr, mu):
    v = mu * v + g
    return w - lr * v, v


def ce_grad(z, y):
    return (softmax(z) - np.eye(z.shape[1])[y]) / len(z)


def he(fan_in, fan_out, rng):
    return rng.normal(0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))


def side(n):
    return ((n - 4) // 2 - 4) // 2


SOLUTIONS = {
    "00.1": lambda x: x.reshape(len(x), -1),
    "00.2": lambda a, b: ((a - a.mean()) / a.std(), (b - a.mean()) / a.std()),
    "00.3": lambda y, k: np.eye(k)[y],
    "01.1": lambda x, W, b: x @ W + b,
    "01.2": lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.sum(axis=0)),
    "01.3": lambda z: sigmoid(z) * (1 - sigmoid(z)),
    "01.4": ce_grad,
    "02.1": lambda h: (h == 0).all(axis=0).mean(),
    "02.2": he,
    "02.3": lambda g, m: g * min(1.0, m / np.linalg.norm(g)),
    "03.1": size,
    "03.2": lambda x, w, b, padding=0: conv2d(x, w, b, padding),
    "03.3": lambda x, w, b, stride: conv2d(x, w, b, stride=stride),
    "03.4": lambda hw, k, p, s: (size(hw[0], k[0], p[0], s[0]), size(hw[1], k[1], p[1], s[1])),
    "03.5": conv_backward,
    "04.1": lambda n, k, f, p: f * ((n - k + 1) // p) ** 2,
    "04.2": lambda x, bank: maxpool2d_forward(conv2d_forward(x, bank, np.zeros(len(bank)))[0],
                                              2)[0].reshape(len(x), -1),
    "05.1": lambda: ([[5, 8], [9, 3]], [[3.25, 4], [4.5, 2.25]]),
    "05.2": maxpool_backward,
    "06.1": valid_cnn(lambda n: 16 * side(n) ** 2),
    "06.2": confusion,
    "07.1": lambda W, b: (W.T, b),
    "07.2": momentum,
}

# (answer, diagnosis): at least five typical mistakes per exercise
MISTAKES = {
    "00.1": [(lambda x: x, "returned_input"), (lambda x: x.reshape(-1), "lost_batch_axis"),
             (lambda x: x.reshape(len(x), -1).T, "transposed"),
             (lambda x: x.transpose(0, 1, 3, 2).reshape(len(x), -1), "column_major"),
             (lambda x: x.reshape(x.shape[0], x.shape[1], -1), "channel_not_flattened")],
    "00.2": [(lambda a, b: ((a - a.mean()) / a.std(), (b - b.mean()) / b.std()),
              "test_own_statistics"),
             (lambda a, b: (a / 255, b / 255), "divided_by_255"),
             (lambda a, b: (a - a.mean(), b - a.mean()), "forgot_divide_std"),
             (lambda a, b: (a / a.std(), b / a.std()), "forgot_subtract_mean"),
             (lambda a, b: ((a - a.mean(0)) / a.std(0), (b - a.mean(0)) / a.std(0)),
              "per_pixel_statistics"),
             (lambda a, b: ((a - np.r_[a.ravel(), b.ravel()].mean()) / np.r_[a.ravel(),
                                                                              b.ravel()].std(),
                            (b - np.r_[a.ravel(), b.ravel()].mean()) / np.r_[a.ravel(),
                                                                              b.ravel()].std()),
              "used_test_data")],
    "00.3": [(lambda y, k: y, "returned_labels"), (lambda y, k: np.eye(y.max() + 1)[y],
                                                   "sized_from_labels"),
             (lambda y, k: np.eye(k)[y].T, "transposed"), (lambda y, k: np.eye(k)[y - 1],
                                                           "off_by_one"),
             (lambda y, k: np.eye(k)[::-1][y], "reversed_columns")],
    "01.1": [(lambda x, W, b: x @ W, "forgot_bias"), (lambda x, W, b: x @ W - b,
                                                      "subtracted_bias"),
             (lambda x, W, b: (x @ W + b).T, "transposed_output"),
             (lambda x, W, b: (x @ W + b).mean(axis=0), "averaged_batch"),
             (lambda x, W, b: sigmoid(x @ W + b), "applied_activation")],
    "01.2": [(lambda dy, x, W: ((dy @ W.T).T, x.T @ dy, dy.sum(0)), "dx_transposed"),
             (lambda dy, x, W: (dy @ W.T, dy.T @ x, dy.sum(0)), "dW_transposed"),
             (lambda dy, x, W: (dy @ W.T, x.T @ dy / len(x), dy.sum(0)), "dW_divided_by_n"),
             (lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.mean(0)), "db_mean"),
             (lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.sum()), "db_total_sum"),
             (lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.sum(1)), "db_wrong_axis"),
             (lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.sum(0, keepdims=True)), "db_keepdims")],
    "01.3": [(lambda z: z * (1 - z), "applied_to_z"), (sigmoid, "returned_sigmoid"),
             (lambda z: sigmoid(z) ** 2, "sigmoid_squared"), (lambda z: 1 - sigmoid(z),
                                                              "one_minus_only"),
             (lambda z: sigmoid(z) * (sigmoid(z) - 1), "negative_derivative")],
    "01.4": [(lambda z, y: ce_grad(z, y) * len(z), "forgot_divide_by_n"),
             (lambda z, y: -ce_grad(z, y), "sign_flipped"),
             (lambda z, y: (z - np.eye(z.shape[1])[y]) / len(z), "forgot_softmax"),
             (lambda z, y: softmax(z) / len(z), "forgot_onehot"),
             (lambda z, y: ce_grad(z, y) * len(z) / z.shape[1], "divided_by_classes"),
             (lambda z, y: (softmax(z.T).T - np.eye(z.shape[1])[y]) / len(z),
              "softmax_wrong_axis")],
    "02.1": [(lambda h: np.sum(np.all(h == 0, axis=0)), "counted_units"),
             (lambda h: np.mean(h == 0), "counted_entries"),
             (lambda h: np.mean(np.any(h == 0, axis=0)), "any_instead_of_all"),
             (lambda h: np.mean(np.all(h == 0, axis=1)), "wrong_axis"),
             (lambda h: np.mean(np.any(h != 0, axis=0)), "alive_fraction"),
             (lambda h: 100 * np.mean(np.all(h == 0, axis=0)), "percent")],
    "02.2": [(lambda a, b, rng: np.zeros((a, b)), "symmetric"),
             (lambda a, b, rng: np.tile(rng.normal(0, np.sqrt(2 / a), (a, 1)), (1, b)),
              "same_columns"),
             (lambda a, b, rng: np.random.default_rng().normal(0, np.sqrt(2 / a), (a, b)),
              "not_reproducible"),
             (lambda a, b, rng: rng.normal(0, 0.01, (a, b)), "too_small"),
             (lambda a, b, rng: rng.normal(0, 1, (a, b)), "too_large"),
             (lambda a, b, rng: rng.uniform(-1, 1, (a, b)) * np.sqrt(6 / (a + b)), "used_glorot"),
             (lambda a, b, rng: rng.normal(0, np.sqrt(2 / a), (b, a)), "transposed_shape"),
             (lambda a, b, rng: rng.random((a, b)) * np.sqrt(2 / a), "not_centred")],
    "02.3": [(lambda g, m: np.clip(g, -m, m), "clipped_entries"),
             (lambda g, m: g * m / np.linalg.norm(g), "always_rescaled"),
             (lambda g, m: g / np.linalg.norm(g), "normalised"),
             (lambda g, m: g * min(1.0, np.linalg.norm(g) / m), "inverted_ratio"),
             (lambda g, m: g * min(1.0, m / np.sum(g ** 2)), "squared_norm")],
    "03.1": [(lambda n, k, p, s: (n - k) // s + 1, "forgot_padding"),
             (lambda n, k, p, s: (n + p - k) // s + 1, "padding_once"),
             (lambda n, k, p, s: n + 2 * p - k + 1, "ignored_stride"),
             (lambda n, k, p, s: (n + 2 * p - k) // s, "forgot_plus_one"),
             (lambda n, k, p, s: int(np.ceil((n + 2 * p - k) / s)) + 1, "rounded_up"),
             (lambda n, k, p, s: (n + 2 * p - k + 1) // s, "plus_one_before_dividing")],
    "03.2": [(lambda x, w, b, padding=0: conv2d(x, w, b, padding, flip=True), "flipped_kernel"),
             (lambda x, w, b, padding=0: conv2d(x, w, b, padding, bias=False), "forgot_bias"),
             (lambda x, w, b, padding=0: conv2d(x[:1], w[:, :1], b, padding),
              "first_channel_only"),
             (lambda x, w, b, padding=0: conv2d(x, w, b), "forgot_padding"),
             (lambda x, w, b, padding=0: 0 * conv2d(x, w, b, padding), "empty_output"),
             (lambda x, w, b, padding=0: conv2d(np.pad(x, ((0, 0), (padding, 0), (padding, 0))),
                                                w, b), "padded_one_side")],
    "03.3": [(lambda x, w, b, s: conv2d(x, w, b), "ignored_stride"),
             (lambda x, w, b, s: conv2d(x, w, b)[:, :size(x.shape[1], w.shape[2], 0, s),
                                                 :size(x.shape[2], w.shape[3], 0, s)],
              "windows_not_strided"),
             (lambda x, w, b, s: conv2d(x, w, b, stride=s, flip=True), "flipped_kernel"),
             (lambda x, w, b, s: conv2d(x, w, b, stride=s, bias=False), "forgot_bias"),
             (lambda x, w, b, s: conv2d(x, w, b, stride=s)[:, :(x.shape[1] - w.shape[2]) // s,
                                                           :(x.shape[2] - w.shape[3]) // s],
              "forgot_plus_one")],
    "03.4": [(lambda hw, k, p, s: SOLUTIONS["03.4"](hw, k, p, s)[::-1], "swapped_result"),
             (lambda hw, k, p, s: SOLUTIONS["03.4"](hw, k[::-1], p, s), "kernel_axes_swapped"),
             (lambda hw, k, p, s: SOLUTIONS["03.4"](hw, k, p[::-1], s), "padding_axes_swapped"),
             (lambda hw, k, p, s: SOLUTIONS["03.4"](hw, k, p, s[::-1]), "stride_axes_swapped"),
             (lambda hw, k, p, s: (size(hw[0], k[0], p[0], s[0]),) * 2, "first_axis_for_both")],
    "03.5": [(lambda d, x, w, p: conv_backward(d, x, w, p, flip=True), "forgot_flip"),
             (lambda d, x, w, p: conv_backward(d, x, w, p, crop="top_left"), "wrong_crop"),
             (lambda d, x, w, p: conv_backward(d, x, w, p, crop="none"), "forgot_crop"),
             (lambda d, x, w, p: conv_backward(d, x, w, p, batch="last"), "forgot_batch_sum"),
             (lambda d, x, w, p: conv_backward(d, x, w, p, batch="mean"), "dw_averaged"),
             (lambda d, x, w, p: conv_backward(d, x, w, p, db="mean"), "db_averaged")],
    "04.1": [(lambda n, k, f, p: f * (n - k + 1) ** 2, "forgot_pooling"),
             (lambda n, k, f, p: ((n - k + 1) // p) ** 2, "one_feature_map"),
             (lambda n, k, f, p: f * (n // p) ** 2, "used_image_size"),
             (lambda n, k, f, p: f * ((n - k) // p) ** 2, "forgot_plus_one"),
             (lambda n, k, f, p: f * int(np.ceil((n - k + 1) / p)) ** 2, "pool_rounded_up"),
             (lambda n, k, f, p: f * ((n - k + 1) // p), "forgot_square")],
    "04.2": [(lambda x, bank: conv2d_forward(x, bank, np.zeros(len(bank)))[0]
              .reshape(len(x), -1), "forgot_pooling"),
             (lambda x, bank: maxpool2d_forward(conv2d_forward(x, bank, np.zeros(len(bank)))[0],
                                                2)[0], "not_flattened"),
             (lambda x, bank: maxpool2d_forward(conv2d_forward(x, bank, np.zeros(len(bank)))[0],
                                                2)[0].transpose(0, 2, 3, 1).reshape(len(x), -1),
              "channels_last_flatten"),
             (lambda x, bank: maxpool2d_forward(conv2d_forward(x, bank, np.zeros(len(bank)))[0],
                                                2, 1)[0].reshape(len(x), -1),
              "pooling_stride_one"),
             (lambda x, bank: SOLUTIONS["04.2"](x, bank[:, :, ::-1, ::-1]), "flipped_filters")],
    "05.1": [(lambda: ([[3.25, 4], [4.5, 2.25]], [[3.25, 4], [4.5, 2.25]]), "averages_for_max"),
             (lambda: ([[1, 0], [0, 1]], [[3.25, 4], [4.5, 2.25]]), "minima"),
             (lambda: ([[5, 9], [8, 3]], [[3.25, 4], [4.5, 2.25]]), "transposed"),
             (lambda: ([[5, 8], [9, 3]], [[5, 8], [9, 3]]), "maxima_for_avg"),
             (lambda: ([[5, 8], [9, 3]], [[13, 16], [18, 9]]), "window_sums")],
    "05.2": [(lambda x, d: np.kron(d, np.ones((2, 2))) / 4, "spread_evenly"),
             (lambda x, d: np.kron(d, np.ones((2, 2))), "copied_to_all"),
             (lambda x, d: maxpool_backward(x, d, rule="mask"), "mask_only"),
             (lambda x, d: maxpool_backward(x, d, rule="all"), "every_tied_max"),
             (lambda x, d: maxpool_backward(x, d, rule="last"), "last_tied_max")],
    "06.1": [(valid_cnn(lambda n: 16 * (n // 4) ** 2), "kept_same_size"),
             (valid_cnn(lambda n: 16 * (((n - 5) // 2 - 5) // 2) ** 2), "forgot_plus_one"),
             (valid_cnn(lambda n: 16 * (n - 8) ** 2), "forgot_pooling"),
             (valid_cnn(lambda n: 16 * ((n - 4) // 2 - 4) ** 2), "one_pooling"),
             (valid_cnn(lambda n: side(n) ** 2), "forgot_channels")],
    "06.2": [(lambda t, p, k: confusion(p, t, k), "transposed"),
             (lambda t, p, k: confusion(t, p, k) / np.maximum(confusion(t, p, k).sum(1,
                                                              keepdims=True), 1),
              "normalised_rows"),
             (lambda t, p, k: confusion(t, p, max(t.max(), p.max()) + 1), "sized_from_labels"),
             (lambda t, p, k: np.diag(np.diag(confusion(t, p, k))), "diagonal_only"),
             (lambda t, p, k: np.minimum(confusion(t, p, k), 1), "set_not_added")],
    "07.1": [(lambda W, b: (W, b), "not_transposed"),
             (lambda W, b: (W.reshape(W.shape[1], W.shape[0]), b), "reshaped_not_transposed"),
             (lambda W, b: (W.T, b[:, None]), "bias_as_column"),
             (lambda W, b: (W.T, np.zeros_like(b)), "dropped_bias"),
             (lambda W, b: (W.T, -b), "negated_bias")],
    "07.2": [(lambda w, g, v, lr, mu: (w - lr * g, v), "plain_sgd"),
             (lambda w, g, v, lr, mu: (w + mu * v - lr * g, mu * v - lr * g), "lr_in_velocity"),
             (lambda w, g, v, lr, mu: (w - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
              "averaged_velocity"),
             (lambda w, g, v, lr, mu: (w - lr * v, mu * v + g), "old_velocity"),
             (lambda w, g, v, lr, mu: (w - lr * (g + mu * (mu * v + g)), mu * v + g),
              "nesterov"),
             (lambda w, g, v, lr, mu: (w + lr * (mu * v + g), mu * v + g), "sign_error")],
}

# answers that fit only the default inputs' sizes
HARD_CODED = {
    "00.1": lambda x: x.reshape(6, 784) if x.size == 6 * 784 else x.reshape(4, 784),
    "00.2": lambda a, b: ((a - 0.45) / 0.144, (b - 0.45) / 0.144),
    "00.3": lambda y, k: np.eye(10)[y],
    "01.1": lambda x, W, b: (x @ W + b)[:4],
    "01.2": lambda dy, x, W: (dy @ W.T, x.T @ dy, dy[:4].sum(axis=0)),
    "01.3": lambda z: np.full(z.shape, 0.25),
    "01.4": lambda z, y: (softmax(z) - np.eye(z.shape[1])[y]) / 4,
    "02.1": lambda h: 0.375,
    "02.2": lambda a, b, rng: rng.normal(0, np.sqrt(2 / 784), size=(a, b)),
    "02.3": lambda g, m: g * min(1.0, 5 / np.linalg.norm(g)),
    "03.1": lambda n, k, p, s: (n + 2 * p - k) + 1 if s == 1 else 14,
    "03.2": lambda x, w, b, padding=0: conv2d(x, w, b, 1),
    "03.3": lambda x, w, b, s: conv2d(x, w, b, stride=2),
    "03.4": lambda hw, k, p, s: (2, 2),
    "03.5": lambda d, x, w, p: conv_backward(d, x, w, 1),
    "04.1": lambda n, k, f, p: 1296,
    "04.2": lambda x, bank: SOLUTIONS["04.2"](x, bank).reshape(3, -1),
    "06.1": valid_cnn(lambda n: 256),
    "06.2": lambda t, p, k: confusion(t, p, 10),
    "07.1": lambda W, b: (W.T.reshape(3, 4), b),
    "07.2": lambda w, g, v, lr, mu: momentum(w, g, v, 0.1, 0.9),
}

# answers that only call edu_cnn's own implementation
LIBRARY = {
    "00.1": lambda x: layers.Flatten().forward(x),
    "00.3": lambda y, k: lib_one_hot(y, k),
    "01.1": lambda x, W, b: _dense(W, b).forward(x),
    "01.4": lambda z, y: _ce(z, y),
    "03.1": lambda n, k, p, s: conv_output_shape(n, n, k, s, p)[0],
    "03.2": lambda x, w, b, padding=0: conv2d_forward(x[None], w, b, padding=padding)[0][0],
    "03.5": lambda d, x, w, p: conv2d_backward(d, conv2d_forward(x, w, np.zeros(len(w)),
                                                                 padding=p)[1]),
    "05.2": lambda x, d: maxpool2d_backward(d[None, None],
                                            maxpool2d_forward(x[None, None], 2)[1])[0, 0],
    "06.2": lambda t, p, k: confusion_matrix(t, p, k),
}


def _dense(W, b):
    dense = layers.Dense(*W.shape, dtype=np.float64)
    dense.params["W"][...], dense.params["b"][...] = W, b
    return dense


def _ce(z, y):
    loss = SoftmaxCrossEntropy()
    loss.forward(z, y)
    return loss.backward()


# notebook 08's answers live in exercise_answers_08.py
from exercise_answers_08 import HARD_CODED_08, MISTAKES_08, SOLUTIONS_08  # noqa: E402

SOLUTIONS.update(SOLUTIONS_08)
MISTAKES.update(MISTAKES_08)
HARD_CODED.update(HARD_CODED_08)
from exercise_answers_nb09 import ANSWERS as ANSWERS_09  # noqa: E402

SOLUTIONS.update(ANSWERS_09["SOLUTIONS"])
MISTAKES.update(ANSWERS_09["MISTAKES"])
HARD_CODED.update(ANSWERS_09["HARD_CODED"])
LIBRARY.update(ANSWERS_09["LIBRARY"])
