"""keras.metrics: metrics are named by string in compile(metrics=[...]);
Python functions of (y_true, y_pred) built from backend ops are accepted too."""
from keraspp.keras import backend as K


def binary_accuracy(y_true, y_pred):
    return K.mean(K.cast(K.equal(y_true, K.cast(K.greater(y_pred, 0.5), "float32")), "float32"), axis=-1)
