"""keras.optimizers: SGD(lr=0.01, ...), Adagrad(lr=0.01, ...), ... (Keras 2.0 names)."""
from keraspp._core.keras import (  # noqa: F401
    KerasOptimizer as Optimizer, SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam,
    get_optimizer as get,
)
