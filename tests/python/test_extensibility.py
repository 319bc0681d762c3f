"""Python extensibility: custom Keras layers written in Python (build, call,
compute_output_shape, add_weight) in Sequential and functional models,
trained by fit and shown by summary; losses and metrics built from backend
ops; sample_weight / class_weight; keras.utils.Sequence and generators for
fit_generator / evaluate_generator / predict_generator."""
import gc
import weakref

import numpy as np
import pytest

from keraspp.keras import backend as K
from keraspp.keras.engine.topology import Layer as TopologyLayer
from keraspp.keras.layers import Dense, Input, Layer
from keraspp.keras.models import Model, Sequential
from keraspp.keras.optimizers import SGD
from keraspp.keras.utils import Sequence


class Scale(Layer):
    """y = x * w + b with one weight per feature (Keras's docs example style)."""

    def __init__(self, use_offset=True, **kwargs):
        self.use_offset = use_offset
        super(Scale, self).__init__(**kwargs)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
        if self.use_offset:
            self.b = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="b")
        super(Scale, self).build(input_shape)

    def call(self, x):
        y = x * self.w
        return y + self.b if self.use_offset else y

    def get_config(self):
        config = {"use_offset": self.use_offset}
        config.update(super(Scale, self).get_config())
        return config


class PairSum(TopologyLayer):
    """Two inputs -> their sum and difference, with its own output shapes."""

    def call(self, inputs):
        a, b = inputs
        return [a + b, a - b]

    def compute_output_shape(self, input_shape):
        return [input_shape[0], input_shape[0]]


class Projection(Layer):
    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.output_dim),
                                      initializer="uniform", trainable=True)
        self.built = True

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)


def _regression_data(n=64):
    rng = np.random.RandomState(3)
    x = rng.rand(n, 4).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32) + 0.25).astype(np.float32)
    return x, y


def test_python_layer_in_sequential_builds_trains_and_shows_in_summary(capsys):
    x, y = _regression_data()
    model = Sequential()
    model.add(Scale(input_shape=(4,)))
    model.add(Projection(1))
    assert [w.name for w in model.layers[0].weights] == ["scale_1/w:0", "scale_1/b:0"]
    assert model.layers[1].output_shape == (None, 1)
    model.summary()
    out = capsys.readouterr().out
    assert "scale_1 (Scale)              (None, 4)                 8" in out
    assert "projection_1 (Projection)    (None, 1)                 4" in out
    assert "Total params: 12" in out
    model.compile(loss="mse", optimizer=SGD(lr=0.05))
    before = model.evaluate(x, y, verbose=0)
    hist = model.fit(x, y, batch_size=16, epochs=5, verbose=0)
    assert hist.history["loss"][-1] < before
    w = model.layers[0].get_weights()[0]
    assert w.shape == (4,) and not np.allclose(w, 1.0)  # the Python layer's weights trained


def test_python_layer_in_a_functional_model_with_two_inputs_and_outputs():
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    s, d = PairSum(name="pair")([a, b])
    out = Dense(1, name="out")(Scale(use_offset=False)(s))
    model = Model(inputs=[a, b], outputs=[out, d])
    assert K.int_shape(s) == (None, 3) and K.int_shape(d) == (None, 3)
    assert [l.name for l in model.layers] == ["a", "b", "pair", "scale_1", "out"]
    xa = np.ones((2, 3), np.float32)
    xb = np.full((2, 3), 0.5, np.float32)
    model.compile(loss="mse", optimizer="sgd")
    model.fit([xa, xb], [np.zeros((2, 1), np.float32), np.zeros((2, 3), np.float32)], epochs=1, verbose=0)
    sub = Model(inputs=[a, b], outputs=[d])
    np.testing.assert_allclose(sub.predict([xa, xb]), xa - xb)


def test_python_layer_config_extends_the_base_config():
    layer = Scale(use_offset=False, name="sc", trainable=False)
    config = layer.get_config()
    assert config == {"use_offset": False, "name": "sc", "trainable": False}
    assert layer.__keras_class__ == "Scale" and not layer.trainable


