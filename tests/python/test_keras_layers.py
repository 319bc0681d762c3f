"""keraspp.keras.layers: every registered Keras layer from Python, built from
its keyword arguments through the class's from_config; Keras's TypeErrors
for unknown keywords and bad positional use; wrappers around the very layer
object given; the functional merge forms."""
import numpy as np
import pytest

from keraspp import _core
from keraspp.keras import backend as K
from keraspp.keras import layers as L
from keraspp.keras.layers import Input
from keraspp.keras.models import Model, Sequential

_MODELS = {"Sequential", "Model", "Functional", "ReLU"}  # ReLU: only a reader of later Keras files
_REGISTERED = sorted(set(_core.keras._registered_layer_names()) - _MODELS)

# Valid values for each class's required positional parameters.
_REQUIRED = {"units": 2, "filters": 2, "kernel_size": 3, "rate": 0.5, "target_shape": (4,), "dims": (2, 1),
             "n": 3, "input_dim": 10, "output_dim": 4, "activation": "relu", "axes": 1}


def _required_kwargs(name):
    return {"input_shape": (3,)} if name == "InputLayer" else {}  # Keras needs a shape there


def _required_args(name):
    required, positional = _core.keras._layer_signatures()[name]
    args = []
    for p in positional[:required]:
        if p == "layer":
            args.append(L.LSTM(2) if name == "Bidirectional" else L.Dense(2))
        else:
            args.append(_REQUIRED[p])
    return args


def test_every_registered_layer_has_a_constructor_and_a_signature_row():
    signatures = _core.keras._layer_signatures()
    assert "Conv2D" in _REGISTERED and "LSTM" in _REGISTERED and "Bidirectional" in _REGISTERED
    for name in _REGISTERED:
        assert callable(getattr(L, name)), name
        assert name == "Lambda" or name in signatures, name + " has no row in keras_layer_table.cc"


@pytest.mark.parametrize("name", [n for n in _REGISTERED if n != "Lambda"])
def test_unknown_keyword_is_keras_type_error_and_takes_no_uid(name):
    ctor = getattr(L, name)
    with pytest.raises(TypeError, match="Keyword argument not understood: bogus_kw"):
        ctor(*_required_args(name), bogus_kw=1, **_required_kwargs(name))
    layer = ctor(*_required_args(name), **_required_kwargs(name))
    if name != "InputLayer":  # InputLayer's auto name is input_N
        assert layer.name.endswith("_1"), layer.name  # the failed call used no uid
    assert layer.__keras_class__ == name


def test_positional_parameters_follow_keras_signatures():
    with pytest.raises(TypeError, match="missing required argument 'kernel_size'"):
        L.Conv2D(32)
    with pytest.raises(TypeError, match="got multiple values for argument 'units'"):
        L.Dense(2, units=3)
    with pytest.raises(TypeError, match="at most 3 positional"):
        L.Dropout(0.5, None, 1, 2)
    with pytest.raises(TypeError, match="`filters` must be an int"):
        L.Conv2D("32", 3)
    with pytest.raises(ValueError, match="`units` must be positive"):
        L.LSTM(0)
    conv = L.Conv2D(8, (3, 2), (2, 1), "same", name="c")
    c = conv.get_config()
    assert (c["filters"], c["kernel_size"], c["strides"], c["padding"]) == (8, [3, 2], [2, 1], "same")
    emb = L.Embedding(100, 16, input_length=5)
    assert (emb.get_config()["input_dim"], emb.get_config()["output_dim"]) == (100, 16)


