"""keras.engine.topology: Layer (subclass it in Python: build, call,
compute_output_shape, add_weight) and Input."""
from keraspp._core.keras import Input, Layer  # noqa: F401
