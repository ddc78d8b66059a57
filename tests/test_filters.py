"""Tests for edu_cnn.filters: shapes, sums, symmetries, responses, the bank."""
import numpy as np
import pytest

from edu_cnn import filters


def correlate_valid(image, kernel):
    """Reference 2-D cross-correlation, 'valid' (what Conv2D computes)."""
    KH, KW = kernel.shape
    H_out, W_out = image.shape[0] - KH + 1, image.shape[1] - KW + 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out


SUM_ONE = {
    "identity": filters.identity(),
    "box_blur": filters.box_blur(5),
    "gaussian": filters.gaussian(7, 1.5),
    "binomial": filters.binomial(5),
    "sharpen": filters.sharpen(),
}
SUM_ZERO = {
    "sobel_x": filters.sobel_x(),
    "sobel_y": filters.sobel_y(),
    "laplacian": filters.laplacian(),
    "edge_horizontal": filters.edge_horizontal(),
    "edge_vertical": filters.edge_vertical(),
    "edge_diagonal": filters.edge_diagonal(),
    "edge_antidiagonal": filters.edge_antidiagonal(),
    "outline": filters.outline(),
    "dog": filters.difference_of_gaussians(17, 2.0),
}


@pytest.mark.parametrize("name", sorted(SUM_ONE))
def test_smoothing_kernels_sum_to_one(name):
    k = SUM_ONE[name]
    assert k.dtype == np.float64 and k.ndim == 2
    assert k.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("name", sorted(SUM_ZERO))
def test_derivative_kernels_sum_to_zero(name):
    assert SUM_ZERO[name].sum() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("size", [1, 3, 5, 17])
def test_sizes(size):
    assert filters.identity(size).shape == (size, size)
    assert filters.box_blur(size).shape == (size, size)
    assert filters.gaussian(size, 1.0).shape == (size, size)


