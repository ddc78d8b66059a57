"""The interactive viewers, driven from Python: turn a knob, check the picture.

Each test changes a control the way a click would (by setting the widget's
value) and checks the figure now on screen (``viewer.shown_figure``), the
status line and the messages. The browser tests (test_browser.py) check the
same viewers in a real JupyterLab.
"""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from edu_cnn import layers, viz, widgets
from edu_cnn.losses import SoftmaxCrossEntropy
from edu_cnn.model import Sequential
from edu_cnn.ops.pool import avgpool2d_forward, maxpool2d_forward
from edu_cnn.optim import SGD


@pytest.fixture(scope="module")
def image():
    rng = np.random.default_rng(0)
    return rng.random((12, 10))


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(1)
    return Sequential([
        layers.Conv2D(1, 4, 3, padding=1, rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Conv2D(4, 6, 3, padding="same", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Flatten(), layers.Dense(6 * 3 * 3, 10, rng=rng),
    ])


def shown(viewer, axes_index):
    """The array drawn in one panel of the figure on screen."""
    return np.asarray(viewer.shown_figure.axes[axes_index].images[0].get_array())


def correlate(image, kernel, stride=1, padding=0):
    x = np.pad(image, padding)
    K = kernel.shape[0]
    H = (x.shape[0] - K) // stride + 1
    W = (x.shape[1] - K) // stride + 1
    return np.array([[np.sum(x[i * stride:i * stride + K, j * stride:j * stride + K] * kernel)
                      for j in range(W)] for i in range(H)])


# ------------------------------------------------------------------ KernelPlayground

def test_kernel_playground_redraws_when_a_kernel_value_changes(image):
    kp = widgets.KernelPlayground(image, preset="identity")
    np.testing.assert_allclose(shown(kp, 2), image[1:-1, 1:-1])
    before = kp.updates
    kp.cells[4].value = 0.0
    kp.cells[0].value = 2.0                    # top-left tap: out[i, j] = 2·x[i, j]
    assert kp.updates == before + 2
    np.testing.assert_allclose(shown(kp, 1), [[2, 0, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(shown(kp, 2), 2 * image[:-2, :-2])
    assert kp.status.value.startswith(f"update {kp.updates}:")


@pytest.mark.parametrize("stride, padding, size", [(1, 0, 3), (2, 1, 3), (3, 2, 5), (1, 2, 5)])
def test_kernel_playground_stride_padding_and_shape_text(image, stride, padding, size):
    kp = widgets.KernelPlayground(image, preset="Sobel x")
    kp.size.value = size
    kp.stride.value = stride
    kp.padding.value = padding
    expected = correlate(image, kp.kernel, stride, padding)
    np.testing.assert_allclose(shown(kp, 2), expected, atol=1e-12)
    H_out, W_out = expected.shape
    assert f"output {H_out}×{W_out}" in kp.shown_figure._suptitle.get_text()
    assert f"output shape ({H_out}, {W_out})" in kp.info.value
    assert kp.formula().endswith(f"= {W_out}")
    assert f"⌊(12 + {padding} + {padding} − {size}) / {stride}⌋ + 1 = {H_out}\n" in kp.formula()
    assert f"⌊(10 + {padding} + {padding} − {size}) / {stride}⌋ + 1 = {W_out}" in kp.info.value


def test_kernel_playground_presets_fill_the_number_boxes(image):
    kp = widgets.KernelPlayground(image)
    kp.preset.value = "Laplacian"
    np.testing.assert_allclose(kp.kernel, [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    kp.size.value = 5
    assert kp.kernel.shape == (5, 5) and len(kp.grid.children) == 25
    kp.set_kernel(np.ones((3, 3)) / 9)                 # number boxes keep 4 decimals
    np.testing.assert_allclose(kp.kernel, np.full((3, 3), 0.1111))
    np.testing.assert_allclose(shown(kp, 2), correlate(image, kp.kernel))


def test_kernel_playground_uses_the_students_conv_fn(image):
    calls = []

    def my_conv(img, kernel, stride, padding):
        calls.append((img.shape, kernel.shape, stride, padding))
        return correlate(img, kernel, stride, padding)

    kp = widgets.KernelPlayground(image, conv_fn=my_conv, preset="sharpen")
    kp.stride.value = 2
    assert calls[-1] == ((12, 10), (3, 3), 2, 0)
    assert kp.message.value == ""
    assert "your conv_fn" in kp.status.value


def test_a_broken_conv_fn_gives_a_friendly_message(image):
    def broken(img, kernel, stride, padding):
        return img.sum() / 0 if stride == 1 else 1 / 0

    with np.errstate(divide="ignore"):
        kp = widgets.KernelPlayground(image, conv_fn=lambda *a: 1 / 0)
    assert "Your conv_fn raised ZeroDivisionError: division by zero" in kp.message.value
    assert "kernel (3, 3), stride 1, padding 0" in kp.message.value
    assert "Traceback" not in kp.message.value
    assert kp.shown_figure is None and kp.image.value == b""
    assert kp.status.value.startswith("update 1:")


def test_a_wrong_output_shape_is_explained(image):
    kp = widgets.KernelPlayground(image, conv_fn=lambda img, k, s, p: img[:-2, :-2])
    assert kp.message.value == ""                          # right for padding 0
    kp.padding.value = 1
    assert ("Your conv_fn returned shape (10, 8); for a 3×3 kernel, stride 1 and padding 1 "
            "on a 12×10 image it should be (12, 10).") in kp.message.value
    kp.padding.value = 0                                   # the message goes away again
    assert kp.message.value == "" and kp.shown_figure is not None


def test_kernel_playground_refuses_a_non_image():
    with pytest.raises(ValueError, match=r"KernelPlayground expected a float image of shape "
                                         r"\(H, W\).*got int64 array of shape \(3, 4, 5\)"):
        widgets.KernelPlayground(np.zeros((3, 4, 5), dtype=np.int64))


# ------------------------------------------------------------------ PoolingPlayground

def test_pooling_playground_max_average_size_stride(image):
    pp = widgets.PoolingPlayground(image)
    expected, _ = maxpool2d_forward(image[None, None], 2, 2)
    np.testing.assert_allclose(shown(pp, 1), expected[0, 0])
    pp.mode.value = "average"
    expected, _ = avgpool2d_forward(image[None, None], 2, 2)
    np.testing.assert_allclose(shown(pp, 1), expected[0, 0])
    pp.size.value, pp.stride.value = 3, 1
    expected, _ = avgpool2d_forward(image[None, None], 3, 1)
    np.testing.assert_allclose(shown(pp, 1), expected[0, 0])
    assert "average pool 3×3, stride 1" in pp.status.value


def test_pooling_playground_marks_where_each_max_came_from():
    x = np.array([[1., 5., 0., 2.], [3., 4., 7., 1.], [0., 0., 2., 2.], [9., 1., 2., 0.]])
    pooled, mask = widgets.pool_with_argmax(x, "max", 2, 2)
    np.testing.assert_allclose(pooled, [[5, 7], [9, 2]])
    # One winner per window; in the tie (2, 2 / 2, 0) the first in row-major order wins.
    np.testing.assert_array_equal(np.argwhere(mask), [[0, 1], [1, 2], [2, 2], [3, 0]])


def test_pooling_playground_too_large_a_pool_is_a_message():
    pp = widgets.PoolingPlayground(np.random.default_rng(0).random((3, 3)))
    pp.size.value = 4
    assert "A 4×4 pool does not fit in a 3×3 image." in pp.message.value


# ------------------------------------------------------------------ FeatureMapExplorer

def test_feature_map_explorer_follows_image_layer_and_channel(model):
    x = np.random.default_rng(2).random((5, 1, 12, 12))
    fe = widgets.FeatureMapExplorer(model, x, labels=np.arange(5))
    names = [layer.name for layer in model.layers]
    assert list(fe.layer.options) == names[:6]              # conv/pool/activation layers only
    fe.index.value = 3
    fe.layer.value = names[3]                               # the second conv
    expected = dict(model.activations(x[3:4]))[names[3]][0]
    np.testing.assert_allclose(fe.maps(), expected)
    assert list(fe.channel.options) == ["all", 0, 1, 2, 3, 4, 5]
    fe.channel.value = 4
    np.testing.assert_allclose(fe.maps(), expected[4:5])
    assert fe.status.value.endswith(f"image 3, layer {names[3]}, channel 4")
    drawn = [np.asarray(im.get_array()) for ax in fe.shown_figure.axes for im in ax.images]
    assert any(np.allclose(a, expected[4]) for a in drawn if a.shape == expected[4].shape)


def test_feature_map_explorer_offers_only_layers_with_feature_maps():
    rng = np.random.default_rng(4)
    model = Sequential([layers.Conv2D(1, 3, 3, rng=rng), layers.ReLU(), layers.Flatten(),
                        layers.Dense(3 * 6 * 6, 5, rng=rng), layers.ReLU(),
                        layers.Dense(5, 2, rng=rng)])
    fe = widgets.FeatureMapExplorer(model, rng.random((2, 1, 8, 8)))
    assert list(fe.layer.options) == [model.layers[0].name, model.layers[1].name]


def test_an_unexpected_error_while_drawing_is_shown_not_swallowed(image, monkeypatch):
    pp = widgets.PoolingPlayground(image)
    monkeypatch.setattr(viz, "show_pooling", lambda *a, **k: 1 / 0)
    pp.size.value = 3
    assert "ZeroDivisionError: division by zero" in pp.message.value
    assert pp.status.value.startswith(f"update {pp.updates}:")


def test_feature_map_explorer_text_output_is_short_and_reproducible(model):
    x = np.random.default_rng(2).random((2, 1, 12, 12))
    fe = widgets.FeatureMapExplorer(model, x)
    bundle = fe._repr_mimebundle_()
    first = model.layers[0].name
    assert bundle["text/plain"] == f"FeatureMapExplorer(image 0, layer {first}, channel all)"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_feature_map_explorer_refuses_flat_input(model):
    with pytest.raises(ValueError,
                       match=r"expected images of shape \(N, C, H, W\), got \(5, 144\)"):
        widgets.FeatureMapExplorer(model, np.zeros((5, 144)))


# ------------------------------------------------------------------ FilterViewer

def test_filter_viewer_shows_the_selected_layers_filters(model):
    fv = widgets.FilterViewer(model)
    first, second = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)]
    np.testing.assert_allclose(fv.weights(), first.params["W"])
    fv.layer.value = second.name
    assert list(fv.channel.options) == [0, 1, 2, 3]
    fv.channel.value = 2
    w = second.params["W"][:, 2]                                # (6, 3, 3)
    # per-filter scale: each tile is its filter divided by its own largest |weight|
    tiles = w / np.abs(w).max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(shown(fv, 0), viz.mosaic(tiles, ncols=8), rtol=1e-6)
    fv.normalize.value = "global"                               # one scale, with a colour bar
    np.testing.assert_allclose(shown(fv, 0), viz.mosaic(w, ncols=8), rtol=1e-6)
    assert len(fv.shown_figure.axes) == 2
    with pytest.raises(ValueError, match="no Conv2D layer named 'nope'"):
        widgets.FilterViewer(model, layer="nope")


# ------------------------------------------------------------------ LiveTraining

def test_live_training_redraws_during_fit_and_leaves_a_figure(model, capsys):
    rng = np.random.default_rng(3)
    x, y = rng.random((64, 1, 12, 12)), rng.integers(0, 10, 64)
    live = widgets.LiveTraining(every=3)
    model.fit(x, y, epochs=2, batch_size=16, optimizer=SGD(0.01), loss=SoftmaxCrossEntropy(),
              verbose=0, callbacks=[live])
    assert len(live.batch_losses) == 8
    assert live.redraws == 8 // 3 + 2                        # every 3 batches + each epoch end
    assert len(live.history["loss"]) == 2
    assert bytes(live.image.value).startswith(b"\x89PNG")
    out = capsys.readouterr().out
    assert "LiveTraining(every=3)" in out and "Figure" in out  # widget, then the static figure
