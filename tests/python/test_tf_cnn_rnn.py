"""keraspp.tensorflow: tf.nn / tf.layers CNNs and RNNs, array ops and slicing."""
import numpy as np
import pytest

import keraspp.tensorflow as tf


def _images(n, rng):
    """[n, 8, 8, 1] images; class 1 when the left half is brighter."""
    x = rng.rand(n, 8, 8, 1).astype(np.float32)
    y = (x[:, :, :4].mean(axis=(1, 2, 3)) > x[:, :, 4:].mean(axis=(1, 2, 3))).astype(np.int32)
    return x, y


def test_tf_layers_cnn_with_batch_norm_update_ops_trains():
    x = tf.placeholder(tf.float32, [None, 8, 8, 1], name="x")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    training = tf.placeholder(tf.bool, [], name="training")
    h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.batch_normalization(h, momentum=0.8, training=training)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.separable_conv2d(h, 4, (3, 3), padding="same")
    h = tf.layers.average_pooling2d(h, 2, 2)
    logits = tf.layers.dense(tf.layers.flatten(h), 2)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert [op.name for op in update_ops] == ["batch_normalization/AssignMovingAvg",
                                              "batch_normalization/AssignMovingAvg_1"]
    with tf.control_dependencies(update_ops):
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
    assert [v.name for v in tf.trainable_variables()][:4] == [
        "conv2d/kernel:0", "conv2d/bias:0", "batch_normalization/beta:0", "batch_normalization/gamma:0"]
    moving_mean = [v for v in tf.global_variables() if v.name == "batch_normalization/moving_mean:0"][0]
    rng = np.random.RandomState(0)
    xs, ys = _images(64, rng)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xs, labels: ys, training: True})
        for _ in range(40):
            sess.run(train, {x: xs, labels: ys, training: True})
        last = sess.run(loss, {x: xs, labels: ys, training: True})
        inference = sess.run(loss, {x: xs, labels: ys, training: False})
        mm = sess.run(moving_mean)
    print(first, last, inference)
    assert last < first * 0.7 and inference < first * 0.7
    # The train op ran the moving-average updates it depends on.
    assert np.all(mm != 0.0)


def test_tf_layers_classes_share_variables_across_calls():
    a = tf.placeholder(tf.float32, [None, 6, 6, 2])
    b = tf.placeholder(tf.float32, [None, 6, 6, 2])
    conv = tf.layers.Conv2D(3, 3, padding="same", name="shared")
    ya, yb = conv(a), conv.apply(b)
    assert conv.name == "shared" and conv.kernel.name == "shared/kernel:0"
    assert len(tf.trainable_variables()) == 2
    up = tf.layers.Conv2DTranspose(2, 3, strides=2, padding="same")(ya)
    assert up.get_shape().as_list() == [None, 12, 12, 2]
    bn = tf.layers.BatchNormalization(axis=-1, momentum=0.9)
    z = bn(yb, training=True)
    assert [op.name for op in bn.updates] == ["batch_normalization/AssignMovingAvg",
                                              "batch_normalization/AssignMovingAvg_1"]
    pooled = tf.layers.MaxPooling2D(2, 2)(z)
    assert pooled.get_shape().as_list() == [None, 3, 3, 3]
    # TF's positional order after the required arguments.
    same = tf.layers.conv2d(a, 5, 3, (2, 2), "same", name="positional")
    assert same.get_shape().as_list() == [None, 3, 3, 5] and same.name.startswith("positional/")
    assert tf.layers.max_pooling2d(a, 2, 2, "same").get_shape().as_list() == [None, 3, 3, 2]


