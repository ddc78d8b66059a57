"""The exercise checks of notebooks 03–05 accept right answers and explain wrong ones.

Each check is driven with a correct solution (must print "✅ Correct!" and
return True) and with the typical wrong answers a student writes (must
return False and print the specific hint, never raise).
"""
import numpy as np
import pytest

from edu_cnn import exercises


def feedback(capsys, ok_expected, check, *answers):
    """Run a check, assert its verdict, return what it printed."""
    ok = check(*answers)
    printed = capsys.readouterr().out
    assert ok is ok_expected, printed
    assert printed.startswith("✅ Correct!" if ok_expected else "❌ Not yet:"), printed
    assert printed.count("\n") == 1, "feedback should be one line"
    return printed


def raises(*args, **kwargs):
    raise IndexError("index 28 is out of bounds for axis 1 with size 28")


# --- notebook 03 -------------------------------------------------------------

def test_conv_output_size_accepts_the_formula(capsys):
    feedback(capsys, True, exercises.check_conv_output_size,
             lambda n, k, padding, stride: (n + 2 * padding - k) // stride + 1)
    feedback(capsys, True, exercises.check_conv_output_size,      # numpy ints are fine too
             lambda n, k, padding, stride: np.int64((n + 2 * padding - k) // stride + 1))


@pytest.mark.parametrize("wrong, message", [
    (lambda n, k, p, s: (n - k) // s + 1, "returned 26; it should be 28: you left out the padding"),
    (lambda n, k, p, s: (n + p - k) // s + 1, "you added the padding once"),
    (lambda n, k, p, s: n + 2 * p - k + 1, "you left out the stride"),
    (lambda n, k, p, s: (n + 2 * p - k) // s, "you forgot the + 1"),
    (lambda n, k, p, s: -(-(n + 2 * p - k) // s) + 1, "you rounded up"),
    (lambda n, k, p, s: (n + 2 * p - k) / s + 1,
     "returned 26.0 (float); return an int, e.g. with floor division //"),
    (lambda n, k, p, s: None, "returned None. Did you forget `return`?"),
    (raises, "your code raised IndexError: index 28 is out of bounds"),
    (lambda n, k, p, s: str(n), "returned '28' (str); return an int"),
])
def test_conv_output_size_explains_typical_mistakes(capsys, wrong, message):
    assert message in feedback(capsys, False, exercises.check_conv_output_size, wrong)


def conv2d_right(x, w, b, padding=0):
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    F, C, KH, KW = w.shape
    out = np.zeros((F, x.shape[1] - KH + 1, x.shape[2] - KW + 1))
    for f in range(F):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                out[f, i, j] = np.sum(x[:, i:i + KH, j:j + KW] * w[f]) + b[f]
    return out


def test_conv2d_accepts_a_loop_solution(capsys):
    feedback(capsys, True, exercises.check_conv2d, conv2d_right)


@pytest.mark.parametrize("wrong, message", [
    (lambda x, w, b, padding=0: conv2d_right(x, w, b, 0),
     "your output has shape (8, 26, 26); for a 3×3 kernel with padding 1 it should be (8, 28, 28)"),
    (lambda x, w, b, padding=0: conv2d_right(x, w[:, :, ::-1, ::-1], b, padding),
     "you flipped the kernel"),
    (lambda x, w, b, padding=0: conv2d_right(x, w, 0 * b, padding), "add b[f] to each output"),
    (lambda x, w, b, padding=0: conv2d_right(x[:1], w[:, :1], b, padding),
     "only input channel 0 was used"),
    (lambda x, w, b, padding=0: 0 * conv2d_right(x, w, b, padding), "your output is all zeros"),
    (lambda x, w, b, padding=0: conv2d_right(x, w, b, padding)
     + (np.arange(28) == 5)[None, :, None],
     "first wrong value: out[0, 5, 0] is"),
    (lambda x, w, b, padding=0: None, "Did you forget `return out`?"),
    (raises, "your code raised IndexError"),
])
def test_conv2d_explains_typical_mistakes(capsys, wrong, message):
    assert message in feedback(capsys, False, exercises.check_conv2d, wrong)


# --- notebook 04 -------------------------------------------------------------

def test_feature_count_accepts_the_formula(capsys):
    feedback(capsys, True, exercises.check_feature_count,
             lambda n, k, f, p: f * ((n - k + 1) // p) ** 2)


@pytest.mark.parametrize("wrong, message", [
    (lambda n, k, f, p: f * (n - k + 1) ** 2,
     "returned 5184; it should be 1296: you forgot the 2×2 max-pooling"),
    (lambda n, k, f, p: ((n - k + 1) // p) ** 2, "multiply by the number of filters"),
    (lambda n, k, f, p: f * (n // p) ** 2, "you used the image size"),
    (lambda n, k, f, p: f * ((n - k) // p) ** 2, "you forgot the + 1"),
    (lambda n, k, f, p: f * ((n - k + 1) / p) ** 2,
     "(float); it should be the int 256 (use // : 26 // 3 = 8)"),
    (lambda n, k, f, p: None, "returned None"),
])
def test_feature_count_explains_typical_mistakes(capsys, wrong, message):
    assert message in feedback(capsys, False, exercises.check_feature_count, wrong)


def conv_valid(x, bank):
    """(N, 1, H, W), (F, 1, K, K) -> (N, F, H-K+1, W-K+1) by loops over kernel taps."""
    K = bank.shape[-1]
    H, W = x.shape[2] - K + 1, x.shape[3] - K + 1
    out = np.zeros((x.shape[0], bank.shape[0], H, W))
    for u in range(K):
        for v in range(K):
            out += x[:, :, u:u + H, v:v + W] * bank[None, :, 0, u, v, None, None]
    return out


def pool2(maps, reduce=np.max):
    N, F, H, W = maps.shape
    windows = maps[:, :, :H // 2 * 2, :W // 2 * 2].reshape(N, F, H // 2, 2, W // 2, 2)
    return reduce(windows, axis=(3, 5))


def test_extract_features_accepts_conv_pool_flatten(capsys):
    feedback(capsys, True, exercises.check_extract_features,
             lambda x, bank: pool2(conv_valid(x, bank)).reshape(len(x), -1))


@pytest.mark.parametrize("wrong, message", [
    (lambda x, bank: conv_valid(x, bank).reshape(len(x), -1),
     "returned shape (3, 5184); it should be (3, 1296): that is the size before pooling"),
    (lambda x, bank: pool2(conv_valid(x, bank)), "flatten each image's feature maps into one row"),
    (lambda x, bank: pool2(conv_valid(x, bank), np.mean).reshape(len(x), -1),
     "you averaged the windows"),
    (lambda x, bank: pool2(conv_valid(x, bank)).transpose(0, 2, 3, 1).reshape(len(x), -1),
     "right numbers, wrong order"),
    (lambda x, bank: None, "returned None"),
])
def test_extract_features_explains_typical_mistakes(capsys, wrong, message):
    assert message in feedback(capsys, False, exercises.check_extract_features, wrong)


# --- notebook 05 -------------------------------------------------------------

X = exercises.POOL_EXERCISE_INPUT
MAX = np.array([[5, 8], [9, 3]])
AVG = np.array([[13 / 4, 16 / 4], [18 / 4, 9 / 4]])


def test_pooling_by_hand_accepts_the_right_matrices(capsys):
    feedback(capsys, True, exercises.check_pooling_by_hand, MAX, AVG)
    feedback(capsys, True, exercises.check_pooling_by_hand, MAX.tolist(), [[3.25, 4], [4.5, 2.25]])


@pytest.mark.parametrize("max_result, avg_result, message", [
    (None, AVG, "max_result is None"),
    (AVG, AVG, "max_result: these are the averages"),
    (MAX, MAX, "avg_result: these are the maxima"),
    (MAX, 4 * AVG, "these are the window sums; divide by the 4"),
    (MAX.T, AVG, "rows and columns are swapped"),
    ([[1, 0], [0, 1]], AVG, "max_result: these are the minima"),
    (np.zeros((3, 3)), AVG, "(2×2 windows with stride 1 would give 3×3"),
    ([[5, 8], [7, 3]], AVG,
     "max_result[1, 0] is 7, but its window (rows 2–3, columns 0–1) is [[7, 0], [2, 9]]"),
])
def test_pooling_by_hand_explains_typical_mistakes(capsys, max_result, avg_result, message):
    printed = feedback(capsys, False, exercises.check_pooling_by_hand, max_result, avg_result)
    assert message in printed


def maxpool_backward_right(x, dout):
    dx = np.zeros_like(x, dtype=float)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            u, v = np.unravel_index(np.argmax(window), window.shape)
            dx[2 * i + u, 2 * j + v] = dout[i, j]
    return dx


def spread(dout):
    return np.repeat(np.repeat(dout, 2, axis=0), 2, axis=1)


def is_max(x):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    return x == spread(x.reshape(h, 2, w, 2).max(axis=(1, 3)))


def test_maxpool_backward_accepts_argmax_routing(capsys):
    feedback(capsys, True, exercises.check_maxpool_backward, maxpool_backward_right)


@pytest.mark.parametrize("wrong, message", [
    (lambda x, dout: spread(dout) / 4,
     "you spread each gradient evenly over its window (average pooling's rule)"),
    (lambda x, dout: spread(dout), "you copied each gradient to all 4 pixels"),
    (lambda x, dout: is_max(x).astype(float), "multiply by the upstream gradient dout"),
    (lambda x, dout: spread(dout) * is_max(x), "in a window with a tie"),
    (lambda x, dout: dout, "dx must have the input's shape (4, 4)"),
    (lambda x, dout: maxpool_backward_right(x, dout) + np.eye(len(x)) * 0.5,
     "first wrong value: dx[0, 0] is"),
    (raises, "your code raised IndexError"),
])
def test_maxpool_backward_explains_typical_mistakes(capsys, wrong, message):
    assert message in feedback(capsys, False, exercises.check_maxpool_backward, wrong)
