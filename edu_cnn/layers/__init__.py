"""Layers: each a thin class with ``forward`` and ``backward`` read together.

A layer keeps its parameters in ``params`` and their gradients, under the
same keys, in ``grads``::

    layer = Dense(4, 3, rng=np.random.default_rng(0))
    y = layer.forward(x, training=True)    # (N, 3); caches exactly what backward needs
    dx = layer.backward(dy)                # fills layer.grads["W"], ["b"]; returns dL/dx

Parameters are float32 unless ``dtype=np.float64`` is given; a layer computes
in the dtype of its input and stores gradients in the dtype of its parameters.
Inputs are checked first, so mistakes raise a clear ValueError/TypeError such
as ``Dense(in_features=784) expected input of shape (N, 784), got (64, 1, 28, 28).``

Where is what (each formula is written once, in the file on the right)::

    layer                           class                  formula, loop twin, fast kernel
    Dense                           layers/dense.py        the class itself: y = x @ W + b
    Conv2D                          layers/conv.py         ops/conv.py     (sizes: ops/geometry.py)
    MaxPool2D, AvgPool2D            layers/pooling.py      ops/pool.py     (sizes: ops/geometry.py)
    ReLU, LeakyReLU, Sigmoid, Tanh  layers/activations.py  the class itself
    Flatten                         layers/reshape.py      the class itself
    Dropout                         layers/dropout.py      the class itself
    BatchNorm1D, BatchNorm2D        layers/batchnorm.py    the module (loop twin next to it)
"""
from .activations import LeakyReLU, ReLU, Sigmoid, Tanh
from .base import Layer
from .batchnorm import BatchNorm1D, BatchNorm2D
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .pooling import AvgPool2D, MaxPool2D
from .reshape import Flatten

__all__ = ["Layer", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "ReLU",
           "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "LAYER_TYPES"]

LAYER_TYPES = {cls.__name__: cls for cls in
               (Dense, Conv2D, MaxPool2D, AvgPool2D, Flatten, ReLU, LeakyReLU, Sigmoid,
                Tanh, Dropout)}

__all__ += ["BatchNorm1D", "BatchNorm2D"]
LAYER_TYPES.update(BatchNorm1D=BatchNorm1D, BatchNorm2D=BatchNorm2D)
