"""keras.backend (TensorFlow backend): learning_phase, clear_session and the
tensor functions, over the C++ backend."""
from keraspp._core.keras.backend import *  # noqa: F401,F403
from keraspp._core.keras import backend as _b

globals().update({k: getattr(_b, k) for k in dir(_b) if not k.startswith("_")})
