"""Small models and a separable image problem shared by the model, training and saving tests."""
import numpy as np

from edu_cnn import layers as L
from edu_cnn.model import Sequential


def bars_data(n=240, seed=0, noise=0.3):
    """A separable 3-class image problem: a vertical bar, a horizontal bar, or a dot."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    x = noise * rng.standard_normal((n, 1, 8, 8))
    for i, label in enumerate(y):
        r, c = rng.integers(1, 7, size=2)
        if label == 0:
            x[i, 0, :, c] += 1.0
        elif label == 1:
            x[i, 0, r, :] += 1.0
        else:
            x[i, 0, r - 1:r + 2, c - 1:c + 2] += 1.0
    return x.astype(np.float32), y


def small_cnn(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return Sequential([L.Conv2D(1, 6, 3, padding=1, rng=rng, dtype=dtype), L.ReLU(),
                       L.MaxPool2D(8), L.Flatten(), L.Dense(6, 3, rng=rng, dtype=dtype)])


def mlp(seed=0, n_in=6, n_out=3, dropout=0.0):
    rng = np.random.default_rng(seed)
    return Sequential([L.Dense(n_in, 16, rng=rng), L.ReLU(), L.Dropout(dropout, rng=rng),
                       L.Dense(16, n_out, rng=rng)])
