"""Keras models from Python with the layer families: an mnist_cnn-like CNN
and an addition_rnn-like LSTM model build, print the C++ summary text, fit
a few steps and round-trip through .h5 files; fit_generator's workers and
use_multiprocessing."""
import os

import numpy as np
import pytest

from keraspp.keras import backend as K
from keraspp.keras.layers import (LSTM, Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D,
                                  RepeatVector, TimeDistributed)
from keraspp.keras.models import Sequential, load_model, model_from_json
from keraspp.keras.utils import Sequence

# The text tests/keras_engine/conv_layers_test.cc expects of the C++ mnist_cnn model.
MNIST_CNN_SUMMARY = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
conv2d_1 (Conv2D)            (None, 26, 26, 32)        320       
_________________________________________________________________
conv2d_2 (Conv2D)            (None, 24, 24, 64)        18496     
_________________________________________________________________
max_pooling2d_1 (MaxPooling2 (None, 12, 12, 64)        0         
_________________________________________________________________
dropout_1 (Dropout)          (None, 12, 12, 64)        0         
_________________________________________________________________
flatten_1 (Flatten)          (None, 9216)              0         
_________________________________________________________________
dense_1 (Dense)              (None, 128)               1179776   
_________________________________________________________________
dropout_2 (Dropout)          (None, 128)               0         
_________________________________________________________________
dense_2 (Dense)              (None, 10)                1290      
=================================================================
Total params: 1,199,882
Trainable params: 1,199,882
Non-trainable params: 0
_________________________________________________________________
"""

# Keras 2.0's summary of examples/addition_rnn's model (LSTM(128) on 7 x 12
# one-hot digits, RepeatVector(4), LSTM(128) sequences, TimeDistributed(Dense(12))).
ADDITION_RNN_SUMMARY = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
lstm_1 (LSTM)                (None, 128)               72192     
_________________________________________________________________
repeat_vector_1 (RepeatVecto (None, 4, 128)            0         
_________________________________________________________________
lstm_2 (LSTM)                (None, 4, 128)            131584    
_________________________________________________________________
time_distributed_1 (TimeDist (None, 4, 12)             1548      
_________________________________________________________________
activation_1 (Activation)    (None, 4, 12)             0         
=================================================================
Total params: 205,324
Trainable params: 205,324
Non-trainable params: 0
_________________________________________________________________
"""


def mnist_cnn():
    model = Sequential()
    model.add(Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(128, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(10, activation="softmax"))
    return model


def addition_rnn():
    model = Sequential()
    model.add(LSTM(128, input_shape=(7, 12)))
    model.add(RepeatVector(4))
    model.add(LSTM(128, return_sequences=True))
    model.add(TimeDistributed(Dense(12)))
    model.add(Activation("softmax"))
    return model


def _summary_lines(text):
    return [line.rstrip() for line in text.splitlines()]


def test_mnist_cnn_summary_fit_and_h5_round_trip(capsys, tmp_path):
    model = mnist_cnn()
    model.summary()
    assert _summary_lines(capsys.readouterr().out) == _summary_lines(MNIST_CNN_SUMMARY)
    model.compile(loss="categorical_crossentropy", optimizer="adadelta", metrics=["accuracy"])
    rng = np.random.RandomState(0)
    x = rng.rand(16, 28, 28, 1).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.randint(0, 10, 16)]
    hist = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2 and np.isfinite(hist.history["loss"]).all()
    path = str(tmp_path / "mnist_cnn.h5")
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x[:4]), model.predict(x[:4]))
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    # the loaded model is compiled with the saved optimizer state and trains on
    loaded.train_on_batch(x[:8], y[:8])
    with pytest.raises(ValueError, match="overwrite=False"):
        model.save(path, overwrite=False)


def test_lstm_model_summary_fit_weights_and_json(capsys, tmp_path):
    model = addition_rnn()
    model.summary()
    assert _summary_lines(capsys.readouterr().out) == _summary_lines(ADDITION_RNN_SUMMARY)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    rng = np.random.RandomState(1)
    x = np.eye(12, dtype=np.float32)[rng.randint(0, 12, (32, 7))]
    y = np.eye(12, dtype=np.float32)[rng.randint(0, 12, (32, 4))]
    first = model.train_on_batch(x, y)[0]
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0)[0] < first
    path = str(tmp_path / "weights.h5")
    model.save_weights(path)
    clone = model_from_json(model.to_json())
    assert clone.to_json() == model.to_json()
    clone.load_weights(path)
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))


def test_load_model_with_a_python_activation_in_custom_objects(tmp_path):
    def twice(x):
        return x * 2.0

    model = Sequential([Dense(2, input_dim=3, activation=twice, kernel_initializer="ones")])
    model.compile(loss="mse", optimizer="sgd")
    path = str(tmp_path / "custom.h5")
    model.save(path)
    with pytest.raises(ValueError, match="twice"):
        load_model(path)
    loaded = load_model(path, custom_objects={"twice": twice})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3), np.float32)), [[6.0, 6.0]])