def test_tf_nn_conv_pool_and_batch_norm_match_numpy():
    rng = np.random.RandomState(2)
    xv = rng.randn(2, 5, 5, 3).astype(np.float32)
    wv = rng.randn(3, 3, 3, 4).astype(np.float32)
    x, w = tf.constant(xv), tf.constant(wv)
    conv = tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="VALID", data_format=None)  # None: NHWC
    pooled = tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    avg = tf.nn.avg_pool(x, [1, 5, 5, 1], [1, 1, 1, 1], "VALID")
    mean, var = tf.nn.moments(x, axes=[0, 1, 2])
    bn = tf.nn.batch_normalization(x, mean, var, None, None, 1e-3)
    y, bmean, _ = tf.nn.fused_batch_norm(x, tf.ones([3]), tf.zeros([3]), epsilon=1e-3)
    biased = tf.nn.bias_add(tf.transpose(x, [0, 3, 1, 2]), tf.constant([1.0, 2.0, 3.0]), data_format="NCHW")
    with tf.Session() as sess:
        got = sess.run([conv, pooled, avg, mean, bn, y, bmean, biased])
    want = np.zeros((2, 3, 3, 4), np.float32)
    for i in range(3):
        for j in range(3):
            want[:, i, j] = np.tensordot(xv[:, i:i + 3, j:j + 3], wv, axes=3)
    np.testing.assert_allclose(got[0], want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[1], xv[:, :4, :4].reshape(2, 2, 2, 2, 2, 3).max(axis=(2, 4)), rtol=1e-6)
    np.testing.assert_allclose(got[2][:, 0, 0], xv.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(got[3], xv.mean(axis=(0, 1, 2)), rtol=1e-5, atol=1e-6)
    normalized = (xv - xv.mean(axis=(0, 1, 2))) / np.sqrt(xv.var(axis=(0, 1, 2)) + 1e-3)
    np.testing.assert_allclose(got[4], normalized, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[5], normalized, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[7], xv.transpose(0, 3, 1, 2) + np.array([1, 2, 3]).reshape(1, 3, 1, 1),
                               rtol=1e-6)


def test_dynamic_rnn_with_basic_lstm_cell_has_tf11_names_and_lstm_values(capsys):
    x = tf.placeholder(tf.float32, [None, 4, 3], name="x")
    cell = tf.nn.rnn_cell.BasicLSTMCell(5)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    for v in tf.global_variables():
        print(v.name, v.get_shape())
    assert capsys.readouterr().out == ("rnn/basic_lstm_cell/weights:0 (8, 20)\n"
                                       "rnn/basic_lstm_cell/biases:0 (20,)\n")
    assert isinstance(state, tf.nn.rnn_cell.LSTMStateTuple) and state.dtype == tf.float32
    assert outputs.get_shape().as_list() == [None, 4, 5]
    rng = np.random.RandomState(3)
    xv = rng.randn(2, 4, 3).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, (c, h), w, b = sess.run([outputs, state, cell.variables[0], cell.variables[1]], {x: xv})
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    cv, hv = np.zeros((2, 5)), np.zeros((2, 5))
    for t in range(4):
        i, j, f, o = np.split(np.concatenate([xv[:, t], hv], 1) @ w + b, 4, axis=1)
        cv = cv * sig(f + 1.0) + sig(i) * np.tanh(j)
        hv = np.tanh(cv) * sig(o)
        np.testing.assert_allclose(out[:, t], hv, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c, cv, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h, hv, rtol=1e-4, atol=1e-5)


def test_multi_rnn_cell_states_static_and_bidirectional_rnn():
    x = tf.placeholder(tf.float32, [2, 3, 4])
    multi = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.GRUCell(3), tf.contrib.rnn.LSTMCell(2)])
    outputs, state = tf.nn.dynamic_rnn(multi, x, dtype=tf.float32, scope="deep")
    assert isinstance(state, tuple) and len(state) == 2
    assert isinstance(state[1], tf.contrib.rnn.LSTMStateTuple)
    assert [v.name for v in multi.variables][0] == "deep/multi_rnn_cell/cell_0/gru_cell/gates/weights:0"
    basic = tf.nn.rnn_cell.BasicRNNCell(3)
    steps = tf.unstack(x, axis=1)
    with tf.variable_scope("unrolled"):
        static_out, static_state = tf.contrib.rnn.static_rnn(basic, steps, dtype=tf.float32)
    with tf.variable_scope("unrolled", reuse=True):
        loop_out, loop_state = tf.nn.dynamic_rnn(basic, x, dtype=tf.float32)
    (fw, bw), (sfw, sbw) = tf.nn.bidirectional_dynamic_rnn(
        tf.nn.rnn_cell.BasicLSTMCell(2), tf.nn.rnn_cell.BasicLSTMCell(2), x, sequence_length=[3, 2],
        dtype=tf.float32)
    xv = np.random.RandomState(4).randn(2, 3, 4).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        so, lo, ss, ls, bwv = sess.run([tf.stack(static_out, 1), loop_out, static_state, loop_state, bw], {x: xv})
    np.testing.assert_allclose(so, lo, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ss, ls, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bwv[1, 2], [0.0, 0.0])  # past the sequence's length


