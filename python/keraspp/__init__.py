"""Keras++: TensorFlow 1.x graph API and Keras 2 natively in C++, for Python.

    import keraspp.tensorflow as tf
    from keraspp.keras.models import Sequential
"""
__version__ = "0.1.0"