def test_an_error_in_python_call_propagates_with_its_type():
    class Broken(Layer):
        def call(self, x):
            raise KeyError("no such feature")

    with pytest.raises(KeyError, match="no such feature"):
        Broken()(Input(shape=(2,)))


def test_call_receives_training_and_a_python_layer_adds_losses():
    seen = []

    class Noisy(Layer):
        def call(self, x, training=None):
            seen.append(training)
            self.add_loss(K.mean(K.square(x)) * 0.0, inputs=x)
            return x

    inp = Input(shape=(2,))
    Noisy()(inp, training=True)
    assert seen == [True]


def test_python_layers_are_garbage_collected_unless_a_model_holds_them():
    refs = []

    def make():
        layer = Scale()
        refs.append(weakref.ref(layer))
        return layer

    make()
    gc.collect()
    assert refs[0]() is None  # nobody else held it: the layer <-> impl cycle was collected

    model = Sequential()
    model.add(Dense(4, input_dim=4))
    model.add(make())
    model.add(Dense(1))
    gc.collect()
    assert refs[1]() is not None  # the model holds it: its Python object stays
    model.compile(loss="mse", optimizer="sgd")
    x, y = _regression_data(8)
    model.fit(x, y, verbose=0)
    del model
    gc.collect()
    assert refs[1]() is None


def test_python_loss_and_metric_from_backend_ops():
    x, y = _regression_data()

    def mean_log_cosh(y_true, y_pred):
        d = y_pred - y_true
        return K.mean(K.log((K.exp(d) + K.exp(-d)) * 0.5), axis=-1)

    def max_abs_error(y_true, y_pred):
        return K.max(K.abs(y_pred - y_true), axis=-1)

    model = Sequential([Dense(1, input_dim=4)])
    model.compile(loss=mean_log_cosh, optimizer=SGD(lr=0.1), metrics=[max_abs_error])
    assert model.metrics_names == ["loss", "max_abs_error"]
    hist = model.fit(x, y, epochs=4, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    loss, mae = model.evaluate(x, y, verbose=0)
    pred = model.predict(x)
    d = pred - y
    np.testing.assert_allclose(loss, np.mean(np.log(np.cosh(d))), rtol=1e-4)
    np.testing.assert_allclose(mae, np.mean(np.abs(d)), rtol=1e-4)


def test_sample_weight_and_class_weight_scale_the_loss():
    x, y = _regression_data(8)
    model = Sequential([Dense(1, input_dim=4, kernel_initializer="ones")])
    model.compile(loss="mse", optimizer=SGD(lr=0.0))
    plain = model.test_on_batch(x, y)
    # Keras: mean(loss * w) / mean(w != 0)
    weighted = model.test_on_batch(x, y, sample_weight=np.full(8, 2.0, np.float32))
    np.testing.assert_allclose(weighted, 2 * plain, rtol=1e-6)
    half = np.array([1, 1, 1, 1, 0, 0, 0, 0], np.float32)
    first = model.evaluate(x[:4], y[:4], verbose=0)
    np.testing.assert_allclose(model.test_on_batch(x, y, sample_weight=half), first, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=half, verbose=0), first, rtol=1e-5)

    def fitted(**kwargs):
        m = Sequential([Dense(1, input_dim=4, kernel_initializer="ones")])
        m.compile(loss="mse", optimizer=SGD(lr=0.1))
        m.fit(verbose=0, shuffle=False, **kwargs)
        return m.layers[0].get_weights()[0]

    # zero-weighted samples do not move the weights
    np.testing.assert_allclose(fitted(x=x, y=y, batch_size=8, sample_weight=half),
                               fitted(x=x[:4], y=y[:4], batch_size=4), rtol=1e-5)

    labels = np.eye(2, dtype=np.float32)[[0, 0, 1, 1, 0, 1, 0, 1]]
    as_samples = np.where(labels[:, 1] == 1, 3.0, 1.0).astype(np.float32)

    def classifier():
        clf = Sequential([Dense(2, input_dim=4, activation="softmax", kernel_initializer="ones")])
        clf.compile(loss="categorical_crossentropy", optimizer=SGD(lr=0.5))
        return clf

    a, b, c = classifier(), classifier(), classifier()
    a.train_on_batch(x, labels, class_weight={0: 1.0, 1: 3.0})
    b.train_on_batch(x, labels, sample_weight=as_samples)
    c.fit(x, labels, batch_size=8, verbose=0, class_weight={0: 1.0, 1: 3.0})
    np.testing.assert_allclose(a.layers[0].get_weights()[0], b.layers[0].get_weights()[0], rtol=1e-6)
    np.testing.assert_allclose(c.layers[0].get_weights()[0], b.layers[0].get_weights()[0], rtol=1e-6)
    c2 = classifier()
    c2.train_on_batch(x, labels)
    assert not np.allclose(c2.layers[0].get_weights()[0], b.layers[0].get_weights()[0])
    with pytest.raises(TypeError, match="class_weight must be a dict"):
        c.fit(x, labels, verbose=0, class_weight=[1.0, 2.0])