def test_array_ops_and_strided_slicing_match_numpy():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t = tf.constant(a)
    v = tf.Variable(a)
    fetches = [t[1], t[:, 1:, ::2], t[..., -1], t[:, tf.newaxis, 0], v[0, 1:2],
               tf.tile(t[0], [2, 1]), tf.squeeze(t[:, :1], axis=[1]), tf.slice(t, [0, 1, 1], [1, -1, 2]),
               tf.gather(t, [1, 0, 1]), tf.one_hot([0, 2], 3), tf.sequence_mask([1, 3], 4),
               tf.reverse(t, [2]), tf.reverse_sequence(t, [2, 3], seq_axis=1, batch_axis=0),
               tf.stack([t[0], t[1]], axis=1), tf.unstack(t, axis=2)[3], tf.concat([t, a, v], -1),
               tf.split(t, [1, 3], axis=2)[1], tf.nn.embedding_lookup(tf.constant(a[0]), [[2, 0]])]
    with tf.Session() as sess:
        sess.run(v.initializer)
        got = sess.run(fetches)
    rs = a.copy()
    rs[0, :2] = rs[0, 1::-1]
    rs[1] = rs[1, ::-1]
    want = [a[1], a[:, 1:, ::2], a[..., -1], a[:, np.newaxis, 0], a[0, 1:2], np.tile(a[0], [2, 1]),
            a[:, 0], a[:1, 1:, 1:3], a[[1, 0, 1]], np.eye(3)[[0, 2]], np.arange(4) < np.array([[1], [3]]),
            a[:, :, ::-1], rs, np.stack([a[0], a[1]], 1), a[:, :, 3], np.concatenate([a, a, a], -1),
            a[:, :, 1:], a[0][[[2, 0]]]]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(TypeError, match="not iterable"):
        iter(t)


