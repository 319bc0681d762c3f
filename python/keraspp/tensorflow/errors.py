"""tf.errors: the TF error classes (all subclasses of OpError)."""
from keraspp._core import (  # noqa: F401
    OpError, InvalidArgumentError, NotFoundError, AlreadyExistsError, FailedPreconditionError,
    OutOfRangeError, UnimplementedError, InternalError, ResourceExhaustedError, DataLossError,
)
