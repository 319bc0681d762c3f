"""keraspp.tensorflow control flow with Python callables: cond, case,
while_loop (nested loop vars), TensorArray, map_fn, scan, and gradients."""
import collections

import numpy as np
import pytest

import keraspp.tensorflow as tf


def test_cond_runs_only_the_branch_taken():
    pred = tf.placeholder(tf.bool, [])
    params = tf.constant([1.0, 2.0, 3.0])
    # The false branch gathers out of range: fetching it fails at run time,
    # so a result for pred=True proves that branch never ran.
    out = tf.cond(pred, lambda: params * 2.0, lambda: tf.gather(params, [7]))
    assert out.op.type == "If" and out.name == "cond/If:0"
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(out, {pred: True}), [2.0, 4.0, 6.0])
        with pytest.raises(tf.errors.InvalidArgumentError, match="not in"):
            sess.run(out, {pred: False})


def test_cond_packs_nested_results_and_checks_structures():
    x = tf.constant(3.0)
    a, (b, c) = tf.cond(x > 2.0, lambda: (x, (x + 1.0, [x * 2.0])), lambda: (-x, (x, [x])))
    with tf.Session() as sess:
        assert sess.run([a, b, c]) == [3.0, 4.0, [6.0]]
    with pytest.raises(ValueError, match="same number of results"):
        tf.cond(x > 2.0, lambda: (x, x), lambda: x)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.cond(x > 2.0, lambda: (x, [x]), lambda: (x, x))
    with pytest.raises(TypeError, match="fn1 must be callable"):
        tf.cond(x > 2.0, x, lambda: x)
    with pytest.raises(TypeError, match="pred"):
        tf.cond(tf.constant(1.0), lambda: x, lambda: x)


def test_cond_gradient_flows_through_the_branch_taken():
    x = tf.placeholder(tf.float32, [2])
    pred = tf.placeholder(tf.bool, [])
    y = tf.cond(pred, lambda: x * x, lambda: 3.0 * x)
    (dx,) = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(dx, {x: [1.0, 2.0], pred: True}), [2.0, 4.0])
        np.testing.assert_allclose(sess.run(dx, {x: [1.0, 2.0], pred: False}), [3.0, 3.0])


def test_case_takes_the_first_true_predicate():
    x = tf.placeholder(tf.int32, [])
    out = tf.case([(tf.less(x, 0), lambda: tf.constant(-1)), (tf.equal(x, 0), lambda: tf.constant(0))],
                  default=lambda: tf.constant(1))
    with tf.Session() as sess:
        assert [sess.run(out, {x: v}) for v in (-5, 0, 9)] == [-1, 0, 1]
    with pytest.raises(TypeError, match="must be callable"):
        tf.case([(tf.less(x, 0), 1)], default=lambda: tf.constant(1))
    with pytest.raises(TypeError, match="2-tuple"):
        tf.case([tf.less(x, 0)], default=lambda: tf.constant(1))


def test_while_loop_gradient_matches_finite_differences():
    x = tf.placeholder(tf.float64, [3])

    def body(i, acc):
        return i + 1, tf.tanh(acc * x) + acc

    _, out = tf.while_loop(lambda i, acc: i < 4, body, [tf.constant(0), x])
    loss = tf.reduce_sum(out * out)
    grad = tf.gradients(loss, [x])[0]
    x0 = np.array([0.3, -0.2, 0.5])
    with tf.Session() as sess:
        g = sess.run(grad, {x: x0})
        numeric = np.zeros(3)
        for k in range(3):
            e = np.zeros(3)
            e[k] = 1e-6
            numeric[k] = (sess.run(loss, {x: x0 + e}) - sess.run(loss, {x: x0 - e})) / 2e-6
    np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-7)


def test_while_loop_nested_loop_vars_tensor_array_and_maximum_iterations():
    Pair = collections.namedtuple("Pair", ["a", "b"])
    ta = tf.TensorArray(tf.float32, size=5, element_shape=[2])

    def body(i, pair, arr):
        arr = arr.write(i, tf.stack([pair.a, pair.b]))
        return i + 1, Pair(pair.b, pair.a + pair.b), arr

    i, pair, arr = tf.while_loop(lambda i, p, arr: i < 100, body,
                                 (tf.constant(0), Pair(tf.constant(0.0), tf.constant(1.0)), ta),
                                 maximum_iterations=5)
    assert isinstance(pair, Pair) and isinstance(arr, tf.TensorArray)
    stacked = arr.stack()
    single = tf.while_loop(lambda v: v < 10, lambda v: v * 2, [tf.constant(1)])
    growing = tf.while_loop(lambda s: tf.shape(s)[0] < 8, lambda s: tf.concat([s, s], 0), [tf.ones([1])],
                            shape_invariants=[tf.TensorShape([None])])
    with tf.Session() as sess:
        iv, pv, sv, one, grown = sess.run([i, pair, stacked, single, growing])
    assert iv == 5 and tuple(pv) == (5.0, 8.0)
    np.testing.assert_array_equal(sv, [[0, 1], [1, 1], [1, 2], [2, 3], [3, 5]])
    assert one == 16
    assert grown.shape == (8,)


