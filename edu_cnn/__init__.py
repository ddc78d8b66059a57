"""edu_cnn — convolutional neural networks from first principles, in NumPy.

A small module of vetted layers (each checked against PyTorch and by
numerical gradients) and the helpers the course notebooks use.
"""
__version__ = "0.1.0"
