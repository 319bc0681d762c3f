"""keraspp.keras: the Keras 2.0 API (also tf.contrib.keras and the long
tensorflow.contrib.keras.python.keras.* paths)."""
from keraspp.keras import (  # noqa: F401
    backend, callbacks, constraints, datasets, engine, initializers, layers, losses, metrics, models,
    optimizers, regularizers, utils,
)

__all__ = ["backend", "callbacks", "constraints", "datasets", "engine", "initializers", "layers", "losses",
           "metrics", "models", "optimizers", "regularizers", "utils"]
