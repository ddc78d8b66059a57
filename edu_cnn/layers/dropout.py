"""``Dropout``: inverted dropout, random in training and the identity at test time."""
from .. import _checks
from .base import Layer


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``rate``
    and scale the survivors by 1 / (1 − rate), so nothing changes at test time.

    ``forward(x, training=False)`` is the identity.

    Parameters
    ----------
    rate : float in [0, 1)
        Fraction of units dropped.
    rng : numpy.random.Generator, int or None
        The layer's own source of masks (a Generator is shared, an int is a seed).
    """

    def __init__(self, rate, rng=None):
        super().__init__()
        self.rate = _checks.check_rate(rate, "Dropout", "rate")
        self.rng = _checks.as_rng(rng, "Dropout")

    def forward(self, x, training=True):
        """x (N, ...) -> y of the same shape."""
        self._check_input(x)
        if not training or self.rate == 0.0:
            self._cache = (x.shape, None)                  # identity
            return x
        keep = self.rng.random(x.shape) >= self.rate       # each unit kept with prob 1 − rate
        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.rate)
        self._cache = (x.shape, mask)
        return x * mask

    def backward(self, dy):
        x_shape, mask = self._cached()
        self._check_dy(dy, x_shape)
        return dy if mask is None else dy * mask

    def get_config(self):
        return {"rate": self.rate}
