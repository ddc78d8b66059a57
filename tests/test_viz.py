"""Tests for edu_cnn.viz: every plot returns a Figure showing exactly the given data."""
import subprocess
import sys
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from edu_cnn import filters, viz  # noqa: E402

RNG = np.random.default_rng(0)
IMAGES = RNG.random((12, 1, 8, 8)).astype(np.float32)
LABELS = np.arange(12) % 4
MAPS = RNG.normal(size=(6, 5, 5))
HISTORY = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8],
           "val_loss": [0.9, 0.7, 0.6], "val_accuracy": [0.6, 0.7, 0.75]}
SMALL = np.array([[1, 3, 2, 1], [4, 2, 0, 1], [1, 1, 5, 6], [0, 2, 7, 3]], float)


def image_axes(fig):
    """Axes that show an image, in creation order (colour bars excluded)."""
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]


def correlate_valid(image, kernel):
    KH, KW = kernel.shape
    out = np.zeros((image.shape[0] - KH + 1, image.shape[1] - KW + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out


def xor_probability(points):
    """A hand-made XOR classifier: P(class 1) of shape (M,)."""
    h = np.tanh(points @ np.array([[4.0, -4.0], [4.0, -4.0]]) + np.array([-2.0, 6.0]))
    return 1.0 / (1.0 + np.exp(-(h @ np.array([5.0, 5.0]) - 5.0)))


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_Y = np.array([0, 1, 1, 0])

BUILDERS = {
    "show_images": lambda: viz.show_images(IMAGES, labels=LABELS, ncols=5),
    "show_digits_per_class": lambda: viz.show_digits_per_class(IMAGES, LABELS, per_class=3),
    "show_filters": lambda: viz.show_filters(filters.filter_bank(size=7)[:8]),
    "show_feature_maps": lambda: viz.show_feature_maps(MAPS, ncols=3),
    "plot_history": lambda: viz.plot_history(HISTORY),
    "plot_confusion_matrix": lambda: viz.plot_confusion_matrix(np.eye(3, dtype=int) * 5),
    "plot_activation_functions": lambda: viz.plot_activation_functions(),
    "plot_activation": lambda: viz.plot_activation("tanh"),
    "plot_decision_boundary": lambda: viz.plot_decision_boundary(xor_probability, XOR_X, XOR_Y,
                                                                 resolution=30),
    "show_convolution": lambda: viz.show_convolution(SMALL, filters.sobel_x(),
                                                     correlate_valid(SMALL, filters.sobel_x())),
    "show_pooling": lambda: viz.show_pooling(SMALL, np.array([[4.0, 2.0], [2.0, 7.0]])),
    "show_feature_map_explorer": lambda: viz.show_feature_map_explorer(
        IMAGES[0], MAPS, np.full(10, 0.1), "conv2d"),
    "plot_im2col": lambda: viz.plot_im2col(),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_returns_a_figure_not_kept_by_pyplot(name):
    fig = BUILDERS[name]()
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == []        # no pyplot state: nothing leaks, nothing shows twice
    assert fig.axes


def test_import_edu_cnn_does_not_import_viz_or_pyplot():
    code = ("import sys, edu_cnn, edu_cnn.filters; "
            "print('edu_cnn.viz' in sys.modules, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ----------------------------------------------------------------------- images

@pytest.mark.parametrize("shape", [(5, 8, 8), (5, 1, 8, 8)])
def test_show_images_shows_each_image(shape):
    images = RNG.random(shape)
    fig = viz.show_images(images, labels=[0, 1, 2, 3, 4], ncols=3)
    assert len(fig.axes) == 5
    for i, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), images.reshape(5, 8, 8)[i])
        assert ax.get_title() == str(i)


def test_show_images_rgb_and_titles():
    images = RNG.random((2, 3, 4, 4))
    fig = viz.show_images(images, titles=["a", "b"])
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), images[1].transpose(1, 2, 0))
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]


@pytest.mark.parametrize("shape, hint", [((8, 8), r"images\[None\]"),
                                         ((2, 8, 8, 3), "transpose"),
                                         ((2, 2, 8, 8), "got \\(2, 2, 8, 8\\)")])
def test_show_images_bad_shapes(shape, hint):
    with pytest.raises(ValueError, match=hint):
        viz.show_images(np.zeros(shape))


