"""Notebook 08's viewers and pictures, driven from Python (the browser test drives them live).

Mouse events are sent as ipycanvas delivers them (``_down``, ``_move``, ``_up`` with canvas
pixel coordinates); an upload is a PNG's bytes in FileUpload's value format.
"""
import datetime
import io

import matplotlib

matplotlib.use("Agg")

import numpy as np
import PIL.Image
import pytest

from edu_cnn import explain, layers, viz, widgets
from edu_cnn.data import drawing
from edu_cnn.model import Sequential


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    return Sequential([
        layers.Conv2D(1, 4, 5, padding="same", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Conv2D(4, 6, 5, padding="same", rng=rng), layers.ReLU(), layers.MaxPool2D(2),
        layers.Flatten(), layers.Dense(6 * 7 * 7, 10, rng=rng)]).astype("float64")


def test_draw_digit_follows_the_mouse_and_clears(model):
    v = widgets.DrawDigit(model, size=140)
    assert v.probs is None and "Draw a digit" in v.message.value and v.updates == 1
    v._move(10, 10)                                   # moving without pressing draws nothing
    v._down(35, 30)
    for x, y in [(70, 30), (105, 30), (80, 75), (60, 120)]:
        v._move(x, y)
    assert v.updates == 1                             # no update before the pen is lifted
    v._up(60, 120)
    assert v.updates == 2 and v.message.value == ""
    path = np.array([(35, 30), (70, 30), (105, 30), (80, 75), (60, 120)]) / 2  # half resolution
    want = drawing.to_mnist(drawing.render_strokes([path], (70, 70), 16 / 2))
    np.testing.assert_array_equal(v.digit, want)
    np.testing.assert_allclose(v.probs, model.predict(want[None, None])[0])
    assert repr(v).startswith("DrawDigit(prediction ") and repr(v).endswith("strokes 1)")
    names = [ax.get_title() for ax in v.shown_figure.axes]
    assert names[:2] == ["your drawing", "28×28 input"]
    assert any(t.startswith("conv2d: 4 maps") for t in names)
    assert any(t.startswith("conv2d_1: 6 maps") for t in names)
    v.clear()
    assert v.strokes == [] and v.probs is None and "Draw a digit" in v.message.value
    assert repr(v) == "DrawDigit(empty canvas, strokes 0)"


def test_draw_digit_reads_an_uploaded_picture_dark_on_light(model):
    v = widgets.DrawDigit(model)
    ink = drawing.render_strokes(drawing.PRE_DRAWN["seven"])
    buf = io.BytesIO()
    grey = np.round(255 - 255 * ink)                         # dark ink on white paper
    PIL.Image.fromarray(grey.astype(np.uint8)).save(buf, format="png")
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    v.upload.value = ({"name": "seven.png", "type": "image/png", "size": len(buf.getvalue()),
                       "content": memoryview(buf.getvalue()), "last_modified": when},)
    want = drawing.to_mnist(grey / 255, threshold=0.25)
    np.testing.assert_allclose(v.digit, want, atol=1e-12)
    assert v.probs is not None and v.strokes == []


def test_fgsm_viewer_epsilon_changes_the_picture(model):
    rng = np.random.default_rng(1)
    x, y = rng.random((3, 1, 28, 28)), np.array([1, 2, 3])
    v = widgets.FGSMViewer(model, x, y, epsilon=0.0)
    before = np.asarray(v.shown_figure.axes[2].images[0].get_array())
    np.testing.assert_array_equal(before, x[0, 0])
    v.epsilon.value = 0.2
    after = np.asarray(v.shown_figure.axes[2].images[0].get_array())
    np.testing.assert_allclose(after, explain.fgsm(model, x[:1], y[:1], 0.2)[0, 0])
    assert "epsilon 0.20" in v.status.value


def test_receptive_field_viewer_click_picks_the_unit(model):
    x = np.random.default_rng(2).random((1, 28, 28))
    v = widgets.ReceptiveFieldViewer(model, x, zoom=10)
    assert v.unit == (3, 3) and v.layer.value == "max_pool2d_1"
    assert v.canvas.width == 280                      # the 7×7 map fills it: 40 px per unit
    v._click(x=85, y=250)
    assert v.unit == (6, 2)
    assert v.shown_figure.axes[0].get_title().startswith("input: rows 18–27, cols 2–17 (10×16)")
    v.layer.value = "conv2d"
    assert v.unit == (14, 14) and "unit (14, 14)" in v.status.value


def test_explanation_viewer_shows_the_four_maps(model):
    x = np.random.default_rng(3).random((2, 1, 28, 28))
    v = widgets.ExplanationViewer(model, x, smoothgrad_samples=2)
    titles = [ax.get_title() for ax in v.shown_figure.axes]
    assert titles[1:] == ["saliency", "SmoothGrad", "occlusion", "Grad-CAM"]
    v.target.value = 3
    assert v.shown_figure.axes[0].get_title().startswith("class 3: ")


def test_pictures_return_figures_with_the_documented_axes(model):
    x = np.random.default_rng(4).random((2, 1, 28, 28))
    acts = dict(model.activations(x[:1]))
    fig = viz.show_drawn_digit(None, x[0], {"conv2d": acts["conv2d"][0]}, np.full(10, 0.1))
    assert len(fig.axes) == 3
    fig = viz.show_explanations(x, {"a": x[:, 0], "b": x[:, 0]})
    assert len(fig.axes) == 6
    fig = viz.show_fgsm(x[0], x[1], np.full(10, 0.1), np.full(10, 0.1), 0.1)
    assert [ax.get_title() for ax in fig.axes[:3]] == ["input", "change (ε = 0.10)",
                                                       "input + change"]
    growth = explain.receptive_field_growth(model)
    assert len(viz.plot_receptive_field_growth(growth, x[0]).axes) == 2
    assert len(viz.plot_fgsm_curve([0, 0.1], [0.9, 0.5]).axes) == 1
