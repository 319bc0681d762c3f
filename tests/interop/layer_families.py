"""Models covering every layer family Keras++ has, built with either Python
Keras 2 (tf_keras) or Keras 3 (keras): the same code, the module passed in.
The Keras++ halves (tests/keras_saving/interop_test.cc) build the same shapes.
"""
import numpy as np


def one_hot(n, classes):
    y = np.zeros((n, classes), np.float32)
    y[np.arange(n), (np.arange(n) * 7) % classes] = 1
    return y


def cnn(keras, name):
    """Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dropout, Dense."""
    L = keras.layers
    model = keras.Sequential([keras.Input((8, 8, 2)),
                              L.Conv2D(4, 3, padding="same", activation="relu"),
                              L.MaxPooling2D(),
                              L.Conv2D(3, (2, 2)),
                              L.AveragePooling2D(pool_size=3, strides=1),
                              L.Flatten(),
                              L.Dropout(0.2),
                              L.Dense(3, activation="softmax")], name=name)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy")
    return model


def cnn_data(rng):
    return [rng.uniform(-1, 1, (12, 8, 8, 2)).astype(np.float32)], [one_hot(12, 3)]


def families(keras, name):
    """Embedding, Conv1D, MaxPooling1D, AveragePooling1D and every merge
    layer, with two inputs and two outputs."""
    L = keras.layers
    ids = keras.Input((5,), name="ids", dtype="int32")
    seq = keras.Input((6, 2), name="seq")
    a = L.Flatten()(L.Embedding(10, 3)(ids))
    s = L.MaxPooling1D()(L.Conv1D(3, 2, activation="tanh")(seq))
    s = L.Flatten()(L.AveragePooling1D(pool_size=1)(s))
    ha = L.Dense(4)(a)
    hs = L.Dense(4)(s)
    merged = L.concatenate([L.add([ha, hs]), L.multiply([ha, hs]), L.subtract([ha, hs]), L.average([ha, hs]),
                            L.maximum([ha, hs])])
    out1 = L.Dense(2, activation="softmax", name="out1")(merged)
    out2 = L.Dot(axes=1, normalize=True, name="out2")([ha, hs])
    model = keras.Model([ids, seq], [out1, out2], name=name)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5])
    return model


def families_data(rng):
    ids = (np.arange(16 * 5).reshape(16, 5) * 3 % 10).astype(np.int32)
    seq = rng.uniform(-1, 1, (16, 6, 2)).astype(np.float32)
    return [ids, seq], [one_hot(16, 2), rng.uniform(-1, 1, (16, 1)).astype(np.float32)]


def convolutions(keras, name):
    """BatchNormalization (its moving statistics), SeparableConv2D,
    Conv2DTranspose, Cropping2D, ZeroPadding2D, SpatialDropout2D,
    UpSampling2D, GlobalMax/AveragePooling2D."""
    L = keras.layers
    x = keras.Input((8, 8, 2), name="image")
    h = L.BatchNormalization()(L.Conv2D(4, 3, padding="same")(x))
    h = L.Activation("relu")(h)
    h = L.SeparableConv2D(3, 3, padding="same", depth_multiplier=2, activation="tanh")(h)
    h = L.Conv2DTranspose(2, 3, strides=2)(h)
    h = L.ZeroPadding2D((1, 2))(L.Cropping2D(((1, 2), (2, 1)))(h))
    h = L.SpatialDropout2D(0.3)(h)
    h = L.UpSampling2D((2, 1))(L.MaxPooling2D(2)(h))
    h = L.BatchNormalization(momentum=0.9, center=False)(h)
    g = L.concatenate([L.GlobalMaxPooling2D()(h), L.GlobalAveragePooling2D()(h)])
    model = keras.Model(x, L.Dense(3, activation="softmax")(g), name=name)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy")
    return model


def convolutions_data(rng):
    return [rng.uniform(-1, 1, (12, 8, 8, 2)).astype(np.float32)], [one_hot(12, 3)]


def sequences(keras, name):
    """ZeroPadding1D, Cropping1D, UpSampling1D, SpatialDropout1D,
    BatchNormalization on sequences, GlobalMax/AveragePooling1D,
    ActivityRegularization."""
    L = keras.layers
    seq = keras.Input((6, 3), name="seq")
    h = L.Conv1D(4, 3, activation="relu")(L.ZeroPadding1D((1, 2))(seq))
    h = L.UpSampling1D(2)(L.Cropping1D((1, 1))(h))
    h = L.BatchNormalization(scale=False)(L.SpatialDropout1D(0.25)(h))
    g = L.concatenate([L.GlobalMaxPooling1D()(h), L.GlobalAveragePooling1D()(h)])
    g = L.ActivityRegularization(l1=0.01, l2=0.02)(g)
    model = keras.Model(seq, L.Dense(2, activation="softmax")(g), name=name)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy")
    return model


def sequences_data(rng):
    return [rng.uniform(-1, 1, (12, 6, 3)).astype(np.float32)], [one_hot(12, 2)]


