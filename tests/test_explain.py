"""edu_cnn.explain: every method against an independent answer.

Saliency against numerical gradients, occlusion's loop and batched twins against
each other and against a model that only looks at one pixel, Grad-CAM against a
case worked out by hand, FGSM against PyTorch on the same weights, receptive
fields against the pixels that the backward pass actually reaches.
"""
import numpy as np
import pytest

from edu_cnn import explain
from edu_cnn import layers as L
from edu_cnn.gradcheck import numerical_gradient, rel_error
from edu_cnn.model import Sequential

F64 = np.float64


def cnn(seed=0, channels=1):
    """conv-relu-maxpool-conv-tanh-avgpool-dense on (channels, 8, 8) images, float64."""
    rng = np.random.default_rng(seed)
    return Sequential([
        L.Conv2D(channels, 4, 3, padding="same", rng=rng, dtype=F64), L.ReLU(), L.MaxPool2D(2),
        L.Conv2D(4, 6, 3, padding="same", rng=rng, dtype=F64), L.Tanh(), L.AvgPool2D(2),
        L.Flatten(), L.Dense(6 * 2 * 2, 5, rng=rng, dtype=F64)])


def images(n=3, channels=1, seed=1):
    return np.random.default_rng(seed).random((n, channels, 8, 8))


# ------------------------------------------------------------------ saliency and SmoothGrad

@pytest.mark.parametrize("channels", [1, 2])
def test_input_gradient_matches_numerical_gradients(channels):
    model, x = cnn(channels=channels), images(2, channels)
    target = np.array([3, 1])
    grad, used = explain.input_gradient(model, x, target)
    assert used.tolist() == [3, 1]
    for n in range(2):
        def score(xn, n=n):
            return model.forward(xn[None], training=False)[0, target[n]]
        assert rel_error(grad[n], numerical_gradient(score, x[n])) < 1e-6


def test_saliency_is_the_largest_absolute_gradient_over_channels_for_the_predicted_class():
    model, x = cnn(channels=2), images(3, 2)
    predicted = model.forward(x, training=False).argmax(axis=1)
    grad, _ = explain.input_gradient(model, x, predicted)
    s = explain.saliency(model, x)
    assert s.shape == (3, 8, 8)
    np.testing.assert_array_equal(s, np.abs(grad).max(axis=1))
    np.testing.assert_array_equal(explain.saliency(model, x[1]), s[1])   # one image -> (H, W)


def test_smoothgrad_is_the_mean_saliency_of_the_seeded_noisy_copies():
    model, x = cnn(), images(2)
    got = explain.smoothgrad(model, x, target=2, n_samples=4, noise=0.2, rng=7)
    rng = np.random.default_rng(7)
    for n in range(2):
        sigma = 0.2 * (x[n].max() - x[n].min())
        noisy = x[n] + sigma * rng.standard_normal((4,) + x[n].shape)
        want = explain.saliency(model, noisy, target=2).mean(axis=0)
        np.testing.assert_allclose(got[n], want, rtol=1e-12, atol=1e-15)
    tiny = explain.smoothgrad(model, x, n_samples=3, noise=1e-9, rng=0)
    np.testing.assert_allclose(tiny, explain.saliency(model, x), rtol=1e-5, atol=1e-9)


# ------------------------------------------------------------------ occlusion

def test_occlusion_loop_and_batched_twins_agree():
    model, x = cnn(), images(2)
    for patch, stride, fill in [(3, 2, 0.5), (4, 4, 0.0), (8, 1, 0.3), (1, 1, 0.5)]:
        fast = explain.occlusion(model, x, patch=patch, stride=stride, fill=fill)
        naive = explain.occlusion_naive(model, x, patch=patch, stride=stride, fill=fill)
        np.testing.assert_allclose(fast, naive, rtol=1e-12, atol=1e-15)


def test_occlusion_of_a_model_that_only_reads_one_pixel():
    # logit 0 = 5·x[2, 3], logit 1 = 0: only patches covering pixel (2, 3) change p_0.
    dense = L.Dense(64, 2, dtype=F64)
    dense.params["W"][:] = 0.0
    dense.params["W"][2 * 8 + 3, 0] = 5.0
    dense.params["b"][:] = 0.0
    model = Sequential([L.Flatten(), dense])
    x = np.zeros((1, 1, 8, 8))
    x[0, 0, 2, 3] = 1.0
    occ = explain.occlusion(model, x, target=0, patch=2, stride=2, fill=0.0)[0]
    p_clean = 1 / (1 + np.exp(-5.0))
    expected = np.zeros((8, 8))
    expected[2:4, 2:4] = p_clean - 0.5          # covered once: p drops from σ(5) to 1/2
    np.testing.assert_allclose(occ, expected, atol=1e-15)


# ------------------------------------------------------------------ Grad-CAM

