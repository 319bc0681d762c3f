"""keras.engine.training: Model (fit, fit_generator, ... from keras.models)."""
from keraspp.keras.models import Model  # noqa: F401