def test_tensor_indices_in_subscripts_and_loop_bodies():
    a = np.arange(30, dtype=np.float32).reshape(10, 3)
    x = tf.constant(a)
    j = tf.placeholder(tf.int32, [])
    n, total = tf.while_loop(lambda i, t: i < 10, lambda i, t: (i + 1, t + x[i]), (0, tf.zeros_like(x[0])))
    with tf.Session() as sess:
        got = sess.run([x[j], x[:, j], x[1:3, tf.newaxis, j], x[..., j], x[j, 1:], n, total], {j: 2})
    want = [a[2], a[:, 2], a[1:3, np.newaxis, 2], a[..., 2], a[2, 1:], 10, a.sum(axis=0)]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_new_tf_nn_and_layers_functions_raise_tf_error_classes():
    x = tf.placeholder(tf.float32, [None, 4, 4, 2])
    w = tf.zeros([3, 3, 2, 2])
    with pytest.raises(ValueError):
        tf.nn.conv2d(x, w, [1, 1, 1, 1], "SOMETIMES")
    with pytest.raises(TypeError):
        tf.nn.conv2d(x, w, "1111", "SAME")
    with pytest.raises(ValueError):
        tf.nn.max_pool(x, [1, 2, 2], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError):
        tf.nn.avg_pool(x, [2, 2, 2, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError):
        tf.nn.depthwise_conv2d(x, tf.zeros([3, 3, 5, 1]), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError):
        tf.nn.conv2d_transpose(x, tf.zeros([3, 3, 2, 5]), [1, 4, 4, 2], [1, 1, 1, 1])
    with pytest.raises(ValueError):
        tf.nn.conv1d(tf.zeros([1, 5, 2]), tf.zeros([3, 4, 1]), 1, "SAME")
    with pytest.raises(ValueError):
        tf.nn.fused_batch_norm(tf.zeros([2, 3]), tf.ones([3]), tf.zeros([3]))
    with pytest.raises(ValueError):
        tf.nn.moments(tf.zeros([2, 3]), axes=[4])
    with pytest.raises(ValueError):
        tf.layers.conv2d(x, 2, 3, padding="bogus")
    with pytest.raises(TypeError, match="Keyword argument not understood: kernal_size"):
        tf.layers.conv2d(x, 2, 3, kernal_size=3)
    with pytest.raises(TypeError, match="not understood"):
        tf.layers.batch_normalization(x, trainig=True)
    with pytest.raises(ValueError):
        tf.layers.max_pooling2d(x, (2, 2, 2), 2)
    with pytest.raises(TypeError, match="multiple values for argument 'padding'"):
        tf.layers.max_pooling2d(x, 2, 2, "same", padding="valid")
    with pytest.raises(TypeError, match="at most"):
        tf.layers.average_pooling2d(x, 2, 2, "same", "channels_last", "p", "extra")
    with pytest.raises(TypeError, match="cell must be an instance of RNNCell"):
        tf.nn.dynamic_rnn("lstm", tf.zeros([1, 2, 3]), dtype=tf.float32)
    with pytest.raises(ValueError, match="you must give a dtype"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(2), tf.zeros([1, 2, 3]))
    with pytest.raises(ValueError):
        tf.nn.rnn_cell.BasicLSTMCell(3, state_is_tuple=False)


def test_new_array_ops_raise_tf_error_classes():
    t = tf.constant(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError):
        tf.pad(t, [[1, 1], [0, 0]], mode="REFLECT")
    with pytest.raises(ValueError):
        tf.pad(t, [1, 1])
    with pytest.raises(ValueError):
        tf.split(t, 2, axis=1)
    with pytest.raises(TypeError):
        tf.tile(t, "ab")
    with pytest.raises(ValueError):
        tf.squeeze(t, axis=[0])
    with pytest.raises(ValueError):
        tf.slice(t, [0, 0, 0], [1, 1, 1])
    with pytest.raises(TypeError, match="valid indices"):
        t[1.5]
    with pytest.raises(ValueError, match="out of bounds"):
        t[7]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.one_hot([1], -1)
    with pytest.raises(ValueError, match="maxlen"):
        tf.sequence_mask(tf.constant([1, 2]))
    with pytest.raises(ValueError):
        tf.stack([t, tf.zeros([3, 2])])
    with pytest.raises(ValueError, match="Cannot infer num"):
        tf.unstack(tf.placeholder(tf.float32, [None, 2]))
    with pytest.raises(ValueError):
        tf.concat([], 0)
    with pytest.raises(TypeError):
        tf.stack(t)
    with pytest.raises(TypeError):
        tf.unstack(t, num="two")
    with pytest.raises(TypeError):
        t["a":]
    with pytest.raises(TypeError):
        tf.layers.max_pooling2d(tf.zeros([1, 4, 4, 1]), 2, 2, padding=3)
    with pytest.raises(ValueError):
        tf.reverse_sequence(t, [1, 2], seq_axis=5)
    gathered = tf.gather(t, [5])
    reversed_ = tf.reverse(t, [5])  # TF checks the axis when the op runs
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="not in"):
            sess.run(gathered)
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(reversed_)


def test_type_stubs_name_only_what_exists():
    import ast
    import os
    import keraspp.tensorflow
    here = os.path.dirname(keraspp.tensorflow.__file__)
    for stub, module in (("__init__.pyi", tf), ("nn.pyi", tf.nn), ("layers.pyi", tf.layers)):
        tree = ast.parse(open(os.path.join(here, stub)).read())
        names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        missing = [n for n in names if n != "__getattr__" and not hasattr(module, n)]
        assert not missing, (stub, missing)


