"""keras.metrics: the Keras 2 metric functions of (y_true, y_pred). compile()
takes them, their names, or any Python function built from backend ops."""
from keraspp._core.keras.metrics import (  # noqa: F401
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
)
from keraspp.keras.losses import (  # noqa: F401
    mean_squared_error, mean_absolute_error, categorical_crossentropy, binary_crossentropy,
    mse, mae,
)
