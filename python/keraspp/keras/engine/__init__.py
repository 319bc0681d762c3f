"""keras.engine: Layer, Input, Model (keras.engine.topology / training)."""
from keraspp.keras.engine import topology, training  # noqa: F401
from keraspp.keras.engine.topology import Input, Layer  # noqa: F401
from keraspp.keras.engine.training import Model  # noqa: F401
