"""`import keraspp.tensorflow as tf`: the TensorFlow 1.x graph API.

Sessions, scopes and nested fetches are Python here; graphs, ops, kernels
and training run in the C++ core (keraspp._core) with the GIL released.
"""
import contextlib as _contextlib
import sys as _sys
import types as _types

import numpy as _np

from keraspp import _core
from keraspp._core import (  # noqa: F401
    DType, Graph, Operation, Tensor, TensorShape, Variable, VariableScope, ConfigProto,
    float32, float64, int32, int64, uint8, bool_ as bool,
    placeholder, constant, get_variable, cast, reshape, identity, zeros, ones, concat,
    add, subtract, multiply, divide, maximum, minimum, pow, equal, not_equal, less, less_equal,
    greater, greater_equal, squared_difference, exp, log, sqrt, square, abs, negative, sigmoid, tanh,
    matmul, reduce_sum, reduce_mean, reduce_max, argmax, gradients,
    zeros_initializer, ones_initializer, constant_initializer, random_uniform_initializer,
    random_normal_initializer, truncated_normal_initializer, glorot_uniform_initializer,
    glorot_normal_initializer,
    global_variables, trainable_variables, local_variables, global_variables_initializer,
    local_variables_initializer, variables_initializer, get_variable_scope,
    get_default_graph, reset_default_graph,
    nn, layers, losses, train,
    pad, split, tile, squeeze, slice, strided_slice, reverse, reverse_sequence, stack, unstack, transpose,
    expand_dims, gather, one_hot, sequence_mask, shape, where, stop_gradient, zeros_like, ones_like, add_n,
    no_op, group, add_to_collection, TensorArray,
)
from keraspp.tensorflow import errors  # noqa: F401
from keraspp.tensorflow._control_flow import cond, case, while_loop, map_fn, scan  # noqa: F401
from keraspp.tensorflow import _rnn

newaxis = None

_session_stack = []


def get_default_session():
    """The innermost `with Session()` / `as_default()` session, or None."""
    return _session_stack[-1] if _session_stack else None


def _flatten_fetches(fetch, graph, ops, tensors):
    """Replaces each leaf of a nested fetch by a rebuild recipe."""
    if isinstance(fetch, (list, tuple)):
        items = [_flatten_fetches(f, graph, ops, tensors) for f in fetch]
        return ("seq", type(fetch), items)
    if isinstance(fetch, dict):
        return ("dict", type(fetch), {k: _flatten_fetches(v, graph, ops, tensors) for k, v in fetch.items()})
    if isinstance(fetch, str):
        fetch = graph.get_tensor_by_name(fetch) if ":" in fetch else graph.get_operation_by_name(fetch)
    if isinstance(fetch, Operation):
        ops.append(fetch)
        return ("op",)
    if isinstance(fetch, Variable):
        fetch = fetch.value()
    if isinstance(fetch, Tensor):
        tensors.append(fetch)
        return ("tensor", len(tensors) - 1)
    raise TypeError("Fetch argument %r has invalid type %r, must be a string or Tensor. "
                    "(Can not convert a %s into a Tensor or Operation.)"
                    % (fetch, type(fetch), type(fetch).__name__))


def _rebuild(recipe, values):
    kind = recipe[0]
    if kind == "op":
        return None
    if kind == "tensor":
        v = values[recipe[1]]
        return v[()] if v.ndim == 0 else v
    if kind == "dict":
        return recipe[1]((k, _rebuild(r, values)) for k, r in recipe[2].items())
    items = [_rebuild(r, values) for r in recipe[2]]
    if recipe[1] in (list, tuple):
        return recipe[1](items)
    return recipe[1](*items)  # a namedtuple


class Session:
    """tf.Session: `with tf.Session() as sess: sess.run(fetches, feed_dict)`."""

    def __init__(self, target="", graph=None, config=None):
        self._session = _core._Session(graph, config)
        self._contexts = []
        self._closed = False

    @property
    def graph(self):
        return self._session.graph

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if type(fetches) is Tensor:  # the common case, without the fetch recipe
            v = self._session._run1(fetches, feed_dict)
            return v[()] if v.ndim == 0 else v
        ops, tensors = [], []
        recipe = _flatten_fetches(fetches, self.graph, ops, tensors)
        values = self._session._run(ops, tensors, feed_dict)
        return _rebuild(recipe, values)

    def close(self):
        if not self._closed:
            self._session.close()
            self._closed = True

    @_contextlib.contextmanager
    def as_default(self):
        ctx = _core._SessionDefault(self._session)
        ctx.enter()
        _session_stack.append(self)
        try:
            yield self
        finally:
            _session_stack.pop()
            ctx.exit()

    def __enter__(self):
        cm = self.as_default()
        cm.__enter__()
        self._contexts.append(cm)
        return self

    def __exit__(self, exc_type, exc, tb):
        self._contexts.pop().__exit__(exc_type, exc, tb)
        self.close()
        return False


InteractiveSession = Session


def _session_for(session, what):
    session = session or get_default_session()
    if session is None:
        raise ValueError("Cannot %s: No default session is registered. Use `with sess.as_default()` "
                         "or pass an explicit session to `%s(session=sess)`" % what)
    return session


def _tensor_eval(self, feed_dict=None, session=None):
    return _session_for(session, ("evaluate tensor using `eval()`", "eval")).run(self, feed_dict)


def _operation_run(self, feed_dict=None, session=None):
    _session_for(session, ("execute operation using `run()`", "run")).run(self, feed_dict)