def hand_model():
    """1×1 conv with 2 filters (A_0 = x, A_1 = 2x), Flatten, Dense(8, 2) with known weights."""
    conv = L.Conv2D(1, 2, 1, dtype=F64)
    conv.params["W"][:] = np.array([1.0, 2.0]).reshape(2, 1, 1, 1)
    conv.params["b"][:] = 0.0
    dense = L.Dense(8, 2, dtype=F64)
    # Flatten order is (channel, row, col): rows 0-3 read A_0, rows 4-7 read A_1.
    dense.params["W"][:, 0] = [1, 1, 1, 1, 0.5, 0.5, -0.5, 0.5]
    dense.params["W"][:, 1] = [-1, -1, -1, -1, 1, 1, 1, 1]
    dense.params["b"][:] = 0.0
    return Sequential([conv, L.Flatten(), dense])


def test_grad_cam_by_hand():
    x = np.array([[[[1.0, -2.0], [3.0, -4.0]]]])
    model = hand_model()
    # class 0: α_0 = mean(1, 1, 1, 1) = 1, α_1 = mean(0.5, 0.5, -0.5, 0.5) = 0.25
    #          CAM = ReLU(1·x + 0.25·2x) = ReLU(1.5x)
    cam0 = explain.grad_cam(model, x, target=0, layer="conv2d", upsampled=False)
    np.testing.assert_allclose(cam0, [[[1.5, 0.0], [4.5, 0.0]]], atol=1e-15)
    # class 1: α_0 = −1, α_1 = 1: CAM = ReLU(−x + 2x) = ReLU(x)
    cam1 = explain.grad_cam(model, x[0], target=1, layer="conv2d", upsampled=False)
    np.testing.assert_allclose(cam1, [[1.0, 0.0], [3.0, 0.0]], atol=1e-15)


def test_grad_cam_defaults_to_the_activation_after_the_last_conv_and_upsamples():
    model, x = cnn(), images(2)
    assert explain.default_cam_layer(model) == "tanh"
    assert explain.default_cam_layer(hand_model()) == "conv2d"
    cam = explain.grad_cam(model, x)
    assert cam.shape == (2, 8, 8) and cam.min() >= 0
    raw = explain.grad_cam(model, x, upsampled=False)
    assert raw.shape == (2, 4, 4)
    np.testing.assert_allclose(cam, explain.upsample(raw, (8, 8)), atol=1e-15)


def test_upsample_keeps_constants_and_interpolates_between_centres():
    np.testing.assert_allclose(explain.upsample(np.full((1, 3, 3), 2.5), (12, 12)), 2.5)
    up = explain.upsample(np.array([[[0.0, 1.0]]]), (1, 4))
    np.testing.assert_allclose(up, [[[0.0, 0.25, 0.75, 1.0]]])


# ------------------------------------------------------------------ FGSM

def test_fgsm_steps_by_epsilon_along_the_sign_of_the_loss_gradient_and_clips():
    model, x = cnn(), images(4)
    y = np.array([0, 1, 2, 3])
    adv = explain.fgsm(model, x, y, 0.1)
    assert adv.min() >= 0 and adv.max() <= 1
    inside = (x > 0.1) & (x < 0.9)                     # pixels the clip leaves alone
    assert np.allclose(np.abs(adv - x)[inside], 0.1)
    np.testing.assert_array_equal(explain.fgsm(model, x, y, 0.0), x)
    accs = explain.fgsm_accuracy(model, x, y, [0.0, 0.1], batch_size=3)
    clean = (model.forward(x, training=False).argmax(1) == y).mean()
    fooled = (model.forward(adv, training=False).argmax(1) == y).mean()
    np.testing.assert_array_equal(accs, [clean, fooled])