def test_exact_values():
    np.testing.assert_array_equal(filters.sobel_x(), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(filters.sobel_y(), [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    np.testing.assert_array_equal(filters.laplacian(), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    np.testing.assert_array_equal(filters.binomial(3) * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(filters.box_blur(3), np.full((3, 3), 1 / 9))


def test_symmetries():
    g = filters.gaussian(7, 1.3)
    np.testing.assert_allclose(g, g.T)
    np.testing.assert_allclose(g, g[::-1, ::-1])
    assert g.argmax() == 24                                  # the centre of 7×7
    lap = filters.laplacian()
    np.testing.assert_array_equal(lap, lap.T)
    np.testing.assert_array_equal(lap, lap[::-1])
    sx = filters.sobel_x()
    np.testing.assert_array_equal(sx, -sx[:, ::-1])         # antisymmetric left-right
    np.testing.assert_array_equal(filters.sobel_y(), sx.T)
    np.testing.assert_array_equal(filters.edge_vertical(), filters.edge_horizontal().T)
    np.testing.assert_array_equal(filters.edge_diagonal(), -filters.edge_diagonal().T)


def test_sobel_responds_to_a_step_edge():
    step = np.zeros((8, 8))
    step[:, 4:] = 1.0                          # dark left, bright right: a vertical edge
    gx = correlate_valid(step, filters.sobel_x())
    gy = correlate_valid(step, filters.sobel_y())
    np.testing.assert_array_equal(gy, 0.0)     # no change from top to bottom
    np.testing.assert_array_equal(gx[:, [2, 3]], 4.0)   # windows straddling the edge
    np.testing.assert_array_equal(gx[:, [0, 1, 4, 5]], 0.0)  # flat regions
    gy_t = correlate_valid(step.T, filters.sobel_y())   # dark top, bright bottom
    np.testing.assert_array_equal(gy_t, gx.T)


def test_identity_and_sharpen_keep_flat_images():
    flat = np.full((6, 6), 0.7)
    for k in (filters.identity(3), filters.sharpen(), filters.box_blur(3)):
        np.testing.assert_allclose(correlate_valid(flat, k), 0.7)
    np.testing.assert_allclose(correlate_valid(flat, filters.laplacian()), 0.0, atol=1e-12)


def test_diagonal_edges_respond_to_their_diagonal():
    y, x = np.mgrid[0:9, 0:9]
    below_left = (y > x).astype(float)            # bright below the "\" diagonal
    assert correlate_valid(below_left, filters.edge_diagonal()).max() > 0
    assert correlate_valid(below_left, filters.edge_diagonal()).min() >= 0


def test_gabor_formula_and_orientation():
    k = filters.gabor(9, sigma=2.0, theta=0.0, lambd=4.0, gamma=0.5, psi=0.0)
    assert k.shape == (9, 9) and k[4, 4] == pytest.approx(1.0)
    assert k[4, 6] == pytest.approx(np.exp(-4 / 8) * np.cos(np.pi))   # x = 2: half a wave
    np.testing.assert_allclose(k, k[::-1])              # θ = 0: vertical stripes
    k90 = filters.gabor(9, 2.0, np.pi / 2, 4.0, 0.5, 0.0)
    np.testing.assert_allclose(k90, k.T, atol=1e-12)    # θ = 90°: horizontal stripes
    odd = filters.gabor(9, 2.0, 0.0, 4.0, 0.5, np.pi / 2)
    np.testing.assert_allclose(odd, -odd[:, ::-1], atol=1e-12)   # odd phase


def test_filter_bank_shape_norms_and_distinct():
    bank = filters.filter_bank()
    names = filters.filter_bank_names()
    assert bank.shape == (36, 1, 17, 17) and bank.dtype == np.float64
    assert len(names) == 36 and len(set(names)) == 36
    flat = bank.reshape(36, -1)
    np.testing.assert_allclose(np.linalg.norm(flat, axis=1), 1.0)
    means = flat.mean(axis=1)
    for name, m in zip(names, means):
        if name.startswith("gauss"):
            assert m > 0
        else:
            assert abs(m) < 1e-12, name
    gram = flat @ flat.T - np.eye(36)        # unit vectors: cosine 1 only if identical
    assert gram.max() < 0.99                 # (off-centre DoGs are the on-centre ones negated)
    assert sum(n.startswith("gabor") for n in names) == 24


def test_filter_bank_dtype_and_size():
    bank = filters.filter_bank(size=9, dtype=np.float32)
    assert bank.shape == (36, 1, 9, 9) and bank.dtype == np.float32


@pytest.mark.parametrize("bad", [4, 0, -3])
def test_bad_sizes_raise_value_error(bad):
    with pytest.raises(ValueError, match="odd int"):
        filters.gaussian(bad, 1.0)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(TypeError, match="odd int"):
        filters.box_blur(3.0)
    with pytest.raises(ValueError, match="sigma"):
        filters.gaussian(5, 0.0)
    with pytest.raises(ValueError, match="lambd"):
        filters.gabor(5, 1.0, 0.0, -1.0)
    with pytest.raises(ValueError, match=">= 7"):
        filters.filter_bank(size=5)


def test_presets():
    names = ["identity", "box blur", "Gaussian", "sharpen", "Sobel x", "Sobel y", "Laplacian"]
    assert list(filters.PRESETS) == names
    assert list(filters.PRESETS_5X5) == names
    for name in names:
        assert filters.PRESETS[name].shape == (3, 3)
        assert filters.PRESETS_5X5[name].shape == (5, 5)
        assert filters.PRESETS_5X5[name].sum() == pytest.approx(filters.PRESETS[name].sum())
    np.testing.assert_array_equal(filters.PRESETS["Sobel x"], filters.sobel_x())


def test_presets_are_read_only_and_get_preset_copies():
    with pytest.raises(ValueError):
        filters.PRESETS["identity"][0, 0] = 5.0
    k = filters.get_preset("Sobel y", size=5)
    k[0, 0] = 99.0                                   # a widget edits its copy
    assert filters.PRESETS_5X5["Sobel y"][0, 0] != 99.0
    with pytest.raises(ValueError, match="choose one of"):
        filters.get_preset("sobel")
    with pytest.raises(ValueError, match="3 or 5"):
        filters.get_preset("identity", size=7)
