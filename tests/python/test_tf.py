"""keraspp.tensorflow: sessions, nested fetches, scopes, operators, printing."""
import threading
import time

import numpy as np
import pytest

import keraspp.tensorflow as tf


def test_session_runs_nested_fetches_with_feed_dict():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable([[1.0], [2.0]], name="w")
    y = tf.matmul(x, w)
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        assert sess.run(init) is None
        out = sess.run({"y": y, "pair": (y, [w])}, feed_dict={x: [[1.0, 1.0]]})
    assert isinstance(out, dict) and isinstance(out["pair"], tuple) and isinstance(out["pair"][1], list)
    np.testing.assert_array_equal(out["y"], [[3.0]])
    np.testing.assert_array_equal(out["pair"][1][0], [[1.0], [2.0]])
    assert out["y"].dtype == np.float32


def test_eval_and_run_use_the_default_session_and_scalars_come_back_as_numpy_scalars():
    a = tf.placeholder(tf.float32, [None])
    mean = tf.reduce_mean(a)
    with tf.Session():
        v = mean.eval({a: np.array([1.0, 2.0, 3.0], dtype=np.float32)})
    assert isinstance(v, np.float32) and v == 2.0
    with pytest.raises(ValueError, match="No default session"):
        mean.eval({a: [1.0]})


def test_operators_on_tensors_and_variables_with_python_scalars():
    v = tf.Variable(np.array([1.0, 2.0], dtype=np.float32), name="v")
    t = tf.constant([10.0, 20.0])
    exprs = [v + 1.0, 2.0 * v, t - v, v / 2.0, -v, t * t]
    with tf.Session() as sess:
        sess.run(v.initializer)
        got = sess.run(exprs)
    want = [[2, 3], [2, 4], [9, 18], [0.5, 1], [-1, -2], [100, 400]]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w)


def test_repr_is_tfs():
    x = tf.placeholder(tf.float32, [None, 784])
    assert repr(x) == 'Tensor("Placeholder:0", shape=(?, 784), dtype=float32)'
    with tf.variable_scope("mlp"):
        w = tf.get_variable("w", [784, 10])
    assert str(w) == "<tf.Variable 'mlp/w:0' shape=(784, 10) dtype=float32_ref>"
    assert x.get_shape().as_list() == [None, 784]


def test_scopes_as_context_managers():
    g = tf.Graph()
    with g.as_default():
        assert tf.get_default_graph() == g
        with tf.variable_scope("outer") as vs:
            assert vs.name == "outer"
            with tf.name_scope("ns") as ns:
                c = tf.constant(1.0, name="c")
            a = tf.get_variable("a", [1])
        with tf.variable_scope("outer", reuse=True):
            again = tf.get_variable("a", [1])
    assert ns == "outer/ns/"
    assert c.name == "outer/ns/c:0"
    assert a == again
    assert tf.get_default_graph() != g


def test_tf_layers_dense_reuse_and_adagrad_training_lowers_the_loss():
    x = tf.placeholder(tf.float32, [None, 4])
    y_ = tf.placeholder(tf.float32, [None, 2])
    # Positive weights on positive inputs: no relu unit starts dead, so the
    # loss must fall whatever the unseeded draw (a dead start left it flat).
    with tf.variable_scope("m", initializer=tf.random_uniform_initializer(0.1, 0.5)):
        logits = tf.layers.dense(x, 2, activation=tf.nn.relu, name="d")
    with tf.variable_scope("m", reuse=True):
        logits2 = tf.layers.dense(x, 2, activation=tf.nn.relu, name="d")
    loss = tf.losses.softmax_cross_entropy(y_, logits)
    train = tf.train.AdagradOptimizer(0.5).minimize(loss)
    rng = np.random.RandomState(0)
    xs = rng.rand(16, 4).astype(np.float32)
    ys = np.eye(2, dtype=np.float32)[(xs[:, 0] > 0.5).astype(int)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        l0 = sess.run(loss, {x: xs, y_: ys})
        for _ in range(30):
            train.run(feed_dict={x: xs, y_: ys})
        l1, a, b = sess.run([loss, logits, logits2], {x: xs, y_: ys})
    assert l1 < l0
    np.testing.assert_array_equal(a, b)
    names = [v.name for v in tf.global_variables()]
    assert names == ["m/d/kernel:0", "m/d/bias:0", "m/d/kernel/Adagrad:0", "m/d/bias/Adagrad:0"]


def test_session_run_releases_the_gil():
    # A Python thread keeps counting while another thread's session runs.
    x = tf.placeholder(tf.float32, [None, 256])
    y = x
    for _ in range(40):
        y = tf.matmul(y, tf.constant(np.eye(256, dtype=np.float32) * 0.5))
    data = np.ones((256, 256), np.float32)
    sess = tf.Session()
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.0005)

    t = threading.Thread(target=count)
    t.start()
    start = time.time()
    while time.time() - start < 0.5:
        sess._session._run([], [y], {x: data})
    stop.set()
    t.join()
    assert len(ticks) > 20


def test_tf_errors_classes_and_messages():
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)
    x = tf.placeholder(tf.float32, [None, 2], name="needed")
    y = x * 2.0
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="needed"):
            sess.run(y)
        w = tf.Variable([1.0], name="uninit")
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninit"):
            sess.run(w)
