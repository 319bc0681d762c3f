"""keras.utils.generic_utils: Progbar (the bar fit prints, on sys.stdout)."""
from keraspp._core.keras import Progbar  # noqa: F401