def test_show_images_label_count_must_match():
    with pytest.raises(ValueError, match="expected 12 entries"):
        viz.show_images(IMAGES, labels=[1, 2])


def test_show_digits_per_class_rows_are_classes():
    fig = viz.show_digits_per_class(IMAGES, LABELS, per_class=2)
    assert len(fig.axes) == 4 * 2
    for c in range(4):
        first = np.flatnonzero(LABELS == c)[0]
        ax = fig.axes[2 * c]
        np.testing.assert_array_equal(ax.images[0].get_array(), IMAGES[first, 0])
        assert ax.get_ylabel() == str(c)


def test_show_digits_per_class_blank_when_too_few():
    fig = viz.show_digits_per_class(IMAGES, LABELS, per_class=4)   # 3 examples per class
    assert not fig.axes[3].images and not fig.axes[3].axison
    with pytest.raises(ValueError, match="labels of shape \\(12,\\)"):
        viz.show_digits_per_class(IMAGES, LABELS[:5])


# --------------------------------------------------------------- filters, maps

def test_show_filters_per_filter_scale_is_symmetric():
    w = RNG.normal(size=(5, 2, 3, 3))
    fig = viz.show_filters(w, ncols=4, channel=1)
    assert len(fig.axes) == 5
    for f, ax in enumerate(fig.axes):
        im = ax.images[0]
        np.testing.assert_array_equal(im.get_array(), w[f, 1])
        m = np.abs(w[f, 1]).max()
        assert im.get_clim() == pytest.approx((-m, m))
        assert im.get_cmap().name == "RdBu_r"


def test_show_filters_global_scale_has_colorbar():
    w = RNG.normal(size=(4, 1, 3, 3))
    fig = viz.show_filters(w, normalize="global", titles=list("abcd"))
    assert len(fig.axes) == 5                            # 4 filters + colour bar
    m = np.abs(w).max()
    assert {image_axes(fig)[f].images[0].get_clim() for f in range(4)} == {(-m, m)}
    assert [ax.get_title() for ax in image_axes(fig)] == list("abcd")


def test_show_filters_bank_and_3d_input():
    fig = viz.show_filters(filters.filter_bank(size=7)[:, 0], titles=filters.filter_bank_names(7))
    assert len(fig.axes) == 36


@pytest.mark.parametrize("kwargs, match", [({"channel": 1}, "channel"),
                                           ({"normalize": "local"}, "per_filter"),
                                           ({"ncols": 0}, "ncols")])
def test_show_filters_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        viz.show_filters(np.zeros((2, 1, 3, 3)), **kwargs)


def test_show_filters_bad_shape():
    with pytest.raises(ValueError, match=r"\(F, C, KH, KW\).*got \(3, 3\)"):
        viz.show_filters(np.zeros((3, 3)))


def test_show_feature_maps_shared_scale_and_data():
    fig = viz.show_feature_maps(MAPS[None], ncols=4)       # (1, C, H, W) accepted
    axes = image_axes(fig)
    assert len(axes) == 6 and len(fig.axes) == 7           # + one colour bar
    m = np.abs(MAPS).max()
    for c, ax in enumerate(axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), MAPS[c])
        assert ax.images[0].get_clim() == pytest.approx((-m, m))   # signed: centred on 0


def test_show_feature_maps_own_scales():
    maps = np.abs(MAPS)
    fig = viz.show_feature_maps(maps, shared_scale=False, colorbar=False)
    assert len(fig.axes) == 6
    clims = [ax.images[0].get_clim() for ax in fig.axes]
    assert clims == [pytest.approx((m.min(), m.max())) for m in maps]
    fig = viz.show_feature_maps(maps, shared_scale=False, colorbar=True)
    assert len(fig.axes) == 12


@pytest.mark.parametrize("shape, match", [((2, 3, 5, 5), r"maps\[i\]"), ((5, 5), r"maps\[None\]")])
def test_show_feature_maps_bad_shapes(shape, match):
    with pytest.raises(ValueError, match=match):
        viz.show_feature_maps(np.zeros(shape))


# --------------------------------------------------------- curves, confusion

def test_plot_history_two_panels_train_and_val():
    fig = viz.plot_history(SimpleNamespace(history=HISTORY))   # a History-like object
    assert len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    np.testing.assert_array_equal(loss_ax.lines[0].get_xydata(), [[1, 1.0], [2, 0.6], [3, 0.4]])
    np.testing.assert_array_equal(acc_ax.lines[1].get_ydata(), HISTORY["val_accuracy"])
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["train", "validation"]
    assert loss_ax.get_xlabel() == "epoch" and acc_ax.get_ylabel() == "accuracy"


