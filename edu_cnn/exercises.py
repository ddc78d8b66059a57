"""Checks for the notebook exercises: each one says what is right or wrong.

Every ``check_*`` function takes the student's answer (usually the function
they wrote), runs it on small known inputs and prints one line of feedback:
``✅ Correct! ...`` or ``❌ Not yet: ...`` with what was expected, what was
got and, where there is a typical mistake, a hint. The checks never raise
on a wrong answer: an exception from the student's code is reported as
feedback. Each returns ``True`` when the answer is right.

Sections, one per notebook: ``# --- notebook NN: title ---``.
"""
import numpy as np


def _report(ok, message):
    """Print one line of feedback and return ``ok``.

    Parameters
    ----------
    ok : bool
        Whether the answer is right.
    message : str
        What to tell the student.

    Returns
    -------
    ok : bool
    """
    prefix = "✅ Correct! " if ok else "❌ Not yet: "
    print(prefix + message)
    return bool(ok)


def _call(fn, *args, **kwargs):
    """Call student code; return ``(result, None)`` or ``(None, feedback)``.

    An exception becomes a one-line description (type and message), so a
    check can report it instead of showing a traceback.
    """
    try:
        return fn(*args, **kwargs), None
    except Exception as err:  # student code may raise anything
        return None, f"your code raised {type(err).__name__}: {err}"


def _shape_of(value):
    """Describe the shape of ``value`` in words for feedback messages."""
    if value is None:
        return "None (did you forget to return the result?)"
    shape = getattr(value, "shape", None)
    if shape is None:
        return f"a {type(value).__name__}, not an array"
    return f"shape {tuple(shape)}"


# --- notebook 00: getting started ---

def check_flatten_images(flatten_images):
    """Check ``flatten_images(x)``: (N, 1, 28, 28) images -> (N, 784) rows."""
    x = np.random.default_rng(0).random((6, 1, 28, 28)).astype(np.float32)
    x_before = x.copy()
    out, error = _call(flatten_images, x)
    if error:
        return _report(False, error)
    if not np.array_equal(x, x_before):
        return _report(False, "your function changed its input x in place; "
                              "return a new (reshaped) array instead.")
    if not hasattr(out, "shape"):
        return _report(False, f"your function returned {_shape_of(out)}; "
                              "it should return an array of shape (6, 784).")
    shape = tuple(out.shape)
    hints = {
        x.shape: "that is the input unchanged; reshape it to (N, 784) with x.reshape(len(x), -1).",
        (6 * 784,): "you flattened everything into one long vector and lost the batch axis; "
                    "keep one row per image: x.reshape(len(x), -1).",
        (784, 6): "rows and columns are swapped: each ROW should be one image (N rows, 784 columns).",
        (6, 28, 28): "you removed the channel axis but did not flatten the 28×28 pixels.",
    }
    if shape != (6, 784):
        hint = hints.get(shape, "for 6 images of 1×28×28 there should be 6 rows of 1·28·28 = 784 pixels.")
        return _report(False, f"your output has shape {shape}, expected (6, 784): {hint}")
    if not np.array_equal(np.asarray(out), x.reshape(6, 784)):
        return _report(False, "the shape (6, 784) is right but the pixels are in a different order; "
                              "flatten each image row by row (NumPy's default C order: x.reshape(len(x), -1)).")
    return _report(True, "x.reshape(len(x), -1) turns (N, 1, 28, 28) into (N, 784), one image per row.")


def _standardise_data():
    rng = np.random.default_rng(1)
    x_train = (0.2 + 0.5 * rng.random((40, 1, 6, 6))).astype(np.float32)
    x_test = (0.3 + 0.6 * rng.random((10, 1, 6, 6))).astype(np.float32)
    return x_train, x_test


def _standardise_mistake(x_train, x_test, train_z, test_z):
    """Name the typical mistake that produced (train_z, test_z), or None."""
    m, s = x_train.mean(), x_train.std()
    def same(a, b):
        return a.shape == b.shape and np.allclose(a, b, atol=1e-4)
    if same(test_z, (x_test - x_test.mean()) / x_test.std()):
        return ("you standardised the test set with its OWN mean and std. Use the training "
                "set's mean and std for both: the test set stands for new data whose statistics "
                "you do not know when you train.")
    if same(train_z, x_train / 255):
        return "you divided by 255, but these pixels are already in [0, 1]; subtract the mean and divide by the std."
    if same(train_z, x_train - m):
        return "you subtracted the mean but did not divide by the standard deviation."
    if same(train_z, x_train / s):
        return "you divided by the standard deviation but did not subtract the mean first."
    if same(train_z, (x_train - x_train.mean(axis=0)) / (x_train.std(axis=0) + 1e-8)):
        return ("you used one mean and std per pixel (axis=0); here use one mean and one std "
                "over all training pixels: x_train.mean() and x_train.std().")
    return None


def check_standardise(standardise):
    """Check ``standardise(x_train, x_test) -> (train_z, test_z)`` (train statistics only)."""
    x_train, x_test = _standardise_data()
    m, s = x_train.mean(), x_train.std()
    originals = (x_train.copy(), x_test.copy())
    out, error = _call(standardise, x_train, x_test)
    if error:
        return _report(False, error)
    if not (np.array_equal(x_train, originals[0]) and np.array_equal(x_test, originals[1])):
        return _report(False, "your function changed x_train or x_test in place; return new arrays.")
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        return _report(False, f"return two arrays, (train_z, test_z); you returned {_shape_of(out)}.")
    train_z, test_z = (np.asarray(a, dtype=np.float64) for a in out)
    if train_z.shape != x_train.shape or test_z.shape != x_test.shape:
        return _report(False, f"the outputs have shapes {train_z.shape} and {test_z.shape}; "
                              f"standardising keeps the shapes {x_train.shape} and {x_test.shape}.")
    mistake = _standardise_mistake(x_train, x_test, train_z, test_z)
    if mistake:
        return _report(False, mistake)
    if not (np.allclose(train_z, (x_train - m) / s, atol=1e-4)
            and np.allclose(test_z, (x_test - m) / s, atol=1e-4)):
        return _report(False, f"your training set now has mean {train_z.mean():.3f} and std "
                              f"{train_z.std():.3f} (expected 0 and 1): compute "
                              "(x - x_train.mean()) / x_train.std() for both sets.")
    stats = [round(float(v), 2) + 0.0 for v in (train_z.mean(), train_z.std(), test_z.mean(), test_z.std())]
    return _report(True, "train mean {:.2f}, std {:.2f}; the test set (mean {:.2f}, std {:.2f}) "
                         "used the training statistics.".format(*stats))


