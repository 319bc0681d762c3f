"""tf.cond, tf.case, tf.while_loop, tf.map_fn and tf.scan with Python callables.

The C++ core builds the functional ops (If, While) from flat lists of
tensors; here the nested structures TF 1.x accepts (lists, tuples,
namedtuples, TensorArrays) are flattened before and packed after, with TF's
structure checks and messages. A TensorArray travels as its flow tensor.
"""
from keraspp import _core
from keraspp._core import Tensor, TensorArray, Variable
from keraspp.tensorflow import _nest


def _to_tensor(value):
    """A leaf of a branch result or loop variable as a tensor."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Variable):
        return value.value()
    if isinstance(value, TensorArray):
        return value.flow
    return _core.constant(value)


def _from_tensors(templates, tensors):
    """Tensors back into the leaves they stood for (TensorArrays from flows)."""
    return [TensorArray(t.dtype, flow=v) if isinstance(t, TensorArray) else v
            for t, v in zip(templates, tensors)]


def _unpack_if_singleton(res):
    if isinstance(res, (list, tuple)) and len(res) == 1:
        return res[0]
    return res


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """tf.cond: true_fn()'s results when the scalar bool `pred` is true, else
    false_fn()'s. Only the branch taken runs; both are built."""
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if not callable(true_fn):
        raise TypeError("fn1 must be callable.")
    if not callable(false_fn):
        raise TypeError("fn2 must be callable.")
    results = {}

    def branch(fn, key):
        def build():
            res = fn()
            if res is None:
                raise ValueError("%s must have a return value." % key)
            results[key] = res
            return [_to_tensor(v) for v in _nest.flatten(res)]
        return build

    flat = _core._cond(pred, branch(true_fn, "fn1"), branch(false_fn, "fn2"), name or "cond")
    res_t, res_f = results["fn1"], results["fn2"]
    _nest.assert_same_structure(res_t, res_f)
    packed = _nest.pack_sequence_as(res_t, _from_tensors(_nest.flatten(res_t), flat))
    return packed if strict else _unpack_if_singleton(packed)


def case(pred_fn_pairs, default, exclusive=False, strict=False, name="case"):
    """tf.case: the fn of the first pair whose pred is true, else default's.
    Built as nested conds "If_<i>" under the `name` scope (TF 1.1's order);
    `exclusive` is accepted, and the first true predicate wins either way."""
    if isinstance(pred_fn_pairs, dict):
        pairs = list(pred_fn_pairs.items())
    elif isinstance(pred_fn_pairs, (list, tuple)):
        pairs = list(pred_fn_pairs)
    else:
        raise TypeError("fns must be a list, tuple, or dict")
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError("Each entry in pred_fn_pairs must be a 2-tuple")
        pred, fn = pair
        if not isinstance(pred, Tensor) or pred.dtype != _core.bool_:
            raise TypeError("pred must be of type bool: %s" % getattr(pred, "name", pred))
        if not callable(fn):
            raise TypeError("fn for pred %s must be callable." % pred.name)
    if not callable(default):
        raise TypeError("default must be callable.")

    def from_pair(i):
        if i == len(pairs):
            return default()
        return cond(pairs[i][0], pairs[i][1], lambda: from_pair(i + 1), strict=strict, name="If_%d" % i)

    from keraspp.tensorflow import name_scope
    with name_scope(name):
        return from_pair(0)


def _invariant(template, shape):
    """A loop variable's shape invariant (a TensorArray keeps its flow's)."""
    if isinstance(template, TensorArray):
        return template.flow.shape
    return shape if isinstance(shape, _core.TensorShape) else _core.TensorShape(shape)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None):
    """tf.while_loop: repeats loop_vars = body(*loop_vars) while cond(*loop_vars).

    loop_vars may nest lists, tuples, namedtuples and TensorArrays; body must
    return the same structure (TF's ValueError/TypeError otherwise). With one
    loop variable the result is that variable, as TF returns it."""
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if parallel_iterations < 1:
        raise TypeError("parallel_iterations must be a positive integer.")
    if not loop_vars:
        raise ValueError("No loop variables provided")
    structure = loop_vars if _nest.is_sequence(loop_vars) else [loop_vars]
    templates = _nest.flatten(structure)
    flat_vars = [_to_tensor(v) for v in templates]
    flat_invariants = None
    if shape_invariants is not None:
        _nest.assert_same_structure(loop_vars, shape_invariants)
        flat_invariants = [_invariant(t, s) for t, s in zip(templates, _nest.flatten(shape_invariants))]
    body_structure = []

    def packed(values):
        return _nest.pack_sequence_as(structure, _from_tensors(templates, values))

    def cond_flat(values):
        return _to_tensor(cond(*packed(values)))

    def body_flat(values):
        args = packed(values)
        res = body(*args)
        if not _nest.is_sequence(res):
            res = [res]
        _nest.assert_same_structure(list(args), list(res))
        body_structure[:] = [res]
        return [_to_tensor(v) for v in _nest.flatten(res)]

    out = _core._while_loop(cond_flat, body_flat, flat_vars, flat_invariants, parallel_iterations, back_prop,
                            maximum_iterations, name or "while")
    result = body_structure[0] if body_structure else structure
    packed_out = _nest.pack_sequence_as(result, _from_tensors(_nest.flatten(result), out))
    return packed_out[0] if len(out) == 1 else packed_out


