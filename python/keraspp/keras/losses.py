"""keras.losses: losses are named by string in compile(); Python functions
of (y_true, y_pred) built from backend ops are accepted too."""
from keraspp.keras import backend as K


def mean_squared_error(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def categorical_crossentropy(y_true, y_pred):
    return "categorical_crossentropy" if y_true is None else _named("categorical_crossentropy")


def _named(name):
    raise NotImplementedError("call keras losses by name in compile(loss=%r)" % name)