def test_plot_history_loss_only_and_redraw_into_axes():
    fig = viz.plot_history({"loss": [3.0, 2.0]})
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1
    fig2 = viz.plot_history(HISTORY)
    again = viz.plot_history(HISTORY, axes=fig2.axes)          # redraw (LiveTraining)
    assert again is fig2 and len(fig2.axes[0].lines) == 2


def test_plot_history_rejects_bad_input():
    with pytest.raises(ValueError, match="'loss'"):
        viz.plot_history({"accuracy": [0.5]})
    with pytest.raises(ValueError, match="History"):
        viz.plot_history([1.0, 0.5])


def test_confusion_matrix_counts():
    y_true = RNG.integers(0, 4, 200)
    y_pred = np.where(RNG.random(200) < 0.7, y_true, RNG.integers(0, 4, 200))
    cm = viz.confusion_matrix(y_true, y_pred, num_classes=5)
    expected = np.zeros((5, 5), int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64 and cm.sum() == 200 and cm[4].sum() == 0
    assert viz.confusion_matrix([0, 1, 2], [0, 2, 2]).shape == (3, 3)


@pytest.mark.parametrize("y_true, y_pred, err, match", [
    ([0, 1], [0, 1, 1], ValueError, "same length"),
    ([0, 1], np.eye(2), ValueError, "argmax"),
    ([0, 1], [0.0, 1.0], TypeError, "integer"),
    ([0, 3], [0, 1], ValueError, "outside 0..2"),
])
def test_confusion_matrix_bad_input(y_true, y_pred, err, match):
    with pytest.raises(err, match=match):
        viz.confusion_matrix(y_true, y_pred, num_classes=3 if "outside" in match else None)


def test_plot_confusion_matrix_annotates_counts():
    cm = np.array([[5, 1], [0, 7]])
    fig = viz.plot_confusion_matrix(cm, class_names=["cat", "dog"])
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "5", "7"]
    assert "92.3%" in ax.get_title()                          # 12 / 13
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    fig = viz.plot_confusion_matrix(cm, normalize=True)
    assert "83%" in [t.get_text() for t in fig.axes[0].texts]
    with pytest.raises(ValueError, match="square"):
        viz.plot_confusion_matrix(np.zeros((2, 3)))


# ----------------------------------------------------- activations, boundary

def test_activation_plots():
    fig = viz.plot_activation_functions()
    assert len(fig.axes) == 4 and all(len(ax.lines) == 4 for ax in fig.axes)  # 2 axes lines + f, f'
    ax = viz.plot_activation("sigmoid").axes[0]
    f, df = ax.lines[2].get_ydata(), ax.lines[3].get_ydata()
    np.testing.assert_allclose(df, f * (1 - f))
    relu = viz.plot_activation("ReLU").axes[0]
    xs = relu.lines[2].get_xdata()
    np.testing.assert_array_equal(relu.lines[2].get_ydata(), np.maximum(xs, 0))
    with pytest.raises(ValueError, match="leaky_relu"):
        viz.plot_activation("swish")


def test_plot_decision_boundary_shapes_and_errors():
    fig = viz.plot_decision_boundary(xor_probability, XOR_X, XOR_Y, resolution=20)
    assert len(fig.axes) == 2                                   # plot + colour bar
    probs = lambda g: np.stack([1 - xor_probability(g), xor_probability(g)], axis=1)  # noqa: E731
    assert isinstance(viz.plot_decision_boundary(probs, XOR_X, XOR_Y, resolution=20), Figure)
    three = lambda g: np.ones((len(g), 3)) / 3                  # noqa: E731
    assert len(viz.plot_decision_boundary(three, XOR_X, XOR_Y, resolution=20).axes) == 1
    with pytest.raises(ValueError, match="logits"):
        viz.plot_decision_boundary(lambda g: g[:, 0] * 10, XOR_X, XOR_Y, resolution=20)
    with pytest.raises(ValueError, match="one row per point"):
        viz.plot_decision_boundary(lambda g: np.ones(3), XOR_X, XOR_Y, resolution=20)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        viz.plot_decision_boundary(xor_probability, np.zeros((4, 3)), XOR_Y)