def _rows(elems):
    """(row count, i -> the structure of elems' rows i) over TensorArrays."""
    flat = [_to_tensor(e) for e in _nest.flatten(elems)]
    if not flat:
        raise ValueError("elems must not be empty")
    n = _core.shape(flat[0])[0]
    arrays = [TensorArray(e.dtype, size=n).unstack(e) for e in flat]
    return n, lambda i: _nest.pack_sequence_as(elems, [ta.read(i) for ta in arrays])


def _map_nested(fn, elems, parallel_iterations, back_prop, name):
    """map_fn over nested elems or results, as the C++ map_fn builds it: the
    first row before the loop (it sizes the results), then a while_loop."""
    from keraspp.tensorflow import name_scope
    with name_scope(name):
        n, row = _rows(elems)
        first = fn(row(0))
        outs = [TensorArray(v.dtype, size=n).write(0, v) for v in map(_to_tensor, _nest.flatten(first))]

        def body(i, outs):
            res = [_to_tensor(v) for v in _nest.flatten(fn(row(i)))]
            return i + 1, [ta.write(i, r) for ta, r in zip(outs, res)]

        _, outs = while_loop(lambda i, outs: i < n, body, (1, outs), parallel_iterations=parallel_iterations,
                             back_prop=back_prop, name="while")
        return _nest.pack_sequence_as(first, [ta.stack() for ta in outs])


def _scan_nested(fn, elems, initializer, parallel_iterations, back_prop, name):
    """scan over nested elems or accumulators (a = fn(a, row)), as C++'s scan."""
    from keraspp.tensorflow import name_scope
    with name_scope(name):
        n, row = _rows(elems)
        a0 = row(0) if initializer is None else initializer
        a0 = _nest.pack_sequence_as(a0, [_to_tensor(v) for v in _nest.flatten(a0)])
        outs = [TensorArray(v.dtype, size=n).write(0, v) for v in _nest.flatten(a0)]

        def body(i, a, outs):
            a = fn(a, row(i))
            _nest.assert_same_structure(a0, a)
            flat = [_to_tensor(v) for v in _nest.flatten(a)]
            return i + 1, _nest.pack_sequence_as(a0, flat), [ta.write(i, v) for ta, v in zip(outs, flat)]

        start = 1 if initializer is None else 0
        _, _, outs = while_loop(lambda i, a, outs: i < n, body, (start, a0, outs),
                                parallel_iterations=parallel_iterations, back_prop=back_prop, name="while")
        return _nest.pack_sequence_as(a0, [ta.stack() for ta in outs])


def map_fn(fn, elems, dtype=None, parallel_iterations=10, back_prop=True, swap_memory=False,
           infer_shape=True, name=None):
    """tf.map_fn: fn applied to the rows of elems (a tensor or a nested
    structure of tensors with as many rows), results stacked."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    if _nest.is_sequence(elems) or _nest.is_sequence(dtype):
        return _map_nested(fn, elems, parallel_iterations, back_prop, name or "map")

    def single(row):
        res = fn(row)
        if _nest.is_sequence(res):
            raise TypeError("map_fn: fn returned a %s; pass dtype as the matching structure of dtypes"
                            % type(res).__name__)
        return res

    return _core._map_fn(single, elems, parallel_iterations, back_prop, name or "map")


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, name=None):
    """tf.scan: a = fn(a, row) over the rows of elems, each a stacked; elems
    and initializer may be nested structures."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    if _nest.is_sequence(elems) or _nest.is_sequence(initializer):
        return _scan_nested(fn, elems, initializer, parallel_iterations, back_prop, name or "scan")
    return _core._scan(fn, elems, initializer, parallel_iterations, back_prop, name or "scan")
