"""keras.regularizers (Keras 2.0): L1L2 and l1 / l2 / l1_l2. Layers take
them as *_regularizer arguments (through their configs); calling one on a
weight gives its penalty, so add_weight takes them too."""
from keraspp.keras import backend as K
from keraspp.keras._config_object import ConfigObject
from keraspp.keras._config_object import get as _get


class Regularizer(ConfigObject):
    def __call__(self, x):
        return 0.


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2)."""

    def __init__(self, l1=0., l2=0.):
        super().__init__(l1=float(l1), l2=float(l2))
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = K.sum(K.abs(x)) * self.l1
        if self.l2:
            term = K.sum(K.square(x)) * self.l2
            penalty = term if penalty is None else penalty + term
        return penalty if penalty is not None else K.sum(x) * 0.0


def l1(l=0.01):  # noqa: E741 - Keras's name
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741 - Keras's name
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811
    return L1L2(l1=l1, l2=l2)


_CLASSES = {"L1L2": L1L2}


def serialize(regularizer):
    return regularizer._keras_config()


def deserialize(config, custom_objects=None):
    return _get("regularizer", config, dict(_CLASSES, **(custom_objects or {})))


def get(identifier):
    return _get("regularizer", identifier, _CLASSES)
