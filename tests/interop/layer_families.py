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


def save_inputs(folder, stem, xs, ys):
    for i, arr in enumerate(xs):
        np.save(folder / f"{stem}_x{i}.npy", arr)
    for i, arr in enumerate(ys):
        np.save(folder / f"{stem}_y{i}.npy", arr)


def check_cpp_results(folder, stem, model, xs, ys):
    """Keras++'s predictions and evaluate loss for the file `stem` match Python's."""
    py = model.predict(xs, verbose=0)
    py = py if isinstance(py, list) else [py]
    for i, p in enumerate(py):
        np.testing.assert_allclose(np.load(folder / f"{stem}_cpp_pred{i}.npy"), p, rtol=1e-5, atol=1e-6)
    loss = model.evaluate(xs, ys, verbose=0)
    loss = loss[0] if isinstance(loss, list) else loss
    np.testing.assert_allclose(np.load(folder / f"{stem}_cpp_eval.npy")[0], loss, rtol=1e-5)


def check_keraspp_predictions(folder, stem, model):
    """A model Keras++ wrote predicts what Keras++ predicted."""
    xs = [np.load(folder / f"{stem}_x{i}.npy") for i in range(2) if (folder / f"{stem}_x{i}.npy").exists()]
    py = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    py = py if isinstance(py, list) else [py]
    for i, p in enumerate(py):
        np.testing.assert_allclose(p, np.load(folder / f"{stem}_pred{i}.npy"), rtol=1e-5, atol=1e-6)
