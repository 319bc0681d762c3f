"""numpy arrays handed to fit/evaluate/predict and fed to sess.run are
borrowed, not copied: the same results as copies give, the arrays untouched,
and every reference Keras++ took dropped once the call returns."""
import sys

import numpy as np

import keraspp.tensorflow as tf
from keraspp.keras.layers import Dense
from keraspp.keras.models import Sequential
from keraspp.keras.optimizers import SGD


def test_fit_borrows_and_releases_the_arrays():
    rng = np.random.RandomState(0)
    x = rng.rand(32, 4).astype(np.float32)
    y = rng.rand(32, 1).astype(np.float32)
    x_before, y_before = x.copy(), y.copy()
    refs = sys.getrefcount(x), sys.getrefcount(y)
    model = Sequential([Dense(1, input_dim=4)])
    model.compile(loss="mse", optimizer=SGD(lr=0.1))
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=True)
    borrowed = model.evaluate(x, y, verbose=0)
    # A copy of x (fortran order: not borrowable) gives the same loss.
    copied = model.evaluate(np.asfortranarray(x), y, verbose=0)
    assert borrowed == copied
    np.testing.assert_array_equal(model.predict(x), model.predict(x.copy(order="F")))
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(y, y_before)
    assert (sys.getrefcount(x), sys.getrefcount(y)) == refs


def test_feed_dict_values_are_borrowed_and_released():
    tf.reset_default_graph()
    p = tf.placeholder(tf.float32, [None, 3])
    q = tf.placeholder(tf.int32, [None])
    out = p * 2.0
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    ids = np.array([1, 2], np.int32)
    refs = sys.getrefcount(x), sys.getrefcount(ids)
    with tf.Session() as sess:
        got, got_ids = sess.run([out, q + 1], feed_dict={p: x, q: ids})
        np.testing.assert_array_equal(got, x * 2)
        np.testing.assert_array_equal(got_ids, ids + 1)
        # Changing the array between runs changes what the next run sees.
        x[0, 0] = 10
        assert sess.run(out, feed_dict={p: x})[0, 0] == 20
    del sess
    assert (sys.getrefcount(x), sys.getrefcount(ids)) == refs