def test_plot_decision_boundary_into_given_axes():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    out = viz.plot_decision_boundary(xor_probability, XOR_X, XOR_Y, ax=right, resolution=20)
    assert out is fig and right.collections and not left.collections


# --------------------------------------------------------- widget twins

def test_show_convolution_panels():
    image = RNG.random((6, 7))
    kernel = filters.sobel_x()
    output = correlate_valid(image, kernel)
    fig = viz.show_convolution(image, kernel[None, None], output, highlight=(1, 2))
    ax_in, ax_k, ax_out = image_axes(fig)[:3]
    np.testing.assert_array_equal(ax_in.images[0].get_array(), image)
    np.testing.assert_array_equal(ax_k.images[0].get_array(), kernel)
    np.testing.assert_array_equal(ax_out.images[0].get_array(), output)
    assert sorted(t.get_text() for t in ax_k.texts) == sorted("-1 0 1 -2 0 2 -1 0 1".split())
    assert ax_out.get_title() == "output  4×5"
    rect = [p for p in ax_in.patches if isinstance(p, Rectangle)][0]
    assert rect.get_xy() == (1.5, 0.5) and (rect.get_width(), rect.get_height()) == (3, 3)
    with pytest.raises(ValueError, match=r"kernel\) expected one 2-D array"):
        viz.show_convolution(image, np.zeros((2, 3, 3)), output)


def test_show_pooling_marks_the_first_max_of_each_window():
    pooled = np.array([[4.0, 2.0], [2.0, 7.0]])
    fig = viz.show_pooling(SMALL, pooled)
    ax_in, ax_out = fig.axes
    np.testing.assert_array_equal(ax_in.images[0].get_array(), SMALL)
    np.testing.assert_array_equal(ax_out.images[0].get_array(), pooled)
    assert ax_in.images[0].get_clim() == ax_out.images[0].get_clim()
    marked = sorted((round(p.get_y() + 0.45), round(p.get_x() + 0.45)) for p in ax_in.patches)
    assert marked == [(0, 2), (1, 0), (3, 1), (3, 2)]   # the 2 at (0, 2) and (3, 1): first max


def test_show_pooling_overlap_avg_and_large():
    overlap = np.array([[4, 3, 2], [4, 5, 6], [2, 7, 7]], float)
    fig = viz.show_pooling(SMALL, overlap, stride=1)
    assert len(fig.axes[0].patches) == 7                 # 9 windows, 7 distinct winners
    fig = viz.show_pooling(SMALL, np.array([[2.5, 1.0], [1.0, 4.25]]), mode="avg")
    assert not fig.axes[0].patches
    big = RNG.random((12, 12))
    fig = viz.show_pooling(big, big.reshape(6, 2, 6, 2).max(axis=(1, 3)))
    assert len(fig.axes) == 3 and fig.axes[2].images[1].get_array().sum() == 36


def test_show_pooling_bad_input():
    with pytest.raises(ValueError, match=r"gives shape \(2, 2\).*\(3, 3\)"):
        viz.show_pooling(SMALL, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="mode"):
        viz.show_pooling(SMALL, np.zeros((2, 2)), mode="min")
    with pytest.raises(ValueError, match="argmax_mask"):
        viz.show_pooling(SMALL, np.zeros((2, 2)), argmax_mask=np.zeros((2, 2)))


def test_pool_with_argmax_counts_the_windows_each_pixel_wins():
    pooled, winners = viz.pool_with_argmax(SMALL, "max", 2, stride=1)   # 9 overlapping windows
    np.testing.assert_array_equal(pooled, [[4, 3, 2], [4, 5, 6], [2, 7, 7]])
    assert winners.dtype == np.int64 and winners.sum() == 9 and np.count_nonzero(winners) == 7
    assert winners[1, 0] == 2 and winners[3, 2] == 2            # the 4 and the 7 win twice
    pooled, winners = viz.pool_with_argmax(SMALL, "avg", 2)
    np.testing.assert_array_equal(pooled, [[2.5, 1.0], [1.0, 5.25]])
    assert winners is None
    with pytest.raises(ValueError, match="'max' or 'avg'"):
        viz.pool_with_argmax(SMALL, "min", 2)


