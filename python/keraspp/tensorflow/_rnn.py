"""tf.nn.rnn_cell / tf.contrib.rnn cells and tf.nn's recurrent networks (TF 1.1).

The cells and loops are the C++ core's (variables named as r1.1 names them:
`rnn/basic_lstm_cell/weights:0`, `biases:0`); here states get TF's Python
structure: a tensor for RNN and GRU cells, an LSTMStateTuple (c, h) for LSTM
cells, a tuple of the cells' states for a MultiRNNCell.
"""
import collections as _collections

from keraspp import _core
from keraspp.tensorflow import _nest

_rnn = _core._rnn


class LSTMStateTuple(_collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM cell's state: c [batch, num_units], h [batch, output size]."""
    __slots__ = ()

    @property
    def dtype(self):
        if self.c.dtype != self.h.dtype:
            raise TypeError("Inconsistent internal state: %s vs %s" % (self.c.dtype, self.h.dtype))
        return self.c.dtype


def _check_tanh(activation, cell):
    if activation is not None and activation is not _core.tanh and activation is not _core.nn.tanh:
        raise ValueError("%s: only the default activation (tanh) is supported" % cell)


def _check_tuple(state_is_tuple, cell):
    if not state_is_tuple:
        raise ValueError("%s: state_is_tuple=False (a concatenated state) is not supported" % cell)


class RNNCell(object):
    """Base of the cells: `output, new_state = cell(inputs, state)`."""

    def __init__(self, core_cell, reuse=None):
        self._cell = core_cell
        self._reuse = reuse

    @property
    def output_size(self):
        return self._cell.output_size

    @property
    def state_size(self):
        return self._pack_state(self._cell.state_size)

    @property
    def variables(self):
        return self._cell.variables

    def _num_state_tensors(self):
        return len(self._cell.state_size)

    def _pack_state(self, flat):
        return flat[0]

    def _flat_state(self, state):
        flat = _nest.flatten(state)
        if len(flat) != self._num_state_tensors():
            raise ValueError("%s expects a state of %d tensors, got %d: %s"
                             % (type(self).__name__, self._num_state_tensors(), len(flat), state))
        return [s.value() if isinstance(s, _core.Variable) else s for s in flat]

    def __call__(self, inputs, state, scope=None):
        from keraspp.tensorflow import variable_scope, get_variable_scope
        flat = self._flat_state(state)
        if scope is None and not self._reuse:
            out, new = self._cell.call(inputs, flat)
        else:
            with variable_scope(scope if scope is not None else get_variable_scope(), reuse=self._reuse):
                out, new = self._cell.call(inputs, flat)
        return out, self._pack_state(new)

    def zero_state(self, batch_size, dtype):
        return self._pack_state(self._cell.zero_state(batch_size, dtype))


class BasicRNNCell(RNNCell):
    """output = new_state = tanh(W [x, h] + b)."""

    def __init__(self, num_units, input_size=None, activation=None, reuse=None):
        _check_tanh(activation, "BasicRNNCell")
        super(BasicRNNCell, self).__init__(_rnn.BasicRNNCell(num_units), reuse)


class GRUCell(RNNCell):
    """Gated recurrent unit: gates/ (r, u) and candidate/ products."""

    def __init__(self, num_units, input_size=None, activation=None, reuse=None):
        _check_tanh(activation, "GRUCell")
        super(GRUCell, self).__init__(_rnn.GRUCell(num_units), reuse)


class BasicLSTMCell(RNNCell):
    """LSTM with forget_bias added to the forget gate; state LSTMStateTuple(c, h)."""

    def __init__(self, num_units, forget_bias=1.0, input_size=None, state_is_tuple=True, activation=None,
                 reuse=None):
        _check_tanh(activation, "BasicLSTMCell")
        _check_tuple(state_is_tuple, "BasicLSTMCell")
        super(BasicLSTMCell, self).__init__(_rnn.BasicLSTMCell(num_units, float(forget_bias)), reuse)

    def _pack_state(self, flat):
        return LSTMStateTuple(flat[0], flat[1])


class LSTMCell(RNNCell):
    """LSTM with optional peepholes and output projection; state LSTMStateTuple(c, m)."""

    def __init__(self, num_units, input_size=None, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias=1.0,
                 state_is_tuple=True, activation=None, reuse=None):
        _check_tanh(activation, "LSTMCell")
        _check_tuple(state_is_tuple, "LSTMCell")
        for arg, value in (("cell_clip", cell_clip), ("initializer", initializer), ("proj_clip", proj_clip)):
            if value is not None:
                raise ValueError("LSTMCell: %s is not supported" % arg)
        super(LSTMCell, self).__init__(
            _rnn.LSTMCell(num_units, use_peepholes=use_peepholes, num_proj=num_proj or 0,
                          forget_bias=float(forget_bias)), reuse)

    def _pack_state(self, flat):
        return LSTMStateTuple(flat[0], flat[1])


class MultiRNNCell(RNNCell):
    """Cells stacked (cell i in scope "cell_<i>"); state: a tuple of their states."""

    def __init__(self, cells, state_is_tuple=True):
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not _nest.is_sequence(cells):
            raise TypeError("cells must be a list or tuple, but saw: %s." % (cells,))
        _check_tuple(state_is_tuple, "MultiRNNCell")
        for c in cells:
            _check_cell(c)
        self._cells = list(cells)
        super(MultiRNNCell, self).__init__(_rnn.MultiRNNCell([c._cell for c in cells]))

    def _pack_state(self, flat):
        out, i = [], 0
        for c in self._cells:
            n = c._num_state_tensors()
            out.append(c._pack_state(list(flat[i:i + n])))
            i += n
        return tuple(out)


def _check_cell(cell, what="cell"):
    if not isinstance(cell, RNNCell):
        raise TypeError("%s must be an instance of RNNCell" % what)


def _scope_name(scope, default):
    if scope is None:
        return default
    return scope if isinstance(scope, str) else scope.name


def _initial_flat(cell, initial_state):
    return None if initial_state is None else cell._flat_state(initial_state)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory=False, time_major=False, scope=None):
    """inputs [batch, time, depth] ([time, batch, depth] when time_major) ->
    (outputs with depth = cell.output_size, final state), a tf.while_loop."""
    _check_cell(cell)
    outputs, state = _rnn.dynamic_rnn(cell._cell, inputs, sequence_length, _initial_flat(cell, initial_state),
                                      dtype, time_major, _scope_name(scope, "rnn"))
    return outputs, cell._pack_state(state)


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """inputs: a list of [batch, depth] tensors -> (a list of outputs, final state), unrolled."""
    _check_cell(cell)
    if not _nest.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs, state = _rnn.static_rnn(cell._cell, list(inputs), sequence_length, _initial_flat(cell, initial_state),
                                     dtype, _scope_name(scope, "rnn"))
    return outputs, cell._pack_state(state)


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """((output_fw, output_bw), (output_state_fw, output_state_bw)); the
    backward direction reverses each sequence within sequence_length."""
    _check_cell(cell_fw, "cell_fw")
    _check_cell(cell_bw, "cell_bw")
    if initial_state_fw is not None or initial_state_bw is not None:
        raise ValueError("bidirectional_dynamic_rnn: initial states are not supported; give dtype")
    outputs, states = _rnn.bidirectional_dynamic_rnn(cell_fw._cell, cell_bw._cell, inputs, sequence_length, None,
                                                     dtype, time_major, _scope_name(scope, "rnn"))
    return outputs, (cell_fw._pack_state(states[0]), cell_bw._pack_state(states[1]))