def test_while_loop_errors_are_tfs_and_python_exceptions_propagate():
    v = tf.constant(1.0)

    class Boom(Exception):
        pass

    def exploding(x):
        raise Boom("from the body")

    with pytest.raises(Boom, match="from the body"):
        tf.while_loop(lambda x: x < 3.0, exploding, [v])
    with pytest.raises(Boom):
        tf.cond(v > 0.0, lambda: exploding(v), lambda: v)
    with pytest.raises(ValueError, match="don't have the same number of elements"):
        tf.while_loop(lambda a, b: a < 3.0, lambda a, b: [a + 1.0], [v, v])
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.while_loop(lambda a, b: a < 3.0, lambda a, b: (a + 1.0, [b]), (v, v))
    with pytest.raises(ValueError, match="invariant"):
        tf.while_loop(lambda s: tf.shape(s)[0] < 8, lambda s: tf.concat([s, s], 0), [tf.ones([1])])
    with pytest.raises(TypeError, match="cond must be callable"):
        tf.while_loop(True, lambda x: x, [v])
    with pytest.raises(TypeError, match="parallel_iterations must be a positive integer"):
        tf.while_loop(lambda x: x < 3.0, lambda x: x, [v], parallel_iterations=0)
    with pytest.raises(ValueError, match="No loop variables provided"):
        tf.while_loop(lambda: True, lambda: [], [])
    # The graph is still usable after a failed build.
    with tf.Session() as sess:
        assert sess.run(v + 1.0) == 2.0


def test_tensor_array_methods_and_gradients():
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2))
    ta = tf.TensorArray(tf.float32, size=3).unstack(x)
    ta2 = ta.write(1, tf.constant([10.0, 20.0]))
    scattered = tf.TensorArray(tf.float32, size=3, element_shape=[2]).scatter([2, 0], x[:2])
    loss = tf.reduce_sum(ta2.stack() * ta.read(2))
    (dx,) = tf.gradients(loss, [x])
    with tf.Session() as sess:
        got = sess.run([ta.read(1), ta2.stack(), ta.gather([2, 0]), ta.size(), scattered.stack(), dx])
    np.testing.assert_array_equal(got[0], [2, 3])
    np.testing.assert_array_equal(got[1], [[0, 1], [10, 20], [4, 5]])
    np.testing.assert_array_equal(got[2], [[4, 5], [0, 1]])
    assert got[3] == 3
    np.testing.assert_array_equal(got[4], [[2, 3], [0, 0], [0, 1]])
    # d/dx: row 0 and 2 through the stack (times row 2), row 2 also through read(2).
    np.testing.assert_allclose(got[5], [[4, 5], [0, 0], [4 + 0 + 10 + 4, 5 + 1 + 20 + 5]])
    with pytest.raises(TypeError, match="TensorArray dtype is float32"):
        ta.write(0, tf.constant([1, 2]))
    with pytest.raises(ValueError, match="no element shape"):
        tf.TensorArray(tf.float32, size=2).stack()
    with pytest.raises(ValueError, match="Size must be provided"):
        tf.TensorArray(tf.float32)


def test_map_fn_and_scan_with_gradients():
    x = tf.constant(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32))
    squares = tf.map_fn(lambda row: row * row, x)
    sums = tf.scan(lambda acc, row: acc + row, x)
    sums0 = tf.scan(lambda acc, row: acc * row, x, initializer=tf.ones([2]))
    (dx,) = tf.gradients(tf.reduce_sum(squares) + tf.reduce_sum(sums), [x])
    with tf.Session() as sess:
        sq, s, s0, g = sess.run([squares, sums, sums0, dx])
    xv = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_allclose(sq, xv * xv)
    np.testing.assert_allclose(s, np.cumsum(xv, 0))
    np.testing.assert_allclose(s0, np.cumprod(xv, 0))
    np.testing.assert_allclose(g, 2 * xv + np.array([[3.0], [2.0], [1.0]]))
    with pytest.raises(TypeError, match="fn must be callable"):
        tf.map_fn(3, x)
    with pytest.raises(TypeError, match="fn must be callable"):
        tf.scan(None, x)


def test_map_fn_and_scan_over_nested_structures():
    a = tf.constant(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32))
    b = tf.constant(np.array([10.0, 20.0, 30.0], dtype=np.float32))
    summed, scaled = tf.map_fn(lambda ab: (tf.reduce_sum(ab[0]) + ab[1], ab[0] * ab[1]), (a, b),
                               dtype=(tf.float32, tf.float32))
    total, count = tf.scan(lambda acc, ab: (acc[0] + ab[0], acc[1] + 1.0), (a, b),
                           initializer=(tf.zeros([2]), tf.constant(0.0)))
    (da,) = tf.gradients(tf.reduce_sum(summed) + tf.reduce_sum(scaled) + tf.reduce_sum(total), [a])
    with tf.Session() as sess:
        s, sc, t, c, g = sess.run([summed, scaled, total, count, da])
    av, bv = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(s, av.sum(1) + bv)
    np.testing.assert_allclose(sc, av * bv[:, None])
    np.testing.assert_allclose(t, np.cumsum(av, 0))
    np.testing.assert_allclose(c, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(g, np.ones((3, 2)) + bv[:, None] + np.array([[3.0], [2.0], [1.0]]))
    with pytest.raises(ValueError, match="same number of elements"):
        tf.scan(lambda acc, ab: acc[0], (a, b), initializer=(tf.zeros([2]), tf.constant(0.0)))
