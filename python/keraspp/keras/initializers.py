"""keras.initializers (Keras 2.0): initializer objects for layers'
*_initializer arguments and add_weight; names ("glorot_uniform") work too."""
from keraspp.keras._config_object import ConfigObject
from keraspp.keras._config_object import get as _get


class Initializer(ConfigObject):
    pass


class Zeros(Initializer):
    def __init__(self):
        super().__init__()


class Ones(Initializer):
    def __init__(self):
        super().__init__()


class Constant(Initializer):
    def __init__(self, value=0):
        super().__init__(value=value)


class RandomNormal(Initializer):
    def __init__(self, mean=0., stddev=0.05, seed=None):
        super().__init__(mean=mean, stddev=stddev, seed=seed)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(minval=minval, maxval=maxval, seed=seed)


class TruncatedNormal(Initializer):
    def __init__(self, mean=0., stddev=0.05, seed=None):
        super().__init__(mean=mean, stddev=stddev, seed=seed)


class VarianceScaling(Initializer):
    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if scale <= 0.:
            raise ValueError("`scale` must be a positive float. Got:", scale)
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("Invalid `mode` argument: expected on of {\"fan_in\", \"fan_out\", "
                             "\"fan_avg\"} but got", mode)
        if distribution not in {"normal", "uniform"}:
            raise ValueError("Invalid `distribution` argument: expected one of {\"normal\", "
                             "\"uniform\"} but got", distribution)
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)


class Orthogonal(Initializer):
    def __init__(self, gain=1., seed=None):
        super().__init__(gain=gain, seed=seed)


class Identity(Initializer):
    def __init__(self, gain=1.):
        super().__init__(gain=gain)


def lecun_uniform(seed=None):
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


def lecun_normal(seed=None):
    return VarianceScaling(scale=1., mode="fan_in", distribution="normal", seed=seed)


def glorot_normal(seed=None):
    return VarianceScaling(scale=1., mode="fan_avg", distribution="normal", seed=seed)


def glorot_uniform(seed=None):
    return VarianceScaling(scale=1., mode="fan_avg", distribution="uniform", seed=seed)


def he_normal(seed=None):
    return VarianceScaling(scale=2., mode="fan_in", distribution="normal", seed=seed)


def he_uniform(seed=None):
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)


# Keras 2.0's lower-case aliases.
zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
identity = Identity
orthogonal = Orthogonal

_CLASSES = {c.__name__: c for c in (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
                                    VarianceScaling, Orthogonal, Identity)}


def serialize(initializer):
    return initializer._keras_config()


def deserialize(config, custom_objects=None):
    return _get("initializer", config, dict(_CLASSES, **(custom_objects or {})))


def get(identifier):
    return _get("initializer", identifier, _CLASSES)