def _bad_calls():
    """(what, call, TF's error class) for the new functions not covered above."""
    t = lambda: tf.constant(np.zeros((2, 3), np.float32))  # noqa: E731
    img = lambda: tf.zeros([1, 4, 4, 2])  # noqa: E731
    seq = lambda: tf.zeros([2, 3, 4])  # noqa: E731
    ta = lambda: tf.TensorArray(tf.float32, size=2, element_shape=[3])  # noqa: E731
    return [
        ("strided_slice", lambda: tf.strided_slice(t(), [0, 0], [1]), ValueError),
        ("transpose", lambda: tf.transpose(t(), [0, 0]), ValueError),
        ("expand_dims", lambda: tf.expand_dims(t()), ValueError),
        ("where", lambda: tf.where(tf.constant([True])), ValueError),
        ("shape", lambda: tf.shape(object()), TypeError),
        ("stop_gradient", lambda: tf.stop_gradient("x"), TypeError),
        ("zeros_like", lambda: tf.zeros_like(t(), dtype="complex128"), TypeError),
        ("add_n", lambda: tf.add_n(t()), TypeError),
        ("no_op", lambda: tf.no_op(name=3), TypeError),
        ("group", lambda: tf.group(t(), nme="g"), TypeError),
        ("add_to_collection", lambda: tf.add_to_collection("c", object()), TypeError),
        ("control_dependencies", lambda: tf.control_dependencies([3]).__enter__(), TypeError),
        ("TensorArray.read", lambda: ta().read(0.5), TypeError),
        ("TensorArray.unstack", lambda: ta().unstack(tf.zeros([2, 4])), ValueError),
        ("TensorArray.scatter", lambda: ta().scatter([0], tf.zeros([1, 3], tf.int32)), TypeError),
        ("TensorArray.dynamic_size", lambda: tf.TensorArray(tf.float32, size=1, dynamic_size=True), ValueError),
        ("embedding_lookup", lambda: tf.nn.embedding_lookup([t(), t()], [0]), ValueError),
        ("static_rnn", lambda: tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(2), t(), dtype=tf.float32), TypeError),
        ("static_rnn empty", lambda: tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(2), [], dtype=tf.float32), ValueError),
        ("bidirectional_dynamic_rnn", lambda: tf.nn.bidirectional_dynamic_rnn(
            tf.nn.rnn_cell.GRUCell(2), "bw", seq(), dtype=tf.float32), TypeError),
        ("MultiRNNCell", lambda: tf.nn.rnn_cell.MultiRNNCell([]), ValueError),
        ("LSTMCell", lambda: tf.nn.rnn_cell.LSTMCell(2, cell_clip=1.0), ValueError),
        ("cell state", lambda: tf.nn.rnn_cell.BasicLSTMCell(2)(tf.zeros([1, 3]), tf.zeros([1, 2])), ValueError),
        ("layers.separable_conv2d", lambda: tf.layers.separable_conv2d(img(), 2, 3, depth_multipler=2), TypeError),
        ("layers.conv2d_transpose", lambda: tf.layers.conv2d_transpose(img(), 2, (3, 3, 3)), ValueError),
        ("layers.Conv2D", lambda: tf.layers.Conv2D(2, 3, data_format="channels_middle")(img()), ValueError),
        ("layers.MaxPooling2D", lambda: tf.layers.MaxPooling2D(2, 2, padding="full")(img()), ValueError),
        ("layers.BatchNormalization", lambda: tf.layers.BatchNormalization(moment=0.9), TypeError),
        ("layers.average_pooling2d", lambda: tf.layers.average_pooling2d(img(), 2, "2"), ValueError),
    ]


@pytest.mark.parametrize("what,call,error", _bad_calls(), ids=[c[0] for c in _bad_calls()])
def test_more_bad_arguments_raise_tf_error_classes(what, call, error):
    with pytest.raises(error):
        call()
