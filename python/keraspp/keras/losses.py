"""keras.losses: the Keras 2 loss functions of (y_true, y_pred). compile()
takes them, their names, or any Python function built from backend ops."""
from keraspp._core.keras.losses import (  # noqa: F401
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, squared_hinge, hinge, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_crossentropy, kullback_leibler_divergence, poisson,
    cosine_proximity,
)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine = cosine_proximity
