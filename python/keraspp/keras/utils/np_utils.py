from keraspp._core.keras import to_categorical  # noqa: F401