def test_show_convolution_same_padding_and_bad_stride():
    image = RNG.random((6, 7))
    fig = viz.show_convolution(image, filters.sobel_x(), image, padding="same", highlight=(0, 0))
    rect = [p for p in image_axes(fig)[0].patches if isinstance(p, Rectangle)][0]
    assert rect.get_xy() == (-1.5, -1.5)                      # the window hangs over the padding
    with pytest.raises(TypeError, match=r"show_convolution\(stride\)"):
        viz.show_convolution(image, filters.sobel_x(), image, stride="2")
    with pytest.raises(TypeError, match=r"show_pooling\(pool_size\)"):
        viz.show_pooling(SMALL, np.zeros((2, 2)), pool_size=2.0)


def test_show_feature_map_explorer_all_and_one_channel():
    probs = np.array([0.1, 0.7, 0.2])
    fig = viz.show_feature_map_explorer(IMAGES[0], MAPS, probs[None], "conv2d", label=2,
                                        class_names=["a", "b", "c"], ncols=3)
    assert len(fig.axes) == 4                      # input, maps, colour bar, probabilities
    ax_in, ax_maps = image_axes(fig)
    np.testing.assert_array_equal(ax_in.images[0].get_array(), IMAGES[0, 0])
    tiled = ax_maps.images[0].get_array()
    np.testing.assert_array_equal(tiled.filled(np.nan), viz.mosaic(MAPS, ncols=3, pad=1))
    m = np.abs(MAPS).max()
    assert ax_maps.images[0].get_clim() == pytest.approx((-m, m))   # one scale, centred on 0
    bars = fig.axes[-1]
    assert [b.get_height() for b in bars.patches] == pytest.approx(probs)
    assert bars.get_title() == "prediction: b (70%)"
    one = viz.show_feature_map_explorer(IMAGES[0], MAPS, probs, "conv2d", channel=4)
    shown = image_axes(one)[1].images[0]
    np.testing.assert_array_equal(shown.get_array(), MAPS[4])
    assert shown.get_clim() == pytest.approx((-m, m))   # the layer's scale, not the channel's
    with pytest.raises(ValueError, match=r"\[0, 5\]"):
        viz.show_feature_map_explorer(IMAGES[0], MAPS, probs, "conv2d", channel=6)
    with pytest.raises(ValueError, match="probs"):
        viz.show_feature_map_explorer(IMAGES[0], MAPS, np.ones((2, 3)), "conv2d")


def test_mosaic_layout():
    tiles = np.arange(5 * 2 * 3).reshape(5, 2, 3)
    tiled = viz.mosaic(tiles, ncols=2, pad=1)
    assert tiled.shape == (3 * 3 - 1, 2 * 4 - 1)
    np.testing.assert_array_equal(tiled[0:2, 4:7], tiles[1])
    np.testing.assert_array_equal(tiled[6:8, 0:3], tiles[4])
    assert np.isnan(tiled[2]).all() and np.isnan(tiled[6:8, 4:7]).all()   # gutter, empty slot
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        viz.mosaic(np.zeros((4, 4)))


def test_as_mosaic_options():
    w = RNG.normal(size=(5, 1, 3, 3))
    fig = viz.show_filters(w, ncols=3, as_mosaic=True)
    assert len(fig.axes) == 1
    tiled = fig.axes[0].images[0].get_array().filled(np.nan)
    np.testing.assert_allclose(tiled[0:3, 0:3], w[0, 0] / np.abs(w[0, 0]).max())
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)
    fig = viz.show_filters(w, normalize="global", as_mosaic=True)
    assert len(fig.axes) == 2
    maps = np.abs(MAPS)
    fig = viz.show_feature_maps(maps, ncols=3, as_mosaic=True)
    assert len(fig.axes) == 2 and fig.axes[0].images[0].get_clim() == pytest.approx(
        (maps.min(), maps.max()))
    fig = viz.show_feature_maps(maps, shared_scale=False, as_mosaic=True)
    assert len(fig.axes) == 1 and fig.axes[0].images[0].get_clim() == (0.0, 1.0)