# (constructor with keyword arguments, input shape without batch, expected output shape, config checks)
_CASES = [
    (lambda: L.Dense(units=3, activation="tanh", use_bias=False, kernel_initializer="zeros"), (5,), (None, 3),
     {"use_bias": False}),
    (lambda: L.Activation(activation="sigmoid"), (4,), (None, 4), {"activation": "sigmoid"}),
    (lambda: L.Dropout(rate=0.3, seed=2), (4,), (None, 4), {"rate": 0.3}),
    (lambda: L.Flatten(), (2, 3), (None, 6), {}),
    (lambda: L.Reshape(target_shape=(3, 2)), (6,), (None, 3, 2), {}),
    (lambda: L.Permute(dims=(2, 1)), (2, 3), (None, 3, 2), {}),
    (lambda: L.RepeatVector(n=3), (4,), (None, 3, 4), {"n": 3}),
    (lambda: L.ActivityRegularization(l1=0.1, l2=0.2), (4,), (None, 4), {"l1": 0.1}),
    (lambda: L.Masking(mask_value=-1.0), (3, 4), (None, 3, 4), {"mask_value": -1.0}),
    (lambda: L.LeakyReLU(alpha=0.2), (4,), (None, 4), {"alpha": 0.2}),
    (lambda: L.PReLU(alpha_initializer="ones", shared_axes=[1]), (3, 4), (None, 3, 4), {"shared_axes": [1]}),
    (lambda: L.ELU(alpha=0.5), (4,), (None, 4), {"alpha": 0.5}),
    (lambda: L.ThresholdedReLU(theta=0.7), (4,), (None, 4), {"theta": 0.7}),
    (lambda: L.Conv1D(filters=4, kernel_size=3, strides=1, padding="same", dilation_rate=1, activation="relu"),
     (10, 2), (None, 10, 4), {"padding": "same"}),
    (lambda: L.Conv2D(filters=4, kernel_size=(3, 3), strides=(2, 2), padding="valid", use_bias=False),
     (9, 9, 1), (None, 4, 4, 4), {"strides": [2, 2]}),
    (lambda: L.Conv2DTranspose(filters=2, kernel_size=3, strides=2, padding="same"), (4, 4, 3), (None, 8, 8, 2),
     {"filters": 2}),
    (lambda: L.SeparableConv2D(filters=5, kernel_size=3, depth_multiplier=2), (6, 6, 3), (None, 4, 4, 5),
     {"depth_multiplier": 2}),
    (lambda: L.MaxPooling1D(pool_size=2, strides=None, padding="valid"), (6, 3), (None, 3, 3), {}),
    (lambda: L.AveragePooling1D(pool_size=3), (6, 3), (None, 2, 3), {}),
    (lambda: L.MaxPooling2D(pool_size=(2, 2), padding="same"), (5, 5, 2), (None, 3, 3, 2), {}),
    (lambda: L.AveragePooling2D(pool_size=2, strides=1), (4, 4, 2), (None, 3, 3, 2), {}),
    (lambda: L.GlobalMaxPooling1D(), (5, 3), (None, 3), {}),
    (lambda: L.GlobalAveragePooling1D(), (5, 3), (None, 3), {}),
    (lambda: L.GlobalMaxPooling2D(data_format="channels_last"), (4, 4, 3), (None, 3), {}),
    (lambda: L.GlobalAveragePooling2D(), (4, 4, 3), (None, 3), {}),
    (lambda: L.UpSampling1D(size=3), (2, 4), (None, 6, 4), {"size": 3}),
    (lambda: L.UpSampling2D(size=(2, 3)), (2, 2, 1), (None, 4, 6, 1), {}),
    (lambda: L.ZeroPadding1D(padding=2), (3, 1), (None, 7, 1), {}),
    (lambda: L.ZeroPadding2D(padding=((1, 2), (0, 1))), (3, 3, 1), (None, 6, 4, 1), {}),
    (lambda: L.Cropping1D(cropping=(1, 1)), (5, 2), (None, 3, 2), {}),
    (lambda: L.Cropping2D(cropping=((1, 0), (0, 2))), (5, 5, 1), (None, 4, 3, 1), {}),
    (lambda: L.SpatialDropout1D(rate=0.2), (5, 2), (None, 5, 2), {}),
    (lambda: L.SpatialDropout2D(rate=0.2, data_format="channels_last"), (4, 4, 2), (None, 4, 4, 2), {}),
    (lambda: L.BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-4, center=False), (4,), (None, 4),
     {"momentum": 0.9, "center": False}),
    (lambda: L.SimpleRNN(units=3, activation="relu", go_backwards=True), (5, 2), (None, 3), {"go_backwards": True}),
    (lambda: L.GRU(units=3, return_sequences=True, dropout=0.1), (5, 2), (None, 5, 3), {"dropout": 0.1}),
    (lambda: L.LSTM(units=4, recurrent_activation="sigmoid", unit_forget_bias=False, implementation=2),
     (5, 2), (None, 4), {"unit_forget_bias": False}),
    (lambda: L.TimeDistributed(layer=L.Dense(3)), (5, 2), (None, 5, 3), {}),
    (lambda: L.Bidirectional(layer=L.LSTM(3, return_sequences=True), merge_mode="sum"), (5, 2), (None, 5, 3),
     {"merge_mode": "sum"}),
]