class Batches(Sequence):
    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def _generator(x, y, batch_size):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]


def _linear_model():
    model = Sequential([Dense(1, input_dim=4)])
    model.compile(loss="mse", optimizer=SGD(lr=0.1), metrics=["mae"])
    return model


def test_fit_generator_with_a_generator_and_validation(capsys):
    x, y = _regression_data()
    model = _linear_model()
    hist = model.fit_generator(_generator(x, y, 16), steps_per_epoch=4, epochs=3, verbose=1,
                               validation_data=_generator(x, y, 32), validation_steps=2)
    assert hist.epoch == [0, 1, 2]
    assert set(hist.history) == {"loss", "mean_absolute_error", "val_loss", "val_mean_absolute_error"}
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and "4/4 [" in out and "val_loss:" in out
    # validation on arrays, and evaluate_generator agrees with evaluate
    model.fit_generator(_generator(x, y, 16), 4, epochs=1, verbose=0, validation_data=(x, y))
    ev = model.evaluate_generator(_generator(x, y, 16), steps=4)
    np.testing.assert_allclose(ev, model.evaluate(x, y, batch_size=16, verbose=0), rtol=1e-5)


def test_fit_generator_with_a_sequence_and_two_workers():
    x, y = _regression_data()
    seq = Batches(x, y, 16)
    model = _linear_model()
    hist = model.fit_generator(seq, epochs=4, verbose=0, workers=2)
    assert len(hist.history["loss"]) == 4 and hist.history["loss"][-1] < hist.history["loss"][0]
    assert seq.epochs_ended >= 3
    pred = model.predict_generator(Batches(x, y, 16))
    np.testing.assert_allclose(pred, model.predict(x), rtol=1e-5)
    pred = model.predict_generator((x[i:i + 8] for i in range(0, 64, 8)), steps=8)
    assert pred.shape == (64, 1)


def test_fit_generator_errors_read_as_keras_raises_them():
    x, y = _regression_data()
    model = _linear_model()
    with pytest.raises(ValueError, match="`steps_per_epoch=None` is only valid"):
        model.fit_generator(_generator(x, y, 16), verbose=0)
    with pytest.raises(ValueError, match="output of generator should be a tuple"):
        model.fit_generator(iter([x] * 3), steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="you must specify a value for `validation_steps`"):
        model.fit_generator(_generator(x, y, 16), 2, verbose=0, validation_data=_generator(x, y, 16))

    def failing():
        yield x[:4], y[:4]
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        model.fit_generator(failing(), steps_per_epoch=3, verbose=0)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        model.fit_generator(_generator(x, y, 16), 2, verbose=0, epoks=3)


def test_model_layers_give_back_the_python_layer_objects():
    scale = Scale(name="my_scale")
    model = Sequential([Dense(3, input_dim=2), scale])
    assert model.layers[1] is scale and model.get_layer("my_scale") is scale
    assert isinstance(model.layers[1], Scale) and model.layers[1].use_offset
    assert model.layers[0].name.startswith("dense_")
