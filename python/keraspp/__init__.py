"""Keras++: TensorFlow 1.x graph API and Keras 2 natively in C++, for Python.

    import keraspp.tensorflow as tf
    from keraspp.keras.models import Sequential
"""
import pkgutil as _pkgutil

# A development build puts _core in build/python/keraspp: found through
# PYTHONPATH=python:build/python. An installed package has it here.
__path__ = _pkgutil.extend_path(__path__, __name__)
__version__ = "0.1.0"