@pytest.mark.parametrize("case", range(len(_CASES)))
def test_each_layer_from_keyword_arguments(case):
    make, in_shape, out_shape, expected = _CASES[case]
    layer = make()
    y = layer(Input(shape=in_shape))
    assert K.int_shape(y) == out_shape
    config = layer.get_config()
    for key, value in expected.items():
        assert config[key] == pytest.approx(value) if isinstance(value, float) else config[key] == value, key


def test_embedding_and_input_layer_and_return_state():
    x = Input(shape=(5,), dtype="int32")
    e = L.Embedding(input_dim=20, output_dim=4, mask_zero=True, input_length=5)(x)
    assert K.int_shape(e) == (None, 5, 4)
    outputs = L.LSTM(3, return_state=True)(e)
    assert [K.int_shape(t) for t in outputs] == [(None, 3)] * 3
    layer = L.InputLayer(input_shape=(3,), batch_size=2, name="in")
    assert layer.get_config()["batch_input_shape"] == [2, 3]


def test_functional_merge_forms():
    a, b = Input(shape=(4,)), Input(shape=(4,))
    assert K.int_shape(L.add([a, b])) == (None, 4)
    assert K.int_shape(L.subtract([a, b])) == (None, 4)
    assert K.int_shape(L.multiply([a, b])) == (None, 4)
    assert K.int_shape(L.average([a, b])) == (None, 4)
    assert K.int_shape(L.maximum([a, b])) == (None, 4)
    assert K.int_shape(L.concatenate([a, b], axis=1)) == (None, 8)
    assert K.int_shape(L.dot([a, b], axes=1, normalize=True)) == (None, 1)
    model = Model([a, b], L.add([a, b], name="sum"))
    out = model.predict([np.ones((2, 4), np.float32), np.full((2, 4), 2, np.float32)])
    np.testing.assert_allclose(out, 3.0)
    assert model.get_layer("sum").__keras_class__ == "Add"


def test_wrappers_wrap_the_layer_object_given():
    dense = L.Dense(3, name="inner")
    td = L.TimeDistributed(dense)
    td(Input(shape=(5, 2)))
    assert dense.built and len(dense.weights) == 2
    assert td.get_config()["layer"]["config"]["name"] == "inner"
    # built inside the wrapper's call, under its name scope, as in Keras 2.0
    assert [w.name for w in td.weights] == [w.name for w in dense.weights] == [
        "time_distributed_1/kernel:0", "time_distributed_1/bias:0"]
    bi = L.Bidirectional(L.LSTM(2), merge_mode="concat", name="bi")
    assert K.int_shape(bi(Input(shape=(4, 3)))) == (None, 4)


def test_python_activation_and_regularizer_functions():
    def my_act(x):
        return K.relu(x) * 2.0

    def my_penalty(w):
        return K.sum(K.abs(w)) * 0.01

    dense = L.Dense(2, activation=my_act, kernel_regularizer=my_penalty, kernel_initializer="ones",
                    bias_initializer="zeros", input_dim=3)
    assert dense.get_config()["activation"] == "my_act"
    model = Sequential([dense])
    np.testing.assert_allclose(model.predict(np.ones((1, 3), np.float32)), [[6.0, 6.0]])
    with pytest.raises(TypeError, match="cannot use"):
        L.Dense(2, kernel_constraint=lambda w: w)