def test_plot_im2col_tables():
    x = np.arange(9).reshape(3, 3)
    kernel = np.array([[1, 0], [0, -1]])
    fig = viz.plot_im2col(x, kernel)
    ax = fig.axes[0]
    tables = [im.get_array() for im in ax.images]
    assert len(tables) == 5
    cols_text = [t.get_text() for t in ax.texts]
    assert "cols  4×4" in cols_text and "w  4×1" in cols_text
    expected = correlate_valid(x.astype(float), kernel)
    out_values = sorted(float(t.get_text()) for t in ax.texts
                        if t.get_position()[0] > 13 and t.get_text().lstrip("-").isdigit())
    assert out_values == sorted(expected.ravel().tolist() * 2)   # cols @ w and the reshaped output
    with pytest.raises(ValueError, match="at most 8×8"):
        viz.plot_im2col(np.zeros((10, 10)))


def test_save_figure_creates_folders(tmp_path):
    fig = viz.show_images(IMAGES[:2])
    path = viz.save_figure(fig, tmp_path / "figures" / "sub" / "digits")
    assert path.name == "digits.png" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(TypeError, match="ax.figure"):
        viz.save_figure(fig.axes[0], tmp_path / "x.png")


def test_save_figure_by_name_goes_to_the_figures_folder(tmp_path, monkeypatch):
    fig = viz.show_images(IMAGES[:2])
    monkeypatch.setenv("EDU_CNN_FIGURES", str(tmp_path / "course_figures"))
    path = viz.save_figure(fig, "00_digits")
    assert path == tmp_path / "course_figures" / "00_digits.png" and path.is_file()
    monkeypatch.delenv("EDU_CNN_FIGURES")
    elsewhere = viz.save_figure(fig, "00_digits")       # never the course's figures/ folder
    assert elsewhere.parent == viz.figures_folder() and elsewhere.is_file()
    assert "edu_cnn_figures_" in elsewhere.parent.name
    assert viz.figures_folder() == elsewhere.parent     # one folder per process


def test_empty_and_dense_inputs():
    with pytest.raises(ValueError, match="0 images"):
        viz.show_images(np.zeros((0, 8, 8)))
    with pytest.raises(ValueError, match="0 channels"):
        viz.show_feature_maps(np.zeros((0, 4, 4)))
    units = RNG.normal(size=(1, 16))                       # a Dense layer's output
    fig = viz.show_feature_map_explorer(IMAGES[0], units, np.full(10, 0.1), "dense")
    np.testing.assert_array_equal(image_axes(fig)[1].images[0].get_array(), units)


def test_nan_maps_still_draw():
    maps = MAPS.copy()
    maps[0, 0, 0] = np.nan
    fig = viz.show_feature_maps(maps)
    m = np.nanmax(np.abs(maps))
    assert image_axes(fig)[0].images[0].get_clim() == pytest.approx((-m, m))


def test_show_training_curves_and_filters():
    losses = list(np.linspace(2.3, 0.5, 20))
    w = RNG.normal(size=(6, 2, 3, 3))
    fig = viz.show_training(losses, HISTORY | {"loss": HISTORY["loss"][:2],
                                                "val_loss": HISTORY["val_loss"][:2]}, w)
    loss_ax, acc_ax = fig.axes[:2]
    np.testing.assert_array_equal(loss_ax.lines[0].get_ydata(), losses)
    np.testing.assert_array_equal(loss_ax.lines[1].get_xdata(), [10, 20])   # epoch ends
    assert len(acc_ax.lines) == 2
    assert len(fig.axes) == 3
    tiled = fig.axes[2].images[0].get_array().filled(np.nan)
    np.testing.assert_allclose(tiled[0:3, 0:3], w[0, 0] / np.abs(w[0, 0]).max())
    start = viz.show_training([2.3], {"loss": [], "accuracy": []})     # before any epoch
    assert len(start.axes) == 2 and not start.axes[1].lines
    with pytest.raises(ValueError, match=r"\(F, C, KH, KW\)"):
        viz.show_training([1.0], {"loss": []}, np.zeros((3, 3)))


def test_explorer_title():
    fig = viz.show_feature_map_explorer(IMAGES[0], MAPS, np.full(10, 0.1), "conv2d",
                                        title="label 3")
    assert [t.get_text() for t in fig.texts] == ["label 3"]      # the suptitle (any matplotlib)


def test_show_convolution_large_signed_output_clips_outliers():
    image = RNG.random((60, 60))
    output = RNG.normal(size=(58, 58))
    output[0, 0] = 100.0                                  # one outlier must not wash out the rest
    fig = viz.show_convolution(image, filters.laplacian(), output)
    lo, hi = image_axes(fig)[2].images[0].get_clim()
    assert lo == -hi and hi < 10
