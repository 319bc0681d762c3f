"""keraspp.keras: models, fit from Python, callbacks, Lambda, Python losses,
the summary and progress bar on sys.stdout, Ctrl-C during fit."""
import _thread
import threading

import numpy as np
import pytest

from keraspp.keras import backend as K
from keraspp.keras.callbacks import Callback
from keraspp.keras.layers import Activation, Dense, Dropout, Input, Lambda
from keraspp.keras.models import Model, Sequential
from keraspp.keras.optimizers import SGD, Adagrad
from keraspp.keras.utils import np_utils


def _data(n=64):
    rng = np.random.RandomState(1)
    x = rng.rand(n, 8).astype(np.float32)
    y = np_utils.to_categorical((x[:, 0] > 0.5).astype(np.int64), 2)
    return x, y


def _model():
    model = Sequential()
    model.add(Dense(16, input_dim=8, activation="relu"))
    model.add(Dropout(0.1))
    model.add(Dense(2))
    model.add(Activation("softmax"))
    return model


def test_fit_evaluate_predict_and_history():
    x, y = _data()
    model = _model()
    model.compile(loss="categorical_crossentropy", optimizer=Adagrad(lr=0.1), metrics=["accuracy"])
    hist = model.fit(x, y, batch_size=16, epochs=3, verbose=0, validation_data=(x, y))
    assert hist.epoch == [0, 1, 2]
    assert set(hist.history) == {"loss", "acc", "val_loss", "val_acc"}
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    score = model.evaluate(x, y, verbose=0)
    assert len(score) == 2 and model.metrics_names == ["loss", "acc"]
    pred = model.predict(x)
    assert pred.shape == (64, 2) and pred.dtype == np.float32
    np.testing.assert_allclose(pred.sum(axis=1), 1.0, rtol=1e-5)


def test_summary_and_progress_bar_go_to_python_stdout(capsys):
    x, y = _data(32)
    model = _model()
    model.summary()
    model.compile(loss="mse", optimizer="sgd")
    model.fit(x, y, batch_size=16, epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert "dense_1 (Dense)              (None, 16)                144" in out
    assert "Total params: 178" in out
    assert "Epoch 1/1" in out and "loss:" in out


def test_python_callback_sees_epochs_and_logs_and_can_stop_training():
    x, y = _data()
    seen = []

    class Recorder(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, sorted(logs)))
            if epoch == 1:
                self.model.stop_training = True

    model = _model()
    model.compile(loss="mse", optimizer=SGD(lr=0.1))
    model.fit(x, y, epochs=5, verbose=0, callbacks=[Recorder()])
    assert seen == [(0, ["loss"]), (1, ["loss"])]


def test_lambda_layer_and_python_loss_built_from_backend_ops():
    x, y = _data()
    inp = Input(shape=(8,))
    h = Lambda(lambda t: t * 2.0)(inp)
    out = Dense(2, activation="softmax")(h)
    model = Model(inputs=[inp], outputs=[out])

    def my_mse(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true), axis=-1)

    model.compile(loss=my_mse, optimizer=SGD(lr=0.5))
    hist = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_keyboard_interrupt_stops_fit_between_batches():
    x = np.random.rand(4096, 8).astype(np.float32)
    y = np.random.rand(4096, 2).astype(np.float32)
    model = _model()
    model.compile(loss="mse", optimizer="sgd")
    batches = []

    class Count(Callback):
        def on_batch_end(self, batch, logs=None):
            batches.append(batch)
            if len(batches) == 3:
                threading.Timer(0.0, _thread.interrupt_main).start()

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=1, epochs=50, verbose=0, callbacks=[Count()])
    assert len(batches) < 4096 * 50
    assert model.predict(x[:2]).shape == (2, 2)  # the model is still usable


def test_an_exception_in_a_python_callback_propagates_out_of_fit():
    x, y = _data()

    class Boom(Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom at epoch %d" % epoch)

    model = _model()
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(RuntimeError, match="boom at epoch 0"):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[Boom()])


def test_layer_weights_round_trip_through_numpy():
    model = _model()
    dense = model.layers[0]
    kernel, bias = dense.get_weights()
    assert kernel.shape == (8, 16) and bias.shape == (16,)
    dense.set_weights([np.ones_like(kernel), np.zeros_like(bias)])
    np.testing.assert_array_equal(dense.get_weights()[0], 1.0)
    with pytest.raises(ValueError):
        dense.set_weights([np.ones((3, 3), np.float32), bias])