def recurrent(keras, name, gate="sigmoid"):
    """Embedding(mask_zero) feeding an LSTM, GRU (reset_after=False, Keras
    2.0's), SimpleRNN, Bidirectional in every merge mode, TimeDistributed,
    Masking, RepeatVector. `gate`: the recurrent activation (Keras 3's
    hard_sigmoid is not Keras 2's, so Keras 3 models use sigmoid)."""
    L = keras.layers
    ids = keras.Input((7,), name="ids", dtype="int32")
    seq = keras.Input((5, 3), name="seq")
    h = L.LSTM(5, return_sequences=True, recurrent_activation=gate)(L.Embedding(12, 4, mask_zero=True)(ids))
    h = L.Bidirectional(L.GRU(3, return_sequences=True, reset_after=False, recurrent_activation=gate))(h)
    h = L.TimeDistributed(L.Dense(2, activation="tanh"))(h)
    a = L.SimpleRNN(4, go_backwards=True)(h)
    s = L.Bidirectional(L.SimpleRNN(3, return_sequences=True), merge_mode="sum")(L.Masking(0.0)(seq))
    s = L.Bidirectional(L.LSTM(2, recurrent_activation=gate), merge_mode="ave")(s)
    out1 = L.Dense(2, activation="softmax", name="out1")(L.concatenate([a, s]))
    # (Keras 3 cannot reload a Bidirectional around a go_backwards layer.)
    r = L.Bidirectional(L.GRU(2, reset_after=False, recurrent_activation=gate), merge_mode="mul")(L.RepeatVector(3)(a))
    out2 = L.Dense(1, name="out2")(r)
    model = keras.Model([ids, seq], [out1, out2], name=name)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["categorical_crossentropy", "mse"])
    return model


def recurrent_data(rng, n=12):
    """Token ids with trailing zeros (masked), sequences with zero steps."""
    ids = ((np.arange(n * 7).reshape(n, 7) * 5) % 11 + 1).astype(np.int32)
    for i in range(n):
        ids[i, 7 - i % 4:] = 0
    seq = rng.uniform(-1, 1, (n, 5, 3)).astype(np.float32)
    seq[::3, 1] = 0.0
    seq[1::4, 4] = 0.0
    return [ids, seq], [one_hot(n, 2), rng.uniform(-1, 1, (n, 1)).astype(np.float32)]


def all_families(keras, prefix, keras3):
    """(stem, model, inputs, targets) for every family model above; tf_keras's
    recurrent layers use Keras 2's hard_sigmoid, Keras 3's sigmoid."""
    rng = np.random.RandomState(7)
    gate = "sigmoid" if keras3 else "hard_sigmoid"
    out = []
    for stem, build, data in [("cnn", cnn, cnn_data), ("families", families, families_data),
                              ("convolutions", convolutions, convolutions_data),
                              ("sequences", sequences, sequences_data),
                              ("recurrent", lambda k, n: recurrent(k, n, gate), recurrent_data)]:
        xs, ys = data(rng)
        out.append((prefix + stem, build(keras, prefix + stem), xs, ys))
    return out


STEMS = ["cnn", "families", "convolutions", "sequences", "recurrent"]


def save_inputs(folder, stem, xs, ys):
    for i, arr in enumerate(xs):
        np.save(folder / f"{stem}_x{i}.npy", arr)
    for i, arr in enumerate(ys):
        np.save(folder / f"{stem}_y{i}.npy", arr)


def tf_keras_activity_shortfall(keras, model, xs):
    """tf_keras divides a layer's activity regularization loss by the batch
    size; Keras 2.0 (so Keras++) and Keras 3 add it whole. What Keras++'s
    evaluate adds on top of tf_keras's, for one batch holding all of xs."""
    total = 0.0
    for layer in model.layers:
        if type(layer).__name__ == "ActivityRegularization":
            a = keras.Model(model.inputs, layer.input).predict(xs, verbose=0)
            total += layer.l1 * np.abs(a).sum() + layer.l2 * np.square(a).sum()
    return total * (1 - 1 / len(xs[0]))


def check_cpp_results(folder, stem, model, xs, ys, extra_loss=0.0):
    """Keras++'s predictions and evaluate loss for the file `stem` match
    Python's (plus `extra_loss`, what Keras++ adds by design)."""
    py = model.predict(xs, verbose=0)
    py = py if isinstance(py, list) else [py]
    for i, p in enumerate(py):
        np.testing.assert_allclose(np.load(folder / f"{stem}_cpp_pred{i}.npy"), p, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{stem} output {i}")
    loss = model.evaluate(xs, ys, verbose=0)
    loss = loss[0] if isinstance(loss, list) else loss
    np.testing.assert_allclose(np.load(folder / f"{stem}_cpp_eval.npy")[0], loss + extra_loss, rtol=1e-5,
                               err_msg=f"{stem} evaluate")


def check_keraspp_predictions(folder, stem, model):
    """A model Keras++ wrote predicts what Keras++ predicted."""
    xs = [np.load(folder / f"{stem}_x{i}.npy") for i in range(3) if (folder / f"{stem}_x{i}.npy").exists()]
    py = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    py = py if isinstance(py, list) else [py]
    for i, p in enumerate(py):
        np.testing.assert_allclose(p, np.load(folder / f"{stem}_pred{i}.npy"), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{stem} output {i}")