def check_one_hot(one_hot):
    """Check ``one_hot(y, num_classes) -> (N, num_classes)`` rows of 0/1."""
    y = np.array([3, 0, 7, 1, 3])
    y_before = y.copy()
    expected = np.eye(10)[y]
    out, error = _call(one_hot, y, 10)
    if error:
        return _report(False, error)
    if not np.array_equal(y, y_before):
        return _report(False, "your function changed y in place; return a new array.")
    if not hasattr(out, "shape"):
        return _report(False, f"your function returned {_shape_of(out)}; expected shape (5, 10).")
    shape = tuple(out.shape)
    if shape != (5, 10):
        if shape == (5,):
            hint = "that is one number per label; one-hot needs a row of 10 numbers per label."
        elif shape == (10, 5):
            hint = "rows and columns are swapped: one ROW per example, one column per class."
        elif len(shape) == 2 and shape[0] == 5:
            hint = (f"{shape[1]} columns; use num_classes (10) columns even if some classes "
                    "(here 8 and 9) do not occur in y.")
        else:
            hint = "5 labels and 10 classes give 5 rows of 10."
        return _report(False, f"your output has shape {shape}, expected (5, 10): {hint}")
    out = np.asarray(out, dtype=np.float64)
    if not np.isin(out, (0, 1)).all() or not np.allclose(out.sum(axis=1), 1):
        return _report(False, "each row should hold exactly one 1 and nine 0s.")
    if not np.array_equal(out, expected):
        got = int(out[0].argmax())
        return _report(False, f"for label y[0] = 3 your 1 is in column {got}; it belongs in "
                              "column 3 (column index = class id).")
    return _report(True, "np.eye(num_classes)[y] gives one row per label with a 1 in column y[i].")

# --- notebook 03: convolution ---

