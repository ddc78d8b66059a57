"""edu_cnn.data.drawing: a drawing or picture -> an MNIST-like 28×28 input.

The strongest check: MNIST digits are already in MNIST's format, so ``to_mnist``
must give them back (almost) unchanged.
"""
import numpy as np
import pytest

from edu_cnn import data
from edu_cnn.data import drawing


def test_a_box_is_scaled_to_20_pixels_and_centred_by_its_centre_of_mass():
    image = np.zeros((100, 100))
    image[5:45, 70:90] = 1.0                        # 40 × 20 in a corner
    digit = drawing.to_mnist(image)
    rows, cols = np.nonzero(digit)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (5, 24, 10, 19)   # 20 × 10
    np.testing.assert_allclose(digit[5:25, 10:20], 1.0)
    # the box's centre of mass is at (9.5, 4.5): a shift of 4.5 rounds up to 5 (whole pixels)
    assert drawing.center_of_mass(digit) == (14.5, 14.5)


def test_mnist_digits_come_back_unchanged():
    (x, _), _ = data.load_mnist()
    x = x[:300, 0].astype(np.float64)
    diffs = np.array([np.abs(drawing.to_mnist(im) - im).max() for im in x])
    assert diffs.max() < 1e-12
    # with a threshold, the faint edge pixels no longer count for the box: no longer exact
    assert max(np.abs(drawing.to_mnist(im, threshold=0.1) - im).max() for im in x) > 0.05


def test_the_size_and_place_of_a_drawing_do_not_matter():
    seven = drawing.PRE_DRAWN["seven"]
    small = drawing.render_strokes([np.asarray(s) * 0.5 + 10 for s in seven], width=5)
    large = drawing.render_strokes([np.asarray(s) * 1.0 for s in seven], width=10)
    a, b = drawing.to_mnist(small), drawing.to_mnist(large)
    assert np.abs(a - b).mean() < 0.02
    for digit in (a, b):
        cy, cx = drawing.center_of_mass(digit)
        assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_dark_ink_on_white_integers_and_colour_give_the_same_digit():
    white_on_black = drawing.render_strokes(drawing.PRE_DRAWN["two"])
    want = drawing.to_mnist(white_on_black)
    np.testing.assert_allclose(drawing.to_mnist(1.0 - white_on_black), want, atol=1e-12)
    as_uint8 = np.round(white_on_black * 255).astype(np.uint8)
    assert np.abs(drawing.to_mnist(as_uint8) - want).max() < 0.01
    rgb = np.repeat(white_on_black[..., None], 3, axis=2)
    np.testing.assert_allclose(drawing.to_mnist(rgb), want, atol=1e-12)
    np.testing.assert_allclose(drawing.to_mnist(1.0 - white_on_black, invert=True), want,
                               atol=1e-12)


def test_resize_area_averages_blocks_and_keeps_the_mean():
    image = np.arange(36.0).reshape(6, 6)
    np.testing.assert_allclose(drawing.resize_area(image, 3, 3),
                               image.reshape(3, 2, 3, 2).mean(axis=(1, 3)))
    np.testing.assert_allclose(drawing.resize_area(image, 6, 6), image)
    odd = np.random.default_rng(0).random((7, 5))
    assert drawing.resize_area(odd, 3, 4).mean() == pytest.approx(odd.mean())


def test_render_strokes_draws_a_round_pen():
    dot = drawing.render_strokes([[(10.0, 10.0)]], shape=(20, 20), width=6)
    assert dot[9, 9] == 1.0 and dot[9, 3] == 0.0 and dot.sum() == pytest.approx(9 * np.pi, 0.1)
    line = drawing.render_strokes([[(2.0, 5.0), (18.0, 5.0)]], shape=(10, 20), width=2)
    assert line[4, 2:18].min() == 1.0 and line[0].max() == 0.0
    assert drawing.render_strokes([], shape=(5, 5)).sum() == 0.0


@pytest.mark.parametrize("name", sorted(drawing.PRE_DRAWN))
def test_every_pre_drawn_digit_becomes_an_mnist_like_input(name):
    digit = drawing.to_mnist(drawing.render_strokes(drawing.PRE_DRAWN[name]))
    assert digit.shape == (28, 28) and digit.min() >= 0 and digit.max() <= 1
    rows, cols = np.nonzero(digit > 0)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 == 20


@pytest.mark.parametrize("image, kind, words", [
    (np.zeros((50, 50)), ValueError, ["to_mnist", "empty", "Draw a digit"]),
    (np.ones((50, 50)), ValueError, ["to_mnist", "empty"]),        # all white -> inverted
    (np.zeros((2, 28, 28)), ValueError, ["to_mnist", "(H, W)", "one image at a time"]),
    (np.full((5, 5), 3.0), ValueError, ["to_mnist", "[0, 1]", "Scale"]),
    (np.full((5, 5), np.nan), ValueError, ["to_mnist", "NaN"]),
])
def test_bad_images_say_what_is_wrong(image, kind, words):
    with pytest.raises(kind) as err:
        drawing.to_mnist(image)
    for word in words:
        assert word in str(err.value), str(err.value)
