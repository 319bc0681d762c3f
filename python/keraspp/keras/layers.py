"""keras.layers: Keras 2 layers; keyword arguments as Keras takes them
(an unknown one raises TypeError)."""
from keraspp._core.keras import (  # noqa: F401
    Layer, Dense, Activation, Dropout, Flatten, Reshape, Lambda, Input,
)
