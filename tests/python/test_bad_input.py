"""Wrong Python input gives Python exceptions with TF's/Keras's wording;
nothing crashes the interpreter."""
import numpy as np
import pytest

import keraspp.tensorflow as tf
from keraspp.keras.layers import Dense, Dropout
from keraspp.keras.models import Sequential
from keraspp.keras.optimizers import Adagrad


def _graph():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    return x, x * 2.0


def test_dense_with_a_string_unit_count_is_a_type_error():
    with pytest.raises(TypeError, match="units"):
        Dense("512")


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="Keyword argument not understood: unitz"):
        Dense(10, unitz=3)
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        Adagrad(learning_rate=0.1)
    with pytest.raises(TypeError):
        tf.placeholder(tf.float32, [None], nmae="x")


def test_feed_dict_with_strings_is_a_type_error():
    x, y = _graph()
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="Cannot convert"):
            sess.run(y, {x: ["a", "b"]})
        with pytest.raises(TypeError, match="feed_dict must be a dict"):
            sess.run(y, [(x, [[1.0, 2.0]])])


def test_a_3d_array_where_2d_is_expected_is_a_value_error():
    x, y = _graph()
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(1, 1, 2\)"):
            sess.run(y, {x: np.zeros((1, 1, 2), np.float32)})


def test_non_contiguous_and_big_endian_arrays_are_converted():
    x, y = _graph()
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    strided = base[:, ::2]
    big = np.array([[1.0, 2.0]], dtype=">f4")
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {x: strided}), strided * 2)
        np.testing.assert_array_equal(sess.run(y, {x: big}), [[2.0, 4.0]])
        np.testing.assert_array_equal(sess.run(y, {x: np.array([[1, 2]], np.float64)}), [[2.0, 4.0]])


def test_invalid_fetch_and_object_dtype():
    x, y = _graph()
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="Fetch argument"):
            sess.run(3)
        with pytest.raises(TypeError):
            sess.run(y, {x: np.array([[object(), 1]], dtype=object)})


def test_fit_with_wrong_shapes_and_wrong_layer():
    model = Sequential()
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        model.add("dense")
    model.add(Dense(2, input_dim=3))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError):
        model.fit(np.zeros((4, 5), np.float32), np.zeros((4, 2), np.float32), verbose=0)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        model.fit(np.zeros((4, 3), np.float32), np.zeros((4, 2), np.float32), verbose=0, epoks=2)
    with pytest.raises(TypeError):
        Dropout("half")


def test_keras_data_of_the_wrong_rank_or_type_gets_keras_messages():
    model = Sequential([Dense(2, input_dim=3)])
    model.compile(optimizer="sgd", loss="mse")
    y = np.zeros((4, 2), np.float32)
    with pytest.raises(ValueError, match=r"Error when checking input: expected dense_\d+_input to have 2 "
                                         r"dimensions, but got array with shape \(4, 1, 3\)"):
        model.fit(np.zeros((4, 1, 3), np.float32), y, verbose=0)
    with pytest.raises(ValueError, match="expected dense_"):
        model.predict(np.zeros((4, 1, 3), np.float32))
    with pytest.raises(TypeError, match="Cannot convert x to a tensor"):
        model.fit(["a", "b"], y[:2], verbose=0)
    with pytest.raises(ValueError, match="Found 4 input samples and 5 target samples"):
        model.fit(np.zeros((4, 3), np.float32), np.zeros((5, 2), np.float32), verbose=0)
    # big-endian, non-contiguous data trains as numpy converts it
    model.fit(np.zeros((4, 6), ">f4")[:, ::2], y, verbose=0)


def test_python_functions_returning_non_tensors_are_type_errors():
    from keraspp.keras.layers import Input, Layer

    model = Sequential([Dense(2, input_dim=3)])
    with pytest.raises(TypeError, match="Cannot convert"):
        model.compile(optimizer="sgd", loss=lambda y_true, y_pred: "not a tensor")

    class ReturnsText(Layer):
        def call(self, x):
            return "text"

    with pytest.raises(TypeError, match="Cannot convert"):
        ReturnsText()(Input(shape=(2,)))

    class BadWeight(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), initializer="nope")

    with pytest.raises(ValueError, match="Unknown initializer: nope"):
        BadWeight()(Input(shape=(2,)))
    with pytest.raises(TypeError, match="Keyword argument not understood: units"):
        Layer(units=3)