class Batches(Sequence):
    """Module-level, so spawned worker processes can unpickle it."""

    def __init__(self, n=6):
        rng = np.random.RandomState(2)
        self.x = rng.rand(n * 4, 3).astype(np.float32)
        self.y = self.x.sum(axis=1, keepdims=True)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.x[i * 4:(i + 1) * 4], self.y[i * 4:(i + 1) * 4]

    def on_epoch_end(self):
        pass


class Pids(Sequence):
    """Batches holding the id of the process that made them."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return np.full((1, 1), os.getpid(), np.float32)


def _regression():
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(loss="mse", optimizer="sgd")
    return model


def test_generators_with_worker_processes():
    model = _regression()
    seq = Batches()
    hist = model.fit_generator(seq, epochs=2, verbose=0, workers=2, use_multiprocessing=True)
    assert len(hist.history["loss"]) == 2
    loss = model.evaluate_generator(seq, workers=2, use_multiprocessing=True)
    assert loss == pytest.approx(model.evaluate(seq.x, seq.y, verbose=0), rel=1e-5)
    pred = model.predict_generator(seq, workers=2, use_multiprocessing=True)
    np.testing.assert_allclose(pred, model.predict(seq.x), rtol=1e-6)  # in index order
    identity = Sequential([Dense(1, input_dim=1, kernel_initializer="ones", bias_initializer="zeros")])
    pids = identity.predict_generator(Pids(), workers=2, use_multiprocessing=True)
    assert pids.shape == (4, 1) and os.getpid() not in pids.astype(np.int64)


def test_generator_argument_errors():
    model = _regression()
    seq = Batches()

    def gen():
        while True:
            yield seq[0][:2]

    with pytest.raises(ValueError, match="use_multiprocessing=True needs a keras.utils.Sequence"):
        model.fit_generator(gen(), steps_per_epoch=2, verbose=0, use_multiprocessing=True)
    with pytest.raises(ValueError, match="`workers` must be a positive integer"):
        model.fit_generator(seq, verbose=0, workers=0)
    with pytest.raises(ValueError, match="`workers` must be a positive integer"):
        model.evaluate_generator(seq, workers="2")
    with pytest.raises(ValueError, match="use_multiprocessing=True needs"):
        model.predict_generator(gen(), steps=1, pickle_safe=True)  # Keras 2.0.2's name
    # threads: a generator shared by three workers yields every batch once
    assert model.evaluate_generator(gen(), steps=4, workers=3) == pytest.approx(
        model.evaluate(seq.x[:4], seq.y[:4], verbose=0), rel=1e-5)


def test_backend_layer_functions():
    x = K.constant(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1))
    kernel = K.ones((2, 2, 1, 1))
    conv = K.eval(K.conv2d(x, kernel, strides=(2, 2), padding="valid"))
    pool = K.eval(K.pool2d(x, (2, 2), strides=(2, 2), pool_mode="avg"))
    np.testing.assert_allclose(conv[0, :, :, 0], [[10, 18], [42, 50]])
    np.testing.assert_allclose(pool[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert K.int_shape(K.one_hot(K.constant(np.array([[1, 2]]), dtype="int32"), 3)) == (1, 2, 3)
    a = K.constant(np.ones((2, 3, 4), np.float32))
    assert K.int_shape(K.batch_dot(a, K.permute_dimensions(a, (0, 2, 1)))) == (2, 3, 3)
    assert K.int_shape(K.stack([a, a], axis=1)) == (2, 2, 3, 4)
    assert K.int_shape(K.squeeze(K.expand_dims(a, 1), 1)) == (2, 3, 4)
    assert K.int_shape(K.tile(a, [1, 2, 1])) == (2, 6, 4)
    np.testing.assert_allclose(K.eval(K.gather(K.constant(np.eye(3, dtype=np.float32)),
                                               K.constant(np.array([2, 0]), dtype="int32"))),
                               [[0, 0, 1], [1, 0, 0]])
    picked = K.in_train_phase(lambda: K.ones_like(a), K.zeros_like(a), training=False)
    assert float(K.eval(K.sum(picked))) == 0.0
    mean, var = K.constant(np.zeros(4, np.float32)), K.constant(np.ones(4, np.float32))
    bn = K.batch_normalization(a, mean, var, None, None, epsilon=0.0)
    np.testing.assert_allclose(K.eval(bn), np.ones((2, 3, 4)), rtol=1e-6)

    def step(x_t, states):
        h = states[0] + x_t
        return h, [h]

    seq = K.constant(np.ones((2, 5, 3), np.float32))
    last, outputs, states = K.rnn(step, seq, [K.constant(np.zeros((2, 3), np.float32))])
    np.testing.assert_allclose(K.eval(last), np.full((2, 3), 5.0))
    assert K.int_shape(outputs) == (2, 5, 3)