@pytest.mark.torch
def test_fgsm_matches_pytorch_on_the_same_weights():
    torch = pytest.importorskip("torch")
    from edu_cnn.interop import to_torch

    model, x = cnn(seed=3), images(5, seed=4)
    y = np.array([0, 4, 2, 1, 3])
    net = to_torch(model).eval()
    xt = torch.tensor(x, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(net(xt), torch.tensor(y))
    loss.backward()
    for eps in (0.05, 0.1, 0.2):
        want = torch.clamp(xt + eps * xt.grad.sign(), 0, 1).detach().numpy()
        np.testing.assert_allclose(explain.fgsm(model, x, y, eps), want, rtol=0, atol=1e-15)
    grad = explain.gradients._loss_gradient(model, x, y, "test")
    assert rel_error(grad, xt.grad.numpy()) < 1e-10


# ------------------------------------------------------------------ receptive fields

def positive_net():
    """Positive weights and average pooling: every input pixel in a unit's box reaches it."""
    layers = [L.Conv2D(1, 1, 3, padding=1, dtype=F64), L.ReLU(), L.AvgPool2D(2),
              L.Conv2D(1, 1, 3, stride=2, dtype=F64), L.AvgPool2D(2, stride=1),
              L.Conv2D(1, 1, (2, 3), padding=(0, 1), dtype=F64)]
    for layer in layers:
        for p in layer.params.values():
            p[:] = 1.0
    return Sequential(layers)


def reached(model, upto, i, j, x):
    """Input pixels with a nonzero gradient of unit (i, j), channel 0, of layer ``upto``."""
    out = x
    for layer in model.layers[:upto + 1]:
        out = layer.forward(out, training=False)
    d = np.zeros_like(out)
    d[0, 0, i, j] = 1.0
    for layer in reversed(model.layers[:upto + 1]):
        d = layer.backward(d)
    return np.argwhere(d[0, 0] != 0)


def test_receptive_field_is_exactly_what_the_backward_pass_reaches():
    model = positive_net()
    x = np.random.default_rng(0).random((1, 1, 20, 20)) + 0.1
    shapes = model.output_shapes((1, 20, 20))
    for k, layer in enumerate(model.layers):
        _, h, w = shapes[k]
        for i, j in [(0, 0), (h // 2, w // 2), (h - 1, w - 1), (0, w - 1)]:
            top, bottom, left, right = explain.receptive_field(model, layer.name, i, j,
                                                               input_shape=(1, 20, 20))
            where = reached(model, k, i, j, x)
            assert (where.min(0).tolist(), where.max(0).tolist()) == \
                ([top, left], [bottom - 1, right - 1]), (layer.name, i, j)
            assert len(where) == (bottom - top) * (right - left)


def test_receptive_field_growth_follows_the_formula():
    rng = np.random.default_rng(0)
    model = Sequential([L.Conv2D(1, 8, 5, padding="same", rng=rng), L.ReLU(), L.MaxPool2D(2),
                        L.Conv2D(8, 16, 5, padding="same", rng=rng), L.ReLU(), L.MaxPool2D(2),
                        L.Flatten(), L.Dense(784, 10, rng=rng)])
    growth = explain.receptive_field_growth(model)
    assert [(s, j) for _, s, j in growth] == [(5, 1), (5, 1), (6, 2), (14, 2), (14, 2), (16, 4)]
    assert explain.receptive_field(model, "max_pool2d_1", 3, 3) == (6, 22, 6, 22)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call, kind, words", [
    (lambda m, x: explain.saliency(m, (x * 255).astype(np.uint8)), TypeError,
     ["saliency", "float", "/ 255"]),
    (lambda m, x: explain.saliency(m, x[0, 0]), ValueError, ["saliency", "(N, C, H, W)"]),
    (lambda m, x: explain.saliency(m, x[:, :, :2, :2]), ValueError, ["saliency", "larger"]),
    (lambda m, x: explain.saliency(m, x, target=7), ValueError, ["saliency", "target", "[0, 4]"]),
    (lambda m, x: explain.saliency(x, m), TypeError, ["saliency", "Sequential"]),
    (lambda m, x: explain.smoothgrad(m, x, n_samples=0), ValueError, ["smoothgrad", "n_samples"]),
    (lambda m, x: explain.smoothgrad(m, x, noise=-1.0), ValueError, ["smoothgrad", "noise"]),
    (lambda m, x: explain.occlusion(m, x, patch=9), ValueError, ["occlusion", "patch"]),
    (lambda m, x: explain.occlusion_naive(m, x, stride=0), ValueError,
     ["occlusion_naive", "stride"]),
    (lambda m, x: explain.grad_cam(m, x, layer="conv9"), ValueError, ["grad_cam", "conv9"]),
    (lambda m, x: explain.grad_cam(m, x, layer="dense"), ValueError, ["grad_cam", "feature maps"]),
    (lambda m, x: explain.fgsm(m, x, [0, 1, 2], -0.1), ValueError, ["fgsm", "epsilon"]),
    (lambda m, x: explain.fgsm(m, x, [0, 1], 0.1), ValueError, ["fgsm", "y"]),
    (lambda m, x: explain.fgsm_accuracy(m, x, [0, 1, 9], [0.1]), ValueError,
     ["fgsm_accuracy", "y"]),
    (lambda m, x: explain.receptive_field(m, "dense", 0, 0, (1, 8, 8)), ValueError,
     ["receptive_field", "whole image"]),
    (lambda m, x: explain.receptive_field(m, "conv2d", 8, 0, (1, 8, 8)), ValueError,
     ["receptive_field", "(8, 0)"]),
    (lambda m, x: explain.receptive_field(m, "nope", 0, 0, (1, 8, 8)), ValueError,
     ["receptive_field", "nope"]),
])
def test_bad_input_names_the_function_and_the_fix(call, kind, words):
    with pytest.raises(kind) as err:
        call(cnn(), images(3))
    for word in words:
        assert word in str(err.value), str(err.value)