def _variable_eval(self, session=None):
    return _session_for(session, ("evaluate tensor using `eval()`", "eval")).run(self.value())


Tensor.eval = _tensor_eval
Operation.run = _operation_run
Variable.eval = _variable_eval


@_contextlib.contextmanager
def _graph_as_default(self):
    ctx = _core._GraphDefault(self)
    ctx.enter()
    try:
        yield self
    finally:
        ctx.exit()


Graph.as_default = _graph_as_default


@_contextlib.contextmanager
def name_scope(name, default_name=None, values=None):
    """`with tf.name_scope('a') as scope:` yields 'a/'."""
    ctx = _core._NameScope(name if name is not None else (default_name or ""))
    full = ctx.enter()
    try:
        yield full
    finally:
        ctx.exit()


@_contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None):
    """`with tf.variable_scope('mlp', reuse=True) as vs:` yields the VariableScope."""
    if regularizer is not None or custom_getter is not None or partitioner is not None:
        raise NotImplementedError("variable_scope: regularizer/partitioner/custom_getter are not supported yet")
    ctx = _core._VariableScope(name_or_scope, default_name, reuse, initializer, dtype)
    scope = ctx.enter()
    try:
        yield scope
    finally:
        ctx.exit()


def convert_to_tensor(value, dtype=None, name=None):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Variable):
        return value.value()
    return constant(value, dtype=dtype, name=name)


class GraphKeys:
    GLOBAL_VARIABLES = "variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    UPDATE_OPS = "update_ops"
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"


_variable_collections = {
    GraphKeys.GLOBAL_VARIABLES: global_variables,
    GraphKeys.TRAINABLE_VARIABLES: trainable_variables,
    GraphKeys.LOCAL_VARIABLES: local_variables,
}


def _graph_get_collection(self, name, scope=None):
    """The collection's items in the order added (tensors, operations,
    variables), those whose name re.match()es `scope` when given."""
    if name in _variable_collections:
        with self.as_default():
            items = _variable_collections[name]()
    else:
        items = _core._collection_items(self, name)
    if scope is None:
        return items
    import re
    return [item for item in items if re.match(scope, item.name)]


Graph.get_collection = _graph_get_collection


def get_collection(key, scope=None):
    """tf.get_collection: `tf.get_collection(tf.GraphKeys.UPDATE_OPS)`."""
    return get_default_graph().get_collection(key, scope)


@_contextlib.contextmanager
def control_dependencies(control_inputs):
    """`with tf.control_dependencies(ops):` ops built inside run after `ops`;
    None clears the enclosing dependencies."""
    ctx = _core._ControlDependencies(control_inputs)
    ctx.enter()
    try:
        yield
    finally:
        ctx.exit()


def _graph_control_dependencies(self, control_inputs):
    return control_dependencies(control_inputs)


Graph.control_dependencies = _graph_control_dependencies


def _module(name, doc=None, **attrs):
    m = _types.ModuleType(name, doc)
    m.__dict__.update(attrs)
    _sys.modules[name] = m
    return m


# Long import paths the seed uses: tf.contrib.keras, tensorflow.contrib.keras.python.keras.*,
# tensorflow.examples.tutorials.mnist.input_data, tensorflow.python.layers.layers.
from keraspp import keras as _keras  # noqa: E402
from keraspp.tensorflow import _mnist_input_data  # noqa: E402

_base = __name__
contrib = _module(_base + ".contrib")
contrib.keras = _module(_base + ".contrib.keras", **{k: getattr(_keras, k) for k in _keras.__all__})
contrib.keras.python = _module(_base + ".contrib.keras.python", keras=_keras)
_sys.modules[_base + ".contrib.keras.python.keras"] = _keras
for _name in _keras.__all__:
    _sys.modules[_base + ".contrib.keras.python.keras." + _name] = getattr(_keras, _name)
    _sys.modules[_base + ".contrib.keras." + _name] = getattr(_keras, _name)
_sys.modules[_base + ".contrib.keras.python.keras.utils.np_utils"] = _keras.utils.np_utils
_sys.modules[_base + ".contrib.keras.python.keras.datasets.mnist"] = _keras.datasets.mnist

examples = _module(_base + ".examples")
examples.tutorials = _module(_base + ".examples.tutorials")
examples.tutorials.mnist = _module(_base + ".examples.tutorials.mnist", input_data=_mnist_input_data)
_sys.modules[_base + ".examples.tutorials.mnist.input_data"] = _mnist_input_data

# tf.nn's recurrent networks and cells (tf.nn.rnn_cell, tf.contrib.rnn).
_rnn_cells = {k: getattr(_rnn, k) for k in ("RNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell",
                                             "MultiRNNCell", "LSTMStateTuple")}
nn.rnn_cell = _module(_base + ".nn.rnn_cell", **_rnn_cells)
for _name in ("dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn"):
    setattr(nn, _name, getattr(_rnn, _name))
contrib.rnn = _module(_base + ".contrib.rnn", static_rnn=_rnn.static_rnn, **_rnn_cells)

python = _module(_base + ".python")
python.layers = _module(_base + ".python.layers")
python.layers.layers = layers
_sys.modules[_base + ".python.layers.layers"] = layers
_sys.modules[_base + ".nn"] = nn
_sys.modules[_base + ".layers"] = layers
_sys.modules[_base + ".losses"] = losses
_sys.modules[_base + ".train"] = train