def _conv_size_mistakes(n, k, p, s):
    """Typical wrong answers for one output size, with what they reveal."""
    return [
        ((n - k) // s + 1, "you left out the padding: it adds 2·padding rows (top and bottom)"),
        ((n + p - k) // s + 1, "you added the padding once; it goes on both sides, so add 2·padding"),
        (n + 2 * p - k + 1, "you left out the stride: the window jumps `stride` pixels, so divide by it"),
        ((n + 2 * p - k) // s, "you forgot the + 1 (the first window position counts too)"),
        (-(-(n + 2 * p - k) // s) + 1, "you rounded up; a last window that does not fit is dropped, so use floor division //"),
    ]


def check_conv_output_size(conv_output_size):
    """Check ``conv_output_size(n, k, padding, stride)`` (notebook 03).

    Expected: ``(n + 2·padding − k) // stride + 1``. Prints specific feedback
    for the classic mistakes (padding forgotten or counted once, stride
    forgotten, missing + 1, rounding up, float result) and returns True if
    every case is right.
    """
    cases = [(28, 3, 0, 1), (28, 3, 1, 1), (32, 5, 0, 1), (28, 5, 2, 2), (6, 3, 0, 2), (7, 3, 1, 2)]
    for n, k, p, s in cases:
        call = f"conv_output_size(n={n}, k={k}, padding={p}, stride={s})"
        got, error = _call(conv_output_size, n, k, p, s)
        want = (n + 2 * p - k) // s + 1
        if error:
            return _report(False, f"{call}: {error}.")
        if got is None:
            return _report(False, f"{call} returned None. Did you forget `return`?")
        if isinstance(got, float) and got != int(got):
            return _report(False, f"{call} returned {got}; a size is a whole number. "
                                  f"Use floor division // (a window that does not fit is dropped).")
        if not isinstance(got, (int, np.integer)):
            return _report(False, f"{call} returned {got!r} ({type(got).__name__}); return an int, "
                                  f"e.g. with floor division //.")
        if got != want:
            hints = [why for value, why in _conv_size_mistakes(n, k, p, s) if value == got]
            hint = hints[0] if hints else "the formula is (n + 2·padding − k) // stride + 1"
            return _report(False, f"{call} returned {got}; it should be {want}: {hint}.")
    return _report(True, f"conv_output_size is right on all {len(cases)} cases, "
                         f"e.g. 28×28 with a 5×5 kernel, padding 2, stride 2 -> 14×14.")


def _conv_reference(x, w, b, padding):
    """Reference answer for ``check_conv2d``: x (C, H, W) -> (F, H_out, W_out)."""
    from .ops.conv import conv2d_forward
    out, _ = conv2d_forward(x[None].astype(np.float64), w, b, stride=1, padding=padding)
    return out[0]


def _conv_value_hint(got, x, w, b, padding):
    """Name the classic mistake that produces ``got`` (same shape as the answer), or ''."""
    def close(candidate):
        return np.allclose(got, candidate, atol=1e-6)
    zero_b = np.zeros_like(b)
    if close(_conv_reference(x, w[:, :, ::-1, ::-1], b, padding)):
        return ("you flipped the kernel (textbook convolution). Deep-learning 'convolution' is "
                "cross-correlation: multiply window[u, v] by w[f, c, u, v] without flipping.")
    if close(_conv_reference(x, w, zero_b, padding)):
        return "every value is off by its filter's bias: add b[f] to each output."
    if close(_conv_reference(x[:1], w[:, :1], b, padding)):
        return "only input channel 0 was used: sum the products over all channels c as well."
    if np.allclose(got, 0):
        return "your output is all zeros: fill each out[f, i, j] with Σ window · w[f] + b[f]."
    return ""


def check_conv2d(conv2d):
    """Check a student's ``conv2d(x, w, b, padding=0)`` for one image (notebook 03).

    x (C, H, W), w (F, C, KH, KW), b (F,) -> out (F, H_out, W_out), stride 1,
    ``padding`` zeros on every side. Feedback names the wrong shape and what it
    should be for the kernel/padding, a flipped kernel, a missing bias, a
    forgotten channel sum, or the largest wrong value and where it is.
    """
    rng = np.random.default_rng(0)
    cases = [((1, 28, 28), (8, 1, 3, 3), 1), ((3, 7, 6), (2, 3, 3, 3), 0),
             ((2, 6, 6), (4, 2, 5, 5), 2)]
    for x_shape, w_shape, padding in cases:
        x = rng.standard_normal(x_shape)
        w = rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])
        want = _conv_reference(x, w, b, padding)
        call = (f"conv2d(x of shape {x_shape}, w of shape {w_shape}, b, padding={padding})")
        got, error = _call(conv2d, x.copy(), w.copy(), b.copy(), padding=padding)
        if error:
            return _report(False, f"{call}: {error}.")
        if got is None:
            return _report(False, f"{call} returned None. Did you forget `return out`?")
        got = np.asarray(got)
        kernel = f"{w_shape[2]}×{w_shape[3]}"
        if got.shape != want.shape:
            return _report(False, f"your output has shape {got.shape}; for a {kernel} kernel with "
                                  f"padding {padding} it should be {want.shape} "
                                  f"(F, H + 2·padding − KH + 1, W + 2·padding − KW + 1).")
        if not np.allclose(got, want, atol=1e-6):
            hint = _conv_value_hint(got, x, w, b, padding)
            f, i, j = np.argwhere(~np.isclose(got, want, atol=1e-6))[0]      # first wrong value
            where = (f"first wrong value: out[{f}, {i}, {j}] is {got[f, i, j]:.3f} but should be {want[f, i, j]:.3f}")
            return _report(False, f"{call}: {hint or where + '.'}" + (f" ({where})" if hint else ""))
    return _report(True, f"conv2d matches the reference on all {len(cases)} cases "
                         f"(with padding 0, 1 and 2 and 1 to 3 channels).")


# --- notebook 04: filter-bank features ---

def check_feature_count(feature_count):
    """Check ``feature_count(image_size, kernel_size, n_filters, pool_size)`` (notebook 04).

    Expected: n_filters · ((image_size − kernel_size + 1) // pool_size)², the
    length of the feature vector after a valid convolution, max-pooling with
    stride = pool_size, and flattening (28, 17, 36, 2 -> 1,296).
    """
    cases = [(28, 17, 36, 2), (28, 5, 8, 2), (32, 5, 6, 2), (28, 3, 16, 2), (28, 3, 4, 3)]
    for n, k, f, p in cases:
        call = f"feature_count(image_size={n}, kernel_size={k}, n_filters={f}, pool_size={p})"
        got, error = _call(feature_count, n, k, f, p)
        side = (n - k + 1) // p
        want = f * side * side
        if error:
            return _report(False, f"{call}: {error}.")
        if got is None:
            return _report(False, f"{call} returned None. Did you forget `return`?")
        if not isinstance(got, (int, np.integer)) and got != want:
            hint = f" (use // : {n - k + 1} // {p} = {side})" if isinstance(got, float) else ""
            return _report(False, f"{call} returned {got!r} ({type(got).__name__}); it should be "
                                  f"the int {want}{hint}.")
        mistakes = [
            (f * (n - k + 1) ** 2, f"you forgot the {p}×{p} max-pooling, which divides each side by {p}"),
            (side * side, "you counted one feature map: multiply by the number of filters"),
            (f * (n // p) ** 2, "you used the image size; a valid convolution first shrinks it to "
                                "image_size − kernel_size + 1"),
            (f * ((n - k) // p) ** 2, "you forgot the + 1 in the valid-convolution size n − k + 1"),
        ]
        if got != want:
            hints = [why for value, why in mistakes if value == got]
            hint = hints[0] if hints else ("count it step by step: conv side, pooled side, "
                                           "then n_filters · side²")
            return _report(False, f"{call} returned {got}; it should be {want}: {hint}.")
    return _report(True, f"feature_count is right on all {len(cases)} cases "
                         f"(28×28, 36 filters of 17×17, pool 2 -> 36·6·6 = 1,296).")


def _features_reference(x, bank):
    """Valid conv, 2×2 max-pool (stride 2), flatten: (N, 1, H, W) -> (N, F·H''·W'')."""
    from .ops.conv import conv2d_forward
    maps, _ = conv2d_forward(x, bank, np.zeros(len(bank), dtype=x.dtype))   # (N, F, H', W')
    N, F, H, W = maps.shape
    maps = maps[:, :, :H // 2 * 2, :W // 2 * 2]
    pooled = maps.reshape(N, F, H // 2, 2, W // 2, 2).max(axis=(3, 5))    # (N, F, H'', W'')
    return pooled, pooled.reshape(N, -1)


def check_extract_features(extract_features):
    """Check ``extract_features(x, bank)`` (notebook 04).

    x (N, 1, H, W), bank (F, 1, K, K) -> features (N, F·H''·W'') where
    H'' = (H − K + 1) // 2: valid convolution (no bias), max-pool 2×2 with
    stride 2, flatten each image in (F, H'', W'') order (``reshape(N, -1)``).
    """
    rng = np.random.default_rng(0)
    cases = [((3, 1, 28, 28), (36, 1, 17, 17)), ((2, 1, 12, 12), (4, 1, 3, 3))]
    for x_shape, bank_shape in cases:
        x = rng.random(x_shape)
        bank = rng.standard_normal(bank_shape)
        pooled, want = _features_reference(x, bank)
        call = f"extract_features(x of shape {x_shape}, bank of shape {bank_shape})"
        got, error = _call(extract_features, x.copy(), bank.copy())
        if error:
            return _report(False, f"{call}: {error}.")
        if got is None:
            return _report(False, f"{call} returned None. Did you forget `return`?")
        got = np.asarray(got)
        N, F, side = x_shape[0], bank_shape[0], pooled.shape[-1]
        conv_side = x_shape[-1] - bank_shape[-1] + 1
        if got.shape != want.shape:
            if got.shape in ((N, F * conv_side ** 2), (N, F, conv_side, conv_side)):
                hint = f"that is the size before pooling; max-pool 2×2 first ({conv_side} -> {side})"
            elif got.shape == pooled.shape or got.shape == (N, side, side, F):
                hint = "flatten each image's feature maps into one row: features.reshape(N, -1)"
            else:
                hint = f"valid conv gives {conv_side}×{conv_side} maps, pooling {side}×{side}, flatten F·{side}·{side}"
            return _report(False, f"{call} returned shape {got.shape}; it should be {want.shape}: {hint}.")
        if not np.allclose(got, want, atol=1e-6):
            averaged, _ = _features_reference_avg(x, bank)
            if np.allclose(got, averaged, atol=1e-6):
                hint = "you averaged the windows; this model uses max-pooling (take the largest of the 4)"
            elif np.allclose(np.sort(got, axis=1), np.sort(want, axis=1), atol=1e-6):
                hint = ("right numbers, wrong order: flatten the (N, F, H'', W'') pooled maps "
                        "with reshape(N, -1), without transposing")
            else:
                n, j = np.argwhere(~np.isclose(got, want, atol=1e-6))[0]
                hint = f"first wrong value: features[{n}, {j}] is {got[n, j]:.3f} but should be {want[n, j]:.3f}"
            return _report(False, f"{call}: {hint}.")
    return _report(True, f"extract_features matches the reference on {len(cases)} cases "
                         f"(28×28 with 36 filters of 17×17 -> 1,296 features per digit).")


def _features_reference_avg(x, bank):
    """Like ``_features_reference`` with average pooling (to recognise that mistake)."""
    from .ops.conv import conv2d_forward
    maps, _ = conv2d_forward(x, bank, np.zeros(len(bank), dtype=x.dtype))
    N, F, H, W = maps.shape
    maps = maps[:, :, :H // 2 * 2, :W // 2 * 2]
    pooled = maps.reshape(N, F, H // 2, 2, W // 2, 2).mean(axis=(3, 5))
    return pooled.reshape(N, -1), pooled


# --- notebook 05: pooling ---

POOL_EXERCISE_INPUT = np.array([[1, 5, 2, 0],
                                [3, 4, 8, 6],
                                [7, 0, 1, 2],
                                [2, 9, 3, 3]])
"""The 4×4 input of the notebook 05 pooling-by-hand exercise."""


def _windows_2x2(x):
    """The four non-overlapping 2×2 windows of a 4×4 array: (2, 2, 2, 2), [i, j] = window."""
    return x.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3)


def _check_pooled_by_hand(name, got, want, wrong_answers):
    """Feedback for one hand-computed 2×2 pooling result; returns a message or ''."""
    if got is None:
        return f"{name} is None: replace it with your 2×2 result."
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError) as error:
        return f"{name} is not a matrix of numbers ({error})."
    if got.shape != (2, 2):
        extra = " (2×2 windows with stride 1 would give 3×3; here the stride is 2)" if got.shape == (3, 3) else ""
        return f"{name} has shape {got.shape}; a 4×4 input pooled 2×2 with stride 2 gives (2, 2){extra}."
    for answer, why in wrong_answers:
        if np.allclose(got, answer):
            return f"{name}: {why}."
    windows = _windows_2x2(POOL_EXERCISE_INPUT)
    for i in range(2):
        for j in range(2):
            if not np.isclose(got[i, j], want[i, j]):
                window = windows[i, j].tolist()
                return (f"{name}[{i}, {j}] is {got[i, j]:g}, but its window (rows {2 * i}–{2 * i + 1}, "
                        f"columns {2 * j}–{2 * j + 1}) is {window}.")
    return ""


def check_pooling_by_hand(max_result, avg_result):
    """Check the hand-computed 2×2 max- and average-pooling of POOL_EXERCISE_INPUT (notebook 05)."""
    windows = _windows_2x2(POOL_EXERCISE_INPUT)
    want_max, want_avg = windows.max(axis=(2, 3)), windows.mean(axis=(2, 3))
    max_msg = _check_pooled_by_hand("max_result", max_result, want_max, [
        (want_avg, "these are the averages; max-pooling keeps the largest value of each window"),
        (windows.min(axis=(2, 3)), "these are the minima; max-pooling keeps the largest value"),
        (want_max.T, "rows and columns are swapped: result[i, j] comes from rows 2i–2i+1, columns 2j–2j+1")])
    avg_msg = _check_pooled_by_hand("avg_result", avg_result, want_avg, [
        (want_max, "these are the maxima; average pooling takes the mean of each window"),
        (windows.sum(axis=(2, 3)), "these are the window sums; divide by the 4 pixels of a window"),
        (want_avg.T, "rows and columns are swapped: result[i, j] comes from rows 2i–2i+1, columns 2j–2j+1")])
    if max_msg or avg_msg:
        return _report(False, " ".join(m for m in (max_msg, avg_msg) if m))
    return _report(True, "both 2×2 results are right (max keeps the strongest response, "
                         "average the mean of each window).")


def _maxpool_backward_reference(x, dout):
    """dx for 2×2/stride-2 max-pooling: each dout goes to its window's first max (row-major)."""
    H2, W2 = dout.shape
    dx = np.zeros(x.shape, dtype=float)
    for i in range(H2):
        for j in range(W2):
            window = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            u, v = np.unravel_index(np.argmax(window), (2, 2))    # first max, row-major
            dx[2 * i + u, 2 * j + v] = dout[i, j]
    return dx


def check_maxpool_backward(maxpool_backward):
    """Check ``maxpool_backward(x, dout) -> dx`` for 2×2 pooling with stride 2 (notebook 05).

    x (H, W), dout (H/2, W/2) -> dx (H, W): each upstream gradient goes to the
    position of its window's maximum (the first one, row-major, if tied, as in
    PyTorch); every other position gets 0.
    """
    rng = np.random.default_rng(0)
    x_plain = rng.permutation(16).reshape(4, 4).astype(float)     # no ties
    x_relu = np.maximum(rng.standard_normal((6, 6)), 0)           # after ReLU: tied zeros
    x_relu[:2, :2] = 0.0                                          # one all-zero window for sure
    for x in (x_plain, x_relu):
        dout = rng.integers(1, 10, size=(x.shape[0] // 2, x.shape[1] // 2)).astype(float)
        want = _maxpool_backward_reference(x, dout)
        call = f"maxpool_backward(x of shape {x.shape}, dout of shape {dout.shape})"
        got, error = _call(maxpool_backward, x.copy(), dout.copy())
        if error:
            return _report(False, f"{call}: {error}.")
        if got is None:
            return _report(False, f"{call} returned None. Did you forget `return dx`?")
        got = np.asarray(got, dtype=float)
        if got.shape != x.shape:
            return _report(False, f"{call} returned shape {got.shape}; dx must have the input's shape {x.shape}.")
        if np.allclose(got, want):
            continue
        spread = np.repeat(np.repeat(dout, 2, axis=0), 2, axis=1)
        is_max = (x == np.repeat(np.repeat(x.reshape(x.shape[0] // 2, 2, -1, 2).max(axis=(1, 3)), 2, 0), 2, 1))
        if np.allclose(got, spread / 4):
            hint = ("you spread each gradient evenly over its window (average pooling's rule); "
                    "max-pooling sends all of it to the position of the maximum")
        elif np.allclose(got, spread):
            hint = "you copied each gradient to all 4 pixels; only the maximum's position gets it"
        elif np.allclose(got, (want != 0)) or np.allclose(got, is_max):
            hint = "you marked where the maxima are; multiply by the upstream gradient dout"
        elif np.allclose(got, spread * is_max):
            hint = ("in a window with a tie (e.g. all zeros after ReLU) you sent the gradient to every "
                    "maximum; send it only to the first one, row-major (np.argmax does that)")
        else:
            r, c = np.argwhere(~np.isclose(got, want))[0]
            hint = f"first wrong value: dx[{r}, {c}] is {got[r, c]:g} but should be {want[r, c]:g}"
        return _report(False, f"{call}: {hint}.")
    return _report(True, "maxpool_backward routes every gradient to its window's maximum, "
                         "ties included.")


# --- notebook 01: the dense layer ---

def _dense_data():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3))
    W = rng.normal(size=(3, 2))
    b = np.array([0.5, -1.0])
    dy = rng.normal(size=(4, 2))
    return x, W, b, dy


def check_dense_forward(dense_forward):
    """Check ``dense_forward(x, W, b) -> y`` with y = x·W + b."""
    x, W, b, _ = _dense_data()
    out, error = _call(dense_forward, x, W, b)
    if error:
        return _report(False, error + ". x has shape (N, D) = (4, 3) and W has shape (D, M) = (3, 2): "
                                      "which order of the matrix product makes the shapes fit?")
    if not hasattr(out, "shape"):
        return _report(False, f"your function returned {_shape_of(out)}; expected shape (4, 2).")
    out = np.asarray(out, dtype=np.float64)
    if out.shape != (4, 2):
        hint = ("rows and columns are swapped; x @ W gives (N, M)." if out.shape == (2, 4)
                else "y has one row per example (N = 4) and one column per output unit (M = 2).")
        return _report(False, f"your output has shape {out.shape}, expected (4, 2): {hint}")
    if np.allclose(out, x @ W):
        return _report(False, "x @ W is right but the bias b is missing: y = x @ W + b.")
    if np.allclose(out, x @ W - b):
        return _report(False, "the bias is subtracted; y = x @ W + b.")
    if not np.allclose(out, x @ W + b):
        worst = np.abs(out - (x @ W + b)).max()
        return _report(False, f"the shape is right but the values differ from x @ W + b by up to {worst:.2f}.")
    return _report(True, "y = x @ W + b: (N, D)·(D, M) + (M,) -> (N, M), the bias broadcast over the batch.")


def _dense_backward_problem(name, got, want, dy, x):
    """Describe what is wrong with one of dx, dW, db, or return None if it is right."""
    if not hasattr(got, "shape"):
        return f"{name} is {_shape_of(got)}; expected an array of shape {want.shape}."
    got = np.asarray(got, dtype=np.float64)
    if got.shape == want.shape and np.allclose(got, want):
        return None
    typical = {
        "dW": [(dy.T @ x, "you computed dyᵀ·x, which is dW transposed; dW must have W's shape (D, M): xᵀ·dy."),
               (x.T @ dy / len(x), "you divided by N; the loss already averaged over the batch, so dy "
                                  "carries that 1/N: dW = xᵀ·dy.")],
        "db": [(dy.mean(axis=0), "you averaged dy over the batch; the bias is used by every example, "
                                 "so its gradient is the SUM: db = dy.sum(axis=0)."),
               (dy.sum(), "you summed every entry into one number; sum over the batch axis only: "
                          "dy.sum(axis=0), one value per output unit."),
               (dy.sum(axis=1), "you summed over the output units (axis=1); sum over the batch: dy.sum(axis=0)."),
               (dy.sum(axis=0, keepdims=True), "keepdims=True gives shape (1, M); b has shape (M,): "
                                               "use dy.sum(axis=0).")],
    }
    for wrong, message in typical.get(name, []):
        if np.shape(got) == np.shape(wrong) and np.allclose(got, wrong):
            return message
    if got.shape != want.shape:
        return f"{name} has shape {got.shape}; it must have the same shape as its variable, {want.shape}."
    return f"{name} has the right shape {want.shape} but wrong values (off by up to {np.abs(got - want).max():.2f})."


def check_dense_backward(dense_backward):
    """Check ``dense_backward(dy, x, W) -> (dx, dW, db)``."""
    x, W, _, dy = _dense_data()
    out, error = _call(dense_backward, dy, x, W)
    if error:
        return _report(False, error + ". Shapes: dy (4, 2), x (4, 3), W (3, 2); dx must be (4, 3).")
    if not (isinstance(out, (tuple, list)) and len(out) == 3):
        return _report(False, f"return three arrays, (dx, dW, db); you returned {_shape_of(out)}.")
    wanted = {"dx": dy @ W.T, "dW": x.T @ dy, "db": dy.sum(axis=0)}
    problems = []
    for (name, want), got in zip(wanted.items(), out):
        problem = _dense_backward_problem(name, got, want, dy, x)
        if problem:
            problems.append(f"{name}: {problem}")
    if problems:
        right = [n for n in wanted if not any(p.startswith(n + ":") for p in problems)]
        done = f" ({' and '.join(right)} {'is' if len(right) == 1 else 'are'} right.)" if right else ""
        return _report(False, " ".join(problems) + done)
    return _report(True, "dx = dy·Wᵀ, dW = xᵀ·dy, db = Σₙ dy: each gradient has the shape of its variable.")


def check_sigmoid_derivative(sigmoid_derivative):
    """Check ``sigmoid_derivative(z) -> σ(z)·(1 − σ(z))``."""
    z = np.linspace(-6, 6, 13)
    s = 1 / (1 + np.exp(-z))
    out, error = _call(sigmoid_derivative, z.copy())
    if error:
        return _report(False, error)
    if not hasattr(out, "shape") or np.shape(out) != z.shape:
        return _report(False, f"your output is {_shape_of(out)}; the derivative is taken elementwise, "
                              f"so it has the shape of z, {z.shape}.")
    out = np.asarray(out, dtype=np.float64)
    if np.allclose(out, z * (1 - z)):
        return _report(False, "you applied σ(1 − σ) to z itself; first compute s = 1 / (1 + exp(−z)), "
                              "then return s * (1 − s).")
    if np.allclose(out, s):
        return _report(False, "that is σ(z) itself, not its derivative σ(z)·(1 − σ(z)).")
    if not np.allclose(out, s * (1 - s)):
        return _report(False, f"at z = 0 your derivative is {out[6]:.3f}; σ'(0) = σ(0)·(1 − σ(0)) = 0.25.")
    return _report(True, "σ'(z) = σ(z)·(1 − σ(z)), largest at z = 0 where it is 0.25.")


# --- notebook 02: training pitfalls ---

def _activations_with_dead_units():
    h = np.abs(np.random.default_rng(3).normal(size=(6, 8)))
    h[:, [1, 4, 6]] = 0.0                    # three dead units: zero for every example
    h[[0, 2, 3], 0] = 0.0                    # unit 0 is off for half the examples only
    h[[1, 5], 2] = 0.0
    h[4, [3, 5, 7]] = 0.0
    return h


def check_dead_fraction(dead_fraction):
    """Check ``dead_fraction(h) -> float``: fraction of units that are zero for every example."""
    h = _activations_with_dead_units()
    out, error = _call(dead_fraction, h.copy())
    if error:
        return _report(False, error)
    if np.ndim(out) != 0 or out is None:
        return _report(False, f"return a single number (a fraction between 0 and 1); you returned {_shape_of(out)}.")
    value = float(out)
    zero = h == 0
    typical = [
        (zero.all(axis=0).sum(), "you returned the number of dead units (3); return the fraction of units: 3 / 8."),
        (zero.mean(), f"you counted zero ENTRIES ({zero.mean():.3f} of them); a unit is dead only if its column "
                      "is zero for EVERY example: (h == 0).all(axis=0).mean()."),
        (zero.any(axis=0).mean(), "a unit that is zero for SOME examples is only switched off there; dead means "
                                  "zero for EVERY example: use .all(axis=0), not .any."),
        (zero.all(axis=1).mean(), "you looked along rows (examples); a unit is a COLUMN of h (N, M): use axis=0."),
    ]
    for wrong, message in typical:
        if np.isclose(value, wrong):
            return _report(False, message)
    if not np.isclose(value, 3 / 8):
        return _report(False, f"your answer is {value:.3f}; in this test 3 of 8 units are zero for every "
                              "example, so the fraction is 0.375.")
    return _report(True, "(h == 0).all(axis=0).mean(): the share of units that are silent for every example.")


def check_init_weights(init_weights):
    """Check ``init_weights(fan_in, fan_out, rng) -> W``: random, He-scaled, reproducible."""
    fan_in, fan_out = 784, 64
    he_std = np.sqrt(2 / fan_in)
    W, error = _call(init_weights, fan_in, fan_out, np.random.default_rng(0))
    if error:
        return _report(False, error)
    if not hasattr(W, "shape") or tuple(W.shape) != (fan_in, fan_out):
        shape = _shape_of(W)
        hint = " (Dense weights are (in, out) here)" if shape == "shape (64, 784)" else ""
        return _report(False, f"your weights have {shape}, expected ({fan_in}, {fan_out}){hint}.")
    W = np.asarray(W, dtype=np.float64)
    if np.allclose(W, W.flat[0]):
        return _report(False, f"all your weights equal {W.flat[0]:.3g}, so every hidden unit computes the same "
                              "thing and gets the same gradient: they stay identical forever. Draw them at random.")
    if np.allclose(W, W[:, :1]):
        return _report(False, "every column (hidden unit) is the same, so the units stay identical; "
                              "draw each weight independently.")
    W2, _ = _call(init_weights, fan_in, fan_out, np.random.default_rng(0))
    if W2 is None or not np.array_equal(np.asarray(W2, dtype=np.float64), W):
        return _report(False, "two calls with the same rng seed gave different weights; draw from the rng "
                              "you were given (rng.normal(...)), not np.random.")
    if abs(W.mean()) > 0.2 * he_std:
        return _report(False, f"your weights have mean {W.mean():.3f}; centre them on 0 so units start "
                              "half on, half off.")
    std = W.std()
    if not 0.7 * he_std < std < 1.3 * he_std:
        size = "large" if std > he_std else "small"
        return _report(False, f"your weights have std {std:.3f}, too {size}: for ReLU units He init uses "
                              f"std = sqrt(2 / fan_in) = sqrt(2 / {fan_in}) = {he_std:.3f}, so the signal "
                              "keeps its size from layer to layer.")
    return _report(True, f"random weights with std {std:.3f} ≈ sqrt(2 / fan_in): symmetry broken, "
                         "signal size kept.")


def check_clip_by_norm(clip_by_norm):
    """Check ``clip_by_norm(g, max_norm) -> g`` rescaled to norm <= max_norm, same direction."""
    big = np.array([6.0, -8.0, 0.0])             # norm 10
    small = np.array([0.6, 0.0, -0.8])           # norm 1
    big_before = big.copy()
    out_big, error = _call(clip_by_norm, big, 5.0)
    if error:
        return _report(False, error)
    if not np.array_equal(big, big_before):
        return _report(False, "your function changed the gradient in place; return a new array.")
    out_small, error = _call(clip_by_norm, small.copy(), 5.0)
    if error:
        return _report(False, error)
    for out in (out_big, out_small):
        if not hasattr(out, "shape") or np.shape(out) != (3,):
            return _report(False, f"your output is {_shape_of(out)}; return the gradient with its shape (3,).")
    out_big, out_small = np.asarray(out_big, float), np.asarray(out_small, float)
    if np.allclose(out_big, np.clip(big, -5, 5)):
        return _report(False, "you clipped each entry separately, which changes the gradient's direction "
                              "([6, −8, 0] became [5, −5, 0]); scale the whole vector by max_norm / norm instead.")
    if not np.allclose(out_big, big * 0.5):
        return _report(False, f"for g = [6, −8, 0] (norm 10) and max_norm = 5 you returned norm "
                              f"{np.linalg.norm(out_big):.2f}; expected g · 5/10 = [3, −4, 0].")
    if not np.allclose(out_small, small):
        return _report(False, f"a gradient with norm 1 (already below max_norm = 5) must stay unchanged; yours "
                              f"now has norm {np.linalg.norm(out_small):.2f}. Only scale when the norm is too large.")
    return _report(True, "long gradients are shortened to max_norm, short ones left alone, the direction kept.")


# --- notebook 06: full CNN ---

def _describe_shape(shape):
    """(16, 4, 4) -> "16×4×4"."""
    return "×".join(str(int(s)) for s in shape)


def _dense_input_hint(expected_in, features):
    """A hint for a Dense(in_features) that does not match the flattened size."""
    if expected_in == 16 * 7 * 7:
        return (" 16·7·7 = 784 is the size with padding='same'; 'valid' 5×5 convolutions "
                "shrink each side by 4 (H − 5 + 1), so 28 → 24 → pool 12 → 8 → pool 4.")
    if expected_in == 16 * 3 * 3:
        return (" 16·3·3 = 144 forgets the +1 in H − K + 1: a 5×5 kernel fits 24 times "
                "across 28 pixels, not 23.")
    return ""


def _trace_to_dense(model, input_shape):
    """Walk the layers; return (trace strings, shape before the first Dense, that Dense, error)."""
    from . import layers as _layers
    shape, trace = tuple(input_shape), [_describe_shape(input_shape)]
    for layer in model.layers:
        if isinstance(layer, _layers.Dense):
            return trace, shape, layer, None
        try:
            new_shape = tuple(layer.output_shape(shape))
        except (ValueError, TypeError) as err:
            return trace, shape, None, f"layer {layer.name!r} cannot take input of shape {shape}: {err}"
        if new_shape != shape:                                  # skip ReLU & co in the trace
            trace.append(f"{layer.name} {_describe_shape(new_shape)}")
        shape = new_shape
    return trace, shape, None, "your model has no Dense layer at the end; finish with Flatten() and Dense(..., 10)."


def _check_valid_padding(convs):
    """Feedback (str) if a conv layer pads, else None."""
    from .ops.geometry import resolve_padding
    for conv in convs:
        (top, bottom), (left, right) = resolve_padding(conv.padding, conv.kernel_size, conv.stride)
        if top or bottom or left or right:
            return (f"{conv.name} uses padding={conv.padding!r}, which pads {top} pixel(s) on each side; "
                    "this exercise asks for padding='valid' (no padding) in both conv layers.")
    return None


def check_valid_cnn(build_valid_cnn):
    """Check exercise 06.1: the conv-pool-conv-pool-dense model with 'valid' padding.

    ``build_valid_cnn()`` must return a ``Sequential`` with two 'valid' 5×5
    Conv2D layers, two MaxPool2D(2) and a Dense whose input size matches the
    flattened 16×4×4 = 256 features, ending in 10 outputs.
    """
    from . import layers as _layers
    from .model import Sequential
    model, error = _call(build_valid_cnn)
    if error:
        return _report(False, error)
    if not isinstance(model, Sequential):
        what = "None (did you forget to return the model?)" if model is None else type(model).__name__
        return _report(False, f"build_valid_cnn() returned {what}; it should return a Sequential.")
    convs = [layer for layer in model.layers if isinstance(layer, _layers.Conv2D)]
    pools = [layer for layer in model.layers if isinstance(layer, _layers.MaxPool2D)]
    if len(convs) != 2 or len(pools) != 2:
        return _report(False, f"your model has {len(convs)} Conv2D and {len(pools)} MaxPool2D layers; "
                              "keep the architecture (two conv-ReLU-pool blocks), change only padding and Dense.")
    feedback = _check_valid_padding(convs)
    if feedback:
        return _report(False, feedback)
    trace, shape, dense, error = _trace_to_dense(model, (1, 28, 28))
    if error:
        return _report(False, error)
    features, expected_in = int(np.prod(shape)), dense.params["W"].shape[0]
    if expected_in != features:
        return _report(False, f"your Dense layer expects {expected_in:,} input features, but it gets "
                              f"{features:,}: {' → '.join(trace)}. Use Dense({features}, 10)."
                       + _dense_input_hint(expected_in, features))
    try:
        out_shape = model.output_shapes((1, 28, 28))[-1]
    except (ValueError, TypeError) as err:
        return _report(False, f"the model does not run on a 1×28×28 digit: {err}")
    if tuple(out_shape) != (10,):
        return _report(False, f"your model outputs shape {tuple(out_shape)} per digit; it should end in 10 logits.")
    total = sum(layer.num_params() for layer in model.layers)
    return _report(True, f"{' → '.join(trace)} → Dense({features}, 10); {total:,} parameters "
                         "(with padding='same' it would be 11,274: the smaller maps shrink the dense layer).")


def _confusion_reference(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def _confusion_mistake(cm, ref, n):
    """A specific message for a wrong confusion matrix of the right shape."""
    if not cm.any():
        return ("every count is 0: for each example n add 1 to cm[y_true[n], y_pred[n]].")
    if np.array_equal(cm, ref.T):
        return ("rows and columns are swapped: row i must be the TRUE class i and column j the "
                "PREDICTED class j, i.e. cm[y_true[n], y_pred[n]] += 1.")
    rows = cm.sum(axis=1)
    if np.allclose(rows[ref.sum(axis=1) > 0], 1.0):
        return "your rows are normalised to sum to 1; the exercise asks for counts (integers)."
    if not np.isclose(cm.sum(), n):
        return (f"your counts add up to {cm.sum():g}, but there are {n} examples: each example adds "
                "exactly 1 to one cell.")
    i, j = np.argwhere(cm != ref)[0]
    return f"cm[{i}, {j}] is {cm[i, j]:g}; it should be {ref[i, j]} (true class {i} predicted as {j})."


def check_confusion_matrix(my_confusion_matrix):
    """Check exercise 06.2: ``my_confusion_matrix(y_true, y_pred, num_classes) -> (K, K)`` counts."""
    y_true = np.array([0, 0, 1, 2, 2, 2, 1, 0, 1, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2, 1, 0, 2, 2])
    cases = [(y_true, y_pred, 4)]          # class 3 never occurs: the size must come from num_classes
    rng = np.random.default_rng(0)
    big_true = rng.integers(0, 10, 200)
    cases.append((big_true, np.where(rng.random(200) < 0.8, big_true, rng.integers(0, 10, 200)), 10))
    for yt, yp, k in cases:
        before = (yt.copy(), yp.copy())
        cm, error = _call(my_confusion_matrix, yt, yp, k)
        if error:
            return _report(False, error)
        if not (np.array_equal(yt, before[0]) and np.array_equal(yp, before[1])):
            return _report(False, "your function changed y_true or y_pred in place; only read them.")
        if cm is None or not hasattr(cm, "shape"):
            return _report(False, f"your function returned {_shape_of(cm)}; return a ({k}, {k}) array.")
        ref = _confusion_reference(yt, yp, k)
        if tuple(cm.shape) != (k, k):
            hint = (" You sized it from the labels that occur; use num_classes (a class may never "
                    "appear).") if tuple(cm.shape) == (3, 3) else ""
            return _report(False, f"your matrix has shape {tuple(cm.shape)}; for num_classes={k} it "
                                  f"should be ({k}, {k}).{hint}")
        if not np.array_equal(cm, ref):
            return _report(False, _confusion_mistake(np.asarray(cm, dtype=float), ref, len(yt)))
    return _report(True, "rows are true classes, columns predictions, and the diagonal holds the "
                         "correct answers: accuracy = trace(cm) / cm.sum().")


# --- notebook 07: checking against PyTorch ---

def _torch_linear_output(weight, bias, x):
    """Run x through a torch.nn.Linear holding ``weight``/``bias``; feedback str on failure."""
    import torch
    weight = torch.as_tensor(np.asarray(weight, dtype=np.float64))
    bias = torch.as_tensor(np.asarray(bias, dtype=np.float64))
    linear = torch.nn.Linear(4, 3, dtype=torch.float64)
    if tuple(weight.shape) != tuple(linear.weight.shape) or tuple(bias.shape) != (3,):
        return None
    with torch.no_grad():
        linear.weight.copy_(weight)
        linear.bias.copy_(bias)
        return linear(torch.as_tensor(x)).numpy()


def check_dense_to_torch(dense_to_torch):
    """Check exercise 07.1: ``dense_to_torch(W, b) -> (weight, bias)`` for ``torch.nn.Linear``.

    edu_cnn's Dense stores W as (in_features, out_features); nn.Linear stores
    weight as (out_features, in_features), so the answer is (W.T, b).
    """
    rng = np.random.default_rng(0)
    W, b, x = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((5, 4))
    W_before = W.copy()
    result, error = _call(dense_to_torch, W, b)
    if error:
        return _report(False, error)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return _report(False, f"dense_to_torch returned {_shape_of(result)}; return a pair (weight, bias).")
    if not np.array_equal(W, W_before):
        return _report(False, "your function changed W in place; return a new (transposed) array.")
    weight, bias = (np.asarray(getattr(t, "detach", lambda: t)(), dtype=float) for t in result)
    if weight.shape != (3, 4):
        hint = (" That is edu_cnn's layout (in, out); nn.Linear wants (out_features, in_features): "
                "use W.T.") if weight.shape == (4, 3) else ""
        return _report(False, f"your weight has shape {weight.shape}; nn.Linear(4, 3).weight has shape (3, 4).{hint}")
    if bias.shape != (3,):
        return _report(False, f"your bias has shape {bias.shape}; nn.Linear(4, 3).bias has shape (3,).")
    if np.array_equal(weight, W.reshape(3, 4)) and not np.array_equal(weight, W.T):
        return _report(False, "the shape is right but the numbers are in the wrong places: "
                              "W.reshape(3, 4) is not a transpose. Use W.T.")
    out = _torch_linear_output(weight, bias, x)
    expected = x @ W + b
    if not np.allclose(out, expected):
        worst = np.abs(out - expected).max()
        return _report(False, f"nn.Linear with your (weight, bias) differs from x @ W + b by up to {worst:.2g}.")
    return _report(True, "nn.Linear computes x @ weight.T + bias, so weight = W.T gives exactly x @ W + b.")


def _momentum_mistake(w1, v1, ref_w, ref_v, g, w, v, lr, mu):
    """A specific message for a momentum step that differs from PyTorch's (w, v: the values given)."""
    if np.allclose(w1, w - lr * g) and np.allclose(v1, v):
        return ("that is plain SGD (w ← w − lr·g): the velocity never changes. With momentum, first "
                "update the velocity v ← μ·v + g, then step along it: w ← w − lr·v.")
    if np.allclose(v1, -lr * ref_v):
        return ("your velocity is −lr times PyTorch's: the classical form 'v ← μ·v − lr·g; w ← w + v' "
                "(the same steps while lr is constant). PyTorch keeps the learning rate out of the "
                "velocity: v ← μ·v + g, then w ← w − lr·v.")
    if np.allclose(v1, mu * v + (1 - mu) * g):
        return ("your velocity looks like an average μ·v + (1 − μ)·g; PyTorch adds the full gradient: "
                "v ← μ·v + g.")
    if np.allclose(v1, ref_v) and not np.allclose(w1, ref_w):
        return "your velocity is right but the weights are not: w ← w − lr·v (use the NEW velocity)."
    return "your (w, v) differ from torch.optim.SGD(momentum=0.9); PyTorch does v ← μ·v + g, then w ← w − lr·v."


def check_sgd_momentum_step(sgd_momentum_step):
    """Check exercise 07.2: ``sgd_momentum_step(w, g, v, lr, momentum) -> (w_new, v_new)``.

    Compared with ``torch.optim.SGD(lr, momentum)`` over three steps with
    different gradients (the velocity starts at zeros).
    """
    import torch
    rng = np.random.default_rng(0)
    lr, mu = 0.1, 0.9
    w0, grads = rng.standard_normal(4), rng.standard_normal((3, 4))
    param = torch.nn.Parameter(torch.tensor(w0))
    opt = torch.optim.SGD([param], lr=lr, momentum=mu)
    w, v = w0.copy(), np.zeros(4)
    for step, g in enumerate(grads, start=1):
        param.grad = torch.tensor(g)
        opt.step()
        ref_w, ref_v = param.detach().numpy(), opt.state[param]["momentum_buffer"].numpy()
        result, error = _call(sgd_momentum_step, w.copy(), g.copy(), v.copy(), lr, mu)
        if error:
            return _report(False, error)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return _report(False, f"sgd_momentum_step returned {_shape_of(result)}; return a pair (w_new, v_new).")
        w1, v1 = (np.asarray(a, dtype=float) for a in result)
        if w1.shape != (4,) or v1.shape != (4,):
            return _report(False, f"w_new has shape {w1.shape} and v_new {v1.shape}; both should keep w's shape (4,).")
        if not (np.allclose(w1, ref_w, atol=1e-12) and np.allclose(v1, ref_v, atol=1e-12)):
            return _report(False, f"step {step}: " + _momentum_mistake(w1, v1, ref_w, ref_v, g, w, v, lr, mu))
        w, v = w1, v1
    return _report(True, "three steps agree with torch.optim.SGD(lr=0.1, momentum=0.9) to 1e-12.")
