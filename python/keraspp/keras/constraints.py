"""keras.constraints (Keras 2.0): MaxNorm, NonNeg, UnitNorm, MinMaxNorm (and
their lower-case aliases), for layers' *_constraint arguments."""
from keraspp.keras._config_object import ConfigObject
from keraspp.keras._config_object import get as _get


class Constraint(ConfigObject):
    pass


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        super().__init__(max_value=max_value, axis=axis)


class NonNeg(Constraint):
    def __init__(self):
        super().__init__()


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        super().__init__(axis=axis)


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        super().__init__(min_value=min_value, max_value=max_value, rate=rate, axis=axis)


max_norm = maxnorm = MaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = {c.__name__: c for c in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}


def serialize(constraint):
    return constraint._keras_config()


def deserialize(config, custom_objects=None):
    return _get("constraint", config, dict(_CLASSES, **(custom_objects or {})))


def get(identifier):
    return _get("constraint", identifier, _CLASSES)
