"""data.augment: shapes, identity at zero strength, seeded determinism, labels kept, the
bilinear loop twin, the fit hook, and the cost of augmentation per epoch (≤ 25 %)."""
import time

import numpy as np
import pytest

from edu_cnn import layers, optim
from edu_cnn.data.augment import (
    Augment,
    bilinear_sample,
    bilinear_sample_naive,
    elastic_field,
    gaussian_matrix,
)
from edu_cnn.model import Sequential
from edu_cnn.training import fit

FULL = dict(shift=2, rotate=10, scale=0.1, elastic_alpha=8, elastic_sigma=4)


def digits(n=8, seed=0, dtype="float64"):
    """Blobby random 'images' (N, 1, 28, 28) in [0, 1]."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 1, 28, 28), dtype)
    x[:, :, 8:20, 10:18] = rng.random((n, 1, 12, 8))
    return x


@pytest.mark.parametrize("kwargs", [dict(shift=2), dict(rotate=15), dict(scale=0.2),
                                    dict(elastic_alpha=8), FULL])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shape_dtype_and_range(kwargs, dtype):
    x = digits(dtype=dtype)
    out = Augment(**kwargs, rng=0)(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1 + 1e-12          # convex combinations of pixels
    assert not np.array_equal(out, x)
    assert np.array_equal(x, digits(dtype=dtype))              # the input is not modified


def test_identity_at_zero_strength():
    x = digits()
    assert np.array_equal(Augment(rng=0)(x), x)
    # also through the general path: the source points are the pixel grid itself
    rows, cols = Augment(rng=0).source_points(len(x), (28, 28))
    assert np.array_equal(bilinear_sample(x, rows, cols), x)
    # and a tiny elastic strength changes almost nothing
    assert np.abs(Augment(elastic_alpha=1e-9, rng=0)(x) - x).max() < 1e-8


def test_same_seed_same_images_other_seed_other_images():
    x = digits()
    a, b, c = (Augment(**FULL, rng=s)(x) for s in (3, 3, 4))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    augment = Augment(**FULL, rng=3)
    assert not np.array_equal(augment(x), augment(x))          # a new draw every call


def test_whole_pixel_shift_is_exact():
    x = digits(1)
    out = Augment(shift=3, rng=1)(x)
    found = [(dr, dc) for dr in range(-3, 4) for dc in range(-3, 4)
             if np.array_equal(np.roll(x, (dr, dc), axis=(2, 3)), out)]
    assert len(found) == 1                                     # a pure translation, no blur


class Largest:
    """A stand-in rng: every draw is its upper bound (angle = rotate, s = 1 + scale)."""

    def uniform(self, low, high, size):
        return np.full(size, float(high))

    def integers(self, low, high, size):
        return np.full(size, high - 1)


def test_rotation_by_90_degrees_is_rot90_clockwise():
    x = digits(2)
    augment = Augment(rotate=90)
    augment.rng = Largest()
    np.testing.assert_allclose(augment(x), np.rot90(x, -1, axes=(2, 3)), atol=1e-12)


def test_scaling_by_one_and_a_half_magnifies_about_the_centre():
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 2, 3] = 1.0                                        # one pixel right of the centre
    augment = Augment(scale=0.5)                               # largest factor 1.5
    augment.rng = Largest()
    out = augment(x)[0, 0]
    # output pixel (2, c) reads source column 2 + (c − 2)/1.5: 2.67 for c = 3, 3.33 for c = 4,
    # both 2/3 of the way to / from column 3: the one bright pixel now covers 1.5 pixels
    assert out[2, 3] == pytest.approx(2 / 3) and out[2, 4] == pytest.approx(2 / 3)
    assert out[2, 2] == 0 and out[2, :2].sum() == 0
    # rows 1 and 3 read rows 2 ∓ 0.67: one third of row 2's value, symmetric about the centre
    np.testing.assert_allclose(out[1], out[2] / 3, atol=1e-15)
    np.testing.assert_allclose(out[3], out[1], atol=1e-15)


def test_labels_are_preserved_through_fit():
    """fit passes only the images through transform; the labels and their order stay."""
    seen = []

    class Spy(Augment):
        def __call__(self, x):
            seen.append(x.copy())
            return super().__call__(x)

    rng = np.random.default_rng(0)
    x, y = digits(12), rng.integers(0, 3, 12)
    model = Sequential([layers.Flatten(), layers.Dense(784, 3, rng=0)]).astype("float64")
    labels = []

    from edu_cnn import losses
    loss = losses.SoftmaxCrossEntropy()
    original_forward = loss.forward
    loss.forward = lambda logits, yb: (labels.append(yb.copy()), original_forward(logits, yb))[1]
    fit(model, x, y, epochs=1, batch_size=4, optimizer=optim.SGD(0.1), loss=loss, seed=0,
        verbose=0, transform=Spy(**FULL, rng=0))
    order = np.random.default_rng(0).permutation(12)
    assert [len(b) for b in seen] == [4, 4, 4]
    for k, (xb, yb) in enumerate(zip(seen, labels)):
        idx = order[4 * k:4 * k + 4]
        assert np.array_equal(xb, x[idx]) and np.array_equal(yb, y[idx])


def test_fit_refuses_a_bad_transform():
    x, y = digits(4), np.array([0, 1, 0, 1])
    model = Sequential([layers.Flatten(), layers.Dense(784, 2, rng=0)]).astype("float64")
    with pytest.raises(TypeError, match="transform"):
        fit(model, x, y, optimizer="sgd", loss="cross_entropy", verbose=0, transform="flip")
    with pytest.raises(ValueError, match=r"fit\(transform=.*shape \(4, 1, 28, 28\)"):
        fit(model, x, y, optimizer="sgd", loss="cross_entropy", verbose=0, batch_size=4,
            transform=lambda xb: xb[:, :, :27])


@pytest.mark.parametrize("bad, exc, words", [
    (dict(shift=1.5), ValueError, ["Augment", "whole pixels"]),
    (dict(scale=1.0), ValueError, ["Augment", "scale"]),
    (dict(elastic_sigma=0), ValueError, ["Augment", "elastic_sigma"]),
    (dict(rotate=-1), ValueError, ["Augment", "rotate"]),
])
def test_bad_arguments(bad, exc, words):
    with pytest.raises(exc) as info:
        Augment(**bad)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_bad_images():
    with pytest.raises(ValueError, match=r"Augment expected images of shape \(N, C, H, W\)"):
        Augment(shift=1)(np.zeros((4, 784)))
    with pytest.raises(TypeError, match="Augment"):
        Augment(shift=1)(np.zeros((4, 1, 28, 28), dtype=np.uint8))


def test_bilinear_loop_twin_equals_vectorised_also_far_outside():
    rng = np.random.default_rng(0)
    x = rng.random((3, 2, 9, 11))
    rows, cols = rng.uniform(-6, 15, (3, 9, 11)), rng.uniform(-6, 17, (3, 9, 11))
    np.testing.assert_allclose(bilinear_sample(x, rows, cols),
                               bilinear_sample_naive(x, rows, cols), rtol=0, atol=1e-14)


def test_elastic_field_is_smooth_and_scaled():
    rng = np.random.default_rng(0)
    dr, dc = elastic_field(200, (28, 28), alpha=10.0, sigma=4.0, rng=rng)
    assert dr.shape == dc.shape == (200, 28, 28)
    neighbour = np.corrcoef(dr[:, 14, 14], dr[:, 14, 15])[0, 1]
    assert neighbour > 0.9                                     # smooth: neighbours move together
    assert 0.3 < dr[:, 10:18, 10:18].std() < 1.5               # α·std of smoothed U(−1, 1) ≈ 0.7
    G = gaussian_matrix(28, 4.0)
    np.testing.assert_allclose(G[14].sum(), 1.0, atol=1e-3)    # an averaging kernel inside


def test_an_epoch_with_augmentation_is_at_most_25_percent_slower():
    """Notebook 06's network, float64, 640 digits: best of 3 epochs with and without."""
    x = digits(640, seed=1)
    y = np.random.default_rng(1).integers(0, 10, 640)

    def epoch_seconds(transform):
        rng = np.random.default_rng(0)
        model = Sequential([
            layers.Conv2D(1, 8, 5, padding="same", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
            layers.Conv2D(8, 16, 5, padding="same", rng=rng), layers.ReLU(),
            layers.MaxPool2D(2), layers.Flatten(), layers.Dense(784, 64, rng=rng),
            layers.ReLU(), layers.Dense(64, 10, rng=rng)]).astype("float64")
        start = time.perf_counter()
        fit(model, x, y, epochs=1, batch_size=32, optimizer=optim.Adam(1e-3),
            loss="cross_entropy", verbose=0, transform=transform)
        return time.perf_counter() - start

    plain, augmented = [], []
    for _ in range(3):                                         # interleaved: same machine load
        plain.append(epoch_seconds(None))
        augmented.append(epoch_seconds(Augment(**FULL, rng=0)))
    ratio = min(augmented) / min(plain)
    assert ratio <= 1.25, f"augmentation made an epoch {ratio - 1:.0%} slower"