def test_common_keywords_weights_and_input_dim():
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    b = np.array([1.0, -1.0], np.float32)
    model = Sequential([L.Dense(2, input_dim=3, weights=[w, b])])
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], w)
    np.testing.assert_allclose(model.predict(np.ones((1, 3), np.float32)), [[7.0, 8.0]])
    rnn = L.LSTM(4, input_dim=3, input_length=6)
    assert rnn.get_config()["batch_input_shape"] == [None, 6, 3]
    conv = L.Conv2D(2, 3, input_shape=(8, 8, 1), batch_size=4, trainable=False, dtype="float32")
    assert conv.get_config()["batch_input_shape"] == [4, 8, 8, 1]
    assert conv.trainable is False
    with pytest.raises(TypeError, match="Keyword argument not understood: input_length"):
        L.Dense(2, input_length=3)


def test_stateful_lstm_reset_states():
    model = Sequential([L.LSTM(3, stateful=True, batch_input_shape=(2, 4, 1), kernel_initializer="ones",
                               recurrent_initializer="ones")])
    x = np.ones((2, 4, 1), np.float32)
    first = model.predict(x, batch_size=2)
    second = model.predict(x, batch_size=2)
    assert not np.allclose(first, second)  # the states carried over
    lstm = model.layers[0]
    assert lstm.stateful and len(lstm.states) == 2
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, batch_size=2), first, rtol=1e-6)
    lstm.reset_states()
    with pytest.raises(AttributeError):
        L.Dense(2).reset_states()


def test_layers_serialize_and_deserialize():
    conv = L.Conv2D(4, 3, padding="same", name="c")
    copy = L.deserialize(L.serialize(conv))
    assert copy.get_config() == conv.get_config()
    assert L.Convolution2D is L.Conv2D and L.MaxPool2D is L.MaxPooling2D


def test_initializer_regularizer_and_constraint_objects():
    from keraspp.keras import constraints, initializers, regularizers

    dense = L.Dense(3, kernel_initializer=initializers.RandomNormal(stddev=0.1, seed=1),
                    bias_initializer=initializers.Constant(0.5), kernel_regularizer=regularizers.l2(0.01),
                    kernel_constraint=constraints.max_norm(2.0), input_dim=4)
    c = dense.get_config()
    assert c["kernel_initializer"] == {"class_name": "RandomNormal",
                                       "config": {"mean": 0.0, "stddev": 0.1, "seed": 1}}
    assert c["kernel_regularizer"]["class_name"] == "L1L2"
    assert c["kernel_regularizer"]["config"]["l2"] == pytest.approx(0.01)
    assert c["kernel_constraint"] == {"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}}
    model = Sequential([dense])
    np.testing.assert_allclose(model.layers[0].get_weights()[1], [0.5, 0.5, 0.5])
    assert len(model.losses) == 1  # the kernel's L2 penalty
    conv = L.Conv2D(2, 3, kernel_initializer=initializers.he_normal(seed=3))
    assert conv.get_config()["kernel_initializer"]["config"]["mode"] == "fan_in"
    with pytest.raises(ValueError, match="Invalid `mode`"):
        initializers.VarianceScaling(mode="fan_both")

    class Scale(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer=initializers.Constant(3.0),
                                     name="w", regularizer=regularizers.l1(0.1),
                                     constraint=constraints.non_neg())
            super().build(input_shape)

        def call(self, x):
            return x * self.w

    model = Sequential([Scale(input_shape=(2,))])
    np.testing.assert_allclose(model.predict(np.ones((1, 2), np.float32)), [[3.0, 3.0]])
    assert len(model.losses) == 1


def test_keras_2_submodule_paths():
    from keraspp.keras.layers.convolutional import Conv2D, Convolution2D
    from keraspp.keras.layers.core import Dense
    from keraspp.keras.layers.merge import concatenate
    from keraspp.keras.layers.recurrent import LSTM
    from keraspp.keras.layers.wrappers import Bidirectional

    assert Conv2D is L.Conv2D is Convolution2D and Dense is L.Dense and LSTM is L.LSTM
    assert concatenate is L.concatenate and Bidirectional is L.Bidirectional
    assert L.pooling.MaxPooling2D is L.MaxPooling2D
